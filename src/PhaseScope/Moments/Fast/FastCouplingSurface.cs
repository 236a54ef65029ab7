using PhaseScope.Runtime;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PhaseScope.Moments.Fast;

/// <summary>
/// The coupling surface C(k, l) on a K×L grid (seed 000, eq. 16) without K·L passes over the parameters, to a
/// guaranteed accuracy. <see cref="CouplingPartial"/> is the exact reference (one log-sum-exp pass per grid
/// point); this class reads θ and g twice:
/// <list type="number">
/// <item>the maxima of |θ| and |g| (the cells hang from them) and the non-finite check;</item>
/// <item><see cref="JointCellSums"/>: every pair falls in a joint cell of two <see cref="GradedAxis"/> cells, whose
/// relative half-widths h grow with the distance |α| = log(max/|x|) from the axis maximum, and each cell keeps its
/// count, the power sums S[p, q] = Σ u^p v^q (p + q ≤ D = 5) of the offsets x = c(1+u), y = d(1+v), and its first
/// few elements verbatim; magnitudes below 2⁻²⁴ of the maximum are kept verbatim too.</item>
/// </list>
/// Per cell, Σ x^k y^l = c^k d^l Σ (1+u)^k (1+v)^l ≈ c^k d^l Σ_{p+q≤D} C(k,p) C(l,q) S[p,q] (generalised binomials,
/// so real orders work); the Lagrange remainder of that expansion is at most
/// Σ_{p+q=D+1} |C(k,p)| |C(l,q)| h_a^p h_b^q m(h_a, k−p) m(h_b, l−q) per element, m(h, e) = (1+h)^e for e ≥ 0 and
/// (1−h)^e below (the (D+1)-th derivative of (1+su)^k (1+sv)^l in s), and m(h, k−p) ≤ (1+h)^k/(1−h)^p for either sign,
/// which makes every term separable; Z ≥ Σ N c^k d^l (1−h_a)^k (1−h_b)^l. Every sum over cells is then one GEMM
/// (K × cells·terms × L). Where the bound exceeds <see cref="Tolerance"/> of the lower
/// bound, the cells that carry the excess are evaluated exactly from their kept elements (read again only when a
/// cell holds more than it keeps); a grid point that still fails, or whose value underflows, is computed by the
/// exact reference. The result is therefore within <see cref="Tolerance"/> relative error in Z, M and G
/// (|ΔC| ≤ 3·tolerance + rounding) whatever the data; only the speed depends on it (bench/, docs/MOMENTS.md).
/// Inputs are read as float32 on the CPU (F16/BF16 exactly; float64 rounded to float32, a relative change
/// ≤ 6e−8 per value, i.e. ≤ 6e−8·(k+l) in Z — inside the tolerance for orders up to ~300); float64 values
/// outside float32's normal range make the method fall back to the exact reference.
/// </summary>
public static class FastCouplingSurface
{
    /// <summary>Default relative tolerance on Z, M and G: 2e−5, so |ΔC| ≤ 6e−5.</summary>
    public const double Tolerance = 2e-5;

    /// <summary>c of <see cref="GradedAxis"/>: 32 cells per doubling of |α|.</summary>
    const double Grading = 1.0 / 32;
    /// <summary>h_min of <see cref="GradedAxis"/>: the cells next to the maximum span 2⁻⁹ of it.</summary>
    const double MinHalfWidth = 1.0 / 1024;
    const int D = JointCellSums.Degree;

    /// <summary>What the computation did (for benchmarks and diagnostics).</summary>
    /// <param name="OccupiedJointBins">Joint cells with elements (both magnitudes non-zero).</param>
    /// <param name="ExactElements">Elements evaluated exactly (cells the bound rejected, and the tails).</param>
    /// <param name="FallbackPoints">Grid points (or 1-D orders) computed by the exact reference.</param>
    /// <param name="MaxRelativeBound">Largest guaranteed relative error bound over the grid.</param>
    /// <param name="MaximaMs">Wall time of pass 1 (maxima), ms.</param>
    /// <param name="CellsMs">Wall time of pass 2 (the cells), ms.</param>
    /// <param name="SurfaceMs">Wall time of the rest (expansion, bounds, exact cells, fallbacks), ms.</param>
    public sealed record Diagnostics(int OccupiedJointBins, long ExactElements, int FallbackPoints, double MaxRelativeBound,
        double MaximaMs = 0, double CellsMs = 0, double SurfaceMs = 0);

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
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var data = shards.Select(s => (Float32Cpu(s.Theta), Float32Cpu(s.Grad))).ToArray();
        // Pass 1: maxima (and the non-finite check).
        uint tMaxBits = 0, gMaxBits = 0;
        // One thread: the read is bandwidth-bound, and two threads measured slower on the 2-core machine.
        foreach (var (t, g) in data) { tMaxBits = Math.Max(tMaxBits, HostPass.MaxAbsBits(HostPass.Bits(t))); gMaxBits = Math.Max(gMaxBits, HostPass.MaxAbsBits(HostPass.Bits(g))); }
        // Float64 values beyond float32's range round to ±∞ here: they go to the exact reference, which is defined for
        // every finite value (and rejects real NaN/±∞ itself) — so the range is checked before the non-finite test.
        bool outOfRange = RoundedOutOfRange(shards);
        if (!outOfRange && tMaxBits >= 0x7F800000u) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "θ");
        if (!outOfRange && gMaxBits >= 0x7F800000u) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "g");
        if (tMaxBits == 0 || gMaxBits == 0 || outOfRange)
        {
            diagnostics = new Diagnostics(0, 0, ks.Length * ls.Length, 0);
            return ExactPartial(shards, ks, ls).Finish();
        }
        var axisA = new GradedAxis(BitConverter.UInt32BitsToSingle(tMaxBits), Grading, MinHalfWidth);
        var axisB = new GradedAxis(BitConverter.UInt32BitsToSingle(gMaxBits), Grading, MinHalfWidth);

        double maximaMs = clock.Elapsed.TotalMilliseconds;
        // Pass 2: the cells.
        var sums = Accumulate(data, axisA, axisB);
        double cellsMs = clock.Elapsed.TotalMilliseconds - maximaMs;

        int fallbacks = 0;
        var tailA = sums.TailTheta.Select(axisA.LogRatio).ToArray();
        var tailB = sums.TailGrad.Select(axisB.LogRatio).ToArray();
        var logM = OneAxis(sums, axisA, theta: true, tailA, ks, tolerance, shards, ref fallbacks, out double boundM);
        var logG = OneAxis(sums, axisB, theta: false, tailB, ls, tolerance, shards, ref fallbacks, out double boundG);
        var joint = Joint(sums, axisA, axisB, data, tailA, tailB, ks, ls, tolerance, shards, ref fallbacks);
        diagnostics = new Diagnostics(joint.Cells, joint.Exact + tailA.Length, fallbacks, Math.Max(joint.MaxBound, Math.Max(boundM, boundG)),
            maximaMs, cellsMs, clock.Elapsed.TotalMilliseconds - maximaMs - cellsMs);

        // Σ → mean, and the identities of order 0 (as CouplingPartial.Finish): M(0) = G(0) = 1, Z(0,l) = G(l), Z(k,0) = M(k).
        double logN = Math.Log(n);
        var m = ks.Select((k, i) => k == 0 ? 0 : logM[i] - logN).ToArray();
        var gl = ls.Select((l, j) => l == 0 ? 0 : logG[j] - logN).ToArray();
        var z = new double[ks.Length, ls.Length];
        for (int i = 0; i < ks.Length; i++)
            for (int j = 0; j < ls.Length; j++)
                z[i, j] = ks[i] == 0 ? gl[j] : ls[j] == 0 ? m[i] : joint.LogZ[i, j] - logN;
        return new CouplingSurface(ks, ls, m, gl, z);
    }

    /// <summary>x as float32 on the CPU, contiguous (a copy only when it is not already).</summary>
    static Tensor Float32Cpu(Tensor x) => x.detach().flatten().to(CPU).to_type(ScalarType.Float32).contiguous();

    /// <summary>
    /// Pass 2 on all cores: blocks of ≤ 2²⁰ pairs, worker w summing blocks w, w + W, w + 2W, … in order into its own
    /// <see cref="JointCellSums"/>, merged in worker order. The split is fixed by the block list, so the same shards give
    /// the same bits on every call with the same core count; handing blocks out to whichever worker was free first made the
    /// summation order, and the last bits, depend on thread timing (a run's surface snapshot varied by ≈ 1e-15 between
    /// runs of one seed).
    /// </summary>
    static JointCellSums Accumulate((Tensor T, Tensor G)[] data, GradedAxis a, GradedAxis b)
    {
        const int block = 1 << 20;
        var blocks = new List<(int Shard, long Start, int Length)>();
        for (int s = 0; s < data.Length; s++)
            for (long start = 0; start < data[s].T.numel(); start += block)
                blocks.Add((s, start, (int)Math.Min(block, data[s].T.numel() - start)));
        int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, blocks.Count));
        var parts = new JointCellSums[workers];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var part = new JointCellSums(a, b);
            for (int i = w; i < blocks.Count; i += workers)
            {
                var (s, start, length) = blocks[i];
                part.Add(HostPass.Bits(data[s].T).Slice((int)start, length), HostPass.Bits(data[s].G).Slice((int)start, length));
            }
            parts[w] = part;
        });
        for (int w = 1; w < workers; w++) parts[0].Merge(parts[w]);
        return parts[0];
    }

    /// <summary>float64 input whose non-zero magnitudes leave float32's normal range cannot be binned faithfully.</summary>
    static bool RoundedOutOfRange(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards)
    {
        foreach (var (t, g) in shards)
            foreach (var x in new[] { t, g })
            {
                if (x.dtype != ScalarType.Float64 || x.numel() == 0) continue;
                using var host = x.detach().flatten().to(CPU).contiguous();
                foreach (var v in MemoryMarshal.Cast<byte, double>(host.bytes))
                {
                    double a = Math.Abs(v);
                    if (a > float.MaxValue || (a > 0 && a < 1.1754943508222875e-38)) return true;
                }
            }
        return false;
    }

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

    /// <summary>C(k, p) = k(k−1)…(k−p+1)/p! for real k ≥ 0 (signed).</summary>
    static double Binomial(double k, int p)
    {
        double c = 1;
        for (int i = 0; i < p; i++) c *= (k - i) / (i + 1);
        return c;
    }

    /// <summary>log Σ|x|^k per order from the cells' marginals (and the exact tail); orders whose bound fails are computed exactly.</summary>
    static double[] OneAxis(JointCellSums sums, GradedAxis axis, bool theta, double[] tail, double[] orders, double tolerance,
        IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, ref int fallbacks, out double maxBound)
    {
        // Marginal power sums per cell of this axis: S[p, 0] (or S[0, q]) summed over the other axis, its zero cell included.
        int width = sums.ZeroGrad + 1;
        var marginal = new double[axis.Count, D + 1];
        var term = new int[D + 1];
        for (int j = 0; j < JointCellSums.Terms; j++)
            if ((theta ? JointCellSums.Q[j] : JointCellSums.P[j]) == 0) term[theta ? JointCellSums.P[j] : JointCellSums.Q[j]] = j;
        for (int s = 0; s < sums.Slots; s++)
        {
            int cell = sums.CellOf(s), i = theta ? cell / width : cell % width;
            if (i == axis.Count) continue; // the zero cell: 0^k = 0 for k > 0
            var row = sums.Row(s);
            for (int p = 0; p <= D; p++) marginal[i, p] += row[term[p]];
        }
        var result = new double[orders.Length];
        maxBound = 0;
        for (int o = 0; o < orders.Length; o++)
        {
            double k = orders[o];
            if (k == 0) { result[o] = 0; continue; } // replaced by the order-0 identity
            var c = new double[D + 1];
            for (int p = 0; p <= D; p++) c[p] = Binomial(k, p);
            double cNext = Math.Abs(Binomial(k, D + 1));
            double est = 0, bound = 0, lower = 0;
            for (int i = 0; i < axis.Count; i++)
            {
                double count = marginal[i, 0];
                if (count == 0) continue;
                double w = Math.Exp(k * axis.LogCenter[i]), h = axis.HalfWidth[i], s = 0;
                for (int p = 0; p <= D; p++) s += c[p] * marginal[i, p];
                est += w * s;
                // m(h, k−D−1) ≤ (1+h)^k / (1−h)^(D+1) whatever the sign of k − D − 1 (as in Joint).
                if (cNext > 0) bound += count * cNext * Math.Exp(k * (axis.LogCenter[i] + Math.Log(1 + h))) * Math.Pow(h / (1 - h), D + 1);
                lower += count * Math.Exp(k * (axis.LogCenter[i] + Math.Log(1 - h)));
            }
            foreach (var t in tail) { double e = Math.Exp(k * t); est += e; lower += e; }
            double rel = lower > 0 ? bound / lower : double.PositiveInfinity;
            if (!(rel <= tolerance) || !(est > 1e-280))
            {
                fallbacks++;
                result[o] = theta ? ExactPartial(shards, [k], [0.0]).LogSumM[0] : ExactPartial(shards, [0.0], [k]).LogSumG[0];
            }
            else
            {
                result[o] = Math.Log(est) + k * axis.LogMax;
                maxBound = Math.Max(maxBound, rel);
            }
        }
        return result;
    }

    sealed record JointResult(double[,] LogZ, int Cells, long Exact, double MaxBound);

    /// <summary>log Σ|θ|^k|g|^l for k, l &gt; 0 (entries with k = 0 or l = 0 are left NaN: M and G replace them).</summary>
    static JointResult Joint(JointCellSums sums, GradedAxis axisA, GradedAxis axisB, (Tensor T, Tensor G)[] data, double[] tailA, double[] tailB,
        double[] ks, double[] ls, double tolerance, IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, ref int fallbacks)
    {
        int width = sums.ZeroGrad + 1, K = ks.Length, L = ls.Length, T = JointCellSums.Terms;
        // The cells with both magnitudes non-zero (the zero cells contribute 0^k = 0 at k, l > 0).
        var slots = new List<int>();
        for (int s = 0; s < sums.Slots; s++)
        {
            int cell = sums.CellOf(s);
            if (cell / width < sums.ZeroTheta && cell % width < sums.ZeroGrad) slots.Add(s);
        }
        int nc = slots.Count;
        var la = new double[nc]; var ha = new double[nc]; var lb = new double[nc]; var hb = new double[nc];
        // S laid out [p][q][cell] (zero where p + q > D), and the count N per cell.
        var sByPower = new double[(D + 1) * (D + 1) * nc];
        var counts = new double[nc];
        for (int c = 0; c < nc; c++)
        {
            int cell = sums.CellOf(slots[c]), ia = cell / width, ib = cell % width;
            la[c] = axisA.LogCenter[ia]; ha[c] = axisA.HalfWidth[ia];
            lb[c] = axisB.LogCenter[ib]; hb[c] = axisB.HalfWidth[ib];
            var row = sums.Row(slots[c]);
            for (int j = 0; j < T; j++) sByPower[(JointCellSums.P[j] * (D + 1) + JointCellSums.Q[j]) * nc + c] = row[j];
            counts[c] = row[0];
        }
        var kT = tensor(ks).unsqueeze(1);
        var lT = tensor(ls).unsqueeze(1);
        // Per-cell factors are computed here and only tensor–tensor operations run in libtorch: an implicit
        // double → Scalar argument can be freed by the finalizer during the native call (see KeptScalar).
        var laT = tensor(la).unsqueeze(0);
        var lbT = tensor(lb).unsqueeze(0);
        var sT = tensor(sByPower).reshape(D + 1, (D + 1) * nc);
        var countT = tensor(counts);
        var binK = tensor(ks.SelectMany(k => Enumerable.Range(0, D + 2).Select(p => Binomial(k, p))).ToArray()).reshape(K, D + 2);
        var binL = tensor(ls.SelectMany(l => Enumerable.Range(0, D + 2).Select(p => Binomial(l, p))).ToArray()).reshape(L, D + 2);
        // (c/max)^k at the centre, at the top (c(1+h)) and at the bottom (c(1−h)) of each cell; [orders, cells].
        var ea = (kT * laT).exp();
        var eb = (lT * lbT).exp();
        Tensor Shifted(double[] logCenter, double[] h, int sign) => tensor(logCenter.Select((l, c) => l + Math.Log(1 + sign * h[c])).ToArray()).unsqueeze(0);
        var topA = (kT * Shifted(la, ha, 1)).exp();
        var topB = (lT * Shifted(lb, hb, 1)).exp();
        var bottomA = (kT * Shifted(la, ha, -1)).exp();
        var bottomB = (lT * Shifted(lb, hb, -1)).exp();
        // The remainder's term p: |C(k,p)| |C(l,q)| h_a^p h_b^q m(h_a, k−p) m(h_b, l−q), q = D+1−p, with
        // m(h, k−p) ≤ (1+h)^k / (1−h)^p for either sign of k − p, so it factors into top^k · ρ^p, ρ = h/(1−h).
        var rhoAV = ha.Select(h => Math.Min(1e30, h / (1 - h))).ToArray();
        var rhoBV = hb.Select(h => Math.Min(1e30, h / (1 - h))).ToArray();
        // ρ_a^p ρ_b^(D+1−p) per term p and cell, [D+2, cells] (also the flagging loop's per-cell factors).
        var rhoPowers = Enumerable.Range(0, D + 2).SelectMany(p => Enumerable.Range(0, nc).Select(c => Math.Pow(rhoAV[c], p) * Math.Pow(rhoBV[c], D + 1 - p))).ToArray();
        var remainderCells = tensor(rhoPowers).reshape(1, D + 2, nc);
        var absBinK = binK.abs();
        var absBinLReversed = binL.abs().flip(1); // column p holds |C(l, D+1−p)|

        (Tensor Est, Tensor Bound, Tensor Lower) Sums(Tensor keep)
        {
            // Estimate: Σ_q [(c/max)^k Σ_p C(k,p) S[p,q]] · [C(l,q) (d/max)^l], one GEMM over (q, cell).
            var left = (binK[.., ..(D + 1)].mm(sT).reshape(K, D + 1, nc) * (ea * keep).unsqueeze(1)).reshape(K, (D + 1) * nc);
            var right = (binL[.., ..(D + 1)].unsqueeze(2) * eb.unsqueeze(1)).reshape(L, (D + 1) * nc);
            var est = left.mm(right.t());
            var weight = (countT * keep).unsqueeze(0);
            var leftB = (absBinK.unsqueeze(2) * (topA * weight).unsqueeze(1) * remainderCells).reshape(K, (D + 2) * nc);
            var rightB = (absBinLReversed.unsqueeze(2) * topB.unsqueeze(1)).reshape(L, (D + 2) * nc);
            var bound = leftB.mm(rightB.t());
            var lower = (bottomA * weight).mm(bottomB.t());
            return (est, bound, lower);
        }

        // The tails, exactly.
        var exactA = new List<double>(tailA);
        var exactB = new List<double>(tailB);
        Tensor ExactSum() => exactA.Count == 0 ? zeros(K, L, dtype: ScalarType.Float64)
            : (kT * tensor(exactA.ToArray()).unsqueeze(0)).exp().mm((lT * tensor(exactB.ToArray()).unsqueeze(0)).exp().t());
        var (estT, boundT, lowerT) = Sums(ones(nc, dtype: ScalarType.Float64));
        var exactT = ExactSum();
        lowerT = KeptScalar.Sum(lowerT, exactT);
        long exactElements = 0;

        // Cells the bound rejects: at each failing point, the cells with the largest bound shares until the rest fits half the budget.
        var boundV = boundT.data<double>().ToArray();
        var lowerV = lowerT.data<double>().ToArray();
        var failing = new List<int>(); // (i, j) pairs, k and l > 0
        for (int i = 0; i < K; i++)
            for (int j = 0; j < L; j++)
                if (ks[i] > 0 && ls[j] > 0 && !(boundV[i * L + j] <= lowerV[i * L + j] * tolerance)) { failing.Add(i); failing.Add(j); }
        if (failing.Count > 0)
        {
            var flagged = new bool[nc];
            var topAV = topA.data<double>().ToArray();
            var topBV = topB.data<double>().ToArray();
            var largestFirst = Comparer<double>.Create((x, y) => y.CompareTo(x));
            for (int f = 0; f < failing.Count; f += 2)
            {
                int i = failing[f], j = failing[f + 1];
                double excess = boundV[i * L + j] - 0.5 * tolerance * lowerV[i * L + j];
                var coefficient = Enumerable.Range(0, D + 2).Select(p => Math.Abs(Binomial(ks[i], p) * Binomial(ls[j], D + 1 - p))).ToArray();
                var candidates = new List<(int Cell, double Share)>();
                for (int c = 0; c < nc; c++)
                {
                    double poly = 0;
                    for (int p = 0; p <= D + 1; p++) poly += coefficient[p] * rhoPowers[p * nc + c];
                    double share = counts[c] * topAV[i * nc + c] * topBV[j * nc + c] * poly;
                    if (flagged[c]) excess -= share;
                    else if (share > 0) candidates.Add((c, share));
                }
                if (excess <= 0) continue;
                // The largest shares first (a heap: usually a handful of cells carry the excess, so no full sort).
                var heap = new PriorityQueue<int, double>(candidates, largestFirst);
                while (excess > 0 && heap.TryDequeue(out int cell, out double share))
                {
                    flagged[cell] = true;
                    excess -= share;
                }
            }
            // Their elements: kept verbatim when the cell is small, else read again.
            var rescan = new bool[(sums.ZeroTheta + 1) * width];
            bool anyRescan = false;
            for (int c = 0; c < nc; c++)
            {
                if (!flagged[c]) continue;
                exactElements += (long)counts[c];
                if (counts[c] <= JointCellSums.Reservoir)
                {
                    var kept = sums.Kept(slots[c]);
                    for (int e = 0; e < kept.Length; e += 2)
                    {
                        exactA.Add(axisA.LogRatio(kept[e]));
                        exactB.Add(axisB.LogRatio(kept[e + 1]));
                    }
                }
                else { rescan[sums.CellOf(slots[c])] = true; anyRescan = true; }
            }
            if (anyRescan)
                foreach (var (t, g) in data)
                {
                    var tb = HostPass.Bits(t);
                    var gb = HostPass.Bits(g);
                    for (int e = 0; e < tb.Length; e++)
                    {
                        uint x = tb[e] & 0x7FFFFFFFu, y = gb[e] & 0x7FFFFFFFu;
                        int cell = sums.JointIndex(x, y);
                        if (cell < 0 || !rescan[cell]) continue;
                        exactA.Add(axisA.LogRatio(x));
                        exactB.Add(axisB.LogRatio(y));
                    }
                }
            (estT, boundT, lowerT) = Sums(tensor(flagged.Select(f => f ? 0.0 : 1.0).ToArray()));
            exactT = ExactSum();
            lowerT = KeptScalar.Sum(lowerT, exactT);
        }
        estT = KeptScalar.Sum(estT, exactT);

        var estV = estT.data<double>().ToArray();
        var boundF = boundT.data<double>().ToArray();
        var lowerF = lowerT.data<double>().ToArray();
        var logZ = new double[K, L];
        double maxBound = 0;
        for (int i = 0; i < K; i++)
            for (int j = 0; j < L; j++)
            {
                int q = i * L + j;
                if (ks[i] == 0 || ls[j] == 0) { logZ[i, j] = double.NaN; continue; } // replaced by M or G
                double rel = lowerF[q] > 0 ? boundF[q] / lowerF[q] : double.PositiveInfinity;
                if (!(rel <= tolerance * 1.0000001) || !(estV[q] > 1e-280))
                {
                    fallbacks++;
                    logZ[i, j] = ExactPartial(shards, [ks[i]], [ls[j]]).LogSumZ[0, 0];
                    continue;
                }
                maxBound = Math.Max(maxBound, rel);
                logZ[i, j] = Math.Log(estV[q]) + ks[i] * axisA.LogMax + ls[j] * axisB.LogMax;
            }
        return new JointResult(logZ, nc, exactElements, maxBound);
    }
}
