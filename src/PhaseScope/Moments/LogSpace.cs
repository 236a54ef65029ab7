using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Log-space helpers for moments (docs/MATH.md "Log-space moments"): log|x| with log 0 = −∞, order scaling with
/// the convention 0⁰ = 1 (order 0 contributes log 1 = 0 for every element, zeros included, instead of
/// 0·(−∞) = NaN), and exact merging of log-sums.
/// </summary>
public static class LogSpace
{
    /// <summary>log|x| in float64, flattened; −∞ where x = 0. Out of place: for float64 input,
    /// <c>flatten</c> and <c>to_type</c> return views of the caller's storage, which in-place ops would overwrite.</summary>
    public static Tensor LogAbs(Tensor x) => x.detach().flatten().to_type(ScalarType.Float64).abs().log();

    /// <summary>order · log|x| with 0⁰ = 1: zeros for order 0.</summary>
    public static Tensor Scaled(Tensor logAbs, double order) => order == 0 ? zeros_like(logAbs) : KeptScalar.Mul(logAbs, order);

    /// <summary>log(eᵃ + eᵇ), exact for −∞ arguments.</summary>
    public static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    /// <summary>Checks moment orders: finite and ≥ 0 (seed 000, eq. 1 and 12).</summary>
    public static void ValidateOrders(IReadOnlyList<double> orders, string name)
    {
        if (orders.Count == 0) throw new ArgumentException($"{name}: give at least one order.", name);
        foreach (var o in orders)
            if (!double.IsFinite(o) || o < 0) throw new ArgumentOutOfRangeException(name, o, "Moment orders must be finite and ≥ 0 (seed 000, eq. 1).");
    }

    /// <summary>log(1 + x), accurate for small x (Kahan's correction; .NET's double.LogP1 is log(1 + x) as written).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>eˣ − 1, accurate for small x (Kahan's correction).</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) > 0.5) return Math.Exp(x) - 1;
        double u = Math.Exp(x);
        return u == 1 ? x : (u - 1) * x / Math.Log(u);
    }
}
