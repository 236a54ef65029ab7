using System.Text.Json;
using Microsoft.Playwright;

namespace PhaseScope.Tests.Reporting;

/// <summary>
/// Opens the report of a short real run (every probe) in headless Chromium (Debian's <c>chromium</c>, driven by
/// Playwright) and checks what a person would see: no console error or page error, every chart placeholder drawn
/// by plotly (an SVG with a trace), no section showing its "missing" line, no chart title under the toolbar, no
/// legend over an axis title or tick labels, the event lines with their rows behind a fold. Skipped, with the reason,
/// where chromium is not installed.
/// </summary>
public class ReportBrowserTests(ReportBrowserTests.RealRun run) : IClassFixture<ReportBrowserTests.RealRun>
{
    /// <summary>The run every test of the class opens: trained once.</summary>
    public sealed class RealRun : IDisposable
    {
        readonly TempDirectory dir = new();

        /// <summary>The report <c>grok</c> wrote (null when training failed; the failure is in <see cref="Error"/>).</summary>
        public string? Report { get; }

        /// <summary>Why there is no report.</summary>
        public string Error { get; } = "";

        /// <summary>Trains the run (only where chromium is installed: elsewhere the tests are skipped anyway). With
        /// <c>PHASESCOPE_BROWSER_REPORT=FILE</c> the tests check that page instead (a developer's check of a long run's report).</summary>
        public RealRun()
        {
            if (ChromiumFactAttribute.Executable is null) return;
            if (Environment.GetEnvironmentVariable("PHASESCOPE_BROWSER_REPORT") is { Length: > 0 } given)
            {
                if (File.Exists(given)) Report = Path.GetFullPath(given);
                else Error = $"PHASESCOPE_BROWSER_REPORT={given}: no such file";
                return;
            }
            var (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--p", "13", "--steps", "60", "--batch-size", "32", "--d-model", "32",
                "--eval-every", "10", "--moments-snapshots", "--spectral", "--spectral-stride", "5", "--spectral-tensors", "all",
                "--consolidation", "micro", "--consolidation-every", "5", "--curvature", "--curvature-every", "20", "--lanczos-iterations", "4",
                "--weight-spectra", "--llc", "20", "--adaptive-lr", "--lr-bands", "inf:0.5", "--out", dir.Path, "--name", "browser");   // the controller logs lr_changed events for the table
            var report = Path.Combine(dir.Path, "browser", "report.html");
            if (code == 0 && File.Exists(report)) Report = report;
            else Error = $"grok exit {code}: {stderr}";
        }

        /// <inheritdoc />
        public void Dispose() => dir.Dispose();
    }

    /// <summary>What the page showed: every chart's boxes (CSS pixels) and the page's errors.</summary>
    sealed record Box(double X, double Y, double W, double H)
    {
        public bool Overlaps(Box o) => X < o.X + o.W && o.X < X + W && Y < o.Y + o.H && o.Y < Y + H;
        public override string ToString() => $"[{X:0},{Y:0} {W:0}×{H:0}]";
    }

    static readonly string[] LaunchArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    /// <summary>Opens <paramref name="file"/> in chromium at 1400×900, waits until plotly has drawn every chart, and runs <paramref name="check"/>.</summary>
    static async Task Open(string file, Func<IPage, List<string>, Task> check)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumFactAttribute.Executable, Headless = true, Args = LaunchArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") errors.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => errors.Add($"page error: {e}");
        await page.GotoAsync(new Uri(file).AbsoluteUri);
        // Plotly.newPlot is asynchronous: wait until every placeholder holds its SVG.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('div.chart')].every(c => c.querySelector('svg.main-svg'))", null, new() { Timeout = 120_000 });
        await check(page, errors);
    }

    static async Task<Dictionary<string, List<Box>>> Boxes(IPage page, ILocator chart)
    {
        var json = await chart.EvaluateAsync<string>("""
            c => {
              const box = sel => [...c.querySelectorAll(sel)].map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0)
                .map(r => ({X: r.x, Y: r.y, W: r.width, H: r.height}));
              return JSON.stringify({title: box('.gtitle'), modebar: box('.modebar'), legend: box('.legend .bg'), xtitle: box('.xtitle'), ytitle: box('.ytitle'),
                xticks: box('.xaxislayer-above .xtick text'), traces: box('.cartesianlayer g.trace, .cartesianlayer g.hm')});
            }
            """);
        return JsonSerializer.Deserialize<Dictionary<string, List<Box>>>(json)!;
    }

    [ChromiumFact]
    public async Task EveryChartDrawsWithoutErrors()
    {
        Assert.True(run.Report is not null, run.Error);
        await Open(run.Report!, async (page, errors) =>
        {
            int charts = await page.Locator("div.chart").CountAsync();
            Assert.True(charts >= 20, $"only {charts} charts in the page");
            for (int i = 0; i < charts; i++)
            {
                var chart = page.Locator($"#figure-{i}");
                string title = await chart.GetAttributeAsync("data-title") ?? "";
                Assert.True(await chart.Locator("svg.main-svg").CountAsync() >= 1, $"figure {i} ({title}) has no plotly SVG");
                Assert.True(await chart.Locator(".cartesianlayer g.trace, .cartesianlayer g.hm").CountAsync() >= 1, $"figure {i} ({title}) drew no trace");
            }
            foreach (var section in new[] { "training", "norms", "consolidation", "curvature", "spectral", "moments", "weights", "llc", "events", "overhead" })
            {
                var body = page.Locator($"section#{section}");
                Assert.True(await body.CountAsync() == 1, $"section {section} missing");
                var missing = body.Locator("p.missing");
                Assert.True(await missing.CountAsync() == 0, $"section {section}: {(await missing.CountAsync() > 0 ? await missing.First.InnerTextAsync() : "")}");
            }
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        });
    }

    [ChromiumFact]
    public async Task NoTitleUnderTheToolbarAndNoLegendOverAnAxis()
    {
        Assert.True(run.Report is not null, run.Error);
        await Open(run.Report!, async (page, errors) =>
        {
            int charts = await page.Locator("div.chart").CountAsync();
            var problems = new List<string>();
            for (int i = 0; i < charts; i++)
            {
                var chart = page.Locator($"#figure-{i}");
                await chart.ScrollIntoViewIfNeededAsync();
                await chart.HoverAsync(new() { Position = new() { X = 5, Y = 5 } });   // the toolbar shows on hover
                var b = await Boxes(page, chart);
                string name = $"figure {i} ({await chart.GetAttributeAsync("data-title")})";
                if (b["title"].Count == 0) problems.Add($"{name}: no title drawn");
                if (b["modebar"].Count == 0) problems.Add($"{name}: no toolbar on hover");
                foreach (var t in b["title"])
                {
                    foreach (var m in b["modebar"]) if (t.Overlaps(m)) problems.Add($"{name}: title {t} under the toolbar {m}");
                    foreach (var l in b["legend"]) if (t.Overlaps(l)) problems.Add($"{name}: title {t} under the legend {l}");
                }
                foreach (var l in b["legend"])
                    foreach (var (what, boxes) in new[] { ("x-axis title", b["xtitle"]), ("y-axis title", b["ytitle"]), ("x tick label", b["xticks"]) })
                        foreach (var a in boxes) if (l.Overlaps(a)) problems.Add($"{name}: legend {l} over the {what} {a}");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        });
    }

    [ChromiumFact]
    public async Task EventsAreOneLinePerKindWithTheirRowsBehindAFold()
    {
        Assert.True(run.Report is not null, run.Error);
        await Open(run.Report!, async (page, errors) =>
        {
            var kinds = page.Locator("section#events details.event-kind");
            int n = await kinds.CountAsync();
            Assert.True(n >= 2, $"{n} event kinds");
            var lrChanged = page.Locator("section#events details.event-kind[data-kind=lr_changed]");
            Assert.Equal(1, await lrChanged.CountAsync());
            var rows = lrChanged.Locator("table.events tbody tr");
            int count = await rows.CountAsync();
            Assert.True(count >= 1);
            Assert.False(await rows.First.IsVisibleAsync(), "the rows show before the fold is opened");
            // The line counts the rows behind it, as a reader would: "N lr_changed events between steps A and B".
            string line = await lrChanged.Locator("summary").First.InnerTextAsync();
            Assert.StartsWith(count == 1 ? "1 lr_changed event at step" : $"{count} lr_changed events ", line);
            await lrChanged.Locator("summary").First.ClickAsync();
            Assert.True(await rows.First.IsVisibleAsync(), "the rows stay hidden after the fold is opened");
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        });
    }
}
