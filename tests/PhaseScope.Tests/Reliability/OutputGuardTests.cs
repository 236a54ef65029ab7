using System.Diagnostics;
using PhaseScope.IO;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Every command that writes refuses a target that is not absent or a regular file it may own — a device, a FIFO, a
/// directory where a file goes, a symbolic link, a file in another run's directory, a run's own files — with exit 2, the
/// path named, and the target exactly as it was (a device still a device, a link's target bytes unchanged). Every command
/// that reads refuses a FIFO or device before opening it (a FIFO used to block in open forever).
/// </summary>
public class OutputGuardTests
{
    /// <summary>Runs the CLI; a child still running after <paramref name="seconds"/> is killed and the test fails (it
    /// would otherwise hang on a FIFO, which is the bug this class guards against).</summary>
    internal static (int ExitCode, string Stdout, string Stderr) RunOrFail(string cwd, int seconds, params string[] args)
    {
        using var p = CliRunner.Start(cwd, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(seconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"phasescope {string.Join(' ', args)} did not finish in {seconds} s (it blocked on its target)");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    internal static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(FileKind.Fifo, FileKinds.Of(path));
    }

    internal static string MakeRun(string root, string name)
    {
        var dir = Path.Combine(root, name);
        using (var store = RunStore.Create(dir, name, "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(10, "loss", 1.0), new MetricRecord(20, "loss", 0.5)]);
            store.Complete("completed", """{"grokked":false}""");
        }
        Directory.CreateDirectory(Path.Combine(dir, "checkpoints"));
        return dir;
    }

    /// <summary>A world: runs a (ours) and b (another), a FIFO, a link to a file of ours, a directory.</summary>
    sealed class World : IDisposable
    {
        public readonly TempDirectory Tmp = new();
        public string Root => Tmp.Path;
        public readonly string A, B, Fifo, Link, LinkTarget, Folder;
        public World()
        {
            A = MakeRun(Root, "a");
            B = MakeRun(Root, "b");
            Fifo = Path.Combine(Root, "pipe");
            MakeFifo(Fifo);
            LinkTarget = Path.Combine(Root, "precious.txt");
            File.WriteAllText(LinkTarget, "precious bytes");
            Link = Path.Combine(Root, "link.md");
            File.CreateSymbolicLink(Link, LinkTarget);
            Folder = Path.Combine(Root, "folder.md");
            Directory.CreateDirectory(Folder);
        }

        public string Resolve(string target) => target switch
        {
            "/dev/null" => "/dev/null",
            "fifo" => Fifo,
            "directory" => Folder,
            "symlink" => Link,
            "other-run-file" => Path.Combine(B, "x.md"),
            "other-run-lock" => Path.Combine(B, "run.lock"),
            "other-run-dir" => B,
            "other-run-checkpoints" => Path.Combine(B, "checkpoints"),
            "own-run-db" => Path.Combine(A, "run.db"),
            "own-run-lock" => Path.Combine(A, "run.lock"),
            "own-checkpoints" => Path.Combine(A, "checkpoints"),
            "own-checkpoint-file" => Path.Combine(A, "checkpoints", "x.md"),
            "file" => LinkTarget,
            _ => throw new ArgumentException(target),
        };

        /// <summary>Everything under the world and the device's kind, to compare before and after.</summary>
        public string Snapshot() => string.Join("\n", Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => $"{p} {FileKinds.Of(p)} {(FileKinds.Of(p) == FileKind.File && !p.EndsWith("run.db", StringComparison.Ordinal) && !p.Contains("run.db-", StringComparison.Ordinal) ? Convert.ToHexString(File.ReadAllBytes(p)) : "")}"))
            + $"\n/dev/null {FileKinds.Of("/dev/null")}";

        public void Dispose() => Tmp.Dispose();
    }

    static string[] Command(World w, string command, string target) => command switch
    {
        "report" => ["report", w.A, "--out", target],
        "compare" => ["compare", w.A, Path.Combine(w.Root, "b2"), "--out", target],
        "edge-tests" => ["edge-tests", w.A, "--markdown", target],
        "export" => ["export", w.A, "--csv", "--out", target],
        "verdict" => ["verdict", w.A, "--out", target],
        "sweep" => ["sweep", "--steps", "5", "--seeds", "1", "--weight-decay", "1", "--ops", "add", "--out", target],
        "grok" => ["grok", "--steps", "5", "--out", target],
        "forget" => ["forget", "--out", target],
        _ => throw new ArgumentException(command),
    };

    public static TheoryData<string, string> FileTargets()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in new[] { "report", "compare", "edge-tests" })
            foreach (var t in new[] { "/dev/null", "fifo", "directory", "symlink", "other-run-file", "other-run-lock", "own-run-db", "own-run-lock", "own-checkpoint-file" })
                data.Add(c, t);
        return data;
    }

    public static TheoryData<string, string> DirectoryTargets()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in new[] { "export", "verdict", "sweep", "grok", "forget" })
            foreach (var t in new[] { "/dev/null", "fifo", "file", "other-run-dir", "other-run-checkpoints", "own-checkpoints" })
                data.Add(c, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(FileTargets))]
    [MemberData(nameof(DirectoryTargets))]
    public void AHostileTargetIsExitTwoNamesThePathAndIsLeftAsItWas(string command, string target)
    {
        using var w = new World();
        if (command == "compare") MakeRun(w.Root, "b2");
        var path = w.Resolve(target);
        var before = w.Snapshot();
        var (code, stdout, stderr) = RunOrFail(w.Root, 120, Command(w, command, path));
        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains(path, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(before, w.Snapshot());
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(w.Link));
        Assert.Equal("precious bytes", File.ReadAllText(w.LinkTarget));
        using var reader = RunReader.Open(w.A);   // our store still opens
        Assert.Equal(2, reader.Series("loss").Count);
    }

    [Fact]
    public void TheRunsOwnReportAndAnEarlierPageAreStillReplaced()
    {
        using var w = new World();
        var (code, _, stderr) = RunOrFail(w.Root, 120, "report", w.A);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("<!DOCTYPE html", File.ReadAllText(Path.Combine(w.A, "report.html")), StringComparison.Ordinal);
        var mine = Path.Combine(w.Root, "mine.html");
        File.WriteAllText(mine, "");   // an empty regular file (mktemp) counts as ours
        (code, _, stderr) = RunOrFail(w.Root, 120, "report", w.A, "--out", mine);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = RunOrFail(w.Root, 120, "report", w.A, "--out", w.LinkTarget);   // a regular file that is not HTML
        Assert.Equal(2, code);
        Assert.Contains("is not an HTML page", stderr);
        (code, _, stderr) = RunOrFail(w.Root, 120, "export", w.A, "--csv");   // the default: into the run itself
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(w.A, "metrics.csv")));
    }

    [Fact]
    public void AnExportTargetThatIsALinkIsRefusedBeforeAnyFileIsWritten()
    {
        using var w = new World();
        var outDir = Path.Combine(w.Root, "out");
        Directory.CreateDirectory(outDir);
        File.CreateSymbolicLink(Path.Combine(outDir, "events.csv"), w.LinkTarget);
        var (code, _, stderr) = RunOrFail(w.Root, 120, "export", w.A, "--csv", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(outDir, "events.csv"), stderr);
        Assert.False(File.Exists(Path.Combine(outDir, "metrics.csv")), "metrics.csv was written before events.csv was refused");
        Assert.Equal("precious bytes", File.ReadAllText(w.LinkTarget));
    }

    [Fact]
    public void AtomicFileNeverReplacesADeviceAFifoOrALink()
    {
        using var w = new World();
        Assert.Throws<IOException>(() => AtomicFile.Write(w.Fifo, s => s.WriteByte(1)));
        Assert.Throws<IOException>(() => AtomicFile.Write(w.Link, s => s.WriteByte(1)));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(w.Fifo));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(w.Link));
        Assert.Equal("precious bytes", File.ReadAllText(w.LinkTarget));
        Assert.Empty(Directory.EnumerateFiles(w.Root, "*.tmp"));   // no temporary file left
    }

    [Fact]
    public void FileKindsTellsEveryKindWithoutOpening()
    {
        using var w = new World();
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/zero"));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(w.Fifo));   // lstat, no open: this returns at once
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(w.Link));
        Assert.Equal(FileKind.File, FileKinds.Of(w.Link, followLinks: true));
        Assert.Equal(FileKind.Directory, FileKinds.Of(w.Folder));
        Assert.Equal(FileKind.File, FileKinds.Of(w.LinkTarget));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(w.Root, "nothing")));
        var dangling = Path.Combine(w.Root, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(w.Root, "nothing"));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(dangling));
        Assert.Equal(FileKind.Missing, FileKinds.Of(dangling, followLinks: true));
    }

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var input in new[] { "fifo", "/dev/zero", "fifo-link" })
            foreach (var command in new[] { "inspect", "moments --params", "moments --grads", "consolidation --grads", "spectral --checkpoints", "report RUN", "grok --resume", "llc RUN", "verdict SWEEP", "runs DIR", "ablate RUN", "run.db" })
                data.Add(command, input);
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void AFifoOrDeviceGivenAsInputIsExitTwoBeforeItIsOpened(string command, string input)
    {
        using var w = new World();
        var path = input switch
        {
            "fifo" => w.Fifo,
            "fifo-link" => Path.Combine(w.Root, "fifo-link"),
            _ => input,
        };
        if (input == "fifo-link") File.CreateSymbolicLink(path, w.Fifo);
        var real = Path.Combine(w.Root, "real.safetensors");
        PhaseScope.Checkpoints.Safetensors.Save(real, [("w", TorchSharp.torch.ones(2, 2))]);
        string[] args = command switch
        {
            "inspect" => ["inspect", path],
            "moments --params" => ["moments", "--params", path],
            "moments --grads" => ["moments", "--params", real, "--grads", path],
            "consolidation --grads" => ["consolidation", "--grads", path],
            "spectral --checkpoints" => ["spectral", "--window", "2", "--checkpoints", real, path, real],
            "report RUN" => ["report", path],
            "grok --resume" => ["grok", "--resume", path],
            "llc RUN" => ["llc", path],
            "verdict SWEEP" => ["verdict", path],
            "runs DIR" => ["runs", path],
            "ablate RUN" => ["ablate", path, "--at", "10"],
            "run.db" => ["report", RunWithStore(w.Root, path)],
            _ => throw new ArgumentException(command),
        };
        var (code, stdout, stderr) = RunOrFail(w.Root, 120, args);
        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains(command == "run.db" ? "run.db" : path, stderr);
        Assert.Matches("FIFO|character device", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>A run directory whose run.db is <paramref name="store"/> (a link to a FIFO or a device).</summary>
    static string RunWithStore(string root, string store)
    {
        var dir = Path.Combine(root, "odd-run");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "run.db"), Path.GetFullPath(store));
        return dir;
    }
}
