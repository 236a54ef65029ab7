using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Runtime;

/// <summary>
/// Tensor operations with a scalar argument whose native <see cref="Scalar"/> is created, kept alive through the
/// native call and disposed on the calling thread. TorchSharp's implicit double → Scalar conversion (<c>t * 2.0</c>,
/// <c>t.eq(0)</c>, <c>t.div(x)</c>) leaves the Scalar to the garbage collector, which may finalize (free) it while
/// libtorch still reads it: during training runs with every probe on, <c>masked_fill</c> failed inside libtorch with a
/// garbage-scalar error ("Expected false to be true … toDouble") at steps 20–800, never in isolation (the open
/// TorchSharp pull requests 1434 and 1496 dispose such Scalars for the same reason). A freed scalar can also be read
/// as a wrong number without any error, so every scalar argument on a path that runs during training (probes,
/// moments, consolidation, spectral edge) goes through here.
/// </summary>
/// <para>TorchSharp also converts inside some of its own methods: <c>a + b</c> and <c>add(b)</c> pass alpha = 1,
/// <c>square()</c> is <c>pow(2)</c>, <c>add(Scalar)</c> passes alpha = 1. Those go through <see cref="Sum"/>,
/// <see cref="AddInPlace"/> and <see cref="Square"/>, which pass the same values as Scalars held by static fields
/// (alive for the whole process, so never freed during a call; results bit-identical to TorchSharp's). The test
/// <c>ImplicitScalarTests</c> scans the built assemblies' IL for any conversion, direct or through TorchSharp.</para>
public static class KeptScalar
{
    /// <summary>The integer 0 (a start of <c>arange</c>), rooted for the life of the process.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer 1 that TorchSharp passes as alpha of <c>add</c>, rooted for the life of the process.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The integer 2 of TorchSharp's <c>square()</c> (<c>pow(2)</c>), rooted for the life of the process.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Sum(Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a += b</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>t²</c> elementwise (TorchSharp's <c>square()</c>).</summary>
    public static Tensor Square(Tensor t) => t.pow(Two);

    /// <summary><c>op(s)</c> with s = value as a Scalar that lives until op returns.</summary>
    public static Tensor With(double value, Func<Scalar, Tensor> op) => Kept(value.ToScalar(), op);

    /// <summary><c>op(s)</c> with an integer Scalar (for integer tensors, whose in-place ops reject a floating scalar).</summary>
    public static Tensor With(long value, Func<Scalar, Tensor> op) => Kept(value.ToScalar(), op);

    static Tensor Kept(Scalar s, Func<Scalar, Tensor> op)
    {
        using (s) return op(s); // the using's Dispose is a use after op returns: s stays reachable through the native call
    }

    /// <summary><c>t.masked_fill(mask, value)</c>.</summary>
    public static Tensor MaskedFill(Tensor t, Tensor mask, double value) => With(value, s => t.masked_fill(mask, s));

    /// <summary><c>t · value</c>.</summary>
    public static Tensor Mul(Tensor t, double value) => With(value, s => t.mul(s));

    /// <summary><c>t / value</c>.</summary>
    public static Tensor Div(Tensor t, double value) => With(value, s => t.div(s));

    /// <summary><c>t + value</c>.</summary>
    public static Tensor Add(Tensor t, double value) => With(value, s => t.add(s, One));

    /// <summary><c>t == value</c>, elementwise.</summary>
    public static Tensor Eq(Tensor t, double value) => With(value, s => t.eq(s));

    /// <summary><c>t ≥ value</c>, elementwise.</summary>
    public static Tensor Ge(Tensor t, double value) => With(value, s => t.ge(s));
}
