using PhaseScope.IO;

namespace PhaseScope.Runtime;

/// <summary>What <see cref="NativeShim.EnsureLoadable()"/> found and did.</summary>
/// <param name="ShimPath">The <c>libLibTorchSharp.so</c> TorchSharp will load (null off Linux).</param>
/// <param name="LibStdCxxPath">The system libstdc++ it was checked against.</param>
/// <param name="Action">"none needed", "patched" or "already patched".</param>
/// <param name="MissingVersions">libstdc++ versions the shim asks for that the system lacks.</param>
public sealed record NativeShimReport(string? ShimPath, string? LibStdCxxPath, string Action, IReadOnlyList<string> MissingVersions);

/// <summary>
/// Makes TorchSharp's native shim load on distributions whose libstdc++ predates GCC 13
/// (docs/TORCHSHARP.md §1). The shim of TorchSharp 0.107.0 needs <c>GLIBCXX_3.4.32</c> for a single
/// symbol, <c>std::ios_base_library_init()</c>, which GCC 13's <c>&lt;iostream&gt;</c> references
/// only to pin the library version and which nothing calls. Marking that one version need weak
/// (<c>vna_flags |= VER_FLG_WEAK</c>) lets the loader accept the library.
/// <para>
/// The patch is made on the copy in the application's build output (never the NuGet cache,
/// never the system), written to a temporary file and renamed over the copy, so a concurrent
/// process sees either the old or the new file. Where the system's libstdc++ already defines every
/// needed version, nothing is touched. Where other versions are missing, or other symbols depend
/// on the missing version, patching would be unsound and a clear error is thrown instead.
/// </para>
/// </summary>
public static class NativeShim
{
    const string ShimFile = "libLibTorchSharp.so";
    const string LibStdCxxSoname = "libstdc++.so.6";
    const string PatchableVersion = "GLIBCXX_3.4.32";

    /// <summary>Symbols that may be bound to <see cref="PatchableVersion"/> for the patch to be sound.</summary>
    static readonly HashSet<string> UnusedPinSymbols = ["_ZSt21ios_base_library_initv"];

    /// <summary>Checks (and if needed patches) the shim TorchSharp will load. Idempotent.</summary>
    public static NativeShimReport EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux()) return new NativeShimReport(null, null, "none needed", []);
        var shim = Locate() ?? throw new PhaseScopeRuntimeException(NativeBackend.Missing([])!);
        var libstdcxx = LibStdCxx.ResolvedPath() ?? throw new PhaseScopeRuntimeException(
            $"{LibStdCxxSoname} could not be loaded. Install the system C++ runtime (Debian/Ubuntu: apt-get install libstdc++6).");
        return EnsureLoadable(shim, libstdcxx);
    }

    /// <summary>The check and patch for an explicit shim and libstdc++ (exposed for tests).</summary>
    public static NativeShimReport EnsureLoadable(string shimPath, string libStdCxxPath)
    {
        ElfSymbolVersions shim, std;
        try
        {
            shim = ElfSymbolVersions.Read(shimPath);
            std = ElfSymbolVersions.Read(libStdCxxPath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new PhaseScopeRuntimeException($"Cannot inspect the native libraries: {e.Message}", e);
        }

        var provided = std.Definitions.ToHashSet(StringComparer.Ordinal);
        var missing = shim.Needs.Where(n => n.File == LibStdCxxSoname && !provided.Contains(n.Version)).ToList();
        var missingNames = missing.Select(n => n.Version).ToList();
        var strong = missing.Where(n => !n.IsWeak).ToList();
        if (missing.Count == 0) return new NativeShimReport(shimPath, libStdCxxPath, "none needed", []);
        if (strong.Count == 0) return new NativeShimReport(shimPath, libStdCxxPath, "already patched", missingNames);

        var fixableProblem = WhyNotPatchable(shim, strong);
        if (fixableProblem is not null)
            throw new PhaseScopeRuntimeException(
                $"{shimPath} needs libstdc++ versions {string.Join(", ", strong.Select(n => n.Version))} that " +
                $"{libStdCxxPath} does not provide, and {fixableProblem}, so it cannot be patched safely. " +
                "Use a libstdc++ from GCC 13 or newer (e.g. Debian 13 / Ubuntu 24.04), or a TorchSharp build linked against an older one.");

        Patch(shimPath, strong);
        return new NativeShimReport(shimPath, libStdCxxPath, "patched", missingNames);
    }

    static string? WhyNotPatchable(ElfSymbolVersions shim, List<ElfSymbolVersions.VersionNeed> strong)
    {
        if (strong.Count != 1 || strong[0].Version != PatchableVersion)
            return $"only {PatchableVersion} is known to be unused";
        var bound = shim.Symbols.Where(s => s.VersionIndex == strong[0].Index).Select(s => s.Name).ToList();
        var used = bound.Where(n => !UnusedPinSymbols.Contains(n)).ToList();
        return used.Count == 0 ? null : $"symbols {string.Join(", ", used)} are bound to it";
    }

    static void Patch(string shimPath, List<ElfSymbolVersions.VersionNeed> needs)
    {
        try
        {
            var bytes = File.ReadAllBytes(shimPath);
            foreach (var n in needs)
            {
                ushort flags = (ushort)(n.Flags | ElfSymbolVersions.VerFlagWeak);
                bytes[n.FlagsFileOffset] = (byte)flags;
                bytes[n.FlagsFileOffset + 1] = (byte)(flags >> 8);
            }
            AtomicFile.Write(shimPath, fs => fs.Write(bytes), OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(shimPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PhaseScopeRuntimeException(
                $"{shimPath} must be patched to load on this system (its libstdc++ lacks {PatchableVersion}) " +
                $"but its folder cannot be written: {e.Message}. Run once from a writable build output, or rebuild the application.", e);
        }
    }

    static string? Locate() =>
        NativeBackend.SearchDirectories().Select(d => Path.Combine(d, ShimFile)).FirstOrDefault(File.Exists);
}
