using PhaseScope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>One pre-norm decoder block: x + SelfAttn(LN(x)) (causal), then x + CrossAttn(LN(x), memory), then x + MLP(LN(x)).</summary>
public sealed class DecoderBlock : nn.Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm ln1, ln2, ln3;
    readonly MultiHeadAttention self_attn, cross_attn;
    readonly Linear fc1, fc2;
    readonly bool gelu;

    /// <summary>Creates the block.</summary>
    public DecoderBlock(int dModel, int heads, int dFf, string activation) : base(nameof(DecoderBlock))
    {
        ln1 = nn.LayerNorm(dModel);
        self_attn = new MultiHeadAttention(dModel, heads, causal: true);
        ln2 = nn.LayerNorm(dModel);
        cross_attn = new MultiHeadAttention(dModel, heads, causal: false);
        ln3 = nn.LayerNorm(dModel);
        fc1 = nn.Linear(dModel, dFf);
        fc2 = nn.Linear(dFf, dModel);
        gelu = activation == "gelu";
        RegisterComponents();
    }

    /// <summary>x: decoder states [B, T, d]; memory: the encoder's output [B, S, d].</summary>
    public override Tensor forward(Tensor x, Tensor memory)
    {
        using var n1 = ln1.call(x);
        using var a = self_attn.call(n1);
        using var h1 = KeptScalar.Sum(x, a);
        using var n2 = ln2.call(h1);
        using var c = cross_attn.Attend(n2, memory);
        using var h2 = KeptScalar.Sum(h1, c);
        using var hidden = fc1.call(ln3.call(h2));
        using var act = gelu ? nn.functional.gelu(hidden) : nn.functional.relu(hidden);
        using var m = fc2.call(act);
        return KeptScalar.Sum(h2, m);
    }
}
