namespace PhaseScope.SpectralEdge;

/// <summary>
/// The spectral decomposition of learning (seed 001, Thm. 17.1, Test 8), reconstructed: with v_j = Xᵀu_j/σ_j the
/// window's unit right singular vectors, the projections of the current training and validation gradients
/// a_j = ⟨g_train, v_j⟩ and b_j = ⟨g_val, v_j⟩ are computed from X·g (one window projection each), and the
/// first-order validation-loss change of a gradient step restricted to direction j, weighted by its stability
/// γ_j, is ΔL_j = −η·γ_j·a_j·b_j (eq. 80: directions whose train and validation projections agree in sign reduce
/// the validation loss). The sum over j is the predicted change through the window's subspace.
/// </summary>
/// <param name="TrainProjection">a_j.</param>
/// <param name="ValidationProjection">b_j.</param>
/// <param name="LossChange">ΔL_j.</param>
public sealed record LossDecomposition(double[] TrainProjection, double[] ValidationProjection, double[] LossChange)
{
    /// <summary>Σ_j ΔL_j.</summary>
    public double Total => LossChange.Where(double.IsFinite).Sum();

    /// <summary>The decomposition over the top <paramref name="modes"/> directions of <paramref name="spectrum"/>, from the
    /// window projections X·g_train and X·g_val (oldest row first, <see cref="TrajectoryWindow.Project"/>).</summary>
    public static LossDecomposition Compute(WindowSpectrum spectrum, IReadOnlyList<double> trainProjection, IReadOnlyList<double> validationProjection,
        IReadOnlyList<double> stability, double learningRate, int modes)
    {
        int w = spectrum.Sigma.Length;
        if (trainProjection.Count != w || validationProjection.Count != w)
            throw new ArgumentException($"Projections must have one value per held update ({w}).");
        modes = Math.Min(modes, spectrum.Rank);
        var a = new double[modes];
        var b = new double[modes];
        var dl = new double[modes];
        for (int j = 0; j < modes; j++)
        {
            double s = spectrum.Sigma[j], pa = 0, pb = 0;
            for (int i = 0; i < w; i++)
            {
                pa += spectrum.LeftVectors[i, j] * trainProjection[i];
                pb += spectrum.LeftVectors[i, j] * validationProjection[i];
            }
            a[j] = pa / s;
            b[j] = pb / s;
            double gamma = j < stability.Count && double.IsFinite(stability[j]) ? stability[j] : 1;
            dl[j] = -learningRate * gamma * a[j] * b[j];
        }
        return new LossDecomposition(a, b, dl);
    }
}
