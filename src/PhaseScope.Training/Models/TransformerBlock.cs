using PhaseScope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>One pre-norm block: x + Attn(LN(x)), then x + MLP(LN(x)).</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm ln1, ln2;
    readonly MultiHeadAttention attn;
    readonly Linear fc1, fc2;
    readonly bool gelu;

    /// <summary>Creates the block.</summary>
    public TransformerBlock(int dModel, int heads, int dFf, bool causal, string activation) : base(nameof(TransformerBlock))
    {
        ln1 = nn.LayerNorm(dModel);
        attn = new MultiHeadAttention(dModel, heads, causal);
        ln2 = nn.LayerNorm(dModel);
        fc1 = nn.Linear(dModel, dFf);
        fc2 = nn.Linear(dFf, dModel);
        gelu = activation == "gelu";
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var a = attn.call(ln1.call(x));
        var h = KeptScalar.Sum(x, a);
        using var hidden = fc1.call(ln2.call(h));
        using var act = gelu ? nn.functional.gelu(hidden) : nn.functional.relu(hidden);
        using var m = fc2.call(act);
        using (h)
            return KeptScalar.Sum(h, m);
    }
}
