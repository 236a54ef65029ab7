using PhaseScope.Moments.Fast;
using System.Diagnostics;
using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// Seed 000's coupling surface, measured in one run (issue 3's target): a 33×33 grid of orders 0, 2, …, 64 for
/// n = 10⁷ float32 pairs (θ ~ N(0, 0.05²), g = 10⁻³·N(0,1) + 0.02θ, so the extrema are partly aligned):
///   surface ÷ pass = <see cref="FastCouplingSurface"/> ÷ one elementwise pass over θ and g (<c>abs().sum()</c> of both,
///                    the issue's yardstick; also the fused L1 norm, the same arithmetic without allocating |θ| and |g|,
///                    and <c>sum()</c> of both, a bare read); target ≤ 10
///   worst |ΔC|     = against the exact float64 reference <see cref="CouplingPartial"/> (one log-sum-exp per point); target ≤ 1e−4.
/// Medians over rounds, operations alternating.
/// </summary>
static class MomentsBench
{
    public static void Run(int rounds, bool reference, long n = 10_000_000)
    {
        var orders = Enumerable.Range(0, 33).Select(i => 2.0 * i).ToArray();
        using var g0 = new Generator(11);
        using var theta = randn([n], generator: g0) * 0.05;
        using var grad = randn([n], generator: g0) * 1e-3 + theta * 0.02;
        Console.WriteLine($"moments bench: n = {n:N0} float32 pairs, 33×33 orders 0…64, {rounds} rounds, {get_num_threads()} threads");
        var absPass = new List<double>();
        var readPass = new List<double>();
        var normPass = new List<double>();
        var surface = new List<double>();
        FastCouplingSurface.Diagnostics? diag = null;
        CouplingSurface? fast = null;
        for (int r = 0; r < rounds + 1; r++)
        {
            var sw = Stopwatch.StartNew();
            using (var a = theta.abs().sum()) using (var b = grad.abs().sum()) { _ = a.item<float>() + b.item<float>(); }
            double tAbs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            using (var a = theta.sum()) using (var b = grad.sum()) { _ = a.item<float>() + b.item<float>(); }
            double tRead = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            using (var a = linalg.vector_norm(theta, 1)) using (var b = linalg.vector_norm(grad, 1)) { _ = a.item<float>() + b.item<float>(); }
            double tNorm = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            fast = FastCouplingSurface.Compute([(theta, grad)], orders, orders, out var d);
            double tFast = sw.Elapsed.TotalMilliseconds;
            diag = d;
            if (r == 0) continue; // warm-up
            absPass.Add(tAbs); readPass.Add(tRead); normPass.Add(tNorm); surface.Add(tFast);
        }
        static double Median(List<double> v) { var s = v.Order().ToArray(); return s[s.Length / 2]; }
        Console.WriteLine($"  pass abs().sum() θ+g   {Median(absPass),8:F1} ms");
        Console.WriteLine($"  pass sum() θ+g         {Median(readPass),8:F1} ms");
        Console.WriteLine($"  pass ‖·‖₁ θ+g          {Median(normPass),8:F1} ms  (abs and sum fused, nothing allocated)");
        Console.WriteLine($"  fast surface           {Median(surface),8:F1} ms  ({diag})");
        Console.WriteLine($"  surface ÷ abs-sum pass {Median(surface) / Median(absPass),8:F2}   (target ≤ 10; rounds: {string.Join(", ", surface.Zip(absPass, (f, a) => (f / a).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  surface ÷ ‖·‖₁ pass     {Median(surface) / Median(normPass),8:F2}");
        Console.WriteLine($"  surface ÷ sum pass     {Median(surface) / Median(readPass),8:F2}");
        if (!reference) return;
        var swExact = Stopwatch.StartNew();
        var exact = CouplingPartial.Of(theta, grad, orders, orders).Finish();
        double tExact = swExact.Elapsed.TotalMilliseconds;
        double worst = 0;
        for (int i = 0; i < orders.Length; i++)
            for (int j = 0; j < orders.Length; j++)
                worst = Math.Max(worst, Math.Abs(fast!.Coupling(i, j) - exact.Coupling(i, j)));
        Console.WriteLine($"  exact reference        {tExact,8:F0} ms (1089 log-sum-exp points, once)");
        Console.WriteLine($"  surface ÷ exact        {Median(surface) / tExact,8:F4}");
        Console.WriteLine($"  worst |C − C_float64|  {worst,8:E2}   (target ≤ 1e-4)");
    }
}
