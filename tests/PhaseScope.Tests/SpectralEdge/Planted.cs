using static TorchSharp.torch;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>Updates with known singular values: X = U·diag(σ)·Vᵀ with random orthonormal U (W×W) and V (P×W).</summary>
static class Planted
{
    /// <summary>Rows of X (float64, detached from any scope), oldest first.</summary>
    public static Tensor[] Rows(double[] sigma, long p, long seed)
    {
        int w = sigma.Length;
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var u = linalg.qr(randn([w, w], ScalarType.Float64, generator: g)).Q;
        var v = linalg.qr(randn([p, w], ScalarType.Float64, generator: g)).Q;
        var x = u.mul(tensor(sigma, ScalarType.Float64)).matmul(v.t());
        return Enumerable.Range(0, w).Select(i => x[i].clone().DetachFromDisposeScope()).ToArray();
    }
}
