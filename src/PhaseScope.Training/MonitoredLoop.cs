using System.Diagnostics;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// The loop protocol: a training loop's side of the monitor and the controllers in two calls per step, shared by
/// <see cref="Trainer"/>, split MNIST's loop and a hand-written loop (README):
/// <code>
/// optimizer.zero_grad();
/// using var loss = loop.Backward(step, x, y, objective);   // micro-batches when a probe asks, probes, controllers
/// optimizer.step();
/// loop.AfterStep(step);                                     // probes of the update; then stop when loop.Stop is set
/// </code>
/// <c>Backward</c> backpropagates the batch (<see cref="MicroBatchBackward"/>: split into k parts when a micro-batch
/// probe is due), reports the pass's time (<see cref="PhaseMonitor.ForwardBackwardTook"/>), runs the probes that need
/// gradients (<see cref="PhaseMonitor.AfterBackward"/>) and lets every controller decide on the readings they published:
/// a new learning rate is applied through the setter given (so it acts on this step's update), told to the monitor and
/// recorded as an event; a stop is kept in <see cref="Stop"/>. Controllers ignore steps before <c>controlFromStep</c>.
/// Without a monitor the batch is backpropagated whole and nothing else happens.
/// </summary>
public sealed class MonitoredLoop
{
    readonly IReadOnlyList<IController> controllers;
    readonly Action<double> setLearningRate;
    readonly long controlFromStep;

    /// <summary>Creates the protocol for one optimizer.</summary>
    /// <param name="monitor">The monitor (null: plain backward, no controllers).</param>
    /// <param name="learningRate">The learning rate in use now.</param>
    /// <param name="setLearningRate">Sets a new rate on the optimizer (e.g. <see cref="AdaptiveLearningRate.SetOn"/>).</param>
    /// <param name="controllers">The controllers (none by default); they read <see cref="PhaseMonitor.Readings"/>.</param>
    /// <param name="controlFromStep">Controllers ignore readings before this step (0: from the first, as the seed does).</param>
    public MonitoredLoop(PhaseMonitor? monitor, double learningRate, Action<double> setLearningRate, IReadOnlyList<IController>? controllers = null,
        long controlFromStep = 0)
    {
        ArgumentNullException.ThrowIfNull(setLearningRate);
        this.controllers = controllers ?? [];
        if (this.controllers.Count > 0 && monitor is null)
            throw new ArgumentException("Controllers act on the monitor's readings: pass the monitor they should read.", nameof(controllers));
        Monitor = monitor;
        LearningRate = learningRate;
        this.setLearningRate = setLearningRate;
        this.controlFromStep = controlFromStep;
        if (monitor is not null) monitor.LearningRate = learningRate;
    }

    /// <summary>The monitor (null: none).</summary>
    public PhaseMonitor? Monitor { get; }

    /// <summary>The learning rate in use (changed by controllers).</summary>
    public double LearningRate { get; private set; }

    /// <summary>The stop decision of the step that fired one (null: go on).</summary>
    public StopDecision? Stop { get; private set; }

    /// <summary>Backpropagates the step's batch, runs the gradient probes and the controllers; returns the data loss.</summary>
    /// <param name="step">The step (1-based).</param>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="objective">For a batch or part: the tensor to backpropagate and the data loss to report (the same tensor
    /// when the objective is the loss alone; the loss plus a penalty such as EWC's otherwise).</param>
    public Tensor Backward(long step, Tensor x, Tensor y, Func<Tensor, Tensor, (Tensor Objective, Tensor Loss)> objective)
    {
        long start = Stopwatch.GetTimestamp();
        var loss = MicroBatchBackward.Run(Monitor, step, x, y, objective);
        if (Monitor is null) return loss;
        Monitor.ForwardBackwardTook(step, Stopwatch.GetElapsedTime(start).TotalSeconds);
        Monitor.AfterBackward(step, loss);
        if (step >= controlFromStep) Decide(step, Monitor);
        return loss;
    }

    /// <summary><see cref="Backward(long, Tensor, Tensor, Func{Tensor, Tensor, ValueTuple{Tensor, Tensor}})"/> for an objective that is the loss alone.</summary>
    public Tensor Backward(long step, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss) =>
        Backward(step, x, y, (xs, ys) => { var l = loss(xs, ys); return (l, l); });

    /// <summary>Call after <c>optimizer.step()</c>: runs the probes of the update.</summary>
    public void AfterStep(long step) => Monitor?.AfterStep(step);

    /// <summary>Sets the learning rate from the next update on through the setter the loop was given, and tells the monitor
    /// (a controller that acts outside <see cref="Backward(long, Tensor, Tensor, Func{Tensor, Tensor, ValueTuple{Tensor, Tensor}})"/>, such as <see cref="InstabilityGuard"/>).</summary>
    public void SetLearningRate(double rate)
    {
        setLearningRate(rate);
        LearningRate = rate;
        if (Monitor is not null) Monitor.LearningRate = rate;
    }

    void Decide(long step, PhaseMonitor monitor)
    {
        foreach (var controller in controllers)
        {
            if (controller.Decide(step, monitor.Readings) is not { } decision) continue;
            if (decision.LearningRate is double rate) SetLearningRate(rate);
            monitor.Emit(new MonitorEvent(step, decision.Kind, decision.Source, decision.Message));
            if (decision.Stop is { } stop) Stop ??= stop;
        }
    }
}
