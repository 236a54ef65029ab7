using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using System.Globalization;
using System.Text.Json;

namespace PhaseScope.Reporting.Html;

/// <summary>
/// <c>phasescope report</c>: one run as a self-contained HTML page. Sections: training curves; seed 003's
/// dashboard (§12.3: C_α and p with the 0.5 line, accuracies, I, signal and noise apart); seed 001's spectral
/// edge (σ_j of each window, k*, gap ratio on a log axis); seed 000's moments (m∩, d₀, Q̂_α and Spearman's ρ
/// over steps; the coupling surface, the spectral plane and the rank–rank sample at chosen steps); weight
/// spectra per layer (σ₁/σ₂, power-law α); the event table; the monitor's own cost per probe. Every chart over
/// steps carries the events and the grok step (<see cref="EventOverlay"/>). A section whose metrics the run does
/// not have says so in one line.
/// </summary>
public static class RunReport
{
    /// <summary>Builds the page of <paramref name="run"/>; <paramref name="atSteps"/> chooses the snapshot steps (default: first, grok, last).</summary>
    public static ReportPage Build(RunData run, IReadOnlyList<long>? atSteps = null)
    {
        var grok = run.GrokStep;
        var diagnosis = Diagnose(run);
        var band = new PhaseBand(diagnosis.Timeline);
        var events = new EventOverlay(run.Events, grok, band);
        var page = new ReportPage($"PhaseScope report: {run.Info.Name}");
        Verdict(page, run, grok, diagnosis, band);
        Overview(page, run, grok);
        if (run.MetricCount == 0)
        {
            page.Section("empty", "Metrics");
            page.Missing(run.Info.Status == "running"
                ? "This run has no metrics yet: it is still starting. Re-run 'phasescope report' later."
                : "This run recorded no metrics.");
            return page;
        }
        Training(page, run, events);
        Forecast(page, run, events);
        Consolidation(page, run, events);
        Spectral(page, run, events);
        Moments(page, run, events, grok, atSteps);
        Weights(page, run, events);
        Events(page, run, events);
        Overhead(page, run);
        return page;
    }

    /// <summary>Writes the report of <paramref name="runDirectory"/> to <paramref name="outPath"/> whole or not at all.</summary>
    /// <returns>The number of figures drawn.</returns>
    public static int Write(string runDirectory, string outPath, IReadOnlyList<long>? atSteps = null)
    {
        var run = RunData.Load(runDirectory);
        var page = Build(run, atSteps);
        page.Save(outPath, Subtitle(run));
        return page.FigureCount;
    }

    static string Subtitle(RunData run) =>
        $"{run.Info.Kind} run · status {run.Info.Status} · created {run.Info.CreatedUtc}" +
        (run.Info.FinishedUtc is { } f ? $" · finished {f}" : "") + FormattableString.Invariant($" · {run.MetricCount:N0} metric records · {run.Events.Count} events");

    /// <summary>The run diagnosis replayed from the stored metrics and events (the same rules as the live one).</summary>
    public static RunDiagnosis Diagnose(RunData run)
    {
        double threshold = run.Config.TryGetValue("grok_threshold", out var t) && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0.95;
        var metrics = RunDiagnosis.Inputs
            .SelectMany(name => run.Series(name).Select(p => new MetricRecord(p.Step, name, p.Value)));
        var diagnosis = RunDiagnosis.Replay(metrics, run.Events, new RunDiagnosis { GrokThreshold = threshold });
        long last = run.MetricNames.Select(n => run.Series(n)).Where(s => s.Count > 0).Select(s => s[^1].Step).DefaultIfEmpty(0).Max();
        if (run.Info.Status != "running") diagnosis.Finish(last);
        return diagnosis;
    }

    /// <summary>The first screen: what happened to the run, in one paragraph and a few lines, and its phase timeline.</summary>
    static void Verdict(ReportPage page, RunData run, long? grok, RunDiagnosis diagnosis, PhaseBand band)
    {
        page.Section("verdict", "What happened");
        string E(string x) => Text.HtmlText.Of(x);
        string css = diagnosis.Current switch { RunPhase.Unstable => "verdict unstable", RunPhase.Generalised => "verdict generalised", _ => "verdict" };
        var lines = new List<string>();
        if (run.Summary?.GetValueOrDefault("monitor_fraction") is { ValueKind: JsonValueKind.Number } mf)
            lines.Add(FormattableString.Invariant($"Monitor overhead: {mf.GetDouble() * 100:0.0} % of the run's wall time") + (run.Summary?.GetValueOrDefault("wall_seconds") is { ValueKind: JsonValueKind.Number } ws ? FormattableString.Invariant($" ({ws.GetDouble():0} s in all).") : "."));
        var failures = run.Events.Where(e => e.Kind is "probe_failed" or "diagnosis_failed").ToList();
        lines.Add(failures.Count == 0 ? "No probe failed." : $"{failures.Count} probe failure(s): " + string.Join("; ", failures.Select(f => $"{f.Source} at step {f.Step}")) + " (see Events).");
        if (diagnosis.NegativeMargins.Count == 0 && run.Has(CurvatureMetrics.StabilityMargin))
            lines.Add(FormattableString.Invariant($"Edge-of-stability margin S = 2/η − λ_max stayed positive (smallest {run.Series(CurvatureMetrics.StabilityMargin).Min(p => p.Value):G3})."));
        page.Raw($"<div class=\"{css}\"><p><b>Phase now: {E(diagnosis.Current.Name())}.</b> {E(diagnosis.Describe(grok))}</p><ul>" +
            string.Join("", lines.Select(l => $"<li>{E(l)}</li>")) + "</ul></div>");
        if (diagnosis.Timeline.Count == 0) return;
        page.Raw(band.LegendHtml());
        page.Raw("<details><summary>phase timeline with evidence</summary>");
        page.Table(["phase", "steps", "evidence"], diagnosis.Timeline.Select(t => (IReadOnlyList<string>)
            [t.Phase.Name(), $"{t.Start}–{(t.End is long e ? e.ToString(CultureInfo.InvariantCulture) : "…")}", t.Evidence]), "timeline");
        page.Raw("</details>");
    }

    /// <summary>A summary value as a person reads it: numbers to 4 significant digits, lists joined.</summary>
    static string Readable(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number when value.TryGetInt64(out long l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble().ToString("G4", CultureInfo.InvariantCulture),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array => value.GetArrayLength() == 0 ? "none" : string.Join(", ", value.EnumerateArray().Select(Readable)),
        _ => value.GetRawText(),
    };

    static void Overview(ReportPage page, RunData run, long? grok)
    {
        page.Section("overview", "Overview");
        var rows = new List<IReadOnlyList<string>>();
        if (run.Summary is { } summary)
        {
            foreach (var (key, value) in summary)
                if (value.ValueKind != JsonValueKind.Null && key != "diagnosis")
                    rows.Add([key, Readable(value)]);
        }
        else if (run.Info.SummaryJson is not null)
            rows.Add(["summary", "(unreadable)"]);
        else
        {
            rows.Add(["status", $"{run.Info.Status} (no summary yet: the run is still being written or was interrupted)"]);
            rows.Add(["grok step", grok?.ToString(CultureInfo.InvariantCulture) ?? "none so far"]);
        }
        page.Table(["summary", "value"], rows, "summary");
        page.Raw("<details><summary>configuration</summary>");
        page.Table(["key", "value"], run.Config.Select(c => (IReadOnlyList<string>)[c.Key, c.Value]), "config");
        page.Raw("</details>");
    }

    static void Training(ReportPage page, RunData run, EventOverlay events)
    {
        page.Section("training", "Training", "Loss per step and the periodic evaluation (for split MNIST: both tasks' test sets); the black line marks the grok step (test accuracy ≥ threshold), a task switch is an event line.");
        page.Raw("<div class=\"grid\">");
        page.Figure(new PlotlyFigure("Accuracy", yTitle: "accuracy")
            .Line("train accuracy", run.Series(EvaluationMetrics.TrainAcc)).Line("test accuracy", run.Series(EvaluationMetrics.TestAcc))
            .Line("task A test accuracy (digits 0–4)", run.Series("forget/task_a_test_acc")).Line("task B test accuracy (digits 5–9)", run.Series("forget/task_b_test_acc")), events,
            "No evaluation recorded (eval/train_acc, eval/test_acc).");
        page.Figure(new PlotlyFigure("Loss", yTitle: "loss") { LogY = true }
            .Line("training loss (step)", run.Series("loss")).Line("train loss (eval)", run.Series(EvaluationMetrics.TrainLoss)).Line("test loss (eval)", run.Series(EvaluationMetrics.TestLoss))
            .Line("task A test loss", run.Series("forget/task_a_test_loss")).Line("task B test loss", run.Series("forget/task_b_test_loss")), events,
            "No loss recorded.");
        page.Raw("</div>");
    }

    static void Consolidation(ReportPage page, RunData run, EventOverlay events)
    {
        page.Section("consolidation", "Consolidation dashboard (seed 003 §12.3)",
            "C_α = ‖ḡ‖²/Tr Σ̂ and p = C_α/(1 + C_α); p = 0.5 is the seed's transition line. Signal and noise are drawn apart, as the seed's dashboard asks.");
        if (!run.Has(ConsolidationMetrics.P))
        {
            page.Missing("No consolidation metrics in this run (grok --consolidation micro|batches records them).");
            return;
        }
        page.Raw("<div class=\"grid\">");
        var p = new PlotlyFigure("p = C_α / (1 + C_α)", yTitle: "p").Line("p", run.Series(ConsolidationMetrics.P)).Line("p (bias-corrected)", run.Series(ConsolidationMetrics.PUnbiased), "dot")
            .Line("p smoothed", run.Series(ConsolidationMetrics.PSmoothed));
        p.HorizontalLines.Add((0.5, "p = 0.5"));
        page.Figure(p, events);
        page.Figure(new PlotlyFigure("C_α", yTitle: "C_α") { LogY = true }
            .Line("C_α", run.Series(ConsolidationMetrics.CAlpha)).Line("C_α (bias-corrected)", run.Series(ConsolidationMetrics.CAlphaUnbiased), "dot"), events);
        page.Figure(new PlotlyFigure("Signal ‖ḡ‖² and noise Tr Σ̂", yTitle: "squared norm") { LogY = true }
            .Line("signal", run.Series(ConsolidationMetrics.Signal)).Line("signal (bias-corrected)", run.Series(ConsolidationMetrics.SignalUnbiased), "dot")
            .Line("noise", run.Series(ConsolidationMetrics.Noise)), events);
        page.Figure(new PlotlyFigure("Intelligence coefficient I = p·S/d_H", yTitle: "I")
            .Line("I", run.Series(ConsolidationMetrics.Intelligence)), events,
            "I needs the curvature probe (grok --curvature): no I recorded.");
        page.Figure(new PlotlyFigure("Curvature λ_max(H)", yTitle: "λ_max") { LogY = true }
            .Line("λ_max (Lanczos)", run.Series(CurvatureMetrics.LambdaMax)).Line("λ_max (power iteration)", run.Series(CurvatureMetrics.LambdaMaxPower), "dot"), events,
            "No curvature recorded (grok --curvature).");
        page.Figure(new PlotlyFigure("Tail index (Hill)", yTitle: "α̂")
            .Line("α̂", run.Series(ConsolidationMetrics.TailIndex)).Line("d_H = clip(α̂, 1, 2)", run.Series(ConsolidationMetrics.DH), "dot"), events);
        page.Raw("</div>");
    }

    /// <summary>The live grok forecast (issue 22; experimental) and the local learning coefficient, when the run has them.</summary>
    static void Forecast(ReportPage page, RunData run, EventOverlay events)
    {
        bool forecast = run.Has(GrokForecastSink.Metric), llc = run.Has(LlcProbe.LambdaHatMetric);
        if (!forecast && !llc) return;
        page.Section("forecast", "Grok forecast and local learning coefficient",
            "P(grok within H steps) from the combined predictor (experimental; fitted and cross-validated by 'phasescope verdict', docs/RESULTS.md) beside how often held-out forecasts like it came true; " +
            "the local learning coefficient λ̂ (SGLD, grok --llc N) with ± one standard error over chains: Hoogland et al. read its turns as stage boundaries.");
        page.Raw("<div class=\"grid\">");
        if (forecast)
        {
            var f = new PlotlyFigure("Grok forecast", yTitle: "probability").Line("P(grok within H steps)", run.Series(GrokForecastSink.Metric))
                .Line("observed share of such forecasts that came true", run.Series(GrokForecastSink.ObservedMetric), "dot");
            f.HorizontalLines.Add((0.5, "0.5"));
            page.Figure(f, events);
        }
        if (llc)
        {
            var lambda = run.Series(LlcProbe.LambdaHatMetric);
            var se = run.Series(LlcProbe.StandardErrorMetric).ToDictionary(p => p.Step, p => p.Value);
            page.Figure(new PlotlyFigure("Local learning coefficient λ̂", yTitle: "λ̂").Line("λ̂", lambda)
                .Line("λ̂ + SE", lambda.Select(p => (p.Step, p.Value + se.GetValueOrDefault(p.Step))).ToList(), "dot")
                .Line("λ̂ − SE", lambda.Select(p => (p.Step, p.Value - se.GetValueOrDefault(p.Step))).ToList(), "dot"), events);
        }
        page.Raw("</div>");
    }

    static void Spectral(ReportPage page, RunData run, EventOverlay events)
    {
        page.Section("spectral", "Spectral edge (seed 001)",
            "Singular values σ_j of each rolling window of parameter updates, the gap position k* and the gap ratio σ_k*/σ_k*+1 (log axis); gap_opened / gap_collapsed events are marked.");
        if (!run.Has(SpectralEdgeMetrics.KStar))
        {
            page.Missing("No spectral-edge metrics in this run (grok --spectral records them).");
            return;
        }
        page.Raw("<div class=\"grid\">");
        var sigma = new PlotlyFigure("σ_j of each window", yTitle: "σ_j") { LogY = true };
        foreach (var name in run.MetricNames.Where(n => n.StartsWith(SpectralEdgeMetrics.SigmaPrefix, StringComparison.Ordinal))
                     .OrderBy(n => int.TryParse(n[SpectralEdgeMetrics.SigmaPrefix.Length..], out int j) ? j : int.MaxValue))
            sigma.Line(name["spectral/".Length..].Replace("sigma_", "σ_", StringComparison.Ordinal), run.Series(name));
        page.Figure(sigma, events);
        page.Figure(new PlotlyFigure("Gap position k*", yTitle: "k*")
            .Line("k*", run.Series(SpectralEdgeMetrics.KStar)).Line("k* (weighted)", run.Series(SpectralEdgeMetrics.KStarWeighted), "dot"), events);
        page.Figure(new PlotlyFigure("Gap ratio σ_k*/σ_k*+1", yTitle: "gap ratio") { LogY = true }
            .Line("gap ratio", run.Series(SpectralEdgeMetrics.GapRatio)), events);
        page.Figure(new PlotlyFigure("Flat-spectrum null p-value", yTitle: "p-value") { LogY = true }
            .Line("null p", run.Series(SpectralEdgeMetrics.NullP)), events);
        page.Raw("</div>");
    }

    static void Moments(ReportPage page, RunData run, EventOverlay events, long? grok, IReadOnlyList<long>? atSteps)
    {
        page.Section("moments", "Moments and coupling (seed 000)",
            "m∩ = |J_max ∩ I_max| (≥ 1 ordered), d₀ = log(θ_max g_max) − max log|θ_i g_i|, Q̂_α(K) = −C(K,K)/log K and Spearman's ρ of |θ| and |g| over steps; the coupling surface C(k,l), the spectral plane (λ, μ) and the rank–rank sample at chosen steps.");
        if (!run.Has(MomentsMetrics.MCap))
        {
            page.Missing("No moments metrics in this run (grok --moments records them).");
            return;
        }
        page.Raw("<div class=\"grid\">");
        page.Figure(new PlotlyFigure("m∩ and d₀", yTitle: "value").Line("m∩", run.Series(MomentsMetrics.MCap)).Line("d₀", run.Series(MomentsMetrics.D0)), events);
        var qHat = run.MetricNames.Where(n => n.StartsWith(MomentsMetrics.QHatPrefix, StringComparison.Ordinal) && !n[MomentsMetrics.QHatPrefix.Length..].Contains('/', StringComparison.Ordinal))
            .OrderBy(n => double.TryParse(n[MomentsMetrics.QHatPrefix.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out double k) ? k : 0).ToList();
        var q = new PlotlyFigure("Q̂_α(K) = −C(K,K)/log K", yTitle: "Q̂_α");
        foreach (var name in qHat) q.Line($"K = {name[MomentsMetrics.QHatPrefix.Length..]}", run.Series(name));
        page.Figure(q, events);
        page.Figure(new PlotlyFigure("Rank correlation and origin mass", yTitle: "value")
            .Line("Spearman ρ(|θ|, |g|)", run.Series(MomentsMetrics.Spearman)).Line("mass at the plane's origin cell", run.Series(MomentsMetrics.OriginMass), "dot"), events,
            "No Spearman/origin-mass series (the moments probe ran without snapshots).");
        page.Raw("</div>");

        var surfaces = run.Snapshots.GetValueOrDefault(MomentsMetrics.SurfaceSnapshot) ?? [];
        var planes = run.Snapshots.GetValueOrDefault(MomentsMetrics.PlaneSnapshot) ?? [];
        var samples = run.Snapshots.GetValueOrDefault(MomentsMetrics.RankSampleSnapshot) ?? [];
        if (surfaces.Count == 0 && planes.Count == 0 && samples.Count == 0)
        {
            page.Missing("No moments snapshots in this run (coupling surface, spectral plane, rank–rank sample): written by the moments probe from PhaseScope 0.2 on.");
            return;
        }
        var all = surfaces.Concat(planes).Concat(samples).Select(s => s.Step).Distinct().Order().ToList();
        var wanted = atSteps is { Count: > 0 } ? atSteps : new[] { all[0], grok ?? all[all.Count / 2], all[^1] }.Distinct().ToList();
        foreach (long want in wanted)
        {
            long step = all.MinBy(s => Math.Abs(s - want));
            page.Raw($"<h3>step {step}{(step == grok ? " (grok)" : "")}{(step != want ? $" (nearest snapshot to {want})" : "")}</h3><div class=\"grid\">");
            if (surfaces.FirstOrDefault(s => s.Step == step).Json is { } sj) page.Figure(SurfaceFigure(sj, step));
            if (planes.FirstOrDefault(s => s.Step == step).Json is { } pj) page.Figure(PlaneFigure(pj, step));
            if (samples.FirstOrDefault(s => s.Step == step).Json is { } rj) page.Figure(RankFigure(rj, step));
            page.Raw("</div>");
        }
    }

    static PlotlyFigure SurfaceFigure(string json, long step)
    {
        using var doc = JsonDocument.Parse(json);
        var k = doc.RootElement.GetProperty("k").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var l = doc.RootElement.GetProperty("l").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        // c[i][j] = C(k_i, l_j): rows are k (y axis), columns l (x axis).
        var c = doc.RootElement.GetProperty("c").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN).ToArray()).ToArray();
        return new PlotlyFigure($"Coupling surface C(k, l) at step {step}", "gradient order l", "parameter order k") { Height = 380 }
            .Heatmap("C(k, l)", c, l, k, "C");
    }

    static PlotlyFigure PlaneFigure(string json, long step)
    {
        using var doc = JsonDocument.Parse(json);
        double w = doc.RootElement.GetProperty("display_width").GetDouble();
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray()
            .Select(c => (Lambda: c[0].GetDouble(), Mu: c[1].GetDouble(), Count: c[2].GetDouble())).ToList();
        var figure = new PlotlyFigure($"Spectral plane (λ, μ) at step {step}", "λ = β − log|θ|", "μ = β_g − log|g|") { Height = 380 };
        if (cells.Count == 0) return figure;
        int ni = (int)Math.Round(cells.Max(c => c.Lambda) / w) + 1, nj = (int)Math.Round(cells.Max(c => c.Mu) / w) + 1;
        var z = Enumerable.Range(0, nj).Select(_ => Enumerable.Repeat(double.NaN, ni).ToArray()).ToArray();
        foreach (var (lambda, mu, count) in cells) z[(int)Math.Round(mu / w)][(int)Math.Round(lambda / w)] = count;
        // Cell centres: the cell [iw, (i+1)w) is drawn at (i + ½)w.
        return figure.Heatmap("pairs", z, Enumerable.Range(0, ni).Select(i => (i + 0.5) * w).ToArray(),
            Enumerable.Range(0, nj).Select(j => (j + 0.5) * w).ToArray(), "log₁₀ count", logColor: true);
    }

    static PlotlyFigure RankFigure(string json, long step)
    {
        using var doc = JsonDocument.Parse(json);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).ToList();
        return new PlotlyFigure($"Rank–rank sample at step {step}", "rank of |θ| (quantile)", "rank of |g| (quantile)") { Height = 380 }
            .Markers($"{points.Count} sampled pairs", points.Select(p => p.X).ToList(), points.Select(p => p.Y).ToList());
    }

    static void Weights(ReportPage page, RunData run, EventOverlay events)
    {
        page.Section("weights", "Weight spectra per layer",
            "σ₁/σ₂ of every 2-D weight and of each attention operator W_Qᵀ W_K, and the power-law exponent α of each weight's singular-value tail (seed 001, Test 7).");
        var ratios = run.MetricNames.Where(n => (n.StartsWith("weights/", StringComparison.Ordinal) || n.StartsWith("attn_op/", StringComparison.Ordinal)) && n.EndsWith("/ratio12", StringComparison.Ordinal)).ToList();
        if (ratios.Count == 0)
        {
            page.Missing("No weight spectra in this run (grok --weight-spectra records them).");
            return;
        }
        page.Raw("<div class=\"grid\">");
        var r12 = new PlotlyFigure("σ₁/σ₂ per layer", yTitle: "σ₁/σ₂") { LogY = true };
        foreach (var n in ratios) r12.Line(n[..^"/ratio12".Length], run.Series(n));
        page.Figure(r12, events);
        var alpha = new PlotlyFigure("Power-law α per layer", yTitle: "α");
        foreach (var n in run.MetricNames.Where(n => n.StartsWith("weights/", StringComparison.Ordinal) && n.EndsWith("/alpha", StringComparison.Ordinal)))
            alpha.Line(n[..^"/alpha".Length], run.Series(n));
        page.Figure(alpha, events, "No power-law α recorded.");
        page.Raw("</div>");
    }

    static void Events(ReportPage page, RunData run, EventOverlay events)
    {
        page.Section("events", "Events");
        if (run.Events.Count == 0)
        {
            page.Missing("No events were emitted in this run.");
            return;
        }
        page.Raw("<p>" + string.Join(" ", events.Kinds.Select(k =>
            $"<span class=\"legend-item\"><span class=\"swatch\" style=\"background:{events.Color(k)}\"></span>{Text.HtmlText.Of(k)} ({run.Events.Count(e => e.Kind == k)})</span>")) + "</p>");
        string E(string x) => Text.HtmlText.Of(x);
        // A long message (a native stack trace of a probe failure) shows its first line, the rest behind a fold.
        page.Table(["step", "kind", "source", "message"],
            run.Events.Select(e => (IReadOnlyList<string>)[e.Step.ToString(CultureInfo.InvariantCulture), E(e.Kind), E(e.Source),
                EventText.IsCut(e.Message) ? $"<details><summary>{E(EventText.OneLine(e.Message))}</summary><pre>{Text.HtmlText.Block(e.Message)}</pre></details>" : E(e.Message)]),
            "events", htmlCells: true);
    }

    static void Overhead(ReportPage page, RunData run)
    {
        page.Section("overhead", "Monitor overhead", "Wall time each probe took over the run, measured by the monitor around every call.");
        var names = run.MetricNames.Where(n => n.StartsWith("monitor/seconds/", StringComparison.Ordinal)).ToList();
        if (names.Count == 0)
        {
            page.Missing("No probe timings recorded (they are written when a run completes).");
            return;
        }
        double wall = run.Summary?.GetValueOrDefault("wall_seconds") is { ValueKind: JsonValueKind.Number } ws ? ws.GetDouble() : double.NaN;
        var rows = names.Select(n =>
        {
            string probe = n["monitor/seconds/".Length..];
            double seconds = run.Series(n)[^1].Value;
            double calls = run.Series($"monitor/calls/{probe}") is { Count: > 0 } c ? c[^1].Value : double.NaN;
            return (IReadOnlyList<string>)[probe, calls.ToString("0", CultureInfo.InvariantCulture), seconds.ToString("F3", CultureInfo.InvariantCulture),
                calls > 0 ? (1000 * seconds / calls).ToString("F3", CultureInfo.InvariantCulture) : "–",
                double.IsFinite(wall) && wall > 0 ? (seconds / wall).ToString("P1", CultureInfo.InvariantCulture) : "–"];
        });
        page.Table(["probe", "calls", "total s", "ms / call", "share of run wall time"], rows, "overhead");
    }
}
