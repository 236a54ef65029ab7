using System.Diagnostics;
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Bench;

/// <summary>
/// Peak memory of the monitor against plain training, as a ratio: each configuration of <see cref="OverheadBench"/> trains
/// the reference model (modular addition p = 97, batch 512) in a fresh child process of this bench, which prints its peak
/// resident set size (VmHWM from /proc/self/status: managed heap, libtorch's native allocations and the loaded
/// libraries alike) when it ends; the parent prints each peak and its ratio to the plain run's of the same length. The
/// every-step configurations run <c>steps</c> steps; the default schedules and their plain run <c>longSteps</c>, so that
/// λ_max's first call (step 2,000) is inside. No run store is attached (the probes and their state only).
/// Peak memory does not depend on the machine's load, so unlike the timing suites this one may run beside other jobs.
/// </summary>
static class MemoryBench
{
    /// <summary>(name, probes: null for plain, long run?).</summary>
    static readonly (string Name, Func<IReadOnlyList<IProbe>>? Probes, bool Long)[] Configs =
    [
        ("plain", null, false),
        ("cheap every step", () => OverheadBench.Cheap(1), false),
        ("full every step", () => OverheadBench.Full(null), false),
        ("full every step, λ tracked", () => OverheadBench.Full(null, tracked: true), false),
        ("plain (long)", null, true),
        ("default schedules", OverheadBench.Defaults, true),
    ];

    /// <summary>The parent: one child per configuration, the peaks and the ratios.</summary>
    public static int Run(int steps, int longSteps, int threads)
    {
        Console.WriteLine($"memory bench: modular add p=97, d_model 128, batch 512; {steps} steps ({longSteps} for the default schedules), {threads} threads, one process per configuration");
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("the bench cannot find its own executable");
        var entry = Environment.GetCommandLineArgs()[0];
        var peaks = new Dictionary<string, long>();
        foreach (var (name, _, isLong) in Configs)
        {
            var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(entry);   // run as 'dotnet PhaseScope.Bench.dll'
            foreach (var a in new[] { "--suite", "memory-child", "--only", name, "--steps", (isLong ? longSteps : steps).ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("peak_rss_kib ", StringComparison.Ordinal));
            if (p.ExitCode != 0 || line is null) { Console.Error.WriteLine($"  {name}: child failed (exit {p.ExitCode}): {err.Result.Trim()}"); return 1; }
            peaks[name] = long.Parse(line["peak_rss_kib ".Length..], CultureInfo.InvariantCulture);
            string baseline = isLong ? "plain (long)" : "plain";
            Console.WriteLine($"  {name,-28} peak {peaks[name] / 1024.0,8:F1} MiB   ÷ {baseline} {(double)peaks[name] / peaks[baseline],6:F3}");
        }
        return 0;
    }

    /// <summary>The child: trains one configuration and prints its peak resident set size.</summary>
    public static int Child(TaskData task, string name, int steps)
    {
        var config = Configs.FirstOrDefault(c => c.Name == name);
        if (config.Name is null) { Console.Error.WriteLine($"unknown memory configuration '{name}'"); return 2; }
        var options = new TrainerOptions { Steps = steps, BatchSize = 512, EvaluateEvery = 100, Seed = 42 };
        using (var model = BenchSetup.ReferenceModel(task))
        using (var monitor = config.Probes is null ? null : new PhaseMonitor(model, config.Probes()))
            new Trainer(task, model, options) { Monitor = monitor }.Run();
        var hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        Console.WriteLine($"peak_rss_kib {hwm["VmHWM:".Length..].Trim().Split(' ')[0]}");
        return 0;
    }
}
