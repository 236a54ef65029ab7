namespace PhaseScope.Diagnosis;

/// <summary>
/// What a run came to, typed, as every output reads it: the diagnosis paragraph and the phase it ended in, the loss
/// spikes, the grok step, the final evaluation, the grok forecast and the first step of each event kind a family marks
/// <see cref="Monitoring.Descriptors.EventDescriptor.InSummary"/>. Built once by <see cref="DiagnosisBuilder.Summarise"/>;
/// <see cref="Fields"/> is its serialised form (the stored summary, <c>--json</c>), read back by <see cref="Read"/>.
/// </summary>
/// <param name="Diagnosis">The diagnosis in one paragraph (<see cref="RunDiagnosis.Describe"/>).</param>
/// <param name="Phase">The phase the run ended in (<see cref="RunPhaseNames.Name"/>).</param>
/// <param name="LossSpikes">Onset step of every loss spike.</param>
/// <param name="GrokStep">First evaluated step whose test accuracy reached the grok threshold (null: none); a run
/// without a grok criterion (split MNIST) has <see cref="HasGrokCriterion"/> false.</param>
public sealed record RunSummary(string Diagnosis, string Phase, IReadOnlyList<long> LossSpikes, long? GrokStep)
{
    /// <summary>Whether the run kind has a grok criterion (<c>grokked</c> and <c>grok_step</c> are fields).</summary>
    public bool HasGrokCriterion { get; init; } = true;

    /// <summary>Whether test accuracy reached the grok threshold.</summary>
    public bool Grokked => GrokStep is not null;

    /// <summary>The last evaluation's accuracies and losses (null: the run kind does not evaluate one train/test pair).</summary>
    public FinalEvaluation? Final { get; init; }

    /// <summary>First step of each summarised event kind, in family order (null step: the kind did not occur); null when
    /// the run kind does not summarise events.</summary>
    public IReadOnlyList<(string Kind, long? Step)>? FirstEvents { get; init; }

    /// <summary>The last grok forecast with its step, as <see cref="GrokForecastSink.Describe"/> says it (null: no forecast ran).</summary>
    public string? Forecast { get; init; }

    /// <summary>The leading fields: diagnosis, phase, loss spikes, and for a run with a grok criterion the grok step
    /// and the final evaluation (non-finite values as null).</summary>
    public IEnumerable<KeyValuePair<string, object?>> Fields()
    {
        yield return new("diagnosis", Diagnosis);
        yield return new("phase", Phase);
        yield return new("loss_spikes", LossSpikes.ToArray());
        if (!HasGrokCriterion) yield break;
        yield return new("grokked", Grokked);
        yield return new("grok_step", GrokStep);
        if (Final is not { } f) yield break;
        yield return new("final_train_acc", Finite(f.TrainAccuracy));
        yield return new("final_test_acc", Finite(f.TestAccuracy));
        yield return new("final_train_loss", Finite(f.TrainLoss));
        yield return new("final_test_loss", Finite(f.TestLoss));
    }

    /// <summary>The trailing fields: the first step of each summarised event kind.</summary>
    public IEnumerable<KeyValuePair<string, object?>> EventFields() =>
        (FirstEvents ?? []).Select(e => new KeyValuePair<string, object?>(e.Kind, e.Step));

    /// <summary>The stored summary of a run: <see cref="Fields"/>, then <paramref name="run"/>'s own facts (steps,
    /// status, timings), then <see cref="EventFields"/>, then the forecast.</summary>
    public Dictionary<string, object?> Compose(IEnumerable<KeyValuePair<string, object?>> run)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in Fields().Concat(run).Concat(EventFields())) d[k] = v;
        if (Forecast is not null) d["grok_forecast"] = Forecast;
        return d;
    }

    /// <summary>The summary stored with a run (its JSON object's fields); a field it lacks reads empty or null.</summary>
    public static RunSummary Read(IReadOnlyDictionary<string, System.Text.Json.JsonElement> stored)
    {
        string diagnosis = stored.GetValueOrDefault("diagnosis") is { ValueKind: System.Text.Json.JsonValueKind.String } d ? d.GetString()! : "";
        string phase = stored.GetValueOrDefault("phase") is { ValueKind: System.Text.Json.JsonValueKind.String } p ? p.GetString()! : "";
        var spikes = stored.GetValueOrDefault("loss_spikes") is { ValueKind: System.Text.Json.JsonValueKind.Array } a
            ? a.EnumerateArray().Where(x => x.TryGetInt64(out _)).Select(x => x.GetInt64()).ToList() : [];
        // a whole number only: a step written as 1e30 or 12.5 is no step, and must not wrap around to a negative one
        long? grok = stored.GetValueOrDefault("grok_step") is { ValueKind: System.Text.Json.JsonValueKind.Number } g && g.TryGetInt64(out long gs) ? gs : null;
        return new RunSummary(diagnosis, phase, spikes, grok)
        {
            HasGrokCriterion = stored.ContainsKey("grokked"),
            Forecast = stored.GetValueOrDefault("grok_forecast") is { ValueKind: System.Text.Json.JsonValueKind.String } f ? f.GetString() : null,
        };
    }

    static double? Finite(double? v) => v is double x && double.IsFinite(x) ? x : null;
}

/// <summary>A run's last evaluation (null fields: not evaluated).</summary>
/// <param name="TrainAccuracy">Training-set accuracy.</param>
/// <param name="TestAccuracy">Test-set accuracy.</param>
/// <param name="TrainLoss">Training-set loss.</param>
/// <param name="TestLoss">Test-set loss.</param>
public sealed record FinalEvaluation(double? TrainAccuracy, double? TestAccuracy, double? TrainLoss, double? TestLoss)
{
    /// <summary>A run that has not been evaluated yet: every field null.</summary>
    public static readonly FinalEvaluation None = new(null, null, null, null);
}
