using PhaseScope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>
/// Multi-head attention with separate projections named <c>q_proj, k_proj, v_proj, o_proj</c>
/// (W_Q, W_K, W_V, W_O: the parameter subset seed 001's authors track): self-attention (<see cref="forward"/>) or
/// cross-attention of a decoder over an encoder's output (<see cref="Attend"/>).
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear q_proj, k_proj, v_proj, o_proj;
    readonly int heads, headDim;
    readonly bool causal;

    /// <summary>Creates the block.</summary>
    public MultiHeadAttention(int dModel, int heads, bool causal) : base(nameof(MultiHeadAttention))
    {
        this.heads = heads;
        headDim = dModel / heads;
        this.causal = causal;
        q_proj = nn.Linear(dModel, dModel);
        k_proj = nn.Linear(dModel, dModel);
        v_proj = nn.Linear(dModel, dModel);
        o_proj = nn.Linear(dModel, dModel);
        RegisterComponents();
    }

    /// <summary>Self-attention, x: [B, T, d] → [B, T, d] (causal when built so).</summary>
    public override Tensor forward(Tensor x) => Attend(x, x);

    /// <summary>Queries from x [B, T, d], keys and values from memory [B, S, d] → [B, T, d]. The causal mask applies when
    /// x is memory (self-attention); cross-attention sees every memory position.</summary>
    public Tensor Attend(Tensor x, Tensor memory)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2], s = memory.shape[1];
        using var q = q_proj.call(x).view(b, t, heads, headDim).transpose(1, 2);
        using var k = k_proj.call(memory).view(b, s, heads, headDim).transpose(1, 2);
        using var v = v_proj.call(memory).view(b, s, heads, headDim).transpose(1, 2);
        using var kt = k.transpose(-2, -1);
        using var scores = KeptScalar.With(1.0 / Math.Sqrt(headDim), s => q.matmul(kt).mul_(s));
        if (causal && ReferenceEquals(x, memory))
        {
            using var mask = ones(t, t, ScalarType.Bool, x.device).triu(1);
            KeptScalar.With(double.NegativeInfinity, s => scores.masked_fill_(mask, s));
        }
        using var att = scores.softmax(-1);
        using var ctx = att.matmul(v).transpose(1, 2).reshape(b, t, d);
        return o_proj.call(ctx);
    }
}
