using System.Text.Json.Nodes;
using PhaseScope.Runtime;

namespace PhaseScope.Tests.Examples;

/// <summary>
/// An application that references TorchSharp but no native backend (TorchSharp-cpu forgotten) gets a managed message
/// naming the package to add, from <see cref="TorchRuntime.Initialize"/>, before anything native is loaded — not
/// TorchSharp's load failure deep inside its first call.
/// </summary>
public class MissingBackendTests
{
    [Fact]
    public void AFolderWithoutTheShimNamesThePackage()
    {
        using var dir = new TempDirectory();
        var message = NativeBackend.Missing([dir.Path]);
        Assert.NotNull(message);
        Assert.Contains(NativeBackend.ShimFile, message);
        Assert.Contains("dotnet add package TorchSharp-cpu", message);
    }

    [Fact]
    public void AShimWithoutLibTorchNamesThePackage()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File(NativeBackend.ShimFile), []);
        var message = NativeBackend.Missing([dir.Path]);
        Assert.NotNull(message);
        Assert.Contains("no native backend", message);
        Assert.Contains("dotnet add package TorchSharp-cpu", message);
    }

    [Fact]
    public void AShimAndLibTorchAreEnough()
    {
        using var shim = new TempDirectory();
        using var lib = new TempDirectory();
        File.WriteAllBytes(shim.File(NativeBackend.ShimFile), []);
        File.WriteAllBytes(lib.File(NativeBackend.LibTorchFiles[0]), []);
        Assert.Null(NativeBackend.Missing([shim.Path, lib.Path]));   // in any of the searched folders
    }

    /// <summary>The Mlp example as it would be built without TorchSharp-cpu: its files, less libtorch's, and its
    /// dependency manifest less the libtorch and TorchSharp-cpu packages.</summary>
    [Fact]
    public void AnExampleBuiltWithoutTorchSharpCpuSaysWhatToAdd()
    {
        using var app = new TempDirectory();
        var built = ExampleRunner.OutputOf("Mlp");
        static bool FromBackendPackage(string relative) =>
            relative.StartsWith("runtimes", StringComparison.Ordinal) && relative.Contains("native", StringComparison.Ordinal)
            && !Path.GetFileName(relative).Contains("TorchSharp", StringComparison.Ordinal) && !Path.GetFileName(relative).Contains("sqlite", StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(built, file);
            if (relative.EndsWith(".deps.json", StringComparison.Ordinal) || FromBackendPackage(relative)) continue;
            var target = Path.Combine(app.Path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);   // a copy, not a link: the runtime would resolve a link to the folder that has libtorch
        }
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(built, "Mlp.deps.json")))!.AsObject();
        static bool Backend(string key) => key.StartsWith("libtorch-cpu", StringComparison.OrdinalIgnoreCase) || key.StartsWith("TorchSharp-cpu/", StringComparison.OrdinalIgnoreCase);
        foreach (var (_, target) in deps["targets"]!.AsObject())
        {
            var packages = target!.AsObject();
            foreach (var key in packages.Select(p => p.Key).Where(Backend).ToList()) packages.Remove(key);
            foreach (var (_, package) in packages)
                if (package?["dependencies"] is JsonObject dependencies)
                    foreach (var name in dependencies.Select(d => d.Key).Where(n => Backend(n + "/")).ToList()) dependencies.Remove(name);
        }
        var libraries = deps["libraries"]!.AsObject();
        foreach (var key in libraries.Select(p => p.Key).Where(Backend).ToList()) libraries.Remove(key);
        File.WriteAllText(Path.Combine(app.Path, "Mlp.deps.json"), deps.ToJsonString());
        Assert.False(File.Exists(Path.Combine(app.Path, "runtimes", "linux-x64", "native", NativeBackend.LibTorchFiles[0])));

        using var work = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.RunDll(work.Path, Path.Combine(app.Path, "Mlp.dll"), "5");
        Assert.NotEqual(0, code);
        Assert.Contains("PhaseScopeRuntimeException", stderr);
        Assert.Contains("no native backend. Add one: dotnet add package TorchSharp-cpu", stderr);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "runs")), "nothing is written before the check");
        Assert.Equal("", stdout);
    }
}
