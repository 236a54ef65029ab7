namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Writes L2 norms of the watched tensors, per tensor and global, from the per-tensor values a <see cref="NormPass"/>
/// measured (a probe never measures its own: the pass reads every tensor once per call for all the norm probes).
/// </summary>
internal static class Norms
{
    /// <summary>
    /// Writes <paramref name="prefix"/> = sqrt(Σ_i n_i²) over the tensors that have a norm and, when
    /// <paramref name="perTensor"/>, <c>prefix/name_i</c> = n_i. The squares are summed in float64 on the host.
    /// <paramref name="watch"/>, when given, turns non-finite norms into events.
    /// </summary>
    public static void Write(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        IReadOnlyList<double?> norms, bool perTensor, NonFiniteWatch? watch = null)
    {
        var names = new List<string>(parameters.Count);
        var values = new List<double>(parameters.Count);
        for (int i = 0; i < parameters.Count; i++)
            if (norms[i] is double n) { names.Add(parameters[i].Name); values.Add(n); }
        if (values.Count == 0) return;
        double sumSq = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sumSq += values[i] * values[i];
            if (perTensor) output.Metric($"{prefix}/{names[i]}", values[i]);
        }
        output.Metric(prefix, Math.Sqrt(sumSq));
        watch?.Check(output, names, values);
    }
}
