namespace PhaseScope.Stability;

/// <summary>
/// The linear stability threshold of an optimizer's update on a quadratic, and the margin to it (docs/INSTABILITY.md,
/// "Thresholds"). Linearise the update around a minimum of L = ½ θᵀHθ with the preconditioner P frozen (for AdamW,
/// P = diag(√v̂ + ε), the optimizer's current second-moment state; for SGD, P = I). On an eigenvector of P⁻¹H with
/// eigenvalue λ each rule is a 2×2 linear recurrence in (θ, momentum), stable iff both roots of its characteristic
/// polynomial lie in the unit disc (Jury's conditions). Solving them gives the largest stable λ:
/// <list type="bullet">
/// <item>AdamW (EMA momentum m ← β₁m + (1 − β₁)g, bias correction c₁ = 1 − β₁ᵗ, decoupled decay w):
/// λ(P⁻¹H) &lt; c₁ (1 + β₁)(2 − ηw) / ((1 − β₁) η); at w = 0 and large t this is (2 + 2β₁)/((1 − β₁)η), Cohen et al.'s
/// threshold ("Adaptive gradient methods at the edge of stability", 2022), 38/η at β₁ = 0.9; 2/η at β₁ = 0.</item>
/// <item>SGD, heavy ball (b ← μb + (1 − d)g, θ ← θ − ηb, coupled decay w): λ(H) + w &lt; (2 + 2μ)/((1 − d)η); 2/η without momentum.</item>
/// <item>SGD, Nesterov (θ ← θ − η(g + μb′), d = 0): λ(H) + w &lt; 2(1 + μ)/((1 + 2μ)η).</item>
/// <item>Muon: none (<see cref="HasThreshold"/> is false): its update O = polar(momentum) has unit singular values
/// whatever the gradient's scale, so it is not linear in θ and has no eigenvalue threshold.</item>
/// </list>
/// The margin is threshold − λ: positive while the frozen-preconditioner iteration is stable (with ηw ≥ 2 the AdamW threshold
/// is ≤ 0: the decoupled decay alone is unstable). The bias correction enters frozen at the step given; started from m = 0
/// the real c₁ rises from 1 − β₁ towards 1, so the first steps run at up to 1/(1 − β₁) times the asymptotic rate.
/// </summary>
public sealed record StabilityMargin
{
    /// <summary>The update rule.</summary>
    public required OptimizerKind Kind { get; init; }
    /// <summary>η, the learning rate (&gt; 0).</summary>
    public required double LearningRate { get; init; }
    /// <summary>AdamW's β₁, or SGD's momentum μ (in [0, 1)).</summary>
    public double Momentum { get; init; }
    /// <summary>SGD's dampening d (in [0, 1); 0 for AdamW).</summary>
    public double Dampening { get; init; }
    /// <summary>SGD with Nesterov momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>Weight decay w: decoupled for AdamW (θ ← (1 − ηw)θ), coupled for SGD (g ← g + wθ).</summary>
    public double WeightDecay { get; init; }
    /// <summary>AdamW's step count t for the bias correction c₁ = 1 − β₁ᵗ (null: t → ∞, c₁ = 1).</summary>
    public long? Step { get; init; }

    /// <summary>Whether the rule has a linear stability threshold (false for Muon).</summary>
    public bool HasThreshold => Kind != OptimizerKind.Muon;

    /// <summary>The largest stable eigenvalue: of P⁻¹H for AdamW (P frozen), of H for SGD; NaN for Muon.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range.</exception>
    public double Threshold
    {
        get
        {
            Validate();
            double eta = LearningRate, beta = Momentum, w = WeightDecay;
            return Kind switch
            {
                OptimizerKind.AdamW => BiasCorrection * (1 + beta) * (2 - eta * w) / ((1 - beta) * eta),
                OptimizerKind.Sgd when Nesterov => 2 * (1 + beta) / ((1 + 2 * beta) * eta) - w,
                OptimizerKind.Sgd => (2 + 2 * beta) / ((1 - Dampening) * eta) - w,
                _ => double.NaN,
            };
        }
    }

    /// <summary>c₁ = 1 − β₁ᵗ (1 when <see cref="Step"/> is null or the rule is not AdamW).</summary>
    public double BiasCorrection => Kind == OptimizerKind.AdamW && Step is long t ? 1 - Math.Pow(Momentum, t) : 1;

    /// <summary>threshold − λ (NaN where there is no threshold or λ is not finite).</summary>
    public double Margin(double lambdaMax) => HasThreshold && double.IsFinite(lambdaMax) ? Threshold - lambdaMax : double.NaN;

    /// <summary>λ / threshold: 1 at the edge of stability (NaN where there is no threshold).</summary>
    public double Ratio(double lambdaMax) => HasThreshold && double.IsFinite(lambdaMax) ? lambdaMax / Threshold : double.NaN;

    /// <summary>The formula in words, for reports: e.g. "(2 + 2β₁)/((1 − β₁)η) on λ_max(P⁻¹H)".</summary>
    public string Describe() => Kind switch
    {
        OptimizerKind.AdamW => "c₁(1 + β₁)(2 − ηw)/((1 − β₁)η) on λ_max(P⁻¹H), P = diag(√v̂ + ε)",
        OptimizerKind.Sgd when Nesterov => "2(1 + μ)/((1 + 2μ)η) − w on λ_max(H)",
        OptimizerKind.Sgd when Momentum > 0 => "(2 + 2μ)/((1 − d)η) − w on λ_max(H)",
        OptimizerKind.Sgd => "2/η − w on λ_max(H)",
        _ => "none: Muon's orthogonalised update is not linear in θ",
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive and finite.");
        if (!(Momentum is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "β₁ / momentum must lie in [0, 1).");
        if (!(Dampening is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Dampening), Dampening, "Dampening must lie in [0, 1).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be finite and ≥ 0.");
        if (Step is < 1) throw new ArgumentOutOfRangeException(nameof(Step), Step, "The step count starts at 1.");
        if (Nesterov && Dampening != 0) throw new ArgumentException("Nesterov momentum needs zero dampening (as torch.optim.SGD).", nameof(Nesterov));
    }
}
