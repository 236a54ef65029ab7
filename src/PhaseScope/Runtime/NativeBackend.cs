using System.Runtime.InteropServices;

namespace PhaseScope.Runtime;

/// <summary>
/// Whether the application ships a native TorchSharp backend, checked before anything native is loaded. TorchSharp's
/// managed package carries only the shim (<c>libLibTorchSharp</c>); libtorch itself comes from a backend package the
/// application references: <c>TorchSharp-cpu</c> (libtorch_cpu) or, where a user has CUDA, <c>TorchSharp-cuda-linux</c> /
/// <c>TorchSharp-cuda-windows</c> (libtorch_cuda). Without one, TorchSharp's first call fails deep in native loading;
/// this check turns that into a message that names the package to add.
/// </summary>
public static class NativeBackend
{
    /// <summary>The command that adds the CPU backend to a project.</summary>
    public const string AddCpuPackage = "dotnet add package TorchSharp-cpu";

    /// <summary>libtorch's CPU and CUDA libraries under this platform's file names.</summary>
    public static IReadOnlyList<string> LibTorchFiles { get; } =
        OperatingSystem.IsWindows() ? ["torch_cpu.dll", "torch_cuda.dll"]
        : OperatingSystem.IsMacOS() ? ["libtorch_cpu.dylib"]
        : ["libtorch_cpu.so", "libtorch_cuda.so"];

    /// <summary>The shim's file name on this platform.</summary>
    public static string ShimFile { get; } =
        OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";

    /// <summary>
    /// Null when <paramref name="directories"/> hold the shim and a libtorch library, else the message of a
    /// <see cref="PhaseScopeRuntimeException"/>: what is missing, where it was looked for, and <see cref="AddCpuPackage"/>.
    /// </summary>
    public static string? Missing(IReadOnlyCollection<string> directories)
    {
        bool Has(string file) => directories.Any(d => File.Exists(Path.Combine(d, file)));
        string where = string.Join(", ", directories);
        if (!Has(ShimFile))
            return $"TorchSharp's native shim {ShimFile} is not in the application's output ({where}). " +
                   $"Reference TorchSharp's native backend from the application project: {AddCpuPackage} (or TorchSharp-cuda-linux with CUDA), then rebuild.";
        if (LibTorchFiles.Any(Has)) return null;
        return $"libtorch ({string.Join(" or ", LibTorchFiles)}) is not in the application's output ({where}): the project references " +
               $"TorchSharp but no native backend. Add one: {AddCpuPackage} (or TorchSharp-cuda-linux with CUDA), then rebuild.";
    }

    /// <summary>
    /// <see cref="Missing"/> of this application's <see cref="SearchDirectories"/>. A libtorch elsewhere on the system
    /// does not count: TorchSharp loads the one of its backend package (a distribution's libtorch, e.g. Debian's
    /// python3-torch 1.13 in /lib, is another version whose symbols the shim does not find).
    /// </summary>
    public static string? MissingHere() => Missing(SearchDirectories());

    /// <summary>Where the .NET host and TorchSharp look for native libraries, in their order: the host's native search
    /// directories, then TorchSharp's and the application's folders and their <c>runtimes/RID/native</c>.</summary>
    public static IReadOnlyList<string> SearchDirectories()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        foreach (var baseDir in new[] { torchDir, AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            dirs.Add(baseDir);
            dirs.Add(Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
            dirs.Add(Path.Combine(baseDir, "runtimes", PortableRid(), "native"));
        }
        return dirs.Select(d => d.TrimEnd(Path.DirectorySeparatorChar)).Distinct().ToList();
    }

    static string PortableRid()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture switch { Architecture.Arm64 => "arm64", Architecture.X86 => "x86", _ => "x64" };
        return $"{os}-{arch}";
    }
}
