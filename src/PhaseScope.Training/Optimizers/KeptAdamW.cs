using System.Text;
using PhaseScope.Runtime;
using PhaseScope.Stability;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Optimizers;

/// <summary>
/// TorchSharp's AdamW (Loshchilov &amp; Hutter: decoupled weight decay), with every scalar argument passed as a Scalar
/// that lives through the native call (<see cref="KeptScalar"/>). TorchSharp 0.107's own <c>AdamW.step</c> converts
/// the learning rate, betas, decay, bias corrections and ε to Scalars implicitly, seven per parameter tensor per step,
/// and leaves them to the garbage collector, which may free one while libtorch reads it (docs/REPORTS.md). This class
/// keeps TorchSharp's state, options and state-dictionary format (resume points are unchanged) and performs the same
/// operations in the same order with the same values, so its updates are bit-identical to TorchSharp's (tested).
/// As an <see cref="IPreconditionerSource"/> it gives P⁻¹ = 1/(√v̂ + ε) per parameter, computed with the same operations
/// as the step's denominator, and its stability rule (AdamW with β₁, η, w and the step count of the first group).
/// </summary>
public sealed class KeptAdamW(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay)
    : AdamW(parameters, lr, beta1, beta2, eps, weightDecay), ITrainingOptimizer, IPreconditionerSource
{
    /// <inheritdoc />
    public StabilityMargin Stability
    {
        get
        {
            var group = ParamGroups.Cast<ParamGroup>().First();
            var options = (Options)group.Options;
            long step = group.Parameters.Select(p => _state.TryGetValue(p.Handle, out var s) ? ((State)s).step : 0).DefaultIfEmpty(0).Max();
            return new StabilityMargin
            {
                Kind = OptimizerKind.AdamW, LearningRate = options.LearningRate!.Value, Momentum = options.beta1!.Value,
                WeightDecay = options.weight_decay!.Value, Step = step > 0 ? step : null,
            };
        }
    }

    /// <inheritdoc />
    /// <remarks>1/(√v / √(1 − β₂ᵗ) + ε) with v the second moment (its running maximum with amsgrad), as <see cref="step"/>
    /// divides by; null before the parameter's first step.</remarks>
    public Tensor? InverseDiagonal(Tensor parameter)
    {
        foreach (var group in ParamGroups.Cast<ParamGroup>())
        {
            var options = (Options)group.Options;
            foreach (var p in group.Parameters)
            {
                if (p.Handle != parameter.Handle) continue;
                if (!_state.TryGetValue(p.Handle, out var raw) || raw is not State state || state.step == 0) return null;
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var second = options.amsgrad!.Value ? state.max_exp_avg_sq : state.exp_avg_sq;
                var scaled = KeptScalar.Div(second.sqrt(), Math.Sqrt(1 - Math.Pow(options.beta2!.Value, state.step)));
                KeptScalar.With(options.eps!.Value, e => scaled.add_(e, KeptScalar.One));
                return scaled.reciprocal().MoveToOuterDisposeScope();
            }
        }
        return null;
    }

    /// <inheritdoc />
    public void ZeroGrad() => zero_grad();
    /// <inheritdoc />
    public void Step() => step();
    /// <inheritdoc />
    public void SetLearningRate(double learningRate)
    {
        foreach (var group in ParamGroups) group.LearningRate = learningRate;
    }
    /// <inheritdoc />
    public void SaveState(BinaryWriter writer) => save_state_dict(writer);

    /// <summary>
    /// Loads a state written by this class or by TorchSharp's AdamW (resume points written before PhaseScope used this
    /// class): TorchSharp's state begins with the optimizer's type name, which <c>load_state_dict</c> insists on, and is
    /// otherwise the same.
    /// </summary>
    public void LoadState(Stream stream)
    {
        long start = stream.Position;
        string name;
        using (var peek = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true)) name = peek.ReadString();
        if (name != nameof(AdamW))
        {
            stream.Position = start;
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            load_state_dict(reader);
            return;
        }
        using var renamed = new MemoryStream();
        using (var w = new BinaryWriter(renamed, Encoding.UTF8, leaveOpen: true)) w.Write(nameof(KeptAdamW));
        stream.CopyTo(renamed);
        renamed.Position = 0;
        using var r = new BinaryReader(renamed);
        load_state_dict(r);
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, decay = options.weight_decay!.Value;
        double eps = options.eps!.Value, lr = options.LearningRate!.Value;
        bool amsgrad = options.amsgrad!.Value, maximize = options.maximize!.Value;
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            using var raw = param.grad;
            if (raw is null) continue;
            using var grad = maximize ? raw.neg() : raw.alias();
            state.step += 1;
            KeptScalar.With(1 - lr * decay, s => param.mul_(s));
            double correction1 = 1 - Math.Pow(beta1, state.step);
            double correction2 = 1 - Math.Pow(beta2, state.step);
            KeptScalar.With(beta1, b => KeptScalar.With(1 - beta1, a => state.exp_avg.mul_(b).add_(grad, a)));
            KeptScalar.With(beta2, b => KeptScalar.With(1 - beta2, v => state.exp_avg_sq.mul_(b).addcmul_(grad, grad, v)));
            Tensor second;
            if (amsgrad)
            {
                var before = state.max_exp_avg_sq;
                state.max_exp_avg_sq = maximum(before, state.exp_avg_sq).DetachFromDisposeScope();
                before.Dispose();
                second = state.max_exp_avg_sq;
            }
            else second = state.exp_avg_sq;
            using var root = second.sqrt();
            using var scaled = KeptScalar.Div(root, Math.Sqrt(correction2));
            KeptScalar.With(eps, e => scaled.add_(e, KeptScalar.One));
            KeptScalar.With(-(lr / correction1), v => param.addcdiv_(state.exp_avg, scaled, v));
        }
    }, closure);
}
