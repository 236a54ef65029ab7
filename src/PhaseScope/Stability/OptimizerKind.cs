namespace PhaseScope.Stability;

/// <summary>The update rule whose linear stability <see cref="StabilityMargin"/> describes (docs/INSTABILITY.md).</summary>
public enum OptimizerKind
{
    /// <summary>SGD, optionally with heavy-ball momentum μ (b ← μb + (1 − d)g, θ ← θ − ηb) or Nesterov's form, and coupled
    /// weight decay w (g ← g + wθ), as <c>torch.optim.SGD</c> does.</summary>
    Sgd,
    /// <summary>AdamW as <c>KeptAdamW</c> (TorchSharp's and PyTorch's AdamW): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
    /// θ ← (1 − ηw)θ − (η / (1 − β₁ᵗ)) m / (√(v / (1 − β₂ᵗ)) + ε).</summary>
    AdamW,
    /// <summary>Muon: orthogonalised momentum; no linear preconditioner, so no linear stability threshold.</summary>
    Muon,
}
