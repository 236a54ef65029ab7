using System.Diagnostics;
using PhaseScope.Moments;
using PhaseScope.Runtime;
using PhaseScope.Training.Optimizers;
using PhaseScope.Monitoring;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// Seed 000 §5.3's continual-learning experiment: train an MLP on task A (digits 0–4), then on task B
/// (digits 5–9) by fine-tuning, with the top-N parameters frozen, with EWC, or with EWC restricted to task A's extremal
/// core; with one shared head or one head per task (<see cref="SplitMnistModel"/>); report both tasks' test
/// accuracy and the moments phase (m∩, d₀, Q̂_α) before and after the switch.
/// </summary>
public static class SplitMnistExperiment
{
    /// <summary>Runs one strategy with one seed; <paramref name="log"/> receives progress lines.</summary>
    public static ForgettingResult Run(SplitMnist data, ForgettingOptions options, Action<string>? log = null) =>
        Run(data, options, _ => new ForgettingObserver { Log = log });

    /// <summary>
    /// Runs one strategy with one seed under an observer: its monitor sees every step of both tasks
    /// (numbered on through the switch), both tasks' test sets are evaluated every <see cref="ForgettingOptions.EvaluateEvery"/>
    /// steps (metrics <c>forget/task_a_test_acc</c>, <c>forget/task_b_test_acc</c> and the losses), the switch is the
    /// event <c>task_switch</c>, and the moments readings before and after it are metrics <c>forget/{before_switch,
    /// after_switch_task_a, after_switch_task_b}/{m_cap, d0, q_alpha}</c>.
    /// </summary>
    /// <param name="data">The two tasks.</param>
    /// <param name="options">What to run.</param>
    /// <param name="observe">Given the freshly built model, returns what watches the run (e.g. a monitor attached to it).</param>
    /// <exception cref="OperationCanceledException">The observer's cancellation was requested.</exception>
    public static ForgettingResult Run(SplitMnist data, ForgettingOptions options, Func<Module, ForgettingObserver> observe)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        manual_seed(options.Seed);
        using var generator = new Generator((ulong)options.Seed);
        using var net = SplitMnistModel.Create(data, options.Heads, options.Hidden);
        var model = net.Model;
        var parameters = model.parameters().ToList();
        long total = parameters.Sum(p => p.numel());
        if (options.Strategy == ForgettingStrategy.Freeze && options.FreezeCount > total)
            throw new TaskConfigurationException($"--freeze-top {options.FreezeCount} exceeds the model's {total} parameters.");
        if (options.Strategy == ForgettingStrategy.EwcCore && options.CoreSize > total)
            throw new TaskConfigurationException($"--core-size {options.CoreSize} exceeds the model's {total} parameters.");
        var observer = observe(model);
        var log = observer.Log;
        var loop = new Loop(net, parameters, options, generator, observer);

        loop.Train(0, penalty: null, freeze: null);
        long switchStep = loop.Step;
        var afterA = loop.LastEvaluation;
        log?.Invoke(FormattableString.Invariant($"after task A: acc A {afterA.TaskA:F4}, acc B {afterA.TaskB:F4}"));
        net.Use(0);
        var before = Reading(model, parameters, net.TaskA, options.MomentsExamples);
        Record(observer.Monitor, switchStep, "before_switch", before);
        observer.Monitor?.Emit(new MonitorEvent(switchStep, "task_switch", "forget",
            FormattableString.Invariant($"Task A (digits 0–4) ends: test accuracy A {afterA.TaskA:F4}, B {afterA.TaskB:F4}; m∩ {before.Intersection}, d₀ {before.D0:G4}, {before.Phase.Label()}. Task B (digits 5–9) starts ({options.Strategy}).")));

        using var ewc = Consolidation(net, parameters, options, generator, log);
        using var freeze = options.Strategy == ForgettingStrategy.Freeze ? new HardFreeze(parameters, options.FreezeCount) : null;
        loop.Train(1, ewc, freeze);
        var afterB = loop.LastEvaluation;
        log?.Invoke(FormattableString.Invariant($"after task B: acc A {afterB.TaskA:F4}, acc B {afterB.TaskB:F4}"));
        net.Use(0);
        var afterTaskA = Reading(model, parameters, net.TaskA, options.MomentsExamples);
        net.Use(1);
        var afterTaskB = Reading(model, parameters, net.TaskB, options.MomentsExamples);
        Record(observer.Monitor, loop.Step, "after_switch_task_a", afterTaskA);
        Record(observer.Monitor, loop.Step, "after_switch_task_b", afterTaskB);
        return new ForgettingResult(options, afterA, afterB, before, afterTaskA, afterTaskB, clock.Elapsed.TotalSeconds, loop.Step, switchStep);
    }

    /// <summary>EWC's penalty for task B (Fisher of task A through task A's head), restricted to task A's extremal core for
    /// <see cref="ForgettingStrategy.EwcCore"/>; null for the other strategies.</summary>
    static ElasticWeightConsolidation? Consolidation(SplitMnistModel net, List<Parameter> parameters, ForgettingOptions options, Generator generator, Action<string>? log)
    {
        if (options.Strategy is not (ForgettingStrategy.Ewc or ForgettingStrategy.EwcCore)) return null;
        net.Use(0);
        if (options.Strategy == ForgettingStrategy.Ewc)
            return new ElasticWeightConsolidation(x => net.Model.forward(x), parameters, net.TaskA.TrainInputs, options.FisherSamples, options.EwcLambda, generator);
        var gradients = TaskGradient(net.Model, parameters, net.TaskA, options.MomentsExamples);
        ExtremalCore core;
        try
        {
            core = new ExtremalCore(parameters, gradients, options.CoreSize);
        }
        finally
        {
            foreach (var g in gradients) g.Dispose();
        }
        using var owned = core;
        log?.Invoke(FormattableString.Invariant($"extremal core of task A: {core.Count} parameters with |θ||g| ≥ {core.Threshold:G4}"));
        return new ElasticWeightConsolidation(x => net.Model.forward(x), parameters, net.TaskA.TrainInputs, options.FisherSamples, options.EwcLambda, generator, core.Masks);
    }

    static void Record(PhaseMonitor? monitor, long step, string name, PhaseReading r) => monitor?.Record(
    [
        new(step, $"forget/{name}/m_cap", r.Intersection),
        new(step, $"forget/{name}/d0", r.D0),
        new(step, $"forget/{name}/q_alpha", r.QAlpha),
    ]);

    /// <summary>The training loop over both tasks: one step counter, the monitor's hooks, periodic evaluation of both tasks.</summary>
    sealed class Loop(SplitMnistModel net, List<Parameter> parameters, ForgettingOptions options, Generator generator, ForgettingObserver observer)
    {
        readonly Module<Tensor, Tensor> model = net.Model;
        readonly int totalSteps = options.StepsPerTask(net.TaskA.TrainInputs.shape[0]) + options.StepsPerTask(net.TaskB.TrainInputs.shape[0]);
        readonly TaskLossSource lossSource = new(net.Model, options.BatchSize);
        int current;
        double lossSinceEvaluation;
        int batchesSinceEvaluation;

        public long Step { get; private set; }
        public TaskAccuracy LastEvaluation { get; private set; } = new(double.NaN, double.NaN);

        /// <summary>Trains task <paramref name="index"/> (0 = A, 1 = B) through its head.</summary>
        public void Train(int index, ElasticWeightConsolidation? penalty, HardFreeze? freeze)
        {
            var (task, name) = index == 0 ? (net.TaskA, "A") : (net.TaskB, "B");
            current = index;
            net.Use(index);
            var monitor = observer.Monitor;
            using var optimizer = new KeptAdamW(parameters, options.LearningRate, 0.9, 0.999, 1e-8, 0); // Adam: AdamW without decay
            if (monitor is not null)
            {
                lossSource.Task = task;
                monitor.LossSource ??= lossSource;
            }
            // Each task gets fresh controllers, as it gets a fresh optimizer: a stop ends the task it fires in.
            var loop = new MonitoredLoop(monitor, options.LearningRate, optimizer.SetLearningRate, monitor is null ? null : observer.Controllers?.Invoke(),
                controlFromStep: Step + 1 + observer.ControlAfter);
            long n = task.TrainInputs.shape[0];
            for (int epoch = 0; epoch < options.EpochsPerTask && loop.Stop is null; epoch++)
            {
                using var order = randperm(n, generator: generator);
                double lossSum = 0;
                int batches = 0;
                for (long start = 0; start < n && loop.Stop is null; start += options.BatchSize)
                {
                    observer.Cancellation.ThrowIfCancellationRequested();
                    long step = ++Step;
                    using (var scope = NewDisposeScope())
                    {
                        var idx = order.narrow(0, start, Math.Min(options.BatchSize, n - start));
                        var x = task.TrainInputs.index_select(0, idx);
                        var y = task.TrainLabels.index_select(0, idx);
                        optimizer.zero_grad();
                        // each part's objective is its loss plus the EWC penalty, so each part's gradient is a sample of the step's
                        var loss = loop.Backward(step, x, y, (xs, ys) =>
                        {
                            var l = functional.cross_entropy(model.forward(xs), ys);
                            return (penalty is null ? l : KeptScalar.Sum(l, penalty.Penalty(parameters)), l);
                        });
                        optimizer.step();
                        freeze?.Restore();
                        loop.AfterStep(step);
                        double value = loss.item<float>();
                        lossSum += value;
                        lossSinceEvaluation += value;
                        batches++;
                        batchesSinceEvaluation++;
                    }
                    bool lastOfTask = epoch == options.EpochsPerTask - 1 && start + options.BatchSize >= n || loop.Stop is not null;
                    if (step % options.EvaluateEvery == 0 || lastOfTask) Evaluate(step);
                    observer.StepCompleted?.Invoke(step);
                }
                observer.Log?.Invoke(FormattableString.Invariant($"task {name} epoch {epoch + 1}/{options.EpochsPerTask}: mean loss {lossSum / batches:F4}"));
            }
            if (loop.Stop is { } stop) observer.Log?.Invoke($"task {name} stopped early after step {stop.Step}: {stop.Reason}");
        }

        void Evaluate(long step)
        {
            net.Use(0);
            var (accA, lossA) = Test(model, net.TaskA);
            net.Use(1);
            var (accB, lossB) = Test(model, net.TaskB);
            net.Use(current);
            LastEvaluation = new TaskAccuracy(accA, accB);
            observer.Monitor?.Record(
            [
                new(step, "forget/task_a_test_acc", accA), new(step, "forget/task_b_test_acc", accB),
                new(step, "forget/task_a_test_loss", lossA), new(step, "forget/task_b_test_loss", lossB),
            ]);
            double meanLoss = batchesSinceEvaluation > 0 ? lossSinceEvaluation / batchesSinceEvaluation : double.NaN;
            lossSinceEvaluation = 0;
            batchesSinceEvaluation = 0;
            observer.Progress?.Invoke(new TrainProgress(step, totalSteps, meanLoss, new EvaluationResult(lossA, accA, lossB, accB), null));
        }
    }

    /// <summary>Test accuracy and mean cross-entropy of <paramref name="model"/> on one task through the head in use (with one head,
    /// 10-way: the head sees all digits; with one head per task, 5-way within the task).</summary>
    static (double Accuracy, double Loss) Test(Module<Tensor, Tensor> model, SplitMnist.Split task)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(task.TestInputs);
        double accuracy = logits.argmax(1).eq(task.TestLabels).to_type(ScalarType.Float64).mean().item<double>();
        double loss = functional.cross_entropy(logits, task.TestLabels).item<float>();
        return (accuracy, loss);
    }

    /// <summary>m∩, d₀ and Q̂_α with the gradient of the task's mean loss over its first examples, through the head in use.</summary>
    static PhaseReading Reading(Module<Tensor, Tensor> model, List<Parameter> parameters, SplitMnist.Split task, int examples)
    {
        using var scope = NewDisposeScope();
        return PhaseReading.Of(parameters, TaskGradient(model, parameters, task, examples));
    }

    /// <summary>
    /// The gradient of the task's mean loss over its first <paramref name="examples"/> training examples, per parameter
    /// tensor; a tensor the loss does not reach (another task's head) has gradient 0 exactly, and is given as zeros so that
    /// every reading covers the same n parameters. The parameters' <c>.grad</c> is left zeroed.
    /// </summary>
    static Tensor[] TaskGradient(Module<Tensor, Tensor> model, List<Parameter> parameters, SplitMnist.Split task, int examples)
    {
        using var scope = NewDisposeScope();
        long n = Math.Min(examples, task.TrainInputs.shape[0]);
        model.zero_grad();
        var loss = functional.cross_entropy(model.forward(task.TrainInputs.narrow(0, 0, n)), task.TrainLabels.narrow(0, 0, n));
        loss.backward();
        var grads = parameters.Select(p => (p.grad is { IsInvalid: false } g ? g.clone() : zeros_like(p)).MoveToOuterDisposeScope()).ToArray();
        model.zero_grad();
        return grads;
    }
}
