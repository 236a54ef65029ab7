using PhaseScope.Runtime;

namespace PhaseScope.Tests.Runtime;

public class NativeShimTests
{
    const string PinVersion = "GLIBCXX_3.4.32";

    static string OutputShim => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static string LibStdCxx => Environment.GetEnvironmentVariable("PHASESCOPE_TEST_LIBSTDCXX")
        ?? new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }.First(File.Exists);

    /// <summary>A copy of the shim with the pin need made strong again, i.e. as TorchSharp ships it.</summary>
    static string ShippedCopy(TempDirectory dir)
    {
        var shim = ElfSymbolVersions.Read(OutputShim);
        var bytes = File.ReadAllBytes(OutputShim);
        foreach (var n in shim.Needs.Where(n => n.Version == PinVersion))
            bytes[n.FlagsFileOffset] &= unchecked((byte)~ElfSymbolVersions.VerFlagWeak);
        var path = dir.File("libLibTorchSharp.so");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ShippedShimNeedsThePinVersionFromLibstdcxxForOneUnusedSymbolOnly()
    {
        var shim = ElfSymbolVersions.Read(OutputShim);
        var need = Assert.Single(shim.Needs, n => n.Version == PinVersion);
        Assert.Equal("libstdc++.so.6", need.File);
        var bound = shim.Symbols.Where(s => s.VersionIndex == need.Index).Select(s => s.Name).ToList();
        Assert.Equal(["_ZSt21ios_base_library_initv"], bound);
    }

    [Fact]
    public void PatchMarksOnlyThePinNeedWeakAndIsIdempotent()
    {
        var std = ElfSymbolVersions.Read(LibStdCxx);
        if (std.Definitions.Contains(PinVersion))
        {
            // A libstdc++ from GCC ≥ 13: the shim must be left as shipped.
            using var d = new TempDirectory();
            var copy = ShippedCopy(d);
            var before = File.ReadAllBytes(copy);
            Assert.Equal("none needed", NativeShim.EnsureLoadable(copy, LibStdCxx).Action);
            Assert.Equal(before, File.ReadAllBytes(copy));
            return;
        }
        using var dir = new TempDirectory();
        var path = ShippedCopy(dir);
        var original = File.ReadAllBytes(path);

        var report = NativeShim.EnsureLoadable(path, LibStdCxx);
        Assert.Equal("patched", report.Action);
        Assert.Equal([PinVersion], report.MissingVersions);

        var patched = File.ReadAllBytes(path);
        var need = ElfSymbolVersions.Read(path).Needs.Single(n => n.Version == PinVersion);
        Assert.True(need.IsWeak);
        // Exactly one byte differs: the low byte of vna_flags, by VER_FLG_WEAK.
        var diffs = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)need.FlagsFileOffset], diffs);
        Assert.Equal(ElfSymbolVersions.VerFlagWeak, patched[diffs[0]] ^ original[diffs[0]]);

        Assert.Equal("already patched", NativeShim.EnsureLoadable(path, LibStdCxx).Action);
        Assert.Equal(patched, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void AnUnfixableLibraryGivesAClearErrorAndIsNotTouched()
    {
        using var dir = new TempDirectory();
        var path = ShippedCopy(dir);
        var before = File.ReadAllBytes(path);
        // libc defines no GLIBCXX_* versions at all: every libstdc++ need is missing.
        var libc = new[] { "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6" }.First(File.Exists);
        var e = Assert.Throws<PhaseScopeRuntimeException>(() => NativeShim.EnsureLoadable(path, libc));
        Assert.Contains("GLIBCXX_3.4", e.Message);
        Assert.Contains("GCC 13", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void ANonElfFileIsReportedByName()
    {
        using var dir = new TempDirectory();
        var bogus = dir.File("libLibTorchSharp.so");
        File.WriteAllText(bogus, "not an ELF file at all, but long enough to pass the first size check of the reader....");
        var e = Assert.Throws<PhaseScopeRuntimeException>(() => NativeShim.EnsureLoadable(bogus, LibStdCxx));
        Assert.Contains("not an ELF file", e.Message);
    }
}
