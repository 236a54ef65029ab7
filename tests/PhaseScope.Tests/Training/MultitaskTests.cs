using PhaseScope.Monitoring;
using PhaseScope.Tests.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>Multi-task modular arithmetic: the data carry each operation's labels under its own op token, and the
/// per-task accuracy probe scores each task's test rows and announces each task's grok once.</summary>
public class MultitaskTests
{
    const int P = 11;

    [Fact]
    public void EveryRowIsLabelledByTheOperationOfItsToken()
    {
        ModularOperation[] ops = [ModularOperation.Add, ModularOperation.Mul, ModularOperation.X2Y2];
        using var task = ModularArithmetic.CreateMultitask(P, ops, 0.5, 3);
        int perOp = P * P, perOpTrain = perOp / 2;   // ⌊0.5 · 121⌋ = 60 of each operation's 121 pairs
        Assert.Equal(3 * perOpTrain, task.TrainCount);
        Assert.Equal(3 * (perOp - perOpTrain), task.TestCount);
        Assert.Equal(P + 4, task.VocabularySize);
        foreach (var (x, y) in new[] { (task.TrainInputs, task.TrainTargets), (task.TestInputs, task.TestTargets) })
        {
            var tokens = x.data<long>().ToArray();
            var labels = y.data<long>().ToArray();
            var pairsPerOp = new HashSet<(long, long)>[3];
            for (int k = 0; k < 3; k++) pairsPerOp[k] = [];
            for (int i = 0; i < labels.Length; i++)
            {
                long a = tokens[4 * i], op = tokens[4 * i + 1], b = tokens[4 * i + 2];
                Assert.Equal(P + 3, tokens[4 * i + 3]);
                int k = (int)(op - P);
                Assert.InRange(k, 0, 2);
                long expected = ops[k] switch { ModularOperation.Add => (a + b) % P, ModularOperation.Mul => a * b % P, _ => (a * a + b * b) % P };
                Assert.Equal(expected, labels[i]);
                Assert.True(pairsPerOp[k].Add((a, b)), "a pair appears twice for one operation");
            }
        }
        Assert.Equal(["add", "mul", "x2_y2"], task.TestGroups!.Select(g => g.Name));
        Assert.Equal(task.TestCount, task.TestGroups!.Sum(g => g.Count));
        Assert.Throws<TaskConfigurationException>(() => ModularArithmetic.CreateMultitask(P, [ModularOperation.Add], 0.5, 3));
    }

    /// <summary>A model that always answers x + y mod p: 100 % on add (grokked once, even when asked again or after a
    /// state round trip), and on mul exactly the share of mul test pairs with x·y ≡ x + y, counted here directly.</summary>
    sealed class AlwaysAdd() : nn.Module<Tensor, Tensor>("always_add")
    {
        public override Tensor forward(Tensor tokens)
        {
            using var sum = (tokens.select(1, 0) + tokens.select(1, 2)).remainder(P);
            using var hot = nn.functional.one_hot(sum, P).to_type(ScalarType.Float32);
            return hot.unsqueeze(1).expand(-1, 4, -1).clone();
        }
    }

    [Fact]
    public void ProbeScoresEachTaskAndAnnouncesEachGrokOnce()
    {
        using var task = ModularArithmetic.CreateMultitask(P, [ModularOperation.Add, ModularOperation.Mul], 0.5, 5);
        using var model = new AlwaysAdd();
        var mul = task.TestGroups![1];
        var rows = task.TestInputs.narrow(0, mul.Start, mul.Count).data<long>().ToArray();
        double expectedMul = Enumerable.Range(0, (int)mul.Count).Count(i => (rows[4 * i] * rows[4 * i + 2]) % P == (rows[4 * i] + rows[4 * i + 2]) % P) / (double)mul.Count;

        var sink = new CollectingSink();
        var probe = new TaskAccuracyProbe(task, model);
        using var monitor = new PhaseMonitor([new NamedParameter("p", new Parameter(zeros(1)))], [probe], [sink]);
        monitor.OnEvaluation(100, new EvaluationResult(0, 0, 0, 0));
        monitor.OnEvaluation(200, new EvaluationResult(0, 0, 0, 0));
        Assert.Equal([1.0, 1.0], sink.Metrics.Where(m => m.Name == "eval/test_acc/add").Select(m => m.Value));
        Assert.Equal(expectedMul, sink.Metrics.First(m => m.Name == "eval/test_acc/mul").Value, 12);
        var grokked = Assert.Single(sink.Events, e => e.Kind == "task_grokked");
        Assert.Equal(100, grokked.Step);
        Assert.Contains("'add'", grokked.Message);

        var state = new ProbeState();
        probe.SaveState(state);
        var restored = new TaskAccuracyProbe(task, model);
        restored.LoadState(state);
        Assert.Equal(["add"], restored.Grokked);
    }
}
