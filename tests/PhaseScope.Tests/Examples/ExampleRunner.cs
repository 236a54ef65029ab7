using System.Diagnostics;

namespace PhaseScope.Tests.Examples;

/// <summary>Runs a built example under examples/ (its output for this configuration) as a child process, in a working
/// directory of the test's own, so its <c>runs/</c> land there.</summary>
static class ExampleRunner
{
    /// <summary>The repository's root (the folder holding PhaseScope.slnx).</summary>
    public static string Repository
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "PhaseScope.slnx"))) return d.FullName;
            throw new DirectoryNotFoundException($"No PhaseScope.slnx above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>examples/NAME/bin/CONFIG/TFM/, the configuration and framework this test assembly was built with.</summary>
    public static string OutputOf(string example)
    {
        var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dir = Path.Combine(Repository, "examples", example, "bin", testDir.Parent!.Name, testDir.Name);
        if (!File.Exists(Path.Combine(dir, example + ".dll")))
            throw new FileNotFoundException($"Example {example} is not built in {dir}; build the test project (it builds the examples).");
        return dir;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, string example, params string[] args) =>
        RunDll(workingDirectory, Path.Combine(OutputOf(example), example + ".dll"), args);

    public static (int ExitCode, string Stdout, string Stderr) RunDll(string workingDirectory, string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The value of the output line that starts with <paramref name="label"/> ("diagnosis: …").</summary>
    public static string Line(string stdout, string label)
    {
        var line = stdout.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(label + ": ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no '{label}:' line in:\n{stdout}");
        return line![(label.Length + 2)..];
    }
}
