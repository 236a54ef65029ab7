namespace PhaseScope.Monitoring.Probes;

/// <summary>The built-in cheap probes: loss, gradient norm, update size, parameter norm, distance from initialisation.</summary>
public static class CheapProbes
{
    /// <summary>All five, each every <paramref name="every"/> steps.</summary>
    public static IReadOnlyList<IProbe> Create(int every = 1, bool perTensor = true)
    {
        var s = ProbeSchedule.Every(every);
        return [
            new LossProbe(s),
            new GradientNormProbe(s, perTensor),
            new UpdateSizeProbe(s, perTensor),
            new ParameterNormProbe(s, perTensor),
            new DistanceFromInitProbe(s, perTensor),
        ];
    }
}
