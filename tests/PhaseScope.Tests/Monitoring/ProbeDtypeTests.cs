using PhaseScope.Consolidation;
using PhaseScope.LearningCoefficient;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>
/// Every probe allocates in the model's dtype (and on its device), not in libtorch's default dtype: every family is run
/// for a few steps on a float64 model twice, once with libtorch's default dtype float32 and once with float64, from the
/// same weights and batches. A tensor a probe created in the default dtype (<c>zeros(n)</c>, <c>randn(n)</c>,
/// <c>tensor(float)</c> without a dtype or device) would be float32 in the first run and float64 in the second: its values
/// (random draws differ by dtype) or its rounding would change some metric, so the two runs' metrics must be equal bit for
/// bit. What this sees: every tensor that reaches a metric, transient or kept. What it cannot see: a default-dtype tensor
/// whose values are exact in both dtypes (zeros, small integers) and that never meets a random draw or rounding, and any
/// device: on this CPU-only machine the model's device and the default device are the same, so a tensor created on the
/// CPU for a model on a GPU is caught only where CI has a GPU. The kept state is checked too: every floating tensor a probe
/// saves for a resume point is in the model's dtype, except the spectral window, whose storage dtype is its option
/// (<see cref="SpectralEdgeOptions.Storage"/>, float32 by default; set to float64 here).
/// </summary>
public class ProbeDtypeTests
{
    const int Inputs = 6, Classes = 4, Examples = 64, Batch = 32, Steps = 10;

    sealed class Logits(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) : ILogitSource
    {
        public (Tensor Logits, Tensor Targets) TrainingLogits() => (model.call(x), y.alias());
    }

    static IReadOnlyList<IProbe> EveryProbe(out StabilityProbe stability) =>
    [
        .. CheapProbes.Create(1),
        new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), Snapshots = true, SnapshotEvery = 1 }),
        new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = 1, Window = 3, Tensors = "all", Storage = ScalarType.Float64, NullDraws = 100, BatchSize = Batch }),
        new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(2), MaxIterations = 6, Tolerance = 1e-9, PowerIterations = 3, HutchinsonSamples = 2,
            BatchSize = 16, Tracker = new LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 3) }),
        new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(2), BatchSize = Batch }),
        stability = new StabilityProbe(new StabilityOptions { DirectionalEvery = 1, PreconditionedEvery = 2, BatchSize = 16 }),
        new InstabilityRiskProbe(),
        new WeightSpectraProbe(),
        new LlcProbe(new LlcOptions(Chains: 1, Draws: 4, BurnIn: 2, ReferenceBatches: 1), Examples, ProbeSchedule.Every(5), batchSize: 16),
        HistogramProbe.ForWeightsAndGradients(),
        HistogramProbe.ForUpdates(),
    ];

    /// <summary>Trains the float64 model from <paramref name="start"/> under <paramref name="defaultDtype"/>; returns every
    /// metric and the dtypes of the kept state's tensors by name.</summary>
    static (Dictionary<(long, string), double> Metrics, Dictionary<string, string> Kept) Run(ScalarType defaultDtype, Tensor[] start, Tensor x, Tensor y, string dir)
    {
        var saved = get_default_dtype();
        set_default_dtype(defaultDtype);
        try
        {
            using (var probe = zeros(1)) Assert.Equal(defaultDtype, probe.dtype);   // the switch took effect
            manual_seed(1);
            using var model = nn.Sequential(nn.Linear(Inputs, 16), nn.Tanh(), nn.Linear(16, Classes));
            model.to(ScalarType.Float64);
            using (no_grad())
                foreach (var (p, s) in model.parameters().Zip(start)) p.copy_(s);
            Tensor Loss(Tensor xs, Tensor ys) => nn.functional.cross_entropy(model.call(xs), ys);
            var probes = EveryProbe(out var stability);
            probes = [.. probes, new AbsorptionProbe(new Logits(model, x, y))];
            var sink = new CollectingSink();
            using var monitor = new PhaseMonitor(model, probes, [sink]) { LossSource = new TensorLossSource(x, y, Loss, Batch), LearningRate = 1e-2, EvaluationEvery = 5 };
            using var adam = new KeptAdamW(model.parameters(), 1e-2, 0.9, 0.98, 1e-8, 0.1);
            stability.Connect(adam);
            for (int step = 1; step <= Steps; step++)
            {
                using var scope = NewDisposeScope();
                adam.zero_grad();
                var idx = arange(step % 2 * Batch, step % 2 * Batch + Batch, ScalarType.Int64);
                using var loss = MicroBatchBackward.Run(monitor, step, x.index_select(0, idx), y.index_select(0, idx), (xs, ys) => { var l = Loss(xs, ys); return (l, l); });
                monitor.AfterBackward(step, loss);
                adam.step();
                monitor.AfterStep(step);
                if (step % 5 == 0) monitor.OnEvaluation(step, new EvaluationResult(1, 0.5, 1, 0.5));
            }
            Assert.DoesNotContain(monitor.Events, e => e.Kind == "probe_failed");
            var path = Path.Combine(dir, $"state-{defaultDtype}.safetensors");
            monitor.SaveState(path);
            var kept = PhaseScope.Checkpoints.SafetensorsHeader.Read(path).Entries.ToDictionary(t => t.Name, t => t.DType);
            var idle = monitor.Timings.Where(t => t.Name != PhaseMonitor.BookkeepingName && (t.Calls == 0 || t.Disabled)).Select(t => t.Name).ToList();
            Assert.True(idle.Count == 0, "probes that never ran or were disabled: " + string.Join(", ", idle));
            return (sink.Metrics.ToDictionary(m => (m.Step, m.Name), m => m.Value), kept);
        }
        finally
        {
            set_default_dtype(saved);
        }
    }

    [Fact]
    public void NoProbeDependsOnTheDefaultDtypeAndTheKeptStateIsInTheModelsDtype()
    {
        using var dir = new TempDirectory();
        using var g = new Generator(9);
        using var x = randn([Examples, Inputs], ScalarType.Float64, generator: g);
        using var y = randint(0, Classes, [Examples], ScalarType.Int64, generator: g);
        manual_seed(2);
        using var template = nn.Sequential(nn.Linear(Inputs, 16), nn.Tanh(), nn.Linear(16, Classes));
        var start = template.parameters().Select(p => p.detach().to_type(ScalarType.Float64).clone()).ToArray();

        var a = Run(ScalarType.Float32, start, x, y, dir.Path);
        var b = Run(ScalarType.Float64, start, x, y, dir.Path);

        Assert.True(a.Metrics.Count > 200, $"only {a.Metrics.Count} metrics were written");
        Assert.Equal(a.Metrics.Keys.Order(), b.Metrics.Keys.Order());
        var differ = a.Metrics.Where(kv => !b.Metrics[kv.Key].Equals(kv.Value)).Select(kv => $"{kv.Key.Item2}@{kv.Key.Item1}: {kv.Value:R} vs {b.Metrics[kv.Key]:R}").ToList();
        Assert.True(differ.Count == 0, "metrics that depend on libtorch's default dtype: " + string.Join("; ", differ.Take(10)));
        var notModelDtype = a.Kept.Where(kv => kv.Value is "F32" or "F16" or "BF16").Select(kv => $"{kv.Key} ({kv.Value})").ToList();
        Assert.True(notModelDtype.Count == 0, "kept tensors not in the model's float64: " + string.Join(", ", notModelDtype));
    }
}
