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
/// (digits 5–9) by fine-tuning, with the top-N parameters frozen, or with EWC; report both tasks' test
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
        using var model = new Mlp((int)data.TaskA.TrainInputs.shape[1], options.Hidden, 10);
        var parameters = model.parameters().ToList();
        long total = parameters.Sum(p => p.numel());
        if (options.Strategy == ForgettingStrategy.Freeze && options.FreezeCount > total)
            throw new TaskConfigurationException($"--freeze-top {options.FreezeCount} exceeds the model's {total} parameters.");
        var observer = observe(model);
        var log = observer.Log;
        var loop = new Loop(model, parameters, data, options, generator, observer);

        loop.Train(data.TaskA, penalty: null, freeze: null, "A");
        long switchStep = loop.Step;
        var afterA = loop.LastEvaluation;
        log?.Invoke(FormattableString.Invariant($"after task A: acc A {afterA.TaskA:F4}, acc B {afterA.TaskB:F4}"));
        var before = Reading(model, parameters, data.TaskA, options.MomentsExamples);
        Record(observer.Monitor, switchStep, "before_switch", before);
        observer.Monitor?.Emit(new MonitorEvent(switchStep, "task_switch", "forget",
            FormattableString.Invariant($"Task A (digits 0–4) ends: test accuracy A {afterA.TaskA:F4}, B {afterA.TaskB:F4}; m∩ {before.Intersection}, d₀ {before.D0:G4}, {before.Phase.Label()}. Task B (digits 5–9) starts ({options.Strategy}).")));

        using var ewc = options.Strategy == ForgettingStrategy.Ewc
            ? new ElasticWeightConsolidation(x => model.forward(x), parameters, data.TaskA.TrainInputs, options.FisherSamples, options.EwcLambda, generator)
            : null;
        using var freeze = options.Strategy == ForgettingStrategy.Freeze ? new HardFreeze(parameters, options.FreezeCount) : null;
        loop.Train(data.TaskB, ewc, freeze, "B");
        var afterB = loop.LastEvaluation;
        log?.Invoke(FormattableString.Invariant($"after task B: acc A {afterB.TaskA:F4}, acc B {afterB.TaskB:F4}"));
        var afterTaskA = Reading(model, parameters, data.TaskA, options.MomentsExamples);
        var afterTaskB = Reading(model, parameters, data.TaskB, options.MomentsExamples);
        Record(observer.Monitor, loop.Step, "after_switch_task_a", afterTaskA);
        Record(observer.Monitor, loop.Step, "after_switch_task_b", afterTaskB);
        return new ForgettingResult(options, afterA, afterB, before, afterTaskA, afterTaskB, clock.Elapsed.TotalSeconds, loop.Step, switchStep);
    }

    static void Record(PhaseMonitor? monitor, long step, string name, PhaseReading r) => monitor?.Record(
    [
        new(step, $"forget/{name}/m_cap", r.Intersection),
        new(step, $"forget/{name}/d0", r.D0),
        new(step, $"forget/{name}/q_alpha", r.QAlpha),
    ]);

    /// <summary>The training loop over both tasks: one step counter, the monitor's hooks, periodic evaluation of both tasks.</summary>
    sealed class Loop(Mlp model, List<Parameter> parameters, SplitMnist data, ForgettingOptions options, Generator generator, ForgettingObserver observer)
    {
        readonly int totalSteps = options.TotalSteps(data);
        readonly TaskLossSource lossSource = new(model, options.BatchSize);
        double lossSinceEvaluation;
        int batchesSinceEvaluation;

        public long Step { get; private set; }
        public TaskAccuracy LastEvaluation { get; private set; } = new(double.NaN, double.NaN);

        public void Train(SplitMnist.Split task, ElasticWeightConsolidation? penalty, HardFreeze? freeze, string name)
        {
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
            var (accA, lossA) = Test(model, data.TaskA);
            var (accB, lossB) = Test(model, data.TaskB);
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

    /// <summary>Test accuracy and mean cross-entropy of <paramref name="model"/> on one task (10-way: the single head sees all digits).</summary>
    static (double Accuracy, double Loss) Test(Mlp model, SplitMnist.Split task)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(task.TestInputs);
        double accuracy = logits.argmax(1).eq(task.TestLabels).to_type(ScalarType.Float64).mean().item<double>();
        double loss = functional.cross_entropy(logits, task.TestLabels).item<float>();
        return (accuracy, loss);
    }

    /// <summary>m∩, d₀ and Q̂_α with the gradient of the task's mean loss over its first examples.</summary>
    static PhaseReading Reading(Mlp model, List<Parameter> parameters, SplitMnist.Split task, int examples)
    {
        using var scope = NewDisposeScope();
        long n = Math.Min(examples, task.TrainInputs.shape[0]);
        model.zero_grad();
        var loss = functional.cross_entropy(model.forward(task.TrainInputs.narrow(0, 0, n)), task.TrainLabels.narrow(0, 0, n));
        loss.backward();
        var grads = parameters.Select(p => p.grad!).ToArray();
        var reading = PhaseReading.Of(parameters, grads);
        model.zero_grad();
        return reading;
    }
}
