namespace PhaseScope.LearningCoefficient;

/// <summary>
/// Settings of the SGLD estimator of the local learning coefficient (<see cref="LocalLearningCoefficient"/>). The
/// defaults follow the devinterp project's documented starting point for small models (a few chains of a few hundred
/// draws, localisation γ = 100, nβ = n / log n); the step size ε is the one setting that has to be tuned per model:
/// too large and the chain diverges (reported), too small and it does not leave w*.
/// </summary>
/// <param name="Chains">Independent SGLD chains, each started at w*.</param>
/// <param name="Draws">Loss readings per chain after burn-in.</param>
/// <param name="BurnIn">Steps per chain before readings count.</param>
/// <param name="StepSize">ε of the SGLD step.</param>
/// <param name="Localization">γ ≥ 0 of the restoring term (γ/2)‖w − w*‖² that keeps the chain near w*.</param>
/// <param name="NBeta">nβ (inverse temperature times n); null: n / log n (β* = 1 / log n, Watanabe's WBIC temperature).</param>
/// <param name="ReferenceBatches">Batches the reference loss L_n(w*) is averaged over.</param>
/// <param name="Seed">Seed of the SGLD noise (a dedicated generator: training's random state is not touched).</param>
public sealed record LlcOptions(int Chains = 4, int Draws = 200, int BurnIn = 100, double StepSize = 1e-4, double Localization = 100,
    double? NBeta = null, int ReferenceBatches = 8, long Seed = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting and its valid range.</summary>
    public void Validate()
    {
        if (Chains < 1) throw new ArgumentException($"LLC chains must be at least 1 (got {Chains}).");
        if (Draws < 1) throw new ArgumentException($"LLC draws must be at least 1 (got {Draws}).");
        if (BurnIn < 0) throw new ArgumentException($"LLC burn-in must be ≥ 0 steps (got {BurnIn}).");
        if ((long)BurnIn + Draws > int.MaxValue) throw new ArgumentException($"LLC burn-in + LLC draws must be at most 2,147,483,647 SGLD steps per chain (got {BurnIn} + {Draws}).");
        // ε, γ and nβ scale float32 tensors (the weights' type): beyond float32's range they cannot be applied at all
        if (!(StepSize > 0) || !(StepSize <= float.MaxValue)) throw new ArgumentException($"The SGLD step size ε must be a positive number ≤ 3.4e38 (float32's largest; got {StepSize}).");
        if (!(Localization >= 0) || !(Localization <= float.MaxValue)) throw new ArgumentException($"The localisation γ must be ≥ 0 and ≤ 3.4e38 (float32's largest; got {Localization}).");
        if (NBeta is double nb && (!(nb > 0) || !(nb <= float.MaxValue))) throw new ArgumentException($"nβ must be a positive number ≤ 3.4e38 (float32's largest; got {nb}).");
        if (ReferenceBatches < 1) throw new ArgumentException($"LLC reference batches must be at least 1 (got {ReferenceBatches}).");
    }

    /// <summary>nβ for <paramref name="n"/> training examples: <see cref="NBeta"/> or n / log n.</summary>
    /// <exception cref="ArgumentException">n &lt; 2 without an explicit nβ (log n would be ≤ 0).</exception>
    public double NBetaFor(long n)
    {
        if (NBeta is double nb) return nb;
        if (n < 2) throw new ArgumentException($"nβ = n / log n needs n ≥ 2 training examples (got {n}); pass nβ explicitly.");
        return n / Math.Log(n);
    }
}
