namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// Stored series put on a common step grid, as seed 001's Test 4 (<c>phasescope correlate</c>) and the spectral-edge
/// checks compare them: one value per step (a store written twice over some steps, as by a run resumed by two writers
/// before the run lock existed, keeps the last value recorded) and the steps every series recorded.
/// </summary>
public static class StepAlignment
{
    /// <summary>The series as step → value, the last value of a step recorded more than once winning;
    /// <paramref name="repeated"/> counts such repeats.</summary>
    public static Dictionary<long, double> LastByStep(IReadOnlyList<(long Step, double Value)> series, out int repeated)
    {
        var byStep = new Dictionary<long, double>();
        repeated = 0;
        foreach (var (step, value) in series)
        {
            if (byStep.ContainsKey(step)) repeated++;
            byStep[step] = value;
        }
        return byStep;
    }

    /// <summary><see cref="LastByStep(IReadOnlyList{ValueTuple{long, double}}, out int)"/> without the count.</summary>
    public static Dictionary<long, double> LastByStep(IReadOnlyList<(long Step, double Value)> series) => LastByStep(series, out _);

    /// <summary>The steps recorded in both series, ascending.</summary>
    public static long[] CommonSteps(IReadOnlyDictionary<long, double> x, IReadOnlyDictionary<long, double> y) =>
        x.Keys.Where(y.ContainsKey).Order().ToArray();
}
