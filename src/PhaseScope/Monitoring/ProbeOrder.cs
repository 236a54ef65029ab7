namespace PhaseScope.Monitoring;

/// <summary>The order a monitor runs its probes in within one call (<see cref="MonitorReadings"/>).</summary>
internal static class ProbeOrder
{
    /// <summary>The probes in their given order, except that a probe consuming a reading runs after the probes that
    /// publish it (a stable topological order; a cycle is refused).</summary>
    public static List<IProbe> ProducersFirst(List<IProbe> probes)
    {
        var ordered = new List<IProbe>();
        var placing = new HashSet<IProbe>();
        void Place(IProbe p)
        {
            if (ordered.Contains(p)) return;
            if (!placing.Add(p)) throw new ArgumentException($"Probes consume each other's readings in a cycle (at '{p.Name}').", nameof(probes));
            foreach (var producer in probes.Where(q => q != p && q.Publishes.Intersect(p.Consumes).Any())) Place(producer);
            ordered.Add(p);
        }
        foreach (var p in probes) Place(p);
        return ordered;
    }
}
