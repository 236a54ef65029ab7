using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// The packed input projection of <c>nn.MultiheadAttention</c> seen as its three projections. PyTorch and TorchSharp store
/// W_Q, W_K and W_V of one attention block as one parameter <c>BLOCK.in_proj_weight</c> of shape [3E, E], rows 0…E−1 the
/// query projection, E…2E−1 the key, 2E…3E−1 the value (PyTorch's <c>F.multi_head_attention_forward</c> chunks it in that
/// order). Per-projection metrics (the attention operator W_Qᵀ W_K, per-head spectra) need them apart: each is a view of
/// the packed tensor (no copy), named <c>BLOCK.q_proj.weight</c>, <c>BLOCK.k_proj.weight</c>, <c>BLOCK.v_proj.weight</c> as
/// in codebases that keep them separate, so the same rules find them.
/// </summary>
public static class AttentionProjections
{
    /// <summary>The packed parameter's name suffix.</summary>
    public const string PackedSuffix = "in_proj_weight";

    /// <summary>
    /// <paramref name="parameters"/> with every packed <c>in_proj_weight</c> of shape [3E, E] replaced by its q, k, v views
    /// (in that order, at its place); every other tensor, and a packed one of another shape (separate key/value
    /// widths keep q/k/v apart in their own parameters), as it is.
    /// </summary>
    public static List<NamedParameter> Split(IEnumerable<NamedParameter> parameters)
    {
        var result = new List<NamedParameter>();
        foreach (var p in parameters)
        {
            if (!IsPacked(p.Name, p.Value))
            {
                result.Add(p);
                continue;
            }
            var block = p.Name[..^PackedSuffix.Length].TrimEnd('.');
            string prefix = block.Length > 0 ? block + "." : "";
            long e = p.Value.shape[1];
            result.Add(new NamedParameter(prefix + "q_proj.weight", p.Value.narrow(0, 0, e)));
            result.Add(new NamedParameter(prefix + "k_proj.weight", p.Value.narrow(0, e, e)));
            result.Add(new NamedParameter(prefix + "v_proj.weight", p.Value.narrow(0, 2 * e, e)));
        }
        return result;
    }

    /// <summary>Whether <paramref name="name"/> is a packed projection whose shape is [3E, E].</summary>
    public static bool IsPacked(string name, Tensor value) =>
        (name == PackedSuffix || name.EndsWith("." + PackedSuffix, StringComparison.Ordinal))
        && value.dim() == 2 && value.shape[0] == 3 * value.shape[1];
}
