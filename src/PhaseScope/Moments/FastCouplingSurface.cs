using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The coupling surface C(k, l) on a K×L grid (seed 000, eq. 16) without K·L passes over the parameters,
/// to a guaranteed accuracy. <see cref="CouplingPartial"/> is the exact reference (one log-sum-exp pass per
/// grid point); this class reads θ and g three times:
/// <list type="number">
/// <item>the maxima of |θ| and |g| (the bins hang from them);</item>
/// <item><see cref="BinnedMoments"/>: counts and third-order power sums of the in-bin offsets, on a coarse
/// joint grid of (|θ|, |g|) bins and on fine 1-D grids;</item>
/// <item>the elements of the joint bins that the error bound marks as too coarse, kept exactly.</item>
/// </list>
/// A bin with centre c holds values x = c(1+u), |u| ≤ h = 2^−(B+1), and Σ x^k y^l = c^k d^l Σ (1+u)^k (1+v)^l is
/// expanded to third order: Σ_{p+q≤3} C(k,p) C(l,q) Σu^p v^q (generalised binomials, so real orders work).
/// The Lagrange remainder is at most (1+h)^(k+l) h⁴ Σ_{p+q=4} |C(k,p)||C(l,q)| per element (fourth
/// derivatives of (1+su)^k (1+sv)^l along s), so every grid point gets a rigorous error bound; the bins
/// whose bound would exceed the tolerance are evaluated exactly from their elements, and a grid point
/// whose bound still exceeds it (or whose value underflows) is computed by the exact reference. The result
/// is therefore within <see cref="Tolerance"/> relative error in Z, M and G (|ΔC| ≤ 3·tolerance + rounding)
/// whatever the data; the speed depends on the data (few exact elements for weights and gradients of
/// trained networks, measured in bench/ and docs/MOMENTS.md).
/// Inputs are read as float32 on the CPU (F16/BF16 exactly; float64 rounded to float32, a relative change
/// ≤ 6e−8 per value, i.e. ≤ 6e−8·(k+l) in Z — inside the tolerance for orders up to ~300); float64 values
/// outside float32's normal range make the method fall back to the exact reference.
/// </summary>
public static class FastCouplingSurface
{
    /// <summary>Default relative tolerance on Z, M and G: 2e−5, so |ΔC| ≤ 6e−5.</summary>
    public const double Tolerance = 2e-5;

    const int JointBits = 4, JointBinades = 16, FineBits = 10, FineBinades = 40;

    /// <summary>What the computation did (for benchmarks and diagnostics).</summary>
    /// <param name="OccupiedJointBins">Joint bins with elements.</param>
    /// <param name="ExactElements">Elements evaluated exactly (in flagged joint bins).</param>
    /// <param name="FallbackPoints">Grid points (or 1-D orders) computed by the exact reference.</param>
    /// <param name="MaxRelativeBound">Largest guaranteed relative error bound over the grid.</param>
    public sealed record Diagnostics(int OccupiedJointBins, long ExactElements, int FallbackPoints, double MaxRelativeBound);

    /// <summary>The surface of the union of the shards (pairs of θ and g of equal length).</summary>
    public static CouplingSurface Compute(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, IReadOnlyList<double> kOrders, IReadOnlyList<double> lOrders) =>
        Compute(shards, kOrders, lOrders, out _);

    /// <summary>The surface, with what the computation did.</summary>
    public static CouplingSurface Compute(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, IReadOnlyList<double> kOrders, IReadOnlyList<double> lOrders,
        out Diagnostics diagnostics, double tolerance = Tolerance)
    {
        LogSpace.ValidateOrders(kOrders, nameof(kOrders));
        LogSpace.ValidateOrders(lOrders, nameof(lOrders));
        if (!(tolerance > 0 && tolerance < 0.1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The relative tolerance must be in (0, 0.1).");
        foreach (var (t, g) in shards)
            if (t.numel() != g.numel()) throw new ArgumentException($"θ has {t.numel()} elements but g has {g.numel()}; moments pair them index by index (seed 000, eq. 15).");
        long n = shards.Sum(s => s.Theta.numel());
        if (n == 0) throw new ArgumentException("No elements: moments of an empty set are undefined.");
        var ks = kOrders.ToArray();
        var ls = lOrders.ToArray();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var data = shards.Select(s => (BinnedMoments.Float32Cpu(s.Theta), BinnedMoments.Float32Cpu(s.Grad))).ToArray();
        // Pass 1: maxima (and the non-finite / out-of-float32-range checks).
        float tMax = 0, gMax = 0;
        foreach (var (t, g) in data) { tMax = Math.Max(tMax, AbsMax(t, "θ")); gMax = Math.Max(gMax, AbsMax(g, "g")); }
        if (RoundedOutOfRange(shards)) { diagnostics = new Diagnostics(0, 0, ks.Length * ls.Length, 0); return Exact(shards, ks, ls); }

        // Pass 2: histograms.
        var bins = new BinnedMoments(new(tMax, JointBits, JointBinades), new(gMax, JointBits, JointBinades),
            new(tMax, FineBits, FineBinades), new(gMax, FineBits, FineBinades));
        foreach (var (t, g) in data) bins.Add(t, g);

        int fallbacks = 0;
        double logN = Math.Log(n);
        var logM = OneAxis(bins.ThetaSums, bins.A1, ks, tolerance, shards, gradients: false, ref fallbacks, out double boundM);
        var logG = OneAxis(bins.GradSums, bins.B1, ls, tolerance, shards, gradients: true, ref fallbacks, out double boundG);
        var (logZ, exact, occupied, boundZ) = Joint(bins, data, ks, ls, tolerance, shards, ref fallbacks);
        diagnostics = new Diagnostics(occupied, exact, fallbacks, Math.Max(boundZ, Math.Max(boundM, boundG)));

        // Σ → mean, and the identities of order 0 (as CouplingPartial.Finish): M(0) = G(0) = 1, Z(0,l) = G(l), Z(k,0) = M(k).
        var m = ks.Select((k, i) => k == 0 ? 0 : logM[i] - logN).ToArray();
        var gl = ls.Select((l, j) => l == 0 ? 0 : logG[j] - logN).ToArray();
        var z = new double[ks.Length, ls.Length];
        for (int i = 0; i < ks.Length; i++)
            for (int j = 0; j < ls.Length; j++)
                z[i, j] = ks[i] == 0 ? gl[j] : ls[j] == 0 ? m[i] : logZ[i, j] - logN;
        return new CouplingSurface(ks, ls, m, gl, z);
    }

    static float AbsMax(Tensor x32, string what)
    {
        var span = MemoryMarshal.Cast<byte, float>(x32.bytes);
        float max = 0;
        foreach (var v in span)
        {
            float a = Math.Abs(v);
            if (!(a <= float.MaxValue)) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, what);
            if (a > max) max = a;
        }
        return max;
    }

    /// <summary>float64 input whose non-zero magnitudes leave float32's normal range cannot be binned faithfully.</summary>
    static bool RoundedOutOfRange(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards)
    {
        foreach (var (t, g) in shards)
            foreach (var x in new[] { t, g })
            {
                if (x.dtype != ScalarType.Float64 || x.numel() == 0) continue;
                using var a = x.detach().abs();
                using var big = a.gt(float.MaxValue).any();
                using var small = a.gt(0).logical_and(a.lt(1.1754943508222875e-38)).any();
                if (big.item<bool>() || small.item<bool>()) return true;
            }
        return false;
    }

    static CouplingSurface Exact(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, double[] ks, double[] ls) => ExactPartial(shards, ks, ls).Finish();

    /// <summary>The exact reference's partial of the union of the shards (used for whole grids and for single fallback points).</summary>
    static CouplingPartial ExactPartial(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, double[] ks, double[] ls)
    {
        CouplingPartial? p = null;
        foreach (var (t, g) in shards)
        {
            var q = CouplingPartial.Of(t, g, ks, ls);
            p = p is null ? q : p.Merge(q);
        }
        return p!;
    }

    /// <summary>|C(k, p)| = |k(k−1)…(k−p+1)/p!| for real k ≥ 0.</summary>
    static double Binomial(double k, int p)
    {
        double c = 1;
        for (int i = 0; i < p; i++) c *= (k - i) / (i + 1);
        return c;
    }

    /// <summary>Per-element relative Lagrange bound of the third-order expansion at (k, l).</summary>
    static double Remainder(double k, double l, double h)
    {
        double s = 0;
        for (int p = 0; p <= 4; p++) s += Math.Abs(Binomial(k, p)) * Math.Abs(Binomial(l, 4 - p));
        return Math.Pow(1 + h, k + l) * Math.Pow(h, 4) * s;
    }

    /// <summary>log Σ|x|^k per order from the 1-D sums; orders whose bound fails are computed exactly.</summary>
    static double[] OneAxis(double[] sums, BinnedMoments.Axis axis, double[] orders, double tolerance,
        IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, bool gradients, ref int fallbacks, out double maxBound)
    {
        var result = new double[orders.Length];
        maxBound = 0;
        double top = axis.LogCenter[0], h = axis.HalfWidth;
        for (int o = 0; o < orders.Length; o++)
        {
            double k = orders[o];
            if (k == 0) { result[o] = 0; continue; } // replaced by the order-0 identity
            double c1 = Binomial(k, 1), c2 = Binomial(k, 2), c3 = Binomial(k, 3), r = Remainder(k, 0, h);
            double est = 0, bound = 0, lower = 0;
            for (int b = 0; b <= axis.Floor; b++)
            {
                double count = sums[b * 4];
                if (count == 0) continue;
                double w = Math.Exp(k * (axis.LogCenter[b] - top));
                if (b == axis.Floor) { bound += count * w; continue; } // floor: value in [0, limit^k], estimate 0
                est += w * (count + c1 * sums[b * 4 + 1] + c2 * sums[b * 4 + 2] + c3 * sums[b * 4 + 3]);
                bound += w * count * r;
                lower += w * count * Math.Pow(1 - h, k);
            }
            double rel = lower > 0 ? bound / lower : double.PositiveInfinity;
            if (rel > tolerance || !(est > 1e-280))
            {
                fallbacks++;
                result[o] = gradients ? ExactPartial(shards, [0.0], [k]).LogSumG[0] : ExactPartial(shards, [k], [0.0]).LogSumM[0];
            }
            else
            {
                result[o] = Math.Log(est) + k * top;
                maxBound = Math.Max(maxBound, rel);
            }
        }
        return result;
    }

    static (double[,] LogZ, long Exact, int Occupied, double MaxBound) Joint(BinnedMoments bins, (Tensor T, Tensor G)[] data, double[] ks, double[] ls,
        double tolerance, IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, ref int fallbacks)
    {
        var a = bins.A2;
        var bAxis = bins.B2;
        int strideB = bAxis.Floor + 1;
        var occupiedIndex = new List<int>();
        for (int cell = 0; cell < (a.Floor + 1) * strideB; cell++) if (bins.Joint[cell * 10] > 0) occupiedIndex.Add(cell);
        int nb = occupiedIndex.Count;
        double topA = a.LogCenter[0], topB = bAxis.LogCenter[0], h = a.HalfWidth;
        var alpha = new double[nb];
        var beta = new double[nb];
        var isFloor = new double[nb];
        var sums = new double[10][];
        for (int m = 0; m < 10; m++) sums[m] = new double[nb];
        for (int i = 0; i < nb; i++)
        {
            int cell = occupiedIndex[i], ia = cell / strideB, ib = cell % strideB;
            alpha[i] = a.LogCenter[ia] - topA;
            beta[i] = bAxis.LogCenter[ib] - topB;
            isFloor[i] = ia == a.Floor || ib == bAxis.Floor ? 1 : 0;
            for (int m = 0; m < 10; m++) sums[m][i] = bins.Joint[cell * 10 + m];
        }
        var kT = tensor(ks, ScalarType.Float64);
        var lT = tensor(ls, ScalarType.Float64);
        // E_a[b, k] = (c_b/c_top)^k, E_b[b, l] = (d_b/d_top)^l: shifted so the largest is ≤ 1.
        // Stored [orders, bins] so that the products below run as row-major GEMMs (a transposed [bins, orders]
        // operand takes libtorch's slow path: measured 6× slower at 10⁶ rows).
        var ea = (kT.unsqueeze(1) * tensor(alpha).unsqueeze(0)).exp();
        var eb = (lT.unsqueeze(1) * tensor(beta).unsqueeze(0)).exp();
        var floorT = tensor(isFloor);
        var regular = 1 - floorT;
        var countT = tensor(sums[0]);
        Tensor Gemm(Tensor weight) => (ea * weight.unsqueeze(0)).mm(eb.t());

        // Per (k, l): the expansion's coefficients, the per-element remainder and the lower-bound factor.
        int K = ks.Length, L = ls.Length;
        var coef = new double[10][];
        for (int m = 0; m < 10; m++) coef[m] = new double[K * L];
        var remainder = new double[K * L];
        var lowerFactor = new double[K * L];
        (int P, int Q)[] powers = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (3, 0), (2, 1), (1, 2), (0, 3)];
        for (int i = 0; i < K; i++)
            for (int j = 0; j < L; j++)
            {
                for (int m = 0; m < 10; m++) coef[m][i * L + j] = Binomial(ks[i], powers[m].P) * Binomial(ls[j], powers[m].Q);
                remainder[i * L + j] = Remainder(ks[i], ls[j], h);
                lowerFactor[i * L + j] = Math.Pow(1 - h, ks[i] + ls[j]);
            }
        var remT = tensor(remainder).reshape(K, L);
        var lowerT = Gemm(countT * regular) * tensor(lowerFactor).reshape(K, L); // ≤ Z (shifted): regular bins' values ≥ c(1−h)
        // Bound per bin at (k, l): regular N·c^k d^l·R(k,l); floor N·limit^k·limit^l (value in [0, that]).
        var budget = lowerT * tolerance;

        // Which bins are too coarse: score each bin by its largest share of any failing point's budget, then
        // flag the highest scores until every point's unflagged bound fits its budget (bisection on the score).
        var flagged = zeros(nb, dtype: ScalarType.Bool);
        Tensor UnflaggedBound(Tensor flags)
        {
            var keep = flags.logical_not().to_type(ScalarType.Float64);
            return Gemm(countT * regular * keep) * remT + Gemm(countT * floorT * keep);
        }
        // Points with k = 0 or l = 0 are M or G, taken from the 1-D sums; they never need exact joint bins.
        var inner2d = kT.gt(0).unsqueeze(1).logical_and(lT.gt(0).unsqueeze(0));
        var failing = UnflaggedBound(flagged).gt(budget).logical_and(inner2d).nonzero();
        if (failing.shape[0] > 0)
        {
            // log share of bin b at failing point f = log N_b + k_f α_b + l_f β_b + [regular] log R_f − log budget_f:
            // an affine function of (α_b, β_b, [regular], 1), so all shares come from one small GEMM per chunk of bins.
            var fk = failing[.., 0];
            var fl = failing[.., 1];
            var pointRows = stack([kT.index_select(0, fk), lT.index_select(0, fl), remT.log()[fk, fl], -budget[fk, fl].log()]);
            var binRows = stack([tensor(alpha), tensor(beta), regular, ones(nb, dtype: ScalarType.Float64)], 1);
            var score = empty(nb, dtype: ScalarType.Float64);
            long chunk = Math.Max(1, 8_000_000 / Math.Max(1, failing.shape[0]));
            for (long s = 0; s < nb; s += chunk)
            {
                using var inner = NewDisposeScope();
                long e = Math.Min(nb, s + chunk);
                score.narrow(0, s, e - s).copy_(binRows.narrow(0, s, e - s).mm(pointRows).amax([1L]));
            }
            score = (score + countT.log()).exp();
            // Bisection in log score between "flag nothing" and "flag every bin that touches a failing point".
            var logScore = score.clamp_min(1e-300).log();
            double lo = logScore.min().item<double>() - 1, hi = logScore.max().item<double>();
            if (!UnflaggedBound(score.gt(0)).gt(budget).logical_and(inner2d).any().item<bool>())
                for (int it = 0; it < 10; it++)
                {
                    double mid = (lo + hi) / 2;
                    if (UnflaggedBound(logScore.ge(mid).logical_and(score.gt(0))).gt(budget).logical_and(inner2d).any().item<bool>()) hi = mid; else lo = mid;
                }
            flagged = logScore.ge(lo).logical_and(score.gt(0));
        }

        // Unflagged bins by the expansion.
        var keepT = flagged.logical_not().to_type(ScalarType.Float64) * regular;
        var est = zeros(K, L, dtype: ScalarType.Float64);
        for (int m = 0; m < 10; m++) est += Gemm(tensor(sums[m]) * keepT) * tensor(coef[m]).reshape(K, L);
        var bound = UnflaggedBound(flagged);

        // Pass 3: flagged bins' elements, exactly.
        var flags = new bool[(a.Floor + 1) * strideB];
        var flaggedList = flagged.data<bool>().ToArray();
        for (int i = 0; i < nb; i++) if (flaggedList[i]) flags[occupiedIndex[i]] = true;
        var xs = new List<double>();
        var ys = new List<double>();
        if (flaggedList.Any(f => f))
            foreach (var (t, g) in data)
            {
                var tb = MemoryMarshal.Cast<byte, uint>(t.bytes);
                var gb = MemoryMarshal.Cast<byte, uint>(g.bytes);
                for (int i = 0; i < tb.Length; i++)
                {
                    uint x = tb[i] & 0x7FFFFFFFu, y = gb[i] & 0x7FFFFFFFu;
                    if (bins.InFlagged(x, y, flags))
                    {
                        xs.Add(Math.Log(BitConverter.UInt32BitsToSingle(x)) - topA);
                        ys.Add(Math.Log(BitConverter.UInt32BitsToSingle(y)) - topB);
                    }
                }
            }
        if (xs.Count > 0)
        {
            var xa = (kT.unsqueeze(1) * tensor(xs.ToArray()).unsqueeze(0)).exp();
            var yb = (lT.unsqueeze(1) * tensor(ys.ToArray()).unsqueeze(0)).exp();
            est += xa.mm(yb.t());
        }

        var estV = est.data<double>().ToArray();
        var boundV = bound.data<double>().ToArray();
        var lowerV = lowerT.data<double>().ToArray();
        var logZ = new double[K, L];
        double maxBound = 0;
        for (int i = 0; i < K; i++)
            for (int j = 0; j < L; j++)
            {
                int q = i * L + j;
                if (ks[i] == 0 || ls[j] == 0) { logZ[i, j] = double.NaN; continue; } // replaced by M or G
                double rel = lowerV[q] > 0 ? boundV[q] / lowerV[q] : double.PositiveInfinity;
                if (rel > tolerance * 1.0000001 || !(estV[q] > 1e-280))
                {
                    fallbacks++;
                    logZ[i, j] = ExactPartial(shards, [ks[i]], [ls[j]]).LogSumZ[0, 0];
                    continue;
                }
                maxBound = Math.Max(maxBound, rel);
                logZ[i, j] = Math.Log(estV[q]) + ks[i] * topA + ls[j] * topB;
            }
        return (logZ, xs.Count, nb, maxBound);
    }
}
