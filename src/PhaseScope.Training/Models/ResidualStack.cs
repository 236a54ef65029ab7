using PhaseScope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>The two steps every transformer here shares: embedding tokens with learned positions, and running the
/// residual stream through a stack of blocks without keeping the intermediate tensors.</summary>
static class ResidualStack
{
    /// <summary>tok(ids) + pos(0…T−1) for ids [B, T].</summary>
    public static Tensor Embed(Embedding tokens, Embedding positions, Tensor ids)
    {
        using var length = ids.shape[1].ToScalar();
        using var index = arange(KeptScalar.Zero, length, KeptScalar.One, ScalarType.Int64, ids.device);
        using var pe = positions.call(index);
        using var te = tokens.call(ids);
        return KeptScalar.Sum(te, pe);
    }

    /// <summary>Applies <paramref name="blocks"/> in order to <paramref name="h"/>, which it consumes (disposes), and
    /// returns the last block's output.</summary>
    public static Tensor Through<TBlock>(Tensor h, IEnumerable<TBlock> blocks, Func<TBlock, Tensor, Tensor> call)
    {
        foreach (var block in blocks)
        {
            var next = call(block, h);
            h.Dispose();
            h = next;
        }
        return h;
    }
}
