using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>
/// Multi-head self-attention with separate projections named <c>q_proj, k_proj, v_proj, o_proj</c>
/// (W_Q, W_K, W_V, W_O: the parameter subset seed 001's authors track).
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

    /// <summary>x: [B, T, d] → [B, T, d].</summary>
    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        using var q = q_proj.call(x).view(b, t, heads, headDim).transpose(1, 2);
        using var k = k_proj.call(x).view(b, t, heads, headDim).transpose(1, 2);
        using var v = v_proj.call(x).view(b, t, heads, headDim).transpose(1, 2);
        using var kt = k.transpose(-2, -1);
        using var scores = q.matmul(kt).mul_(1.0 / Math.Sqrt(headDim));
        if (causal)
        {
            using var mask = ones(t, t, ScalarType.Bool, x.device).triu(1);
            scores.masked_fill_(mask, double.NegativeInfinity);
        }
        using var att = scores.softmax(-1);
        using var ctx = att.matmul(v).transpose(1, 2).reshape(b, t, d);
        return o_proj.call(ctx);
    }
}
