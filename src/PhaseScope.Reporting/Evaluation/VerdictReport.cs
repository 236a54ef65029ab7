using PhaseScope.Monitoring.Probes;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PhaseScope.Diagnosis;
using PhaseScope.IO;
using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The Markdown verdict of a sweep: grok counts, each indicator's <see cref="IndicatorScore"/>, seed 001's
/// Test 7 per-run tables (§27: the gap ratio at and after the grok step; for modular arithmetic the sub-leading gap
/// g₂₃ = σ₂² − σ₃² early and at grokking, and k* before and at grokking), each run's first event of every kind, and two SVG
/// figures. Every file is written atomically; the JSON beside the Markdown holds the same numbers for scripts.
/// </summary>
public static class VerdictReport
{
    /// <summary>Markdown file name inside the output directory.</summary>
    public const string MarkdownFile = "VERDICT.md";

    /// <summary>File name of the combined predictor fitted on all runs (<see cref="GrokPredictor"/> JSON).</summary>
    public const string PredictorFile = "grok_predictor.json";

    /// <summary>Every file <see cref="Write"/> may create in its folder.</summary>
    public static readonly IReadOnlyList<string> FileNames = [MarkdownFile, "verdict.json", PredictorFile, "gap_ratio_aligned.svg", "lead_times.svg"];

    /// <summary>Horizons H of the lead-time ROC table.</summary>
    public static readonly long[] Horizons = [250, 500, 1000];

    /// <summary>The horizon of the combined predictor and of the ROC table's order.</summary>
    public const long PredictorHorizon = 500;

    /// <summary>Writes VERDICT.md, verdict.json, gap_ratio_aligned.svg and lead_times.svg into <paramref name="outDirectory"/>.</summary>
    /// <param name="runs">The sweep's completed runs.</param>
    /// <param name="window">W of <see cref="IndicatorScore.Score"/>.</param>
    /// <param name="outDirectory">Created if missing.</param>
    /// <param name="title">Heading (e.g. the sweep directory).</param>
    /// <param name="command">The command that regenerates the report, quoted in it.</param>
    /// <param name="families">The families whose descriptors group the observables (default <see cref="MetricFamilies.BuiltIn"/>).</param>
    /// <returns>The indicator scores the report holds (VERDICT.md is <see cref="MarkdownFile"/> in the directory).</returns>
    public static IReadOnlyList<IndicatorScore> Write(IReadOnlyList<SweepRun> runs, long window, string outDirectory, string title, string command,
        IReadOnlyList<IMetricFamily>? families = null)
    {
        var scores = IndicatorScore.Score(runs, window);
        Directory.CreateDirectory(outDirectory);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Verdict: {MarkdownText.Of(title)}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Regenerate with {MarkdownText.Code(command)}. Window W = {window} steps before the grok step (the first evaluation with test accuracy ≥ 0.95).").AppendLine();

        GrokCounts(md, runs);
        Indicators(md, runs, scores);
        var (roc, timingRoc) = Roc(md, runs, families);
        var (validations, predictor) = Predictor(md, runs, roc, title, families);
        Test7(md, runs);
        Multitask(md, runs);
        FirstEvents(md, runs, scores);
        Figures(md, runs, scores, window, outDirectory);
        WriteText(Path.Combine(outDirectory, "verdict.json"), Json(runs, window, scores, roc, timingRoc, validations));
        if (predictor is not null) WriteText(Path.Combine(outDirectory, PredictorFile), predictor.ToJson());
        WriteText(Path.Combine(outDirectory, MarkdownFile), md.ToString());   // last: a VERDICT.md on disk means its figures and JSON are there too
        return scores;
    }

    static void GrokCounts(StringBuilder md, IReadOnlyList<SweepRun> runs)
    {
        md.AppendLine("## Grok counts").AppendLine();
        md.AppendLine("| task | op | weight decay | grokked | grok steps |").AppendLine("|---|---|---|---|---|");
        foreach (var g in runs.GroupBy(r => (r.Task, Op: r.Op ?? "-", r.WeightDecayText)).OrderBy(g => g.Key.Task).ThenBy(g => g.Key.Op).ThenByDescending(g => g.First().WeightDecay))
        {
            var steps = g.Where(r => r.Grokked).Select(r => r.GrokStep!.Value.ToString(CultureInfo.InvariantCulture));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(g.Key.Task)} | {MarkdownText.Of(g.Key.Op)} | {MarkdownText.Of(g.Key.WeightDecayText)} | {g.Count(r => r.Grokked)}/{g.Count()} | {string.Join(", ", steps.DefaultIfEmpty("—"))} |");
        }
        md.AppendLine();

    }

    static void Indicators(StringBuilder md, IReadOnlyList<SweepRun> runs, IReadOnlyList<IndicatorScore> scores)
    {
        int grokking = runs.Count(r => r.Grokked), controls = runs.Count - grokking;
        md.AppendLine("## Indicators").AppendLine();
        md.AppendLine(FormattableString.Invariant($"{grokking} grokking runs, {controls} control runs (never grokked). Hit: an event of the kind in [g − W, g]. Lead: g − the first such event (median, range). ") +
            "False positive, matched: a control run with the event in the same window placed at its cell's grok step (or the median grok step). False positive, anywhere: at any step. Rates carry their 95 % Wilson interval.").AppendLine();
        md.AppendLine("| event | source | hit rate | lead (median, range) | false positives, matched | false positives, anywhere |").AppendLine("|---|---|---|---|---|---|");
        foreach (var s in scores)
        {
            string lead = s.LeadTimes.Count == 0 ? "—" : FormattableString.Invariant($"{s.MedianLead:G4} ({s.LeadTimes.Min()}–{s.LeadTimes.Max()})");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(s.Kind)} | {MarkdownText.Of(s.Source)} | {Rate(s.Hits, s.Grokking)} | {lead} | {Rate(s.MatchedFalsePositives, s.Controls)} | {Rate(s.AnywhereFalsePositives, s.Controls)} |");
        }
        md.AppendLine();

    }

    /// <summary>The lead-time ROC table; returns its rows (one array of horizons per observable) and the grokking-only scores.</summary>
    static (List<LeadTimeRoc.Score[]> Roc, List<LeadTimeRoc.Score> TimingRoc) Roc(StringBuilder md, IReadOnlyList<SweepRun> runs, IReadOnlyList<IMetricFamily>? families)
    {
        var timingRoc = new List<LeadTimeRoc.Score>();
        var roc = VerdictObservables.Scored(runs).Select(o => Horizons.Select(h => LeadTimeRoc.Evaluate(runs, o, h)).ToArray())
            .Where(r => r.Any(x => !double.IsNaN(x.Auroc)))
            .OrderByDescending(r => Separation(r.First(x => x.Horizon == PredictorHorizon))).ThenBy(r => r[0].Observable, StringComparer.Ordinal).ToList();
        md.AppendLine("## Lead-time ROC: does an observable separate \"groks within H steps\" from \"does not\"?").AppendLine();
        md.AppendLine("Every evaluation step before a run's grok step (controls: every step) is a sample, positive when the run groks within the next H steps; its score is the observable's latest reading. " +
            "AUROC 0.5 separates nothing; above 0.5 the observable is higher shortly before grokking, below 0.5 lower (1 − AUROC is then its separation). " +
            "Brackets: 95 % bootstrap interval resampling runs. Rows in order of separation at H = " + PredictorHorizon + ". " +
            $"*Baseline* rows need no theory: `{VerdictObservables.Step}` is the clock (elapsed steps), the others are the evaluation series and ‖θ‖.").AppendLine();
        md.AppendLine("The last AUROC column uses the grokking runs alone: it asks *when*, given that a run will grok, and so cannot be won by telling weight-decay runs from controls " +
            "(every grokking run here may share a setting, such as weight decay, that no control has; an observable that only reads that setting scores high in the other columns and near 0.5 in this one).").AppendLine();
        var grokkingOnly = runs.Where(r => r.Grokked).ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"| observable | kind | {string.Join(" | ", Horizons.Select(h => $"AUROC, H = {h}"))} | samples at H = {PredictorHorizon} (+/−), runs | AUROC, H = {PredictorHorizon}, grokking runs only |")
          .AppendLine(CultureInfo.InvariantCulture, $"|---|---|{string.Concat(Horizons.Select(_ => "---|"))}---|---|");
        foreach (var r in roc)
        {
            var at = r.First(x => x.Horizon == PredictorHorizon);
            var timing = LeadTimeRoc.Evaluate(grokkingOnly, r[0].Observable, PredictorHorizon);
            timingRoc.Add(timing);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(r[0].Observable)} | {Family(r[0].Observable, families)} | {string.Join(" | ", r.Select(Auc))} | {at.Positives}/{at.Negatives}, {at.Runs} | {Auc(timing)} |");
        }
        md.AppendLine();

        return (roc, timingRoc);
    }

    /// <summary>The combined predictor's cross-validation and reliability table; returns the validations and the model fitted on all runs.</summary>
    static (List<CombinedPredictor.CrossValidation> Validations, GrokPredictor? Predictor) Predictor(StringBuilder md, IReadOnlyList<SweepRun> runs,
        List<LeadTimeRoc.Score[]> roc, string title, IReadOnlyList<IMetricFamily>? families)
    {
        var bestBaseline = roc.Select(r => r.First(x => x.Horizon == PredictorHorizon)).Where(x => Family(x.Observable, families) == "baseline" && !double.IsNaN(x.Auroc))
            .OrderByDescending(Separation).FirstOrDefault();
        var validations = new[]
        {
            CombinedPredictor.Validate(runs, PredictorHorizon, r => r.Seed.ToString(CultureInfo.InvariantCulture), "leave one seed out"),
            CombinedPredictor.Validate(runs, PredictorHorizon, r => $"{r.Task}/{r.Op ?? "-"}", "leave one task out"),
        }.OfType<CombinedPredictor.CrossValidation>().ToList();
        GrokPredictor? predictor = null;
        md.AppendLine(CultureInfo.InvariantCulture, $"## Combined predictor (experimental): P(grok within {PredictorHorizon} steps)").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Ridge logistic regression (λ = {CombinedPredictor.Lambda:G}) on sign·log(1 + |x|)-transformed, standardised readings of {string.Join(", ", CombinedPredictor.Features.Select(f => $"`{f}`"))} " +
            $"at every evaluation step; no evaluation series. Cross-validated by group: each fold's runs are predicted by a model fitted without them. The alarm fires when P exceeds the lowest threshold that alarms at most {100 * CombinedPredictor.AlarmRate:G} % of the control runs " +
            $"(read off the held-out predictions themselves, so the false-positive column is that target); a hit is an alarm in [g − {PredictorHorizon}, g), an early alarm one before g − {PredictorHorizon} on a grokking run.").AppendLine();
        if (validations.Count == 0)
            md.AppendLine("Not evaluated: it needs runs from at least two seeds (or tasks) and, in every fold, steps within the horizon of a grok step and steps that are not.").AppendLine();
        else
        {
            md.AppendLine("| cross-validation | folds | AUROC | alarm threshold | hits | early alarms | false positives (anywhere) | lead (median, range) |").AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var v in validations)
            {
                string lead = v.Leads.Count == 0 ? "—" : FormattableString.Invariant($"{Median(v.Leads):G4} ({v.Leads.Min()}–{v.Leads.Max()})");
                md.AppendLine(CultureInfo.InvariantCulture, $"| {v.Scheme} | {v.Folds} | {v.Auroc:F3} ({v.Low:F2}–{v.High:F2}) | {v.Threshold:F3} | {Rate(v.Hits, v.Grokking)} | {Rate(v.EarlyAlarms, v.Grokking)} | {Rate(v.FalsePositives, v.Controls)} | {lead} |");
            }
            md.AppendLine();
            if (bestBaseline is not null)
            {
                var worst = validations.MinBy(v => v.Auroc)!;
                double baseSep = Separation(bestBaseline);
                string verdict = worst.Low > baseSep ? "beats it: even the lower end of its interval is above the baseline's AUROC"
                    : worst.Auroc > baseSep ? "scores above it, but its interval reaches below the baseline's AUROC: not decided on these runs"
                    : "does not beat it";
                md.AppendLine(CultureInfo.InvariantCulture, $"Best baseline at H = {PredictorHorizon}: {MarkdownText.Code(bestBaseline.Observable)}, separation {baseSep:F3} ({(bestBaseline.Auroc >= 0.5 ? "higher" : "lower")} before grokking; its direction read off these runs, which flatters it). " +
                    $"The combined predictor (worst cross-validation, {worst.Scheme}: {worst.Auroc:F3}) {verdict}.").AppendLine();
            }
            var calibration = validations[0].Calibration;
            md.AppendLine(CultureInfo.InvariantCulture, $"Reliability ({validations[0].Scheme}, held-out predictions): the share of steps that grokked within {PredictorHorizon} steps against the mean predicted probability.").AppendLine();
            md.AppendLine("| predicted P | steps | mean predicted | observed |").AppendLine("|---|---|---|---|");
            foreach (var b in calibration) md.AppendLine(CultureInfo.InvariantCulture, $"| {b.Low:F1}–{b.High:F1} | {b.Samples} | {b.MeanPredicted:F3} | {b.Observed:F3} |");
            md.AppendLine();
            try
            {
                var provenance = $"Fitted by 'phasescope verdict' on {runs.Count} runs ({title}); cross-validated AUROC " +
                    string.Join(", ", validations.Select(v => FormattableString.Invariant($"{v.Scheme} {v.Auroc:F3} ({v.Low:F2}–{v.High:F2})"))) + ".";
                predictor = CombinedPredictor.Fit(runs, PredictorHorizon, calibration, provenance);
                md.AppendLine(CultureInfo.InvariantCulture, $"The model fitted on all runs, with this reliability table, is [{PredictorFile}]({PredictorFile}); `phasescope grok --grok-predictor {PredictorFile}` shows its probability live.").AppendLine();
            }
            catch (InvalidOperationException e) { md.AppendLine(CultureInfo.InvariantCulture, $"No model fitted on all runs: {e.Message}").AppendLine(); }
        }

        return (validations, predictor);
    }

    /// <summary>Seed 001's Test 7 tables: modular arithmetic, the attention operator's weight spectra, Dyck-1 and SCAN.</summary>
    static void Test7(StringBuilder md, IReadOnlyList<SweepRun> runs)
    {
        var modular = runs.Where(r => r.Op is not null).ToList();   // a task with operations: modular arithmetic
        if (modular.Count > 0)
        {
            md.AppendLine("## Seed 001 Test 7, modular arithmetic: the sub-leading gap and k*").AppendLine();
            md.AppendLine("The sub-leading gap g₂₃ = σ₂² − σ₃² of the update window's Gram matrix (spectral/g23; seed 001 §27: it closes before grokking) at the first full window and at the grok step (controls: at their matched step, or their last step when nothing grokked), its decline, and k* at both; the gap ratio σ_k*/σ_k*+1 at the grok step and its largest value after it.").AppendLine();
            md.AppendLine("| run | op | seed | wd | grok step | g₂₃ first | g₂₃ at grok | decline | k* first → at grok | gap ratio at grok | max gap ratio after |").AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in Order(modular)) md.AppendLine(Test7Row(r, runs, r.Op ?? "-"));
            md.AppendLine();
        }
        var weighted = runs.Where(r => AttentionBlock(r) is not null).ToList();
        if (weighted.Count > 0)
        {
            md.AppendLine("## Seed 001 Test 7 as the seed measured it: weight spectra").AppendLine();
            md.AppendLine("The seed's modular table reads the *attention operator's* spectrum (here M = W_Qᵀ W_K of the first block, `grok --weight-spectra`), not the update window's Gram matrix: " +
                "g₂₃ = σ₂² − σ₃² at the first evaluation and at the grok step (controls: matched step, or their end), its decline, and σ₁/σ₂ of M at both.").AppendLine();
            md.AppendLine("| run | op | seed | wd | grok step | g₂₃ first | g₂₃ at grok | decline | σ₁/σ₂ first → at grok |").AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var r in Order(weighted))
            {
                var block = AttentionBlock(r)!;
                long at = r.GrokStep ?? IndicatorScore.MatchedStep(r, runs) ?? r.Steps;
                double? G(long step) => r.At(block + "/sigma_2", step) is double a && r.At(block + "/sigma_3", step) is double b ? a * a - b * b : null;
                long first = r.Series[block + "/sigma_2"][0].Step;
                double? g0 = G(first), g1 = G(at);
                string decline = g0 is double x && g1 is double y && x > 0 ? FormattableString.Invariant($"{(1 - y / x) * 100:F0} %") : "—";
                string ratio = $"{N(r.At(block + "/ratio12", first))} → {N(r.At(block + "/ratio12", at))}";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(r.Name)} | {MarkdownText.Of(r.Op ?? r.Task)} | {r.Seed} | {MarkdownText.Of(r.WeightDecayText)} | {(r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? $"— ({at})")} | {N(g0)} | {N(g1)} | {decline} | {ratio} |");
            }
            md.AppendLine();
        }
        var others = runs.Where(r => r.Op is null).ToList();
        if (others.Count > 0)
        {
            md.AppendLine("## Seed 001 Test 7, Dyck-1 and SCAN: the gap ratio at and after grokking").AppendLine();
            md.AppendLine("| run | task | seed | wd | grok step | g₂₃ first | g₂₃ at grok | decline | k* first → at grok | gap ratio at grok | max gap ratio after |").AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in Order(others)) md.AppendLine(Test7Row(r, runs, r.Task));
            md.AppendLine();
        }

    }

    static void Multitask(StringBuilder md, IReadOnlyList<SweepRun> runs)
    {
        var multitask = runs.Where(r => r.TaskGrokSteps.Count > 0).ToList();
        if (multitask.Count > 0)
        {
            md.AppendLine("## Multi-task runs: each task's grok step").AppendLine();
            md.AppendLine("Seed 001 §27: the tasks of one model grok at different steps (its order: mul, sq, add). A task groks at the first evaluation with its own test accuracy ≥ 0.95; the run's grok step is the whole test set's.").AppendLine();
            md.AppendLine("| run | wd | run grok step | per task |").AppendLine("|---|---|---|---|");
            foreach (var r in Order(multitask))
                md.AppendLine(FormattableString.Invariant($"| {MarkdownText.Of(r.Name)} | {MarkdownText.Of(r.WeightDecayText)} | {(r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? "—")} | ") +
                    string.Join(", ", r.TaskGrokSteps.OrderBy(t => t.Value ?? long.MaxValue).ThenBy(t => t.Key, StringComparer.Ordinal)
                        .Select(t => $"{MarkdownText.Of(t.Key)} {(t.Value?.ToString(CultureInfo.InvariantCulture) ?? "—")}")) + " |");
            md.AppendLine();
        }

    }

    static void FirstEvents(StringBuilder md, IReadOnlyList<SweepRun> runs, IReadOnlyList<IndicatorScore> scores)
    {
        var kinds = scores.Select(s => s.Kind).ToList();
        md.AppendLine("## First event of each kind, per run").AppendLine();
        md.AppendLine("Step of the first event (in brackets: grok step − that step, for grokking runs).").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| run | grok step | {string.Join(" | ", kinds.Select(MarkdownText.Of))} |").AppendLine(CultureInfo.InvariantCulture, $"|---|---|{string.Concat(kinds.Select(_ => "---|"))}");
        foreach (var r in Order(runs))
        {
            var cells = kinds.Select(k => r.Events.Where(e => e.Kind == k).Select(e => (long?)e.Step).Min() is long f
                ? r.GrokStep is long g ? $"{f} ({g - f})" : $"{f}" : "—");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(r.Name)} | {(r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? "—")} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();

    }

    /// <summary>The two SVG figures, written beside the Markdown that links them.</summary>
    static void Figures(StringBuilder md, IReadOnlyList<SweepRun> runs, IReadOnlyList<IndicatorScore> scores, long window, string outDirectory)
    {
        md.AppendLine("## Figures").AppendLine();
        md.AppendLine("![gap ratio aligned at the grok step](gap_ratio_aligned.svg)").AppendLine();
        md.AppendLine("![lead times per event kind](lead_times.svg)").AppendLine();

        var aligned = new SvgChart("Gap ratio σ_k*/σ_k*+1 relative to the grok step (controls: matched step, or their end)", "step − grok step", "gap ratio", logY: true).Vertical(0);
        bool grokkingShown = false, controlShown = false;
        foreach (var r in Order(runs))
        {
            long? anchor = r.GrokStep ?? IndicatorScore.MatchedStep(r, runs) ?? r.Steps;
            if (anchor is not long a || !r.Series.TryGetValue(SpectralEdgeMetrics.GapRatio, out var s)) continue;
            bool first = r.Grokked ? !grokkingShown : !controlShown;
            aligned.Line(first ? (r.Grokked ? $"grokking runs ({runs.Count(x => x.Grokked)})" : $"controls, never grokked ({runs.Count(x => !x.Grokked)})") : r.Name,
                s.Select(p => ((double)(p.Step - a), p.Value)), r.Grokked ? "#1f77b4" : "#bbbbbb", legend: first);
            if (r.Grokked) grokkingShown = true; else controlShown = true;
        }
        var leads = new SvgChart($"Lead time of the first event in the {window}-step window, one point per grokking run", "grok step − event step", "")
            .Categories(scores.Select(sc => sc.Kind).ToList()).Vertical(0).Vertical(window);
        for (int i = 0; i < scores.Count; i++)
            if (scores[i].LeadTimes.Count > 0) leads.Points(scores[i].Kind, scores[i].LeadTimes.Select(l => ((double)l, (double)i)), legend: false);

        WriteText(Path.Combine(outDirectory, "gap_ratio_aligned.svg"), aligned.Render());
        WriteText(Path.Combine(outDirectory, "lead_times.svg"), leads.Render());
    }

    static string Json(IReadOnlyList<SweepRun> runs, long window, IReadOnlyList<IndicatorScore> scores, List<LeadTimeRoc.Score[]> roc,
        List<LeadTimeRoc.Score> timingRoc, List<CombinedPredictor.CrossValidation> validations)
    {
        return JsonSerializer.Serialize(new
        {
            window,
            runs = Order(runs).Select(r => new { r.Name, r.Task, r.Op, r.Seed, weight_decay = r.WeightDecay, grok_step = r.GrokStep, r.Steps, events = r.Events.Count }),
            indicators = scores.Select(s => new
            {
                kind = s.Kind, source = s.Source, hits = s.Hits, grokking = s.Grokking, lead_times = s.LeadTimes,
                matched_false_positives = s.MatchedFalsePositives, anywhere_false_positives = s.AnywhereFalsePositives, controls = s.Controls,
            }),
            lead_time_roc = roc.SelectMany(r => r).Select(x => new
            {
                observable = x.Observable, horizon = x.Horizon, auroc = Finite(x.Auroc), low = Finite(x.Low), high = Finite(x.High),
                positives = x.Positives, negatives = x.Negatives, runs = x.Runs,
            }),
            lead_time_roc_grokking_only = timingRoc.Select(x => new
            {
                observable = x.Observable, horizon = x.Horizon, auroc = Finite(x.Auroc), low = Finite(x.Low), high = Finite(x.High),
                positives = x.Positives, negatives = x.Negatives, runs = x.Runs,
            }),
            combined_predictor = validations.Select(v => new
            {
                scheme = v.Scheme, folds = v.Folds, horizon = PredictorHorizon, auroc = Finite(v.Auroc), low = Finite(v.Low), high = Finite(v.High),
                threshold = v.Threshold, hits = v.Hits, grokking = v.Grokking, early_alarms = v.EarlyAlarms, false_positives = v.FalsePositives, controls = v.Controls, lead_times = v.Leads,
            }),
        }, new JsonSerializerOptions { WriteIndented = true });
    }

    static IEnumerable<SweepRun> Order(IEnumerable<SweepRun> runs) =>
        runs.OrderBy(r => r.Task).ThenBy(r => r.Op).ThenByDescending(r => r.WeightDecay).ThenBy(r => r.Seed).ThenBy(r => r.Name, StringComparer.Ordinal);

    static string Test7Row(SweepRun r, IReadOnlyList<SweepRun> runs, string kind)
    {
        // Without any grokking run to match, a control is read at its last step.
        long? matched = r.GrokStep is null ? IndicatorScore.MatchedStep(r, runs) : null;
        long? at = r.GrokStep ?? matched ?? r.Steps;
        r.Series.TryGetValue(SpectralEdgeMetrics.G23, out var g23);
        r.Series.TryGetValue(SpectralEdgeMetrics.KStar, out var kStar);
        r.Series.TryGetValue(SpectralEdgeMetrics.GapRatio, out var gap);
        double? g23First = g23?.FirstOrDefault(p => double.IsFinite(p.Value)) is { Step: > 0 } f ? f.Value : null;
        double? g23At = at is long a ? r.At(SpectralEdgeMetrics.G23, a) : null;
        string decline = g23First is double x && g23At is double y && x > 0 ? FormattableString.Invariant($"{(1 - y / x) * 100:F0} %") : "—";
        string k = kStar is { Count: > 0 } ? FormattableString.Invariant($"{kStar[0].Value:G} → {(at is long a2 && r.At(SpectralEdgeMetrics.KStar, a2) is double kv ? kv.ToString("G", CultureInfo.InvariantCulture) : "—")}") : "—";
        double? gapAt = at is long a3 ? r.At(SpectralEdgeMetrics.GapRatio, a3) : null;
        double? gapAfter = at is long a4 && gap is not null ? gap.Where(p => p.Step > a4 && double.IsFinite(p.Value)).Select(p => (double?)p.Value).Max() : null;
        string grok = r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? (matched is long m ? $"— (matched {m})" : $"— (end {r.Steps})");
        return $"| {MarkdownText.Of(r.Name)} | {MarkdownText.Of(kind)} | {r.Seed} | {MarkdownText.Of(r.WeightDecayText)} | {grok} | {N(g23First)} | {N(g23At)} | {decline} | {k} | {N(gapAt)} | {N(gapAfter)} |";
    }

    /// <summary>The first attention block whose operator spectrum the run stored (<c>attn_op/BLOCK</c>), or null.</summary>
    static string? AttentionBlock(SweepRun r) =>
        r.Series.Keys.Where(k => k.StartsWith("attn_op/", StringComparison.Ordinal) && k.EndsWith("/sigma_2", StringComparison.Ordinal) && r.Series[k].Count > 0
            && r.Series.ContainsKey(k[..^"sigma_2".Length] + "sigma_3")).Order(StringComparer.Ordinal).Select(k => k[..^"/sigma_2".Length]).FirstOrDefault();

    static double? Finite(double v) => double.IsFinite(v) ? v : null;

    static double Separation(LeadTimeRoc.Score s) => double.IsNaN(s.Auroc) ? -1 : s.Separation;

    static string Auc(LeadTimeRoc.Score s) => double.IsNaN(s.Auroc) ? "—" : double.IsNaN(s.Low) ? FormattableString.Invariant($"{s.Auroc:F3}") : FormattableString.Invariant($"{s.Auroc:F3} ({s.Low:F2}–{s.High:F2})");

    /// <summary>The verdict group of an observable: "baseline" for the clock, else its family's
    /// <see cref="IMetricFamily.VerdictGroup"/> (the evaluation series and ‖θ‖ are baselines; a seed family's metrics are
    /// that seed's).</summary>
    static string Family(string observable, IReadOnlyList<IMetricFamily>? families) =>
        observable == VerdictObservables.Step ? "baseline" : MetricFamilies.FamilyOf(observable, families)?.VerdictGroupOrTitle() ?? "";

    static double Median(IReadOnlyList<long> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2.0;
    }

    static string N(double? v) => v is double d && double.IsFinite(d) ? d.ToString("G4", CultureInfo.InvariantCulture) : "—";

    /// <summary>k/n with its percentage and 95 % Wilson interval, e.g. "6/6 (100 %; 61–100 %)".</summary>
    static string Rate(int count, int of)
    {
        if (of == 0) return "—";
        var (lo, hi) = WilsonInterval.Of(count, of);
        return FormattableString.Invariant($"{count}/{of} ({100.0 * count / of:F0} %; {100 * lo:F0}–{100 * hi:F0} %)");
    }

    static void WriteText(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
