namespace PhaseScope.Monitoring;

/// <summary>When a probe runs. Steps count optimizer steps from 1.</summary>
public abstract record ProbeSchedule
{
    /// <summary>True when the probe should run at <paramref name="step"/>.</summary>
    /// <param name="step">The optimizer step (1-based).</param>
    /// <param name="evaluationEvery">The trainer's evaluation interval (0 when unknown).</param>
    public abstract bool IsDue(long step, int evaluationEvery);

    /// <summary>The schedule's own interval in steps, the unit a <see cref="MonitorBudget"/> stretches (1 for schedules
    /// without one, such as log-spaced).</summary>
    public virtual int BaseInterval(int evaluationEvery) => 1;

    /// <summary>Every <paramref name="n"/> steps (steps n, 2n, …).</summary>
    public static ProbeSchedule Every(int n) => new EveryN(n);

    /// <summary>Log-spaced: <paramref name="perDecade"/> steps per decade (1, 2, 5, 10, … for 3), then every <paramref name="maxInterval"/>.</summary>
    public static ProbeSchedule LogSpaced(int perDecade = 10, int maxInterval = 1000) => new LogSpacedSchedule(perDecade, maxInterval);

    /// <summary>At the trainer's evaluation steps.</summary>
    public static ProbeSchedule OnEvaluation { get; } = new OnEvaluationSchedule();

    /// <summary>Every N steps.</summary>
    public sealed record EveryN : ProbeSchedule
    {
        /// <summary>The interval in steps.</summary>
        public int N { get; }

        /// <summary>Creates the schedule; <paramref name="n"/> must be ≥ 1.</summary>
        public EveryN(int n)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "A schedule interval must be at least 1 step.");
            N = n;
        }

        /// <inheritdoc />
        public override bool IsDue(long step, int evaluationEvery) => step % N == 0;

        /// <inheritdoc />
        public override int BaseInterval(int evaluationEvery) => N;

        /// <inheritdoc />
        public override string ToString() => $"every {N}";
    }

    /// <summary>
    /// Log-spaced steps: the distinct values of round(10^(i / perDecade)) for i = 0, 1, …, so
    /// early training (where transitions are fast) is sampled densely; capped at one call per
    /// <c>maxInterval</c> steps.
    /// </summary>
    public sealed record LogSpacedSchedule : ProbeSchedule
    {
        /// <summary>Points per decade of steps.</summary>
        public int PerDecade { get; }
        /// <summary>The largest gap between calls.</summary>
        public int MaxInterval { get; }

        /// <summary>Creates the schedule.</summary>
        public LogSpacedSchedule(int perDecade, int maxInterval)
        {
            if (perDecade < 1) throw new ArgumentOutOfRangeException(nameof(perDecade), perDecade, "Points per decade must be at least 1.");
            if (maxInterval < 1) throw new ArgumentOutOfRangeException(nameof(maxInterval), maxInterval, "The maximum interval must be at least 1 step.");
            PerDecade = perDecade;
            MaxInterval = maxInterval;
        }

        /// <inheritdoc />
        public override bool IsDue(long step, int evaluationEvery)
        {
            if (step < 1) return false;
            if (step % MaxInterval == 0) return true;
            // step is due when it is the rounding of 10^(i/perDecade) for some integer i.
            double i = Math.Log10(step) * PerDecade;
            foreach (var k in new[] { Math.Floor(i), Math.Ceiling(i) })
                if (Math.Round(Math.Pow(10, k / PerDecade)) == step) return true;
            return false;
        }

        /// <inheritdoc />
        public override string ToString() => $"log-spaced ({PerDecade}/decade, max {MaxInterval})";
    }

    /// <summary>At evaluation steps.</summary>
    public sealed record OnEvaluationSchedule : ProbeSchedule
    {
        /// <inheritdoc />
        public override bool IsDue(long step, int evaluationEvery) => evaluationEvery > 0 && step % evaluationEvery == 0;

        /// <inheritdoc />
        public override int BaseInterval(int evaluationEvery) => Math.Max(1, evaluationEvery);

        /// <inheritdoc />
        public override string ToString() => "on evaluation";
    }
}
