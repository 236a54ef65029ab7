namespace PhaseScope.Monitoring.Probes;

/// <summary>The built-in cheap probes: loss, gradient norm, update size, parameter norm, distance from initialisation.</summary>
public static class CheapProbes
{
    /// <summary>All five, each every <paramref name="every"/> steps; the four norm probes share one <see cref="NormPass"/>, so
    /// each tensor is read once after backward (g) and once after the step (θ with θ_{t−1} and θ₀).</summary>
    public static IReadOnlyList<IProbe> Create(int every = 1, bool perTensor = true)
    {
        var s = ProbeSchedule.Every(every);
        var pass = new NormPass();
        return [
            new LossProbe(s),
            new GradientNormProbe(s, perTensor, pass),
            new UpdateSizeProbe(s, perTensor, pass),
            new ParameterNormProbe(s, perTensor, pass),
            new DistanceFromInitProbe(s, perTensor, pass),
        ];
    }
}
