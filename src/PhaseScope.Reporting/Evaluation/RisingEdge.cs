namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The "fire when a condition turns true" rule of the derived events (<see cref="BaselineEvents"/>,
/// <see cref="WeightSpectrumEvents"/>): a condition read at successive evaluations fires at a reading where it holds
/// and did not hold at the reading before, like the probes' transition events.
/// </summary>
/// <param name="firstCanFire">Whether the very first reading may fire (true: "undefined before" counts as false);
/// false requires a reading where the condition failed first (a crossing seen from below).</param>
public sealed class RisingEdge(bool firstCanFire = true)
{
    bool? was = firstCanFire ? false : null;

    /// <summary>Records the condition at this reading; true when it fires here.</summary>
    public bool Fires(bool now)
    {
        bool fires = now && was == false;
        was = now;
        return fires;
    }

    /// <summary>A reading where the condition is undefined (counts as false: the next true reading fires).</summary>
    public void Undefined() => was = false;
}
