using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>L2 norms of a list of tensors, per tensor and global, with one device-to-host transfer.</summary>
internal static class Norms
{
    /// <summary>
    /// Writes <paramref name="prefix"/> = sqrt(Σ_i ‖t_i‖²) and, when <paramref name="perTensor"/>,
    /// <c>prefix/name_i</c> = ‖t_i‖. Null tensors are skipped. Per-tensor norms are computed on the
    /// tensors' device; their squares are summed in float64 on the host.
    /// </summary>
    public static void Write(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor?> tensorOf, bool perTensor)
    {
        var norms = new List<Tensor>(parameters.Count);
        var names = new List<string>(parameters.Count);
        for (int i = 0; i < parameters.Count; i++)
        {
            var t = tensorOf(i);
            if (t is null) continue;
            norms.Add(linalg.vector_norm(t.detach()).to_type(ScalarType.Float64));
            names.Add(parameters[i].Name);
        }
        if (norms.Count == 0) return;
        var values = stack(norms).cpu().data<double>().ToArray();
        double sumSq = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sumSq += values[i] * values[i];
            if (perTensor) output.Metric($"{prefix}/{names[i]}", values[i]);
        }
        output.Metric(prefix, Math.Sqrt(sumSq));
    }
}
