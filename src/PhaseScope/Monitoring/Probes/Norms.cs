using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// L2 norms of a list of tensors, per tensor and global, with one device-to-host transfer. Probes run
/// under <c>no_grad</c> (see <see cref="PhaseMonitor"/>), so no <c>detach</c> is needed; each tensor costs
/// one native call, which is what dominates the cost of the cheap probes on small models.
/// </summary>
internal static class Norms
{
    /// <summary>‖t_i‖ for each parameter index that has a tensor.</summary>
    public static void Write(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor?> tensorOf, bool perTensor, NonFiniteWatch? watch = null) =>
        WriteScalars(output, prefix, parameters, i => tensorOf(i) is { } t ? linalg.vector_norm(t) : null, perTensor, watch);

    /// <summary>‖a_i − b_i‖ for each parameter index, fused (<c>torch.dist</c>, no difference tensor).</summary>
    public static void WriteDistances(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor> a, Func<int, Tensor?> b, bool perTensor, NonFiniteWatch? watch = null) =>
        WriteScalars(output, prefix, parameters, i => b(i) is { } other ? a(i).dist(other) : null, perTensor, watch);

    /// <summary>
    /// Writes <paramref name="prefix"/> = sqrt(Σ_i n_i²) and, when <paramref name="perTensor"/>,
    /// <c>prefix/name_i</c> = n_i, where n_i are scalar norm tensors on the parameters' device. The squares
    /// are summed in float64 on the host. <paramref name="watch"/>, when given, turns non-finite norms into events.
    /// </summary>
    static void WriteScalars(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor?> normOf, bool perTensor, NonFiniteWatch? watch)
    {
        var norms = new List<Tensor>(parameters.Count);
        var names = new List<string>(parameters.Count);
        for (int i = 0; i < parameters.Count; i++)
        {
            if (normOf(i) is not { } n) continue;
            norms.Add(n.dtype == ScalarType.Float64 ? n : n.to_type(ScalarType.Float64));
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
        watch?.Check(output, names, values);
    }
}
