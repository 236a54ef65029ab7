using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Verdict;

/// <summary><c>phasescope verdict</c> over run stores written like grok's: the report holds the hand-counted numbers,
/// unfinished runs are left out by name, and a directory without runs is refused without writing anything.</summary>
public class VerdictCommandTests
{
    static void WriteRun(string sweep, string name, double wd, long? grok, (string Kind, long Step)[] events, (long Step, double G23)[] g23)
    {
        using var store = RunStore.Create(Path.Combine(sweep, name), name, "grok", new Dictionary<string, string>());
        foreach (var (kind, step) in events) store.Write(new MonitorEvent(step, kind, "spectral", "test"));
        store.Write(new MonitorEvent(grok ?? 0, "budget_intervals", PhaseMonitor.BookkeepingName, "not an indicator"));
        store.Write(g23.Select(p => new MetricRecord(p.Step, "spectral/g23", p.G23)).ToList());
        store.Complete("completed", JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["task"] = "modular", ["op"] = "add", ["seed"] = 7, ["weight_decay"] = wd, ["grok_step"] = grok, ["steps"] = 3000, ["grokked"] = grok is not null,
        }));
    }

    [Fact]
    public void ReportHoldsTheHandCountedNumbers()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "sweep");
        // Grokking run: gap_opened 400 steps before its grok step 1200; g₂₃ falls from 8 to 2 by then (75 % decline).
        WriteRun(sweep, "modular-add-s7-wd1", 1.0, 1200, [("gap_opened", 800)], [(1000, 8.0), (1100, 4.0), (1200, 2.0), (1300, 1.0)]);
        // Its control (same cell): gap_opened at 1100, inside the window [200, 1200] placed at the pair's grok step.
        WriteRun(sweep, "modular-add-s7-wd0", 0.0, null, [("gap_opened", 1100)], [(1000, 5.0), (1200, 5.0)]);
        // A run that never finished is left out, by name.
        using (RunStore.Create(Path.Combine(sweep, "modular-add-s8-wd1"), "unfinished", "grok", new Dictionary<string, string>())) { }

        var result = CliRunner.Run(dir.Path, "verdict", sweep, "--window", "1000");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("left out (not completed) modular-add-s8-wd1", result.Stdout);
        var md = File.ReadAllText(Path.Combine(sweep, "verdict", "VERDICT.md"));
        Assert.Contains("| gap_opened | spectral | 1/1 (100 %; 21–100 %) | 400 (400–400) | 1/1 (100 %; 21–100 %) | 1/1 (100 %; 21–100 %) |", md);
        Assert.DoesNotContain("budget_intervals", md);
        Assert.Contains("| modular | add | 1 | 1/1 | 1200 |", md);
        Assert.Contains("| modular | add | 0 | 0/1 | — |", md);
        Assert.Contains("| modular-add-s7-wd1 | add | 7 | 1 | 1200 | 8 | 2 | 75 % |", md);
        Assert.Contains("| modular-add-s7-wd0 | add | 7 | 0 | — (matched 1200) | 5 | 5 | 0 % |", md);
        Assert.True(File.Exists(Path.Combine(sweep, "verdict", "gap_ratio_aligned.svg")));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(sweep, "verdict", "verdict.json")));
        Assert.Equal(1, json.RootElement.GetProperty("indicators")[0].GetProperty("hits").GetInt32());
    }

    [Fact]
    public void DirectoryWithoutRunsIsRefusedAndNothingIsWritten()
    {
        using var dir = new TempDirectory();
        var empty = Directory.CreateDirectory(Path.Combine(dir.Path, "empty")).FullName;
        var result = CliRunner.Run(dir.Path, "verdict", empty);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("holds no runs", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(empty));
    }

    /// <summary>The same cell in two sweeps (a longer rerun) is kept twice, each named by its sweep.</summary>
    [Fact]
    public void RepeatedRunNamesAcrossSweepsAreQualified()
    {
        using var dir = new TempDirectory();
        var a = Path.Combine(dir.Path, "short");
        var b = Path.Combine(dir.Path, "long");
        WriteRun(a, "modular-add-s7-wd1", 1.0, null, [], []);
        WriteRun(b, "modular-add-s7-wd1", 1.0, 5000, [("gap_opened", 4500)], []);
        var result = CliRunner.Run(dir.Path, "verdict", a, b, "--out", Path.Combine(dir.Path, "v"));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var md = File.ReadAllText(Path.Combine(dir.Path, "v", "VERDICT.md"));
        Assert.Contains("| short/modular-add-s7-wd1 |", md);
        Assert.Contains("| long/modular-add-s7-wd1 | 5000 |", md);
    }
}
