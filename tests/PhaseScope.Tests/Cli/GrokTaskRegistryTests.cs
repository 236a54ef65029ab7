using PhaseScope.Cli;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Commands.Grok.Tasks;
using PhaseScope.Cli.Commands.Sweep;
using PhaseScope.Tests.Training;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>The task registry: every task <c>grok</c> knows is one <see cref="GrokTask"/>, found by name, whose settings,
/// data and model go together.</summary>
public class GrokTaskRegistryTests
{
    /// <summary>Tiny settings of <paramref name="task"/> (1 layer of width 16), with a corpus folder for the language model.</summary>
    static GrokSettings Tiny(GrokTask task, string dir) => new()
    {
        Task = task.Name, Trainer = new TrainerOptions(), OutDirectory = dir, P = 7, TrainFraction = 0.5, DataSeed = 3,
        Layers = 1, DModel = 16, Heads = 2, DFf = 32, ScanTrainCount = 16, ProbeEvery = 10,
        Context = task.Defaults.Context > 0 ? 16 : null, Corpus = task.Defaults.Context > 0 ? Path.Combine(dir, "corpus") : null,
    };

    [Fact]
    public void TheRegistryHoldsTheFourTasksInTheHelpsOrder()
    {
        Assert.Equal(["modular", "dyck", "scan", "lm"], GrokTasks.Names);
        foreach (var task in GrokTasks.All) Assert.Same(task, GrokTasks.Named(task.Name));
        Assert.Equal("Unknown task 'foo'. Use --task modular, dyck, scan or lm.", Assert.Throws<UsageException>(() => GrokTasks.Named("foo")).Message);
        Assert.Equal(["modular"], GrokTasks.All.Where(t => t.HasOperations).Select(t => t.Name));
    }

    /// <summary>The help's lists come from the registries: grok's <c>--task</c> line names the four tasks with lm's gloss, and
    /// grok's <c>--op</c> and sweep's <c>--ops</c> name the enum's five operations, as an unknown operation's error does.</summary>
    [Fact]
    public void TheHelpListsTheRegisteredTasksAndOperations()
    {
        Assert.Equal("modular, dyck, scan or lm (a byte-level GPT on the Brown corpus)", GrokTasks.HelpList);
        Assert.Equal("add, sub, mul, div, x2_y2", ModularArithmetic.NameList);
        Assert.Equal(Enum.GetValues<ModularOperation>().Length, ModularArithmetic.NameList.Split(", ").Length);
        Assert.Contains("Use one of: add, sub, mul, div, x2_y2.", Assert.Throws<TaskConfigurationException>(() => ModularArithmetic.ParseOperation("pow")).Message);
        var grok = CliRunner.Run(Path.GetTempPath(), "grok", "--help").Stdout;
        Assert.Contains("modular, dyck, scan or lm (a byte-level GPT on the Brown corpus). [default: modular]", grok);
        Assert.Contains("Modular operation: add, sub, mul, div, x2_y2 (with --multitask", grok);
        Assert.Contains("Comma-separated modular operations (add, sub, mul, div, x2_y2).", CliRunner.Run(Path.GetTempPath(), "sweep", "--help").Stdout);
    }

    /// <summary>Seed 003's k micro-batches split a training batch into equal parts, so each task's default k divides its
    /// default batch (Dyck's full batch of 50 gets 5, not 8).</summary>
    [Fact]
    public void EachTasksDefaultMicroBatchesDivideItsDefaultBatch()
    {
        foreach (var task in GrokTasks.All) Assert.True(task.Defaults.BatchSize % task.Defaults.MicroBatches == 0, task.Name);
        Assert.Equal(5, GrokTasks.Named("dyck").Defaults.MicroBatches);
    }

    /// <summary>Each task's settings validate, name the run and fill the config table with its own keys only; its data and
    /// model go together: a batch of four training rows through the untrained model gives one logit per class and a
    /// cross-entropy near ln K (uniform guessing over K classes), accuracies within [0, 1].</summary>
    [Fact]
    public void EachTaskBuildsATinyModelAndABatch()
    {
        using var dir = new TempDirectory();
        LanguageModelTaskTests.WriteCorpus(Path.Combine(dir.Path, "corpus"), 10);
        var ownKeys = new Dictionary<string, string[]>
        {
            ["modular"] = ["op", "p", "train_fraction"], ["dyck"] = [], ["scan"] = ["scan_split", "scan_train"], ["lm"] = ["context", "corpus"],
        };
        var names = new Dictionary<string, string> { ["modular"] = "mod-add-p7-s42-", ["dyck"] = "dyck-s42-", ["scan"] = "scan-simple-s42-", ["lm"] = "lm-d16-l1-s42-" };
        foreach (var task in GrokTasks.All)
        {
            var s = Tiny(task, dir.Path);
            s.Validate();
            Assert.StartsWith(names[task.Name], s.RunName());
            var config = s.ToConfig();
            foreach (var other in ownKeys.Where(k => k.Key != task.Name).SelectMany(k => k.Value)) Assert.DoesNotContain(other, config.Keys);
            foreach (var own in ownKeys[task.Name]) Assert.Contains(own, config.Keys);

            using var scope = NewDisposeScope();
            using var data = task.CreateData(s);
            manual_seed(1);
            using var model = task.Model(s, data).CreateModel();
            var x = data.TrainInputs.narrow(0, 0, 4);
            var y = data.TrainTargets.narrow(0, 0, 4);
            using (no_grad()) Assert.Equal(data.ClassCount, model.call(x).shape[^1]);
            var (loss, token, sequence) = Objective.Measure(model, x, y, data.PerPosition);
            double uniform = Math.Log(data.ClassCount);
            Assert.InRange(loss, 0.5 * uniform, 1.5 * uniform);
            Assert.InRange(token, 0, 1);
            Assert.InRange(sequence, 0, token);
        }
    }

    /// <summary>A setting only the language model takes is refused under another task, and a task's own check runs.</summary>
    [Fact]
    public void ASettingOfAnotherTaskIsRefused()
    {
        using var dir = new TempDirectory();
        var dyck = Tiny(GrokTasks.Named("dyck"), dir.Path);
        Assert.Equal("--context, --corpus and --eval-windows only apply with --task lm.", Assert.Throws<UsageException>(() => (dyck with { Context = 32 }).Validate()).Message);
        var scan = Tiny(GrokTasks.Named("scan"), dir.Path) with { ScanSplit = "around" };
        Assert.Equal("--scan-split must be simple, length or addprim_jump (got 'around').", Assert.Throws<UsageException>(() => scan.Validate()).Message);
        var lm = Tiny(GrokTasks.Named("lm"), dir.Path) with { Context = 1 };
        Assert.Equal("--context must lie in 2 … 65,536 tokens (got 1).", Assert.Throws<UsageException>(() => lm.Validate()).Message);
    }

    /// <summary><c>sweep --task</c> lists the registry's tasks, so a task added to it is offered there too.</summary>
    [Fact]
    public void SweepsTaskHelpListsEveryTask()
    {
        var task = SweepCommand.Create().Options.Single(o => o.Name == "--task");
        Assert.Equal("modular, dyck, scan or lm.", task.Description);
    }

    /// <summary>A task brings its own probes: the per-task accuracy comes with a multi-task modular run (one probe,
    /// <c>task_accuracy</c>), not with a single operation nor with another task.</summary>
    [Fact]
    public void OnlyAMultitaskModularRunBringsThePerTaskAccuracyProbe()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var modular = GrokTasks.Named("modular");
        var single = Tiny(modular, dir.Path);
        var multi = single with { Multitask = [ModularOperation.Add, ModularOperation.Mul] };
        var dyck = Tiny(GrokTasks.Named("dyck"), dir.Path);
        (GrokSettings Settings, string[] Expected)[] cases = [(single, []), (multi, ["task_accuracy"]), (dyck, [])];
        foreach (var (s, expected) in cases)
        {
            var task = GrokTasks.Of(s);
            using var data = task.CreateData(s);
            using var model = task.Model(s, data).CreateModel();
            Assert.Equal(expected, task.Probes(s, data, model).Select(p => p.Name));
        }
    }
}
