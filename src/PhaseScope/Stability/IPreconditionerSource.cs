using static TorchSharp.torch;

namespace PhaseScope.Stability;

/// <summary>
/// An optimizer's current diagonal preconditioner, read by a probe without the library knowing the optimizer
/// (docs/INSTABILITY.md). For AdamW the update is θ ← (1 − ηw)θ − (η/c₁) P⁻¹ m with P = diag(√v̂ + ε), v̂ = v/(1 − β₂ᵗ):
/// <see cref="InverseDiagonal"/> gives P⁻¹ for one parameter, and <see cref="Stability"/> the rule and its
/// hyper-parameters now, so λ_max(P⁻¹H) can be compared with its threshold.
/// </summary>
public interface IPreconditionerSource
{
    /// <summary>The update rule with the current learning rate and step count.</summary>
    StabilityMargin Stability { get; }

    /// <summary>P⁻¹ for <paramref name="parameter"/>: a new tensor of its shape, dtype and device (the caller disposes it),
    /// or null when the optimizer holds no state for it (before its first step, or not one of its parameters).</summary>
    Tensor? InverseDiagonal(Tensor parameter);
}
