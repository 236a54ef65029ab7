using System.Text.RegularExpressions;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Tests.Reporting;

/// <summary>The report as a reader meets it: the cheap signals drawn, each absent family naming the option that records it,
/// events summed up per kind, numbers for people, figure data at seven digits; and a family declared only here showing
/// up in the report, the comparison and the terminal view.</summary>
public class ReadableReportTests
{
    /// <summary>What a <c>--cheap-only</c> run stores: the cheap probes' norms, the loss and the evaluation.</summary>
    static string CheapRun(string root, string name = "cheap", Action<RunStore>? more = null)
    {
        var dir = Path.Combine(root, name);
        using var store = RunStore.Create(dir, name, "grok", new Dictionary<string, string>());
        for (long s = 10; s <= 200; s += 10)
            store.Write([new(s, "loss", 2.0 / s), new(s, "grad_norm", 1 + 1.0 / s), new(s, "param_norm", 40 - s / 10.0), new(s, "update_norm", 0.01),
                new(s, "dist_from_init", s / 20.0), new(s, "eval/train_acc", Math.Min(1, s / 50.0)), new(s, "eval/test_acc", 0.1), new(s, "eval/train_loss", 1.0 / s)]);
        more?.Invoke(store);
        store.Complete("completed", """{"grokked":false}""");
        return dir;
    }

    static string Section(string html, string id) => Regex.Match(html, $"<section id=\"{id}\"[\\s\\S]*?</section>").Value;

    [Fact]
    public void ACheapOnlyRunDrawsItsNormsAndSaysWhichOptionRecordsEachAbsentFamily()
    {
        using var tmp = new TempDirectory();
        var html = RunReport.Build(RunData.Load(CheapRun(tmp.Path))).Render("");
        var norms = Section(html, "norms");
        Assert.Contains("Weight norm ‖θ‖", norms);
        Assert.Contains("Gradient norm ‖g‖", norms);
        Assert.Contains("Update size", norms);
        Assert.DoesNotContain("class=\"missing\"", norms);
        // The weight norm's falling line is drawn: its values are in the figure data.
        Assert.Contains("\"name\":\"‖θ‖\"", html);
        foreach (var (id, option) in new[] { ("consolidation", "--consolidation"), ("curvature", "--curvature"), ("spectral", "--spectral"), ("moments", "--moments"), ("weights", "--weight-spectra") })
        {
            var missing = Regex.Match(Section(html, id), "<p class=\"missing\">(.*?)</p>").Groups[1].Value;
            Assert.Contains(option, missing);
            Assert.Contains("--cheap-only", missing);
        }
        Assert.Contains("No spectral-edge metrics in this run: grok runs the spectral-edge probe by default; --cheap-only turns it off and --spectral brings it back.", html);
        // Families that are off unless asked for leave no empty card.
        Assert.Equal("", Section(html, "llc"));
        Assert.Equal("", Section(html, "forecast"));
    }

    [Fact]
    public void EventsOfOneKindAreOneLineWithTheirRowsBehindAFold()
    {
        using var tmp = new TempDirectory();
        long[] steps = [1590, 2000, 2710, 3100, 4000, 4800, 5240];
        double[] ratios = [12, 480, 1.1e5, 7.5, 20, 3e3, 9];
        var dir = CheapRun(tmp.Path, more: store =>
        {
            for (int i = 0; i < steps.Length; i++)
                store.Write(new MonitorEvent(steps[i], "loss_spike", "diagnosis", $"Loss spike: training loss 3 at step {steps[i]} is {ratios[i].ToString("0.##E+0", System.Globalization.CultureInfo.InvariantCulture)}× its median 0.01 over the previous 50 measurements (threshold 5×, and 6 robust standard deviations of log loss)."));
            store.Write(new MonitorEvent(300, "gap_opened", "spectral", "R = 2"));
            store.Write(new MonitorEvent(400, "my_kind", "mine", "something"));
            store.Write(new MonitorEvent(500, "my_kind", "mine", "again"));
        });
        var html = Section(RunReport.Build(RunData.Load(dir)).Render(""), "events");
        Assert.Contains("<b>7 loss spikes between steps 1590 and 5240, the largest ×1.1 × 10⁵</b>", html);
        Assert.Contains("<b>1 gap opening at step 300</b>", html);
        Assert.Contains("<b>2 my_kind events between steps 400 and 500</b>", html);
        // Each kind's rows sit inside its own fold, and every event has its row.
        var spikes = Regex.Match(html, "<details class=\"event-kind\" data-kind=\"loss_spike\">([\\s\\S]*?)</table>").Groups[1].Value;
        Assert.Equal(7, Regex.Matches(spikes, "<tr><td>").Count);
        Assert.Equal(3, Regex.Matches(html, "<details class=\"event-kind\"").Count);
    }

    [Fact]
    public void FigureDataKeepsSevenSignificantDigitsAndTablesThree()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "d");
        using (var store = RunStore.Create(dir, "d", "grok", new Dictionary<string, string>()))
        {
            for (long s = 1; s <= 5; s++) store.Write([new(s, "param_norm", 0.123456789012 * s), new(s, "loss", 1)]);
            store.Complete("completed", """{"wall_seconds":109000.4}""");
        }
        var html = RunReport.Build(RunData.Load(dir)).Render("");
        Assert.Contains("0.1234568", html);           // 0.123456789012 to seven digits
        Assert.DoesNotContain("0.12345678", html);
        Assert.Contains("0.6172839", html);           // 5 × 0.123456789012 = 0.61728394506
        Assert.Contains("<td>1.09 × 10⁵</td>", html); // the summary table
        Assert.DoesNotContain("E+", Regex.Replace(html, "<script>[\\s\\S]*?</script>", ""));
    }

    [Fact]
    public void ThePageInlinesTheCartesianBundleOnce()
    {
        using var tmp = new TempDirectory();
        var html = RunReport.Build(RunData.Load(CheapRun(tmp.Path))).Render("");
        Assert.Single(Regex.Matches(html, Regex.Escape("plotly.js (cartesian - minified)")));
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
        // The bundle is 1.5 MB; what the cheap run adds is small.
        Assert.True(html.Length < 1_700_000, $"{html.Length} characters");
    }

    /// <summary>A toy family declared here only (two metrics, one event) appears in the report, the comparison and the terminal
    /// view when it is appended to the built-in families.</summary>
    [Fact]
    public void AFamilyDeclaredOutsideTheLibraryAppearsInEveryReader()
    {
        var toy = new MetricFamily("toy", "Toy probe", "The toy probe's two readings.", "toy metrics", "attach ToyProbe")
        {
            Charts = [new ChartDescriptor("wiggle", "Toy wiggle", "w")],
            Metrics =
            [
                new MetricDescriptor("toy/wiggle", "wiggle", "How much the toy wiggles.") { Chart = "wiggle", Compared = true, Aggregate = MetricAggregate.Max, Terminal = "wig" },
                new MetricDescriptor("toy/count", "count", "Toy count.") { Chart = "wiggle", Dash = "dot", Integer = true, Terminal = "n" },
            ],
            Events = [new EventDescriptor("toy_flip", "toy flips", "The toy flipped.")],
        };
        IReadOnlyList<IMetricFamily> families = [.. MetricFamilies.BuiltIn, toy];
        using var tmp = new TempDirectory();
        var dir = CheapRun(tmp.Path, "t", store =>
        {
            store.Write([new(10, "toy/wiggle", 0.25), new(10, "toy/count", 3), new(20, "toy/wiggle", 0.75), new(20, "toy/count", 4)]);
            store.Write(new MonitorEvent(20, "toy_flip", "toy", "flip"));
        });
        var run = RunData.Load(dir);
        var html = RunReport.Build(run, families: families).Render("");
        var section = Section(html, "toy");
        Assert.Contains("Toy wiggle", section);
        Assert.Contains("How much the toy wiggles.", section);
        Assert.Contains("<b>1 toy flip at step 20</b>", Section(html, "events"));
        Assert.Contains("The toy flipped.", Section(html, "events"));

        var compare = CompareReport.Build([run, run], families).Render("");
        Assert.Contains("Wiggle — Toy probe", compare);
        Assert.Contains("<th>max wiggle</th>", compare);
        Assert.Contains("<td>0.75</td>", compare);

        var readings = new LatestReadings(families);
        readings.Write([new MetricRecord(20, "toy/wiggle", 0.75), new MetricRecord(20, "toy/count", 4)]);
        Assert.Equal([("wig", "0.75"), ("n", "4")], readings.Readings());

        // Without it, nothing of it shows.
        Assert.Equal("", Section(RunReport.Build(run).Render(""), "toy"));
    }
}
