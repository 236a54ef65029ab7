using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Monitoring.Probes;
using System.Globalization;
using System.Text.Json;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// <c>phasescope report</c>: one run as a self-contained HTML page. First what happened (the diagnosis) and the
/// run's summary; then one section per metric family, in the order of the families given (<see cref="MetricFamilies.BuiltIn"/>:
/// training, norms, forecast, LLC, seed 003's consolidation, curvature, seed 001's spectral edge, seed 000's moments
/// with its snapshots at chosen steps, weight spectra), each drawn from the family's descriptors
/// (<see cref="FamilyFigures"/>); then the events, one line per kind with its rows behind a fold; then the monitor's
/// own cost per probe. Every chart over steps carries the events and the grok step (<see cref="EventOverlay"/>). A
/// family the run lacks says in one line which option records it.
/// </summary>
public static class RunReport
{
    /// <summary>Builds the page of <paramref name="run"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="atSteps">Snapshot steps (default: first, grok, last).</param>
    /// <param name="families">The families whose sections are drawn, in order (default: <see cref="MetricFamilies.BuiltIn"/>).</param>
    public static ReportPage Build(RunData run, IReadOnlyList<long>? atSteps = null, IReadOnlyList<IMetricFamily>? families = null)
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
        var names = run.MetricNames.ToList();
        foreach (var family in families ?? MetricFamilies.BuiltIn)
        {
            Family(page, run, family, events, names);
            if (family.Id == MomentsFamily.Family.Id) MomentsSnapshots(page, run, grok, atSteps);
        }
        Events(page, run, events, families ?? MetricFamilies.BuiltIn);
        Overhead(page, run);
        return page;
    }

    /// <summary>Writes the report of <paramref name="runDirectory"/> to <paramref name="outPath"/> whole or not at all.</summary>
    /// <returns>The number of figures drawn.</returns>
    public static int Write(string runDirectory, string outPath, IReadOnlyList<long>? atSteps = null, IReadOnlyList<IMetricFamily>? families = null)
    {
        var run = RunData.Load(runDirectory);
        var page = Build(run, atSteps, families);
        page.Save(outPath, Subtitle(run));
        return page.FigureCount;
    }

    static string Subtitle(RunData run) =>
        $"{run.Info.Kind} run · status {run.Info.Status} · created {run.Info.CreatedUtc}" +
        (run.Info.FinishedUtc is { } f ? $" · finished {f}" : "") + FormattableString.Invariant($" · {run.MetricCount:N0} metric records · {run.Events.Count} events");

    /// <summary>The run diagnosis replayed from the stored metrics and events by <see cref="DiagnosisBuilder.Replay"/> (the
    /// same rules as the live one, with the grok threshold the run stored), closed at the last step unless still running.</summary>
    public static RunDiagnosis Diagnose(RunData run)
    {
        var metrics = RunDiagnosis.Inputs
            .SelectMany(name => run.Series(name).Select(p => new MetricRecord(p.Step, name, p.Value)));
        long last = run.MetricNames.Select(n => run.Series(n)).Where(s => s.Count > 0).Select(s => s[^1].Step).DefaultIfEmpty(0).Max();
        return DiagnosisBuilder.Replay(metrics, run.Events, DiagnosisBuilder.GrokThresholdOf(run.Config), run.Info.Status != "running" ? last : null);
    }

    /// <summary>The first screen: what happened to the run, in one paragraph and a few lines, and its phase timeline.</summary>
    static void Verdict(ReportPage page, RunData run, long? grok, RunDiagnosis diagnosis, PhaseBand band)
    {
        page.Section("verdict", "What happened");
        string E(string x) => ReportPage.Encode(x);
        string css = diagnosis.Current switch { RunPhase.Unstable => "verdict unstable", RunPhase.Generalised => "verdict generalised", _ => "verdict" };
        var lines = new List<string>();
        if (run.Summary?.GetValueOrDefault("monitor_fraction") is { ValueKind: JsonValueKind.Number } mf)
            lines.Add($"Monitor overhead: {ReadableNumber.Percent(mf.GetDouble())} of the run's wall time" + (run.Summary?.GetValueOrDefault("wall_seconds") is { ValueKind: JsonValueKind.Number } ws ? $" ({ReadableNumber.Format(ws.GetDouble())} s in all)." : "."));
        var failures = run.Events.Where(e => e.Kind is "probe_failed" or "diagnosis_failed").ToList();
        lines.Add(failures.Count == 0 ? "No probe failed." : $"{failures.Count} probe failure(s): " + string.Join("; ", failures.Select(f => $"{f.Source} at step {f.Step}")) + " (see Events).");
        lines.AddRange(DiagnosisBuilder.Findings(diagnosis, run.Series(CurvatureMetrics.StabilityMargin), run.Series(StabilityMetrics.Margin),
            DiagnosisBuilder.OptimizerOf(run.Config, run.Info.Kind)));
        if (run.Outcome?.Forecast is { } forecast) lines.Add($"Grok forecast {forecast}.");
        page.Raw($"<div class=\"{css}\"><p><b>Phase now: {E(diagnosis.Current.Name())}.</b> {E(diagnosis.Describe(grok))}</p><ul>" +
            string.Join("", lines.Select(l => $"<li>{E(l)}</li>")) + "</ul></div>");
        if (diagnosis.Timeline.Count == 0) return;
        page.Raw(band.LegendHtml());
        page.Raw("<details><summary>phase timeline with evidence</summary>");
        page.Table(["phase", "steps", "evidence"], diagnosis.Timeline.Select(t => (IReadOnlyList<string>)
            [t.Phase.Name(), $"{t.Start}–{(t.End is long e ? e.ToString(CultureInfo.InvariantCulture) : "…")}", t.Evidence]), "timeline");
        page.Raw("</details>");
    }

    /// <summary>A summary value as a person reads it: numbers as <see cref="ReadableNumber"/> writes them, lists joined.</summary>
    static string Readable(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number when value.TryGetInt64(out long l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => ReadableNumber.Format(value.GetDouble()),
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

    /// <summary>A family's section from its descriptors: its charts, the legend of the lines drawn, or, when the run lacks the
    /// family, the line saying which option records it (a family that is off unless asked for shows nothing).</summary>
    static void Family(ReportPage page, RunData run, IMetricFamily family, EventOverlay events, IReadOnlyCollection<string> names)
    {
        if (family.Charts.Count == 0) return;
        bool available = family.IsAvailable(names);
        if (!available && !family.ShownWhenAbsent) return;
        page.Section(family.Id, family.Title, family.Intro);
        if (!available)
        {
            page.Missing(family.MissingText());
            return;
        }
        page.Raw("<div class=\"grid\">");
        foreach (var chart in family.Charts)
            page.Figure(FamilyFigures.Build(family, chart, run), events, chart.WhenEmpty);
        page.Raw("</div>");
        var legend = FamilyFigures.Legend(family, run);
        if (legend.Count == 0) return;
        string E(string x) => ReportPage.Encode(x);
        page.Raw("<details class=\"legend\"><summary>what the lines mean</summary><dl>" + string.Join("", legend.Select(l =>
            $"<dt>{E(l.Title)}{(l.Unit.Length > 0 ? $" ({E(l.Unit)})" : "")}</dt><dd>{E(l.Legend)}</dd>")) + "</dl></details>");
    }

    /// <summary>The moments probe's snapshots at chosen steps: the coupling surface, the spectral plane and the rank–rank sample.</summary>
    static void MomentsSnapshots(ReportPage page, RunData run, long? grok, IReadOnlyList<long>? atSteps)
    {
        if (!run.Has(MomentsMetrics.MCap)) return;
        var surfaces = run.Snapshots.GetValueOrDefault(MomentsMetrics.SurfaceSnapshot) ?? [];
        var planes = run.Snapshots.GetValueOrDefault(MomentsMetrics.PlaneSnapshot) ?? [];
        var samples = run.Snapshots.GetValueOrDefault(MomentsMetrics.RankSampleSnapshot) ?? [];
        if (surfaces.Count == 0 && planes.Count == 0 && samples.Count == 0)
        {
            page.Missing("No moments snapshots in this run (coupling surface, spectral plane, rank–rank sample): grok records them with the moments probe by default (--moments-snapshots at every moments step).");
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

    /// <summary>The events, one line per kind (count, step range, largest, what the kind means), each kind's rows behind its own fold.</summary>
    static void Events(ReportPage page, RunData run, EventOverlay events, IReadOnlyList<IMetricFamily> families)
    {
        page.Section("events", "Events");
        if (run.Events.Count == 0)
        {
            page.Missing("No events were emitted in this run.");
            return;
        }
        string E(string x) => ReportPage.Encode(x);
        foreach (var group in EventSummary.Of(run.Events, families))
        {
            string swatch = events.Kinds.Contains(group.Kind) ? $"<span class=\"swatch\" style=\"background:{events.Color(group.Kind)}\"></span>" : "";
            string meaning = group.Descriptor is { } d ? $" <span class=\"meaning\">{E(d.Meaning)}</span>" : "";
            page.Raw($"<details class=\"event-kind\" data-kind=\"{E(group.Kind)}\"><summary>{swatch}<b>{E(group.Line)}</b>{meaning}</summary>");
            // A long message (a native stack trace of a probe failure) shows its first line, the rest behind a fold.
            page.Table(["step", "kind", "source", "message"],
                group.Events.Select(e => (IReadOnlyList<string>)[e.Step.ToString(CultureInfo.InvariantCulture), E(e.Kind), E(e.Source),
                    EventText.IsCut(e.Message) ? $"<details><summary>{E(EventText.OneLine(e.Message))}</summary><pre>{HtmlText.Block(e.Message)}</pre></details>" : E(e.Message)]),
                "events", htmlCells: true);
            page.Raw("</details>");
        }
    }

    static void Overhead(ReportPage page, RunData run)
    {
        page.Section("overhead", "Monitor overhead", "Wall time each probe took over the run, measured by the monitor around every call.");
        var names = run.MetricNames.Where(n => n.StartsWith(MonitorFamily.SecondsPrefix, StringComparison.Ordinal)).ToList();
        if (names.Count == 0)
        {
            page.Missing("No probe timings recorded (they are written when a run completes).");
            return;
        }
        double wall = run.Summary?.GetValueOrDefault("wall_seconds") is { ValueKind: JsonValueKind.Number } ws ? ws.GetDouble() : double.NaN;
        var rows = names.Select(n =>
        {
            string probe = n[MonitorFamily.SecondsPrefix.Length..];
            double seconds = run.Series(n)[^1].Value;
            double calls = run.Series(MonitorFamily.CallsPrefix + probe) is { Count: > 0 } c ? c[^1].Value : double.NaN;
            return (IReadOnlyList<string>)[probe, ReadableNumber.Integer(calls), ReadableNumber.Format(seconds),
                calls > 0 ? ReadableNumber.Format(1000 * seconds / calls) : "–",
                double.IsFinite(wall) && wall > 0 ? ReadableNumber.Percent(seconds / wall) : "–"];
        });
        page.Table(["probe", "calls", "total s", "ms / call", "share of run wall time"], rows, "overhead");
    }
}
