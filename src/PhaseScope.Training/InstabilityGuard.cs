using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Training.Optimizers;
using PhaseScope.Training.Resume;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// The trainer's side of <c>--on-instability</c> (<see cref="InstabilityController"/>) and of the ZClip baseline
/// (<see cref="ZClip"/>), each optional. Per step, after the backward and before the fixed <c>--clip</c>:
/// <see cref="BeforeUpdate"/> clips with ZClip (recording <c>control/zclip_*</c> at a clipped step), feeds the step's loss
/// to the controller and applies its decision, recorded as its event: a new learning rate through the loop
/// (<see cref="MonitoredLoop.SetLearningRate"/>), or the update withheld (skip), or the model and optimizer state of the
/// newest resume point on the <c>--checkpoint-every</c> schedule loaded and the update withheld (rollback; without such a
/// point yet, the update is withheld only). A rate the controller sets (a cut, each recovery step) is recorded as
/// <c>control/instability_lr</c>. After the update's probes, <see cref="AfterUpdate"/> lets the reading triggers
/// see what was published. A rolled-back run goes on counting steps and drawing batches from where it was; the monitor's
/// probes go back with the model to the point's state (<see cref="PhaseMonitor.LoadState"/> with <c>rollBack</c>), and
/// the update probes skip the rollback step, whose update was undone; the series already stored stay. Resume points written off the
/// schedule (a run stopped by a signal) are never rollback targets, so a resumed run rolls back to the same point as
/// the uninterrupted one. <see cref="SaveState"/> travels in the resume point's control state.
/// </summary>
public sealed class InstabilityGuard(InstabilityController? controller, ZClip? zclip)
{
    nn.Module? model;
    ITrainingOptimizer? optimizer;
    MonitoredLoop? loop;
    IReadOnlyList<Parameter> parameters = [];
    string? checkpoints;
    int checkpointEvery;

    /// <summary>The controller (null: ZClip only).</summary>
    public InstabilityController? Controller { get; } = controller;
    /// <summary>The ZClip baseline (null: none).</summary>
    public ZClip? ZClip { get; } = zclip;

    /// <summary>Connects the guard to the run, once before the first step; sets the loop's learning rate on the optimizer
    /// (after a resume, the rate an action had set).</summary>
    /// <exception cref="Tasks.TaskConfigurationException">A controller without a monitor (its events need one).</exception>
    public void Attach(nn.Module model, ITrainingOptimizer optimizer, MonitoredLoop loop, string? checkpointDirectory, int checkpointEvery)
    {
        if (Controller is not null && loop.Monitor is null)
            throw new Tasks.TaskConfigurationException("--on-instability records its actions as events and reads the probes' readings: it needs a monitor.");
        this.model = model;
        this.optimizer = optimizer;
        this.loop = loop;
        parameters = [.. model.parameters()];
        checkpoints = checkpointDirectory;
        this.checkpointEvery = checkpointEvery;
        optimizer.SetLearningRate(loop.LearningRate);
    }

    /// <summary>Before step <paramref name="step"/>'s update: ZClip, then the controller's decision. Returns whether to apply the update.</summary>
    public bool BeforeUpdate(long step, Tensor loss)
    {
        var (l, o) = (loop ?? throw new InvalidOperationException("Attach the guard first."), optimizer!);
        if (ZClip?.Clip(parameters) is { } clipped)
            l.Monitor?.Record([new MetricRecord(step, ControlMetrics.ZClipNorm, clipped.Norm), new MetricRecord(step, ControlMetrics.ZClipThreshold, clipped.ClippedTo)]);
        if (Controller is null) return true;
        double value = loss.detach().cpu().to_type(ScalarType.Float64).item<double>();   // as the loss probe records it
        if (Controller.BeforeUpdate(step, value, l.LearningRate) is not { } decision) return true;
        string message = decision.Message;
        if (decision.RollBack) message += " " + RollBack(step, o, l.Monitor!);
        if (decision.LearningRate is double rate)
        {
            l.SetLearningRate(rate);
            l.Monitor!.Record([new MetricRecord(step, ControlMetrics.InstabilityLearningRate, rate)]);
        }
        if (decision.Kind is { } kind) l.Monitor!.Emit(new MonitorEvent(step, kind, "on_instability", message));
        return !decision.SkipUpdate;
    }

    /// <summary>Loads the newest scheduled resume point (model, optimizer, the probes' state); says what was restored.</summary>
    string RollBack(long step, ITrainingOptimizer o, PhaseMonitor monitor)
    {
        var point = checkpoints is null || checkpointEvery <= 0 ? null
            : ResumePoint.Latest(checkpoints, out _, s => s % checkpointEvery == 0 && s < step);
        if (point is null) return "No scheduled resume point yet: the update of this step is withheld instead.";
        try
        {
            ModelWeights.Load(model!, Path.Combine(checkpoints!, point.ModelFile), "The run's checkpoints no longer fit its model.");
            using (var s = File.OpenRead(Path.Combine(checkpoints!, point.OptimizerFile))) o.LoadState(s);
            if (point.HasMonitorState) monitor.LoadState(Path.Combine(checkpoints!, point.MonitorFile), step, rollBack: true);
        }
        catch (Exception e) when (e is ResumeException or IOException or InvalidDataException)
        {
            throw new ResumeException($"--on-instability rollback: the resume point of step {point.Step} could not be restored ({e.Message}).", e);
        }
        return $"Restored the resume point of step {point.Step} (model, optimizer and probe state; {step - point.Step} steps lost).";
    }

    /// <summary>After step <paramref name="step"/>'s update and its probes.</summary>
    public void AfterUpdate(long step)
    {
        if (Controller is not null && loop?.Monitor is { } monitor) Controller.AfterUpdate(step, monitor.Readings);
    }

    /// <summary>The controller's and ZClip's state.</summary>
    public InstabilityState SaveState() => (Controller?.SaveState() ?? new InstabilityState()) with { ZClip = ZClip?.SaveState() };

    /// <summary>Returns to <paramref name="state"/> (a resumed run); null (a point written without the guard) starts afresh.</summary>
    /// <exception cref="ResumeException">The state does not fit these settings.</exception>
    public void RestoreState(InstabilityState? state)
    {
        if (state is null) return;
        try
        {
            if (Controller is not null) Controller.RestoreState(state);
            if (ZClip is not null && state.ZClip is { } z) ZClip.RestoreState(z);
        }
        catch (ArgumentException e)
        {
            throw new ResumeException($"The resume point's instability state does not fit these settings ({e.Message}).", e);
        }
    }
}
