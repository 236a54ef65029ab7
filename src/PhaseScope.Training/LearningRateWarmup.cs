namespace PhaseScope.Training;

/// <summary>
/// Linear learning-rate warm-up: at step t (1-based) of an N-step warm-up the optimizer runs at η·min(1, t/N), so the first
/// update is η/N and every update from step N on is at the full rate η. N = 0 is no warm-up (the factor is 1 at every step).
/// </summary>
public static class LearningRateWarmup
{
    /// <summary>The factor min(1, t/N) at step <paramref name="step"/> of a warm-up over <paramref name="steps"/> steps (1 when N ≤ 0).</summary>
    public static double Factor(long step, int steps) => steps <= 0 || step >= steps ? 1 : Math.Max(step, 1) / (double)steps;
}
