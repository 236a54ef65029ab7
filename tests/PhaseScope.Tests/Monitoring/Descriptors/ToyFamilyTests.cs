using System.Text.RegularExpressions;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Reporting.Outputs.Html;
using PhaseScope.Reporting.Outputs.TensorBoard;
using PhaseScope.Reporting.Evaluation;
using PhaseScope.Tests.Reporting;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring.Descriptors;

/// <summary>
/// The recipe for a new family, in one file: a probe (<see cref="ToyProbe"/>), its descriptors (<see cref="ToyFamily"/>)
/// and its registration (<see cref="Families"/>, the built-in list with the toy appended). Run through a real monitor
/// into a run store and TensorBoard, the toy's metrics and event appear in the report, the comparison, the verdict,
/// the terminal view and TensorBoard, and no file outside this one knows of it.
/// </summary>
public class ToyFamilyTests
{
    /// <summary>A probe with two metrics and one event: <c>toy/wiggle</c> = max |θᵢ| over the watched parameters,
    /// <c>toy/count</c> = the number of parameter tensors, and <c>toy_flip</c> when the wiggle first exceeds 1.</summary>
    sealed class ToyProbe : IProbe
    {
        bool flipped;
        public string Name => "toy";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(10);

        public void Observe(ProbeContext context, ProbeOutput output)
        {
            double wiggle = context.Parameters.Max(p => p.Value.abs().max().item<float>());
            output.Metric("toy/wiggle", wiggle);
            output.Metric("toy/count", context.Parameters.Count);
            if (wiggle > 1 && !flipped)
            {
                flipped = true;
                output.Event("toy_flip", $"The wiggle passed 1 at step {context.Step}.");
            }
        }
    }

    /// <summary>The toy's descriptors: one chart, two metrics (the wiggle an indicator, compared across runs, shown in the
    /// terminal), one event, filed by the verdict under "toy".</summary>
    static readonly IMetricFamily ToyFamily = new MetricFamily("toy", "Toy probe", "The toy probe's two readings: the largest |θᵢ| and the tensor count.",
        "toy metrics", "attach ToyProbe")
    {
        VerdictGroup = "toy",
        Charts = [new ChartDescriptor("wiggle", "Toy wiggle", "max |θ|")],
        Metrics =
        [
            new MetricDescriptor("toy/wiggle", "wiggle", "The largest |θᵢ| over the watched parameters.")
                { Chart = "wiggle", Indicator = true, Compared = true, Aggregate = MetricAggregate.Max, Terminal = "wig" },
            new MetricDescriptor("toy/count", "tensor count", "How many parameter tensors the monitor watches.") { Chart = "wiggle", Dash = "dot", Integer = true, Terminal = "n" },
        ],
        Events = [new EventDescriptor("toy_flip", "toy flips", "The wiggle passed 1.")],
    };

    /// <summary>The registration: the built-in families with the toy appended.</summary>
    static readonly IReadOnlyList<IMetricFamily> Families = [.. MetricFamilies.BuiltIn, ToyFamily];

    /// <summary>
    /// A 400-step run of the toy probe alone over one tensor θ = a(s)·(0.5, −2), a(s) = <paramref name="scale"/>(s), every
    /// 10 steps, with the evaluation written beside it: test accuracy 0.1, and 1.0 from <paramref name="grokStep"/> on.
    /// </summary>
    static string ToyRun(string root, string name, Func<long, double> scale, long? grokStep)
    {
        var dir = Path.Combine(root, name);
        using var theta = tensor(new[] { 0.5f, -2f });
        using var store = RunStore.Create(dir, name, "grok", new Dictionary<string, string>());
        using var tensorboard = new TensorBoardSink(TensorBoardSink.DirectoryOf(dir));
        var probe = new ToyProbe();
        using (var monitor = new PhaseMonitor([new NamedParameter("theta", theta)], [probe], [store, tensorboard]))
        {
            for (long s = 10; s <= 400; s += 10)
            {
                using (no_grad()) theta.copy_(tensor(new[] { 0.5f, -2f }) * (float)scale(s));
                monitor.AfterStep(s);
                bool grokked = grokStep is long g && s >= g;
                monitor.Record([new(s, EvaluationMetrics.TrainAcc, 1.0), new(s, EvaluationMetrics.TestAcc, grokked ? 1.0 : 0.1), new(s, EvaluationMetrics.TrainLoss, 0.01)]);
                if (grokStep == s) monitor.Emit(new MonitorEvent(s, "grokked", "trainer", "Test accuracy reached 0.95."));
            }
        }
        string grok = grokStep is long gs ? gs.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
        store.Complete("completed", $$"""{"grokked":{{(grokStep is null ? "false" : "true")}},"grok_step":{{grok}},"steps":400,"task":"modular","op":"add","seed":{{(grokStep is null ? 2 : 1)}},"weight_decay":1}""");
        return dir;
    }

    [Fact]
    public void AToyFamilyDeclaredInTheTestProjectAppearsInEveryReader()
    {
        using var tmp = new TempDirectory();
        // θ's largest entry is 2·a(s): the grokking run's a(s) = s/400 rises to 1 (wiggle 2 at step 400, passing 1 at
        // step 210, where 2·210/400 = 1.05); the control stays at a = 0.01 (wiggle 0.02, never flips).
        var grokking = ToyRun(tmp.Path, "grokking", s => s / 400.0, grokStep: 300);
        var control = ToyRun(tmp.Path, "control", _ => 0.01, grokStep: null);

        var run = RunData.Load(grokking);
        Assert.Equal(2.0, run.Series("toy/wiggle")[^1].Value, 6);
        var html = RunReport.Build(run, families: Families).Render("");
        var section = Regex.Match(html, "<section id=\"toy\"[\\s\\S]*?</section>").Value;
        Assert.Contains("Toy wiggle", section);
        Assert.Contains("The largest |θᵢ| over the watched parameters.", section);
        Assert.Contains("<b>1 toy flip at step 210</b>", html);

        var compare = CompareReport.Build([run, RunData.Load(control)], Families).Render("");
        Assert.Contains("<th>max wiggle</th>", compare);
        Assert.Contains("<td>2</td>", compare);
        Assert.Contains("<td>0.02</td>", compare);

        var verdictDir = Path.Combine(tmp.Path, "verdict");
        VerdictReport.Write([SweepRun.Load(grokking, Families), SweepRun.Load(control, Families)], 1000, verdictDir, "toy", "phasescope verdict", Families);
        var md = File.ReadAllText(Path.Combine(verdictDir, VerdictReport.MarkdownFile));
        Assert.Matches(@"\| toy/wiggle \| toy \| ", md);
        Assert.Contains("| toy_flip | toy |", md);
        // Without the registration the verdict neither loads nor scores it.
        Assert.DoesNotContain("toy/wiggle", SweepRun.Load(grokking).Series.Keys);

        var readings = new LatestReadings(Families);
        readings.Write([new MetricRecord(400, "toy/wiggle", 2.0), new MetricRecord(400, "toy/count", 1)]);
        Assert.Equal([("wig", "2"), ("n", "1")], readings.Readings());

        var eventFile = Directory.GetFiles(TensorBoardSink.DirectoryOf(grokking), "events.out.tfevents.*").Single();
        var (_, scalars) = TensorBoardSinkTests.Parse(File.ReadAllBytes(eventFile));
        Assert.Equal(2.0f, scalars.Last(x => x.Tag == "toy/wiggle").Value, 6);
        Assert.Contains(scalars, x => x.Tag == "events/toy_flip" && x.Step == 210);
    }
}
