namespace PhaseScope.SpectralEdge;

/// <summary>
/// Seed 001 §28 (Test 8) scored at one timepoint t and window W: predicted against actual per-direction change of the
/// test loss. From the window's Gram G = X Xᵀ (<see cref="DecompositionWindow"/>, rows oldest first):
/// <list type="bullet">
/// <item>σ_j and v_j = Xᵀu_j/σ_j from the spectrum of G (<see cref="WindowSpectrum.Of"/>, steps 1–2);</item>
/// <item>γ̂_j from the two half-windows (<see cref="StabilityCoefficient.SplitHalf"/>, step 3), which defines the
/// m = min(r, W/2) directions scored (r the numerical rank);</item>
/// <item>the gradient projections a_j = ⟨∇L_train(θ_t), v_j⟩ and g_j = ⟨∇L_test(θ_t), v_j⟩ (step 4), from X·∇L through
/// <see cref="LossDecomposition.Compute"/>;</item>
/// <item>predicted per-direction change of the test loss, Thm. 17.1 (eq. 80) as <see cref="LossDecomposition"/>
/// reconstructs it: −η·γ̂_j·a_j·g_j with the stability coefficient and −η·a_j·g_j without it;</item>
/// <item>actual first-order per-direction change (step 5): g_j·⟨Δθ, v_j⟩ with Δθ = θ_{t+h} − θ_t, over the forward
/// half (h = (W/2)·s) and over the next window (h = W·s; NaN when its checkpoint is absent).</item>
/// </list>
/// Spearman's ρ (<see cref="RankCorrelation"/>) ranks the signed changes of the m directions. A γ̂_j that is NaN (a
/// half-window singular value at rounding level) counts as 1, as <see cref="LossDecomposition.Compute"/> does.
/// </summary>
/// <param name="Sigma">σ_j of the m directions.</param>
/// <param name="Stability">γ̂_j.</param>
/// <param name="TrainProjection">a_j.</param>
/// <param name="TestProjection">g_j.</param>
/// <param name="PredictedWith">−η·γ̂_j·a_j·g_j.</param>
/// <param name="PredictedWithout">−η·a_j·g_j.</param>
/// <param name="ActualHalf">g_j·⟨θ_{t+(W/2)s} − θ_t, v_j⟩.</param>
/// <param name="ActualNext">g_j·⟨θ_{t+Ws} − θ_t, v_j⟩.</param>
public sealed record DirectionImportance(double[] Sigma, double[] Stability, double[] TrainProjection, double[] TestProjection,
    double[] PredictedWith, double[] PredictedWithout, double[] ActualHalf, double[] ActualNext)
{
    /// <summary>m, the directions scored.</summary>
    public int Modes => Sigma.Length;
    /// <summary>ρ(predicted with γ̂, actual over the forward half).</summary>
    public double RhoWith => RankCorrelation.Spearman(PredictedWith, ActualHalf);
    /// <summary>ρ(predicted without γ̂, actual over the forward half).</summary>
    public double RhoWithout => RankCorrelation.Spearman(PredictedWithout, ActualHalf);
    /// <summary>ρ(predicted with γ̂, actual over the next window).</summary>
    public double RhoWithNext => RankCorrelation.Spearman(PredictedWith, ActualNext);
    /// <summary>ρ(predicted without γ̂, actual over the next window).</summary>
    public double RhoWithoutNext => RankCorrelation.Spearman(PredictedWithout, ActualNext);

    /// <summary>Scores one window.</summary>
    /// <param name="gram">G, oldest update first (W × W).</param>
    /// <param name="trainGradient">X·∇L_train(θ_t) (W values, oldest first: <see cref="TrajectoryWindow.Project"/>).</param>
    /// <param name="testGradient">X·∇L_test(θ_t).</param>
    /// <param name="halfStep">X·(θ_{t+(W/2)s} − θ_t).</param>
    /// <param name="nextStep">X·(θ_{t+Ws} − θ_t), or null when θ_{t+Ws} is not known.</param>
    /// <param name="learningRate">η.</param>
    /// <param name="rankTolerance">σ below this share of σ₁ is rounding noise (<see cref="WindowSpectrum.Of"/>).</param>
    public static DirectionImportance Score(double[,] gram, IReadOnlyList<double> trainGradient, IReadOnlyList<double> testGradient,
        IReadOnlyList<double> halfStep, IReadOnlyList<double>? nextStep, double learningRate, double? rankTolerance = 1e-7)
    {
        int w = gram.GetLength(0);
        if (w < 4 || w % 2 != 0) throw new ArgumentException($"The decomposition needs an even window of at least 4 updates; got {w}.", nameof(gram));
        var spectrum = WindowSpectrum.Of(gram, rankTolerance);
        var gamma = StabilityCoefficient.SplitHalf(gram);
        int m = Math.Min(spectrum.Rank, gamma.Length);
        var ones = Enumerable.Repeat(1.0, m).ToArray();
        var with = LossDecomposition.Compute(spectrum, trainGradient, testGradient, gamma, learningRate, m);
        var without = LossDecomposition.Compute(spectrum, trainGradient, testGradient, ones, learningRate, m);
        // ⟨Δθ, v_j⟩ is the "train" projection of a decomposition whose first vector is X·Δθ; the second is X·∇L_test again.
        var half = LossDecomposition.Compute(spectrum, halfStep, testGradient, ones, 1, m);
        var next = nextStep is null ? null : LossDecomposition.Compute(spectrum, nextStep, testGradient, ones, 1, m);
        var g = with.ValidationProjection;
        return new DirectionImportance(spectrum.Sigma.Take(m).ToArray(), gamma.Take(m).ToArray(), with.TrainProjection, g,
            with.LossChange, without.LossChange,
            half.TrainProjection.Select((d, j) => d * g[j]).ToArray(),
            next?.TrainProjection.Select((d, j) => d * g[j]).ToArray() ?? Enumerable.Repeat(double.NaN, m).ToArray());
    }
}
