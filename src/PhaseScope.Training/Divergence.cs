using System.Globalization;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// A training run that diverged, and the rule that says so: a run diverges at the first step <c>t</c> whose training
/// loss (the loss of the batch the update of step <c>t</c> was computed from) is NaN or ±∞, or after whose update any
/// parameter element is NaN or ±∞. Nothing a later step computes from such values means anything (a NaN loss gives
/// NaN gradients, AdamW turns them into NaN weights, and NaN never turns finite again), so the trainer stops at that
/// step instead of running on: the run is stored with status <c>diverged</c> and the diagnosis says at which step. No
/// checkpoint of the non-finite weights is written: the run's last checkpoint is the last periodic one before the step.
/// A parameter that is finite but huge (its norm may overflow to ∞, which the <c>param_norm</c> probe reports as
/// <c>non_finite_parameters</c>) is not divergence by this rule; the run diverges when the loss or an element turns.
/// </summary>
/// <param name="Step">The step at which the rule fired.</param>
/// <param name="Reason">What was not finite, in one sentence.</param>
public sealed record Divergence(long Step, string Reason)
{
    /// <summary>The event kind the trainer emits at <see cref="Step"/>.</summary>
    public const string EventKind = "diverged";

    /// <summary>The rule applied to one step: <paramref name="loss"/> (a scalar) and the parameters after the update.
    /// One host synchronisation per call; the parameters are read under <c>no_grad</c> and nothing is changed.</summary>
    /// <returns>The divergence, or null while everything is finite.</returns>
    public static Divergence? Check(long step, Tensor loss, IReadOnlyList<(string Name, Tensor Parameter)> parameters)
    {
        using var scope = NewDisposeScope();
        double l = loss.dtype == ScalarType.Float64 ? loss.item<double>() : loss.to_type(ScalarType.Float32).item<float>();
        if (!double.IsFinite(l))
            return new Divergence(step, $"the training loss at step {step} is {l.ToString(CultureInfo.InvariantCulture)}");
        if (parameters.Count == 0) return null;
        using var _ = no_grad();
        var flags = stack(parameters.Select(p => p.Parameter.isfinite().all()).ToArray()).cpu();
        var finite = flags.data<bool>().ToArray();
        var bad = parameters.Where((_, i) => !finite[i]).Select(p => p.Name).ToList();
        if (bad.Count == 0) return null;
        string names = string.Join(", ", bad.Take(3)) + (bad.Count > 3 ? $" and {bad.Count - 3} more" : "");
        return new Divergence(step, $"after the update of step {step} the parameters of {bad.Count} tensor(s) hold NaN or ±∞ ({names})");
    }

    /// <summary>The event's message, and the sentence the summary and the diagnosis carry.</summary>
    public string Describe() => $"Diverged at step {Step}: {Reason}; training stopped there.";
}
