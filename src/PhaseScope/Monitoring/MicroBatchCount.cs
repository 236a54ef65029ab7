namespace PhaseScope.Monitoring;

/// <summary>The one k of a monitor's micro-batch probes: every probe that splits the batch must ask for the same k ≥ 2,
/// since the loop splits each batch once for all of them.</summary>
static class MicroBatchCount
{
    /// <summary>The k the <paramref name="probes"/> agree on (null: none splits the batch).</summary>
    /// <exception cref="ArgumentException">Two probes ask for different k, or one for k &lt; 2 (named as <paramref name="parameter"/>).</exception>
    public static int? Agreed(IEnumerable<IMicroBatchProbe> probes, string parameter)
    {
        var micro = probes.Select(p => p.MicroBatches).Distinct().ToList();
        if (micro.Count > 1) throw new ArgumentException($"Micro-batch probes ask for different numbers of micro-batches ({string.Join(", ", micro)}); use one k.", parameter);
        if (micro.Count == 1 && micro[0] < 2) throw new ArgumentException($"A micro-batch probe needs k ≥ 2 micro-batches (got {micro[0]}).", parameter);
        return micro.Count == 1 ? micro[0] : null;
    }
}
