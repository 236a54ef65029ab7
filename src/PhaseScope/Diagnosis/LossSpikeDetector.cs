namespace PhaseScope.Diagnosis;

/// <summary>A loss spike: the training loss jumped well above its recent level and came back (or has not yet).</summary>
/// <param name="Onset">First observation at or above the onset threshold.</param>
/// <param name="Peak">Step of the largest loss during the spike.</param>
/// <param name="PeakLoss">That loss.</param>
/// <param name="BaselineLoss">The recent level it is measured against (median of the previous observations).</param>
/// <param name="End">First observation back below the end threshold (null while the spike lasts).</param>
public sealed record LossSpike(long Onset, long Peak, double PeakLoss, double BaselineLoss, long? End)
{
    /// <summary>Peak loss ÷ baseline.</summary>
    public double Ratio => PeakLoss / BaselineLoss;
}

/// <summary>
/// Finds loss spikes in a training-loss series observed in step order (the <c>loss</c> metric, every few steps).
/// Not from a seed: a robust change detector on x = log L. The baseline b is the median of x over the last
/// <see cref="Window"/> observations outside spikes; a spike starts when x − b ≥ max(log <see cref="Factor"/>,
/// <see cref="MadMultiple"/>·σ̂) (the loss is at least Factor times its recent median and far outside its scatter), lasts
/// while x − b ≥ half that threshold, and ends at the first observation below. The baseline is frozen during a spike.
/// <para>The scatter σ̂ is taken from the step-to-step changes d_i = x_i − x_{i−1} of the baseline's consecutive
/// observations, not from x itself: σ̂ = 1.4826·median|d_i − c|/√2, c the Hodges–Lehmann centre of the changes (the
/// median of the pairwise means (d_i + d_j)/2, i ≤ j). With x_i = μ_i + σε_i (a smooth trend μ, white noise of scale σ),
/// d_i = (μ_i − μ_{i−1}) + σ(ε_i − ε_{i−1}): the trend's change per observation is nearly the same across the window, so
/// subtracting c removes it, and ε_i − ε_{i−1} has √2 times the scale of ε, so σ̂ estimates σ (1.4826·median|·| is a
/// normal's σ). The centre is neither the median nor the mean of d: a period-2 oscillation of amplitude δ has changes
/// ±δ, whose median is one of them when rises outnumber falls (then |d − median| is mostly 0 and a high point is
/// flagged as a spike), while most pairwise means are 0, so c ≈ 0 and |d − c| = δ; and one large change (the first fall
/// of training) drags the mean, and with it every |d − mean|, but not the Hodges–Lehmann centre. The MAD of x itself
/// also counts the trend: while the loss is still falling fast, a window spanning a fall of Δ in log L has MAD ≈ Δ/4
/// whatever the noise, and the onset threshold 6·1.4826·Δ/4 ≈ 2.2Δ hid every spike smaller than e^{2.2Δ} (on the small
/// modular runs of the instability forecast it flagged 1 of their 9 spikes of ≥ 10×).</para>
/// <para>A run can also come back from a spike to another level than before it (measured in the README run
/// with every family on: a ×4.8e4 spike at step 5240 fell back to 1e-4 within 200 steps, then relaxed slowly to
/// 1.6e-5 at step 6000, still 13× its old baseline of 1.2e-6, with accuracy 1.0 throughout). So a spike that has
/// lasted <see cref="Window"/> observations also ends when its loss is <see cref="Factor"/>² below its peak (recovered), or
/// when the median of its last <see cref="SettleObservations"/> observations is within 20 % of the median of the ones
/// before them (settled at a new level); the baseline then restarts from those last observations. No spike is looked for
/// before <see cref="MinHistory"/> observations. Divergence: a spike lasting <see cref="DivergenceObservations"/>
/// observations whose loss is not falling (its last median not 20 % below the one before; a flat one has settled by then), or a loss above
/// <see cref="DivergenceFactor"/> times the largest of the first <see cref="MinHistory"/> observations (training starts
/// at its highest loss).</para>
/// <para>With log-normal scatter σ of the loss around its trend, the onset threshold is max(log Factor, ≈ 6σ): at σ = 0.3
/// (measured mini-batch scatter of the reference run late in training is smaller) a spike must reach ≈ 6× to be seen.</para>
/// </summary>
public sealed class LossSpikeDetector
{
    readonly Queue<double> recent = new();
    readonly List<LossSpike> spikes = [];
    readonly List<double> during = [];   // log L of the running spike's observations (its length is the spike's)
    double threshold;   // log-space onset threshold of the running spike
    int observations;
    double startLoss;   // largest of the first MinHistory observations

    /// <summary>Onset: loss ≥ Factor × the baseline median (default 4).</summary>
    public double Factor { get; init; } = 4;

    /// <summary>Onset also needs log L − b ≥ this many robust standard deviations σ̂ of log L about its trend (default 6).</summary>
    public double MadMultiple { get; init; } = 6;

    /// <summary>Observations in the baseline (default 30: 300 steps at the default probe interval of 10).</summary>
    public int Window { get; init; } = 30;

    /// <summary>Observations before spikes are looked for (default 10).</summary>
    public int MinHistory { get; init; } = 10;

    /// <summary>Observations whose median, against that of the ones before them, tells whether a long spike has settled (default 10).</summary>
    public int SettleObservations { get; init; } = 10;

    /// <summary>A spike this many observations long whose loss is not falling is divergence (default 50).</summary>
    public int DivergenceObservations { get; init; } = 50;

    /// <summary>A loss this many times the largest of the first <see cref="MinHistory"/> observations is divergence (default 10).</summary>
    public double DivergenceFactor { get; init; } = 10;

    /// <summary>Spikes so far, the last possibly still running.</summary>
    public IReadOnlyList<LossSpike> Spikes => spikes;

    /// <summary>The running spike, or null.</summary>
    public LossSpike? Current => spikes.Count > 0 && spikes[^1].End is null ? spikes[^1] : null;

    /// <summary>The baseline loss (median of the recent observations), or NaN before any.</summary>
    public double Baseline => recent.Count == 0 ? double.NaN : Math.Exp(Median(recent));

    /// <summary>What one observation changed.</summary>
    [Flags]
    public enum Change
    {
        /// <summary>Nothing new.</summary>
        None = 0,
        /// <summary>A spike started at this observation.</summary>
        SpikeStarted = 1,
        /// <summary>The running spike ended at this observation.</summary>
        SpikeEnded = 2,
        /// <summary>The loss is not finite.</summary>
        NonFinite = 4,
        /// <summary>Divergence began (see the class summary).</summary>
        Diverging = 8,
    }

    /// <summary>Whether the loss is diverging now.</summary>
    public bool IsDiverging { get; private set; }

    /// <summary>Starts the baseline again at <paramref name="step"/>, where the loss becomes another function's (split
    /// MNIST's task switch: task B's loss is not task A's, so its first values are no spike against task A's baseline). A
    /// running spike ends at <paramref name="step"/>; the window, the scatter and the divergence reference (the largest of
    /// the first <see cref="MinHistory"/> observations) are rebuilt from the observations after it; the spikes found stay.</summary>
    public void Restart(long step)
    {
        if (Current is { } running) spikes[^1] = running with { End = step };
        recent.Clear();
        during.Clear();
        observations = 0;
        startLoss = 0;
        IsDiverging = false;
    }

    /// <summary>Observes the loss at <paramref name="step"/> (steps increasing).</summary>
    public Change Observe(long step, double loss)
    {
        if (!double.IsFinite(loss)) return Change.NonFinite;
        var change = Observe(step, loss, out bool wasDiverging);
        return IsDiverging && !wasDiverging ? change | Change.Diverging : change;
    }

    Change Observe(long step, double loss, out bool wasDiverging)
    {
        observations++;
        if (observations <= MinHistory) startLoss = Math.Max(startLoss, loss);
        double x = Math.Log(Math.Max(loss, double.Epsilon));
        wasDiverging = IsDiverging;
        IsDiverging = observations > MinHistory && loss > DivergenceFactor * startLoss;

        if (Current is { } running)
        {
            during.Add(x);
            double b = Math.Log(running.BaselineLoss);
            if (x - b >= threshold / 2)
            {
                if (loss > running.PeakLoss) spikes[^1] = running = running with { Peak = step, PeakLoss = loss };
                double trend = Trend();   // log change of the median over the last SettleObservations (NaN: too few)
                if (during.Count >= DivergenceObservations && trend > -SettleBand) IsDiverging = true;
                bool recovered = x <= Math.Log(running.PeakLoss) - 2 * Math.Log(Factor);
                bool settled = Math.Abs(trend) <= SettleBand;
                if (during.Count < Window || (!recovered && !settled)) return Change.None;
                spikes[^1] = running with { End = step };   // the baseline restarts from the spike's last observations
                recent.Clear();
                foreach (var v in during.Skip(Math.Max(0, during.Count - SettleObservations))) Push(v);
                during.Clear();
                return Change.SpikeEnded;
            }
            spikes[^1] = running with { End = step };
            during.Clear();
            Push(x);
            return Change.SpikeEnded;
        }

        if (recent.Count >= MinHistory)
        {
            double b = Median(recent);
            double onset = Math.Max(Math.Log(Factor), MadMultiple * Scatter(recent));
            if (x - b >= onset)
            {
                threshold = onset;
                during.Clear();
                during.Add(x);
                spikes.Add(new LossSpike(step, step, loss, Math.Exp(b), null));
                return Change.SpikeStarted;
            }
        }
        Push(x);
        return Change.None;
    }

    const double SettleBand = 0.22314355131420976;   // −log 0.8: a 20 % change of the median

    /// <summary>log(median of the running spike's last <see cref="SettleObservations"/> losses ÷ median of the ones before
    /// them); NaN with fewer than twice that many.</summary>
    double Trend()
    {
        int n = SettleObservations;
        if (during.Count < 2 * n) return double.NaN;
        return Median(during.Skip(during.Count - n)) - Median(during.Skip(during.Count - 2 * n).Take(n));
    }

    /// <summary>σ̂ = 1.4826·median|d_i − c|/√2 of the step-to-step changes d_i = x_i − x_{i−1} of
    /// <paramref name="values"/> (in order), c the median of their pairwise means (d_i + d_j)/2, i ≤ j: the noise scale of
    /// log L with its trend removed (see the class summary); 0 with fewer than two values.</summary>
    static double Scatter(IEnumerable<double> values)
    {
        var x = values.ToArray();
        if (x.Length < 2) return 0;
        var d = new double[x.Length - 1];
        for (int i = 1; i < x.Length; i++) d[i - 1] = x[i] - x[i - 1];
        var pairs = new List<double>(d.Length * (d.Length + 1) / 2);
        for (int i = 0; i < d.Length; i++)
            for (int j = i; j < d.Length; j++) pairs.Add(0.5 * (d[i] + d[j]));
        double c = Median(pairs);
        return 1.4826 * Median(d.Select(v => Math.Abs(v - c))) / Math.Sqrt(2);
    }

    void Push(double x)
    {
        recent.Enqueue(x);
        while (recent.Count > Window) recent.Dequeue();
    }

    static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
