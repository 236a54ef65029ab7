using System.Diagnostics;
using System.Numerics;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// How the monitor's per-step cost grows with the parameter count P (issue 8), and how far it is from the memory
/// floor. Synthetic parameters (four float32 tensors of P/4 each, gradients from a linear loss) go through the
/// cheap-every-step set of <see cref="OverheadBench.Cheap"/>; the monitor's own stopwatch gives ms per step. Printed:
/// the cost per size, the exponent b of cost ∝ P^b fitted over the sizes ≥ 10⁶ (least squares in log–log), this
/// machine's memory bandwidth by a STREAM triad (a = b + s·c, 12 bytes per element, best of 5) measured in the same
/// run, and monitor time ÷ floor, where the floor is <see cref="BytesPerParameter"/>·P bytes at that bandwidth.
/// </summary>
static class ScalingBench
{
    /// <summary>
    /// Bytes the cheap set must move per parameter per step, counting one read of every input and one write of every
    /// output of each probe: gradient norm reads g (4), parameter norm θ (4), update size θ and the snapshot (8) and
    /// refreshing the snapshot reads θ and writes it (8), distance from init θ and θ₀ (8), the moments summary θ and g (8),
    /// the trajectory window θ, the previous θ and the W = 10 held rows whose inner products with the new update the Gram
    /// matrix needs (8 + 40), and writes its new row and the previous θ (8): 96 bytes. (Until 2026-11-24 the W rows'
    /// read was left out of this count, 60 bytes, which understated the floor at W = 10 by 40 %.)
    /// </summary>
    public const int BytesPerParameter = 96;

    /// <summary>Steps before timing starts: W = 10 for the window to fill, plus a few.</summary>
    const int WarmUp = 13;

    public static void Run(IReadOnlyList<long> sizes, int steps)
    {
        double bandwidth = TriadBandwidth();
        Console.WriteLine($"scaling bench: cheap-every-step set on synthetic parameters, {steps} steps per size (+{WarmUp} warm-up: the trajectory window fills and its null law is simulated once), {get_num_threads()} threads");
        Console.WriteLine($"  STREAM triad bandwidth {bandwidth / 1e9,8:F2} GB/s (best of 5, 3 × 2^25 floats)");
        var costs = new List<(long P, double Ms)>();
        foreach (long p in sizes)
        {
            var (ms, perProbe) = MonitorMsPerStep(p, steps);
            double floorMs = 1000.0 * BytesPerParameter * p / bandwidth;
            costs.Add((p, ms));
            Console.WriteLine($"  P = {p,12:N0}   monitor {ms,10:F3} ms/step   floor {floorMs,9:F3} ms   monitor ÷ floor {ms / floorMs,7:F2}   (target ≤ 3)");
            Console.WriteLine($"      {string.Join(", ", perProbe.Select(x => $"{x.Name} {x.Ms:F3}"))} ms/step");
        }
        var fit = costs.Where(c => c.P >= 1_000_000).ToList();
        if (fit.Count >= 2)
        {
            double b = Slope(fit.Select(c => Math.Log(c.P)).ToArray(), fit.Select(c => Math.Log(c.Ms)).ToArray());
            Console.WriteLine($"  fitted exponent b (cost ∝ P^b, sizes ≥ 10⁶): {b:F3}   (linear: 1)");
        }
        double all = Slope(costs.Select(c => Math.Log(c.P)).ToArray(), costs.Select(c => Math.Log(c.Ms)).ToArray());
        Console.WriteLine($"  fitted exponent over all sizes: {all:F3}");
    }

    /// <summary>Least-squares slope of y on x.</summary>
    static double Slope(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum(), sxx = x.Sum(a => (a - mx) * (a - mx));
        return sxy / sxx;
    }

    static (double Ms, List<(string Name, double Ms)> PerProbe) MonitorMsPerStep(long p, int steps)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        long each = p / 4;
        var parameters = Enumerable.Range(0, 4).Select(i => (Name: $"layer{i}.weight", Value: new TorchSharp.Modules.Parameter(randn([each], generator: g) * 0.05))).ToList();
        var weights = parameters.Select(_ => randn([each], generator: g)).ToList();
        using var monitor = new PhaseMonitor(parameters.Select(x => new NamedParameter(x.Name, x.Value)), OverheadBench.Cheap(1));
        using var optimizer = optim.SGD(parameters.Select(x => x.Value), 1e-4);
        double monitorSeconds = 0;
        var warm = new Dictionary<string, double>();
        for (int step = 1; step <= steps + WarmUp; step++)
        {
            using var inner = NewDisposeScope();
            optimizer.zero_grad();
            var loss = parameters.Zip(weights, (x, w) => (x.Value * w).sum()).Aggregate((a, b) => a + b);
            loss.backward();
            double before = monitor.TotalSeconds;
            monitor.AfterBackward(step, loss);
            optimizer.step();
            monitor.AfterStep(step);
            if (step > WarmUp) monitorSeconds += monitor.TotalSeconds - before;
            if (step == WarmUp) foreach (var t in monitor.Timings) warm[t.Name] = t.TotalSeconds;
        }
        foreach (var t in monitor.Timings.Where(t => t.Disabled)) Console.WriteLine($"  warning: probe {t.Name} was disabled at P = {p} (it failed)");
        var perProbe = monitor.Timings.Select(t => (t.Name, 1000 * (t.TotalSeconds - warm.GetValueOrDefault(t.Name)) / steps)).ToList();
        return (1000 * monitorSeconds / steps, perProbe);
    }

    /// <summary>STREAM triad a = b + s·c over three arrays of 2^25 floats on all cores; bytes/s, best of 5.</summary>
    static double TriadBandwidth()
    {
        const int n = 1 << 25;
        var a = new float[n];
        var b = new float[n];
        var c = new float[n];
        Parallel.For(0, n, i => { b[i] = 1; c[i] = 2; });
        int threads = Environment.ProcessorCount;
        int chunk = n / threads;
        double best = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, t =>
            {
                var s = new Vector<float>(3f);
                int start = t * chunk, end = t == threads - 1 ? n : start + chunk, i = start;
                for (; i + Vector<float>.Count <= end; i += Vector<float>.Count)
                    (new Vector<float>(b, i) + s * new Vector<float>(c, i)).CopyTo(a, i);
                for (; i < end; i++) a[i] = b[i] + 3f * c[i];
            });
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        if (a[n / 2] != 7f) throw new InvalidOperationException("triad check failed");
        return 12.0 * n / best;
    }
}
