using System.Text.Json;

namespace PhaseScope.Diagnosis;

/// <summary>
/// A fitted combined predictor (experimental): P(the run groks within <see cref="Horizon"/> steps) =
/// σ(b + Σⱼ wⱼ zⱼ), zⱼ = (φ(xⱼ) − μⱼ)/sⱼ, where xⱼ is the latest reading of metric <see cref="Features"/>[j],
/// φ(x) = sign(x)·log(1 + |x|) tames the observables' heavy tails (λ_max, C_α and the gap ratio span decades), and a
/// missing or non-finite reading contributes zⱼ = 0 (the training mean). Fitted by the verdict's
/// <c>CombinedPredictor</c> on a sweep's evaluation steps; <see cref="Calibration"/> holds the cross-validated
/// reliability (predicted against observed frequency), so a live reading can say how far its probability is to be trusted.
/// </summary>
/// <param name="Features">Metric names, in coefficient order.</param>
/// <param name="Mean">μⱼ of φ(xⱼ) over the training samples.</param>
/// <param name="Scale">sⱼ (standard deviation; 1 where it vanished).</param>
/// <param name="Coefficients">[b, w₁, …, w_d].</param>
/// <param name="Horizon">H in steps.</param>
/// <param name="Calibration">Cross-validated reliability bins, in order of predicted probability.</param>
/// <param name="Provenance">Where it was fitted (sweep, runs, cross-validated AUROC), for the reader.</param>
public sealed record GrokPredictor(string[] Features, double[] Mean, double[] Scale, double[] Coefficients, long Horizon,
    GrokPredictor.Bin[] Calibration, string Provenance)
{
    /// <summary>One reliability bin: samples whose predicted probability fell in [Low, High).</summary>
    /// <param name="Low">Bin start.</param>
    /// <param name="High">Bin end.</param>
    /// <param name="Samples">Held-out samples in the bin.</param>
    /// <param name="MeanPredicted">Their mean predicted probability.</param>
    /// <param name="Observed">The share of them that grokked within the horizon.</param>
    public sealed record Bin(double Low, double High, int Samples, double MeanPredicted, double Observed);

    /// <summary>The tasks the predictor was fitted on (<c>fitted_on</c>; null: not recorded).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string[]? FittedOn { get; init; }

    /// <summary>Its score on tasks it was not fitted on (<c>held_out</c>; null: not measured).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public HeldOutScore? HeldOut { get; init; }

    /// <summary>The AUROC of the predictor on held-out tasks, with its confidence interval.</summary>
    /// <param name="Auroc">Area under the ROC curve on the held-out tasks' evaluation steps.</param>
    /// <param name="CiLow">Lower end of its 95 % confidence interval.</param>
    /// <param name="CiHigh">Upper end.</param>
    /// <param name="Ops">The held-out tasks (operations) it was scored on.</param>
    public sealed record HeldOutScore(double Auroc, double CiLow, double CiHigh, string[]? Ops);

    /// <summary>Where the forecast may be trusted, in one phrase: the tasks it was fitted on and its held-out score
    /// ("fitted on add, sub; held-out AUROC 0.81 (95 % CI 0.70–0.90) on mul"), or "held-out score: not measured".
    /// A probability is only as good as that score: without one it is not a calibrated probability outside the fitting tasks.</summary>
    public string ScoreText()
    {
        string fitted = FittedOn is { Length: > 0 } f ? $"fitted on {string.Join(", ", f)}" : "fitted on: not recorded";
        string held = HeldOut is { } h && double.IsFinite(h.Auroc)
            ? FormattableString.Invariant($"held-out AUROC {h.Auroc:F2} (95 % CI {h.CiLow:F2}–{h.CiHigh:F2})") + (h.Ops is { Length: > 0 } ops ? $" on {string.Join(", ", ops)}" : "")
            : "held-out score: not measured";
        return $"{fitted}; {held}";
    }

    /// <summary>φ(x) = sign(x)·log(1 + |x|).</summary>
    public static double Transform(double x) => Math.Sign(x) * Math.Log(1 + Math.Abs(x));

    /// <summary>The standardised feature vector z of the readings (missing or non-finite: 0).</summary>
    public double[] Standardise(Func<string, double?> reading)
    {
        var z = new double[Features.Length];
        for (int j = 0; j < z.Length; j++)
            z[j] = reading(Features[j]) is double x && double.IsFinite(x) ? (Transform(x) - Mean[j]) / Scale[j] : 0;
        return z;
    }

    /// <summary>P(grok within <see cref="Horizon"/> steps) from standardised features.</summary>
    public double Probability(double[] z)
    {
        double s = Coefficients[0];
        for (int j = 0; j < z.Length; j++) s += Coefficients[j + 1] * z[j];
        return s >= 0 ? 1 / (1 + Math.Exp(-s)) : Math.Exp(s) / (1 + Math.Exp(s));
    }

    /// <summary>P(grok within <see cref="Horizon"/> steps) from the latest readings.</summary>
    public double Probability(Func<string, double?> reading) => Probability(Standardise(reading));

    /// <summary>The calibration bin a probability falls in (null when the bins are empty).</summary>
    public Bin? BinOf(double probability) =>
        Calibration.FirstOrDefault(b => probability >= b.Low && (probability < b.High || b.High >= 1)) ?? Calibration.LastOrDefault();

    /// <summary>Name of the embedded model (<see cref="BuiltIn"/>).</summary>
    public const string BuiltInResource = "PhaseScope.Diagnosis.grok_predictor.json";

    /// <summary>The model shipped with PhaseScope, fitted by <c>phasescope verdict</c> on the sweep docs/RESULTS.md names
    /// (its <see cref="Provenance"/> says which runs and what its cross-validation measured).</summary>
    public static GrokPredictor BuiltIn()
    {
        using var stream = typeof(GrokPredictor).Assembly.GetManifestResourceStream(BuiltInResource)
            ?? throw new InvalidOperationException($"The built-in grok predictor ({BuiltInResource}) is missing from the PhaseScope assembly.");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd());
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The model as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not such a model (names the problem).</exception>
    public static GrokPredictor FromJson(string json)
    {
        GrokPredictor? m;
        try { m = JsonSerializer.Deserialize<GrokPredictor>(json, Json); }
        catch (JsonException e) { throw new FormatException($"Not a grok predictor: {e.Message}", e); }
        if (m is null || m.Features is null || m.Mean is null || m.Scale is null || m.Coefficients is null || m.Calibration is null)
            throw new FormatException("Not a grok predictor: features, mean, scale, coefficients and calibration are required.");
        int d = m.Features.Length;
        if (m.Mean.Length != d || m.Scale.Length != d || m.Coefficients.Length != d + 1)
            throw new FormatException($"Grok predictor: {d} features need {d} means and scales and {d + 1} coefficients (got {m.Mean.Length}, {m.Scale.Length}, {m.Coefficients.Length}).");
        if (m.Scale.Any(s => !(s > 0)) || m.Mean.Concat(m.Coefficients).Any(v => !double.IsFinite(v)))
            throw new FormatException("Grok predictor: scales must be positive and every mean and coefficient finite.");
        return m;
    }
}
