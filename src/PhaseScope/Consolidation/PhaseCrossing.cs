namespace PhaseScope.Consolidation;

/// <summary>A crossing of p = 0.5 (seed 003 §5: the phase transition between exploration and generalisation).</summary>
/// <param name="Upward">True for p rising through the threshold (Phase I → III), false for falling.</param>
/// <param name="Smoothed">The smoothed p after the crossing.</param>
/// <param name="Before">The smoothed p at the previous observation.</param>
public sealed record PhaseCrossingEvent(bool Upward, double Smoothed, double Before);

/// <summary>
/// Detects p crossing a threshold (default 0.5) in either direction after smoothing: p is averaged over
/// the last <c>window</c> observations, nothing is reported until the window is full, and a crossing is
/// reported when the smoothed value moves to the other side of the threshold than the side last reported
/// (the initial side is the first full window's). A single noisy value cannot flap the state as long as the
/// window is larger than one; the seed's loop (§11.2) compares two raw values instead.
/// </summary>
public sealed class PhaseCrossing
{
    readonly Queue<double> recent = new();
    double sum;
    bool? above;
    double last = double.NaN;

    /// <summary>Creates a detector.</summary>
    /// <param name="window">Observations averaged (≥ 1; 1 reproduces the seed's raw comparison).</param>
    /// <param name="threshold">The threshold on p.</param>
    public PhaseCrossing(int window = 5, double threshold = 0.5)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "The smoothing window must hold at least one observation.");
        if (!(threshold is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold on p must lie in (0, 1).");
        Window = window;
        Threshold = threshold;
    }

    /// <summary>Observations averaged.</summary>
    public int Window { get; }
    /// <summary>The threshold.</summary>
    public double Threshold { get; }
    /// <summary>The current smoothed p (NaN until the window is full).</summary>
    public double Smoothed => recent.Count == Window ? sum / Window : double.NaN;

    /// <summary>Adds one p; returns the crossing it completes, if any. NaN values are ignored.</summary>
    public PhaseCrossingEvent? Observe(double p)
    {
        if (double.IsNaN(p)) return null;
        recent.Enqueue(p);
        sum += p;
        if (recent.Count > Window) sum -= recent.Dequeue();
        if (recent.Count < Window) return null;
        double s = sum / Window, before = last;
        last = s;
        bool nowAbove = s > Threshold;
        if (above is null) { above = nowAbove; return null; }
        if (nowAbove == above) return null;
        above = nowAbove;
        return new PhaseCrossingEvent(nowAbove, s, before);
    }

    /// <summary>The smoothing buffer (oldest first), its running sum (kept as is: a sum re-added from the buffer can
    /// differ in the last bit), the side of the threshold last seen and the last smoothed p: all a resumed run needs
    /// to report the same crossings as an uninterrupted one.</summary>
    public (double[] Recent, double Sum, bool? Above, double Last) State => (recent.ToArray(), sum, above, last);

    /// <summary>Restores a <see cref="State"/> (at most <see cref="Window"/> values).</summary>
    public void Restore(double[] recentValues, double runningSum, bool? aboveThreshold, double lastSmoothed)
    {
        if (recentValues.Length > Window) throw new ArgumentException($"The smoothing buffer holds {Window} values; the state has {recentValues.Length}.", nameof(recentValues));
        recent.Clear();
        foreach (var v in recentValues) recent.Enqueue(v);
        sum = runningSum;
        above = aboveThreshold;
        last = lastSmoothed;
    }
}
