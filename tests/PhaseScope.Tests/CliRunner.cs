using System.Diagnostics;

namespace PhaseScope.Tests;

/// <summary>Runs the built <c>phasescope</c> CLI (src/PhaseScope.Cli's output for this configuration) as a child process.</summary>
static class CliRunner
{
    public static string CliDll
    {
        get
        {
            // tests/PhaseScope.Tests/bin/<Configuration>/<tfm>/ → src/PhaseScope.Cli/bin/<Configuration>/<tfm>/
            var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var tfm = testDir.Name;
            var config = testDir.Parent!.Name;
            var repo = testDir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(repo, "src", "PhaseScope.Cli", "bin", config, tfm, "PhaseScope.Cli.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"The CLI is not built at {dll}; build the solution first.");
            return dll;
        }
    }

    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, null, args);

    /// <summary>Starts the CLI with <paramref name="environment"/> set on top of this process's (a null value removes the variable).</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) psi.Environment.Remove(key);
            else psi.Environment[key] = value;
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    /// <summary>Runs the CLI to its end with <paramref name="environment"/> (see <see cref="Start(string, IReadOnlyDictionary{string, string?}?, string[])"/>).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var p = Start(workingDirectory, environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Runs the CLI on bad input and asserts the refusal the house requires: exit 2, <paramref name="expected"/> in the
    /// message, no stack trace or exception name, and nothing written under <paramref name="outDir"/>.
    /// </summary>
    public static void AssertRefused(string workingDirectory, string outDir, string[] args, string expected)
    {
        var (code, _, stderr) = Run(workingDirectory, args);
        Xunit.Assert.Equal(2, code);
        Xunit.Assert.Contains(expected, stderr);
        Xunit.Assert.DoesNotContain("   at ", stderr);
        Xunit.Assert.DoesNotContain("Exception", stderr);
        Xunit.Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "a run directory was created");
    }
}
