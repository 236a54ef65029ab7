using System.Diagnostics;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// Seed 001's trajectory window, measured in one run for P = 10⁶ and 10⁷ and W = 10 (float32 rows):
///   push ÷ pass     = one incremental push (W inner products + ‖δ‖² + copy) ÷ one read pass over P values
///                     (<c>x.sum()</c>, no temporary); target ≤ W + 3. <c>x.abs().sum()</c> is printed too: it allocates a
///                     P-value temporary, which at P = 10⁷ costs more than the read (fresh pages), so it flatters the ratio.
///   push ÷ rebuild  = the push ÷ rebuilding X·Xᵀ from the stored rows with one matmul (what a non-incremental
///                     implementation does per window), and ÷ W(W+1)/2 separate inner products (the naive rebuild)
///   memory          = bytes of the window (W·P·4), and of the sketched window (P' = P/10) with its measured diagonal error.
/// Operations alternate within each round; the median over rounds is printed.
/// </summary>
static class SpectralBench
{
    public static void Run(int rounds)
    {
        const int w = 10;
        Console.WriteLine($"spectral bench: W = {w}, float32 rows, {rounds} rounds, {get_num_threads()} threads");
        foreach (long p in new[] { 1_000_000L, 10_000_000L })
        {
            using var g = new Generator(1);
            var updates = Enumerable.Range(0, 4).Select(_ => randn([p], generator: g).DetachFromDisposeScope()).ToArray();
            using var window = new TrajectoryWindow(w, p);
            using var sketched = new TrajectoryWindow(w, p, sketchDimension: p / 10, sketchSeed: 7);
            using var x = randn([w, p], generator: g);
            long step = 0;
            for (int i = 0; i < w; i++) { window.Push(updates[i % 4], ++step); sketched.Push(updates[i % 4], step); }

            var pass = new List<double>();
            var absPass = new List<double>();
            var push = new List<double>();
            var rebuild = new List<double>();
            var naive = new List<double>();
            var gemv = new List<double>();
            var sketchPush = new List<double>();
            for (int r = 0; r < rounds + 1; r++)
            {
                var u = updates[r % 4];
                double tPass = Time(() => { using var s = u.sum(); s.item<float>(); });
                double tAbs = Time(() => { using var s = u.abs().sum(); s.item<float>(); });
                double tPush = Time(() => window.Push(u, ++step));
                double tRebuild = Time(() => { using var gram = x.matmul(x.t()); gram.data<float>().ToArray(); });
                double tNaive = Time(() =>
                {
                    for (int i = 0; i < w; i++)
                        for (int j = 0; j <= i; j++) { using var d = x[i].dot(x[j]); d.item<float>(); }
                });
                double tSketch = Time(() => sketched.Push(u, step));
                double tGemv = Time(() => { using var y = x.mv(u); y.data<float>().ToArray(); });
                if (r == 0) continue;   // warm-up
                pass.Add(tPass); absPass.Add(tAbs); push.Add(tPush); rebuild.Add(tRebuild); naive.Add(tNaive); sketchPush.Add(tSketch); gemv.Add(tGemv);
            }
            double mPass = BenchSetup.Median(pass), mPush = BenchSetup.Median(push);
            Console.WriteLine($"P = {p:N0}:");
            Console.WriteLine($"  one read pass (sum())                  {mPass,9:F3} ms");
            Console.WriteLine($"  one elementwise pass (abs().sum())     {BenchSetup.Median(absPass),9:F3} ms   push ÷ this = {mPush / BenchSetup.Median(absPass):F2}");
            Console.WriteLine($"  incremental push                       {mPush,9:F3} ms   = {mPush / mPass:F2} passes (target ≤ {w + 3})");
            Console.WriteLine($"  of which X·δ alone (W inner products)  {BenchSetup.Median(gemv),9:F3} ms   = {BenchSetup.Median(gemv) / mPass:F2} passes (W = {w})");
            Console.WriteLine($"  rebuild X·Xᵀ (one matmul)              {BenchSetup.Median(rebuild),9:F3} ms   push ÷ rebuild = {mPush / BenchSetup.Median(rebuild):F2}");
            Console.WriteLine($"  rebuild by W(W+1)/2 = {w * (w + 1) / 2} inner products {BenchSetup.Median(naive),9:F3} ms   push ÷ naive = {mPush / BenchSetup.Median(naive):F3}");
            Console.WriteLine($"  sketched push (P' = P/10)              {BenchSetup.Median(sketchPush),9:F3} ms   = {BenchSetup.Median(sketchPush) / mPass:F2} passes");
            Console.WriteLine($"  memory: window {window.Bytes / 1048576.0:F1} MiB; sketched {sketched.Bytes / 1048576.0:F1} MiB (projection {p * 12 / 1048576.0:F1} MiB), measured diagonal error {sketched.SketchDiagonalError():G3}");
            foreach (var t in updates) t.Dispose();
        }
    }

    static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return 1000.0 * (Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency;
    }
}
