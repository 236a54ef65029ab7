using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Tensor operations with a scalar argument whose native <see cref="Scalar"/> is created, kept alive through the
/// native call and disposed on the calling thread. TorchSharp's implicit double → Scalar conversion leaves the
/// Scalar to the garbage collector, which may finalize (free) it while libtorch still reads it: during training
/// runs with every probe on, <c>masked_fill</c> failed inside libtorch with a garbage-scalar error ("Expected
/// false to be true … toDouble") at steps 20–800, never in isolation (the open TorchSharp pull requests 1434 and
/// 1496 dispose such Scalars for the same reason).
/// </summary>
internal static class KeptScalar
{
    /// <summary><c>t.masked_fill(mask, value)</c> with a kept scalar.</summary>
    public static Tensor MaskedFill(Tensor t, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        var result = t.masked_fill(mask, s);
        GC.KeepAlive(s);
        return result;
    }
}
