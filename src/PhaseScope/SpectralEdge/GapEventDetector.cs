namespace PhaseScope.SpectralEdge;

/// <summary>A spectral-edge event kind (seed 001, Def. 10.4 gap collapse, Def. 10.6 gap opening, k* shift of Test 7).</summary>
public enum GapEventKind
{
    /// <summary>The gap ratio rose to the opening threshold from below the collapse threshold.</summary>
    GapOpened,
    /// <summary>The gap ratio fell to the collapse threshold from above the opening threshold.</summary>
    GapCollapsed,
    /// <summary>k* moved to a new position and stayed there for the persistence count.</summary>
    KStarShift,
}

/// <summary>A detected event.</summary>
public sealed record GapEvent(GapEventKind Kind, long Step, string Message);

/// <summary>
/// Turns a stream of (gap ratio, k*) readings into events, with hysteresis so that a ratio wandering around one
/// threshold does not fire on every window: the gap is "open" once R ≥ <see cref="OpenAbove"/> and "closed" once
/// R ≤ <see cref="CollapseBelow"/>; between the two the state is kept. The first reading sets the state without an
/// event (a window that starts open is not an opening). A k* shift fires when a new k* has held for
/// <see cref="Persistence"/> consecutive readings. NaN readings are skipped.
/// The seed's threshold values were lost in extraction; the defaults (open 1.5, collapse 1.2) sit between its
/// "gap collapse" (R → 1) and the ratios 1.5–3 it calls strong for noisy settings (Remark 7.3).
/// </summary>
public sealed class GapEventDetector
{
    bool? open;
    int stableK, candidateK, candidateCount;

    /// <summary>Creates a detector.</summary>
    public GapEventDetector(double openAbove = 1.5, double collapseBelow = 1.2, int persistence = 2)
    {
        if (!(collapseBelow >= 1 && openAbove > collapseBelow))
            throw new ArgumentOutOfRangeException(nameof(openAbove), $"Gap thresholds need 1 ≤ collapse < open (got collapse {collapseBelow}, open {openAbove}).");
        if (persistence < 1) throw new ArgumentOutOfRangeException(nameof(persistence), persistence, "k* persistence must be at least 1 reading.");
        (OpenAbove, CollapseBelow, Persistence) = (openAbove, collapseBelow, persistence);
    }

    /// <summary>Opening threshold on the gap ratio.</summary>
    public double OpenAbove { get; }
    /// <summary>Collapse threshold on the gap ratio.</summary>
    public double CollapseBelow { get; }
    /// <summary>Readings a new k* must hold.</summary>
    public int Persistence { get; }
    /// <summary>Whether the gap is currently open (null before the first reading).</summary>
    public bool? IsOpen => open;

    /// <summary>Feeds one window's reading; returns the events it triggers.</summary>
    public IReadOnlyList<GapEvent> Observe(long step, double gapRatio, int kStar)
    {
        var events = new List<GapEvent>();
        if (!double.IsNaN(gapRatio))
        {
            if (open is null) open = gapRatio >= OpenAbove ? true : gapRatio <= CollapseBelow ? false : null;
            else if (open == false && gapRatio >= OpenAbove)
            {
                open = true;
                events.Add(new GapEvent(GapEventKind.GapOpened, step, FormattableString.Invariant($"gap opened: ratio {gapRatio:G4} ≥ {OpenAbove} at k* = {kStar}")));
            }
            else if (open == true && gapRatio <= CollapseBelow)
            {
                open = false;
                events.Add(new GapEvent(GapEventKind.GapCollapsed, step, FormattableString.Invariant($"gap collapsed: ratio {gapRatio:G4} ≤ {CollapseBelow} at k* = {kStar}")));
            }
        }
        if (kStar > 0)
        {
            if (stableK == 0) { stableK = kStar; candidateCount = 0; }
            else if (kStar == stableK) candidateCount = 0;
            else
            {
                if (kStar == candidateK) candidateCount++;
                else { candidateK = kStar; candidateCount = 1; }
                if (candidateCount >= Persistence)
                {
                    events.Add(new GapEvent(GapEventKind.KStarShift, step, $"k* shifted from {stableK} to {kStar} (held {Persistence} windows)"));
                    stableK = kStar;
                    candidateCount = 0;
                }
            }
        }
        return events;
    }

    /// <summary>The hysteresis state (gap open, closed or undecided) and the k* persistence counters, for resuming.</summary>
    public (bool? Open, int StableK, int CandidateK, int CandidateCount) State => (open, stableK, candidateK, candidateCount);

    /// <summary>Restores a <see cref="State"/>.</summary>
    public void Restore(bool? isOpen, int stable, int candidate, int count)
    {
        if (stable < 0 || candidate < 0 || count < 0) throw new ArgumentException($"k* detector state must be non-negative (got {stable}, {candidate}, {count}).");
        open = isOpen;
        stableK = stable;
        candidateK = candidate;
        candidateCount = count;
    }
}
