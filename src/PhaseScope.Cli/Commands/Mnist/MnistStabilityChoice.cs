using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Stability;

namespace PhaseScope.Cli.Commands.Mnist;

/// <summary>
/// The mnist command's options of the stability probe (docs/INSTABILITY.md), bound in one place. Off unless an interval is
/// given: <c>--stability-every N</c> measures the directional sharpness uᵀHu/uᵀu along the update every N steps;
/// <c>--stability-preconditioned-every N</c> measures λ_max(P⁻¹H) with AdamW's preconditioner P = diag(√v̂ + ε) and its
/// margin to (2 + 2β₁)/((1 − β₁)η) (c₁ and the decoupled decay included, <see cref="StabilityMargin"/>) every N steps, and
/// needs <c>--optimizer adamw</c> (for SGD the curvature probe's λ_max(H) against 2/η is that reading). H is the Hessian
/// of the loss on one fixed batch of <c>--stability-batch</c> training images (0: the whole subset up to 1,000, the
/// curvature probe's batch). Either interval also attaches, as grok's <c>--stability</c> does, the softmax-absorption probe
/// (the absorbed share of the training rows at every evaluation) and the instability risk that reads both.
/// </summary>
public sealed class MnistStabilityChoice
{
    readonly Option<int> directionalEvery = new NumericOption<int>("--stability-every", "Directional sharpness uᵀHu/uᵀu along the update every N steps (0: off; one Hessian-vector product on the stability batch each).", 0, NumberRange<int>.AtLeast(0).CappedAt(10_000_000, "steps between calls"));
    readonly Option<int> preconditionedEvery = new NumericOption<int>("--stability-preconditioned-every", "λ_max(P⁻¹H) with AdamW's preconditioner and its margin to (2 + 2β₁)/((1 − β₁)η) every N steps (0: off; needs --optimizer adamw; a tracked Lanczos, ≈ 3 products warm).", 0, NumberRange<int>.AtLeast(0).CappedAt(10_000_000, "steps between calls"));
    readonly Option<int> batch = new NumericOption<int>("--stability-batch", "Images of the stability probe's fixed Hessian batch (0: the whole training subset up to 1,000).", 0, NumberRange<int>.Between(0, 60_000));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [directionalEvery, preconditionedEvery, batch];

    /// <summary>The stability settings of the parse result (null: the probe is off).</summary>
    /// <param name="r">The parse result.</param>
    /// <param name="optimizer">The run's optimizer, sgd or adamw.</param>
    /// <param name="trainSize">The training subset's size (the Hessian batch's upper bound).</param>
    /// <exception cref="UsageException">--stability-batch without an interval, the preconditioned reading without AdamW, or a batch above the subset.</exception>
    public MnistStability? Bind(ParseResult r, string optimizer, int trainSize)
    {
        int every = r.GetValue(directionalEvery), pre = r.GetValue(preconditionedEvery), b = r.GetValue(batch);
        if (every == 0 && pre == 0)
        {
            if (b != 0) throw new UsageException($"--stability-batch {b}: only applies with --stability-every or --stability-preconditioned-every; add one of them (or drop --stability-batch).");
            return null;
        }
        if (pre > 0 && optimizer != "adamw")
            throw new UsageException($"--stability-preconditioned-every {pre}: λ_max(P⁻¹H) needs AdamW's preconditioner (got --optimizer {optimizer}); add --optimizer adamw, or use --curvature-every for λ_max(H) against 2/η.");
        if (b > trainSize) throw new UsageException($"--stability-batch {b}: must be at most --train-size {trainSize} (or 0 for the whole subset up to 1,000).");
        return new MnistStability(every, pre, b > 0 ? b : Math.Min(trainSize, 1000));
    }
}
