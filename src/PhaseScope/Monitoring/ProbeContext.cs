using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// What a probe sees in one monitor call: the step, the named parameters and, depending on the
/// phase, the loss, the gradients, the update θ_t − θ_{t−1}, other-batch losses or evaluation
/// results. Tensors handed out here are owned by the monitor; probes must not dispose or modify them.
/// </summary>
public sealed class ProbeContext
{
    readonly Func<int, Tensor?> gradient;
    readonly Func<int, Tensor?> update;
    readonly Func<int, Tensor?> previous;
    readonly Func<double?> loss;

    internal ProbeContext(long step, MonitorPhase phase, IReadOnlyList<NamedParameter> parameters,
        Func<double?> loss, Func<int, Tensor?> gradient, Func<int, Tensor?> update, Func<int, Tensor?> previous,
        ILossSource? lossSource, EvaluationResult? evaluation, double? learningRate = null, MonitorReadings? readings = null)
    {
        Readings = readings ?? new MonitorReadings();
        LearningRate = learningRate;
        Step = step;
        Phase = phase;
        Parameters = parameters;
        this.loss = loss;
        this.gradient = gradient;
        this.update = update;
        this.previous = previous;
        LossSource = lossSource;
        Evaluation = evaluation;
    }

    /// <summary>The optimizer step (1-based).</summary>
    public long Step { get; }

    /// <summary>The monitor call this context belongs to.</summary>
    public MonitorPhase Phase { get; }

    /// <summary>The watched parameters, in a fixed order.</summary>
    public IReadOnlyList<NamedParameter> Parameters { get; }

    /// <summary>The step's mini-batch loss, when the trainer passed it (AfterBackward only).</summary>
    public double? Loss => loss();

    /// <summary>The gradient of parameter <paramref name="index"/>, or null when it has none.</summary>
    public Tensor? Gradient(int index) => gradient(index);

    /// <summary>The update θ_t − θ_{t−1} of parameter <paramref name="index"/> (AfterStep of a probe that needs it), else null.</summary>
    public Tensor? Update(int index) => update(index);

    /// <summary>θ_{t−1} of parameter <paramref name="index"/> (AfterStep of a probe that needs the update), else null.
    /// Lets a probe compute functions of the update without materialising it (e.g. <c>θ_t.dist(θ_{t−1})</c>).</summary>
    public Tensor? Previous(int index) => previous(index);

    /// <summary>Loss on other batches at the current θ, when the trainer supplied one.</summary>
    public ILossSource? LossSource { get; }

    /// <summary>The optimizer's current learning rate, when the training loop told the monitor (<see cref="PhaseMonitor.LearningRate"/>).</summary>
    public double? LearningRate { get; }

    /// <summary>The typed readings the monitor's probes published (<see cref="MonitorReadings"/>).</summary>
    public MonitorReadings Readings { get; }

    /// <summary>The evaluation results (Evaluation phase only).</summary>
    public EvaluationResult? Evaluation { get; }
}

/// <summary>A parameter tensor with its module path name.</summary>
/// <param name="Name">e.g. <c>layers.0.attn.q_proj.weight</c>.</param>
/// <param name="Value">The live parameter tensor.</param>
public sealed record NamedParameter(string Name, Tensor Value);
