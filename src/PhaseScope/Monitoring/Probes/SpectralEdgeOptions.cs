using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Settings of <see cref="SpectralEdgeProbe"/> (seed 001). Defaults follow the authors' modular-arithmetic setup
/// (docs/MATH.md "Seed 001's gap position k*"): W = 10 updates, one every 100 steps, attention projections only.</summary>
public sealed record SpectralEdgeOptions
{
    /// <summary>W, updates per window.</summary>
    public int Window { get; init; } = 10;
    /// <summary>s, optimizer steps per update (δ_t = θ_t − θ_{t−s}).</summary>
    public int Stride { get; init; } = 100;
    /// <summary>Tensors watched: null/"all", "attention", or a regular expression.</summary>
    public string? Tensors { get; init; } = "attention";
    /// <summary>dtype of the stored updates.</summary>
    public ScalarType Storage { get; init; } = ScalarType.Float32;
    /// <summary>P' of a sketched window (null: exact rows).</summary>
    public long? SketchDimension { get; init; }
    /// <summary>Gap ratio at which a closed gap counts as opened.</summary>
    public double GapOpen { get; init; } = 1.5;
    /// <summary>Gap ratio at which an open gap counts as collapsed.</summary>
    public double GapCollapse { get; init; } = 1.2;
    /// <summary>Windows a new k* must hold before a k* shift is reported.</summary>
    public int KStarPersistence { get; init; } = 2;
    /// <summary>Davis–Kahan constant c of the stability coefficient.</summary>
    public double DavisKahanC { get; init; } = 1.0;
    /// <summary>Simulated windows of the flat-spectrum null (0: no p-value).</summary>
    public int NullDraws { get; init; } = 2000;
    /// <summary>Training batch size, for the BBP noise threshold (0: not reported).</summary>
    public int BatchSize { get; init; }
    /// <summary>Adiabatic regime boundaries.</summary>
    public double AdiabaticLow { get; init; } = 0.1;
    /// <summary>Adiabatic regime boundaries.</summary>
    public double AdiabaticHigh { get; init; } = 10;
    /// <summary>Directions of the loss decomposition (Thm. 17.1) computed per window (0: off; needs an
    /// <see cref="IValidationLossSource"/>; costs one extra forward/backward on a held-out batch).</summary>
    public int DecompositionModes { get; init; }
    /// <summary>Seed of the sketch, the null simulation and the validation batches.</summary>
    public long Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Window < 2) throw new ArgumentOutOfRangeException(nameof(Window), Window, "The spectral window needs W ≥ 2.");
        if (Stride < 1) throw new ArgumentOutOfRangeException(nameof(Stride), Stride, "The spectral stride must be ≥ 1 step.");
        if (Storage is not (ScalarType.Float32 or ScalarType.Float64)) throw new ArgumentException($"Window storage must be Float32 or Float64 (got {Storage}).");
        if (SketchDimension is < 1) throw new ArgumentOutOfRangeException(nameof(SketchDimension), SketchDimension, "The sketch dimension must be positive.");
        if (!(GapCollapse >= 1 && GapOpen > GapCollapse)) throw new ArgumentOutOfRangeException(nameof(GapOpen), $"Gap thresholds need 1 ≤ collapse < open (got collapse {GapCollapse}, open {GapOpen}).");
        if (KStarPersistence < 1) throw new ArgumentOutOfRangeException(nameof(KStarPersistence), KStarPersistence, "k* persistence must be ≥ 1.");
        if (!(DavisKahanC > 0)) throw new ArgumentOutOfRangeException(nameof(DavisKahanC), DavisKahanC, "c must be positive.");
        if (NullDraws is < 0 or (> 0 and < 100)) throw new ArgumentOutOfRangeException(nameof(NullDraws), NullDraws, "Use 0 (off) or at least 100 null draws.");
        if (BatchSize < 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be ≥ 0.");
        if (!(AdiabaticLow > 0 && AdiabaticHigh > AdiabaticLow)) throw new ArgumentOutOfRangeException(nameof(AdiabaticLow), "Adiabatic boundaries need 0 < low < high.");
        if (DecompositionModes < 0) throw new ArgumentOutOfRangeException(nameof(DecompositionModes), DecompositionModes, "Decomposition modes must be ≥ 0.");
    }
}
