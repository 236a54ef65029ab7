using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Training;

/// <summary>The language-model task (issue 23): Brown-corpus untagging, byte tokens, next-token windows, the split by
/// document, and the CLI on a small corpus in the corpus's own format (no network).</summary>
public class LanguageModelTaskTests
{
    /// <summary>A tagged sample as the corpus files hold it: tab-indented sentences, blank lines between paragraphs.</summary>
    const string Tagged = "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' was/bedz found/vbn ./.\n" +
        "\tIt/pps didn't/dod* (/( really/rb )/) matter/vb ,/, however/rb ./.\n\n\n\tNew/jj-tl York/np-tl 's/$ mayor/nn ?/.\n";

    [Fact]
    public void UntagRestoresPlainTextParagraphByParagraph()
    {
        Assert.Equal("The jury said \"no evidence\" was found. It didn't (really) matter, however.\nNew York 's mayor?\n", BrownCorpus.Untag(Tagged));
    }

    [Fact]
    public void BytesRoundTripIncludingNonAscii()
    {
        const string text = "naïve — ok";
        var tokens = ByteTokenizer.Encode(text);
        Assert.Equal(text.Length + 3, tokens.Length);   // ï is 2 bytes in UTF-8, — is 3
        Assert.All(tokens, t => Assert.InRange(t, 0, ByteTokenizer.VocabularySize - 1));
        Assert.Equal(text, ByteTokenizer.Decode(tokens));
    }

    static IReadOnlyList<(string, string)> Documents(int n, int length) =>
        Enumerable.Range(0, n).Select(i => ($"d{i}", new string((char)('a' + i % 26), length))).ToList();

    /// <summary>Targets are the inputs shifted by one token, windows do not overlap, and every tenth document (here the
    /// one of letter j) is validation only.</summary>
    [Fact]
    public void WindowsPredictTheNextByteAndSplitByDocument()
    {
        using var t = LanguageModelTask.Create(Documents(10, 50), 8, "test");
        // training: 9 documents of 50 bytes joined by "\n\n" = 466 bytes → ⌊465/8⌋ = 58 windows; validation: 50 → 6.
        Assert.Equal(58, t.TrainCount);
        Assert.Equal(6, t.TestCount);
        Assert.True(t.Causal && t.PerPosition);
        var x = t.TrainInputs.data<long>().ToArray();
        var y = t.TrainTargets.data<long>().ToArray();
        for (int w = 0; w + 1 < 58; w++)
        {
            for (int i = 0; i < 7; i++) Assert.Equal(x[w * 8 + i + 1], y[w * 8 + i]);
            Assert.Equal(x[(w + 1) * 8], y[w * 8 + 7]);   // the last target is the next window's first input
        }
        Assert.DoesNotContain((long)'j', x);
        Assert.All(t.TestInputs.data<long>().ToArray(), v => Assert.Equal('j', v));
    }

    [Fact]
    public void RefusesWhatCannotMakeAWindow()
    {
        Assert.Throws<TaskConfigurationException>(() => LanguageModelTask.Create(Documents(10, 50), 1, "test"));
        Assert.Throws<TaskConfigurationException>(() => LanguageModelTask.Create(Documents(5, 50), 8, "test"));
        Assert.Throws<TaskConfigurationException>(() => LanguageModelTask.Create(Documents(10, 3), 8, "test"));   // validation: 3 bytes
        Assert.Throws<TaskConfigurationException>(() => BrownCorpus.Load("/nonexistent/brown"));
    }

    /// <summary>Writes <paramref name="n"/> tagged samples of English-like text, named like the corpus's files.</summary>
    internal static void WriteCorpus(string dir, int n)
    {
        Directory.CreateDirectory(dir);
        string[] words = ["the/at", "cat/nn", "sat/vbd", "on/in", "a/at", "mat/nn", "and/cc", "dog/nn", "ran/vbd", "home/nr"];
        for (int i = 0; i < n; i++)
        {
            var sentences = Enumerable.Range(0, 40).Select(s => "\t" + string.Join(' ', Enumerable.Range(0, 8).Select(k => words[(i + s * 3 + k * 7) % words.Length])) + " ./.");
            File.WriteAllText(Path.Combine(dir, $"c{(char)('a' + i / 100)}{i % 100:D2}"), "\n\n" + string.Join("\n", sentences) + "\n");
        }
    }

    /// <summary><c>grok --task lm --corpus DIR</c> trains a small GPT whose validation loss falls well below the uniform
    /// model's ln 256 = 5.545 nats per byte (the text is highly regular), with the spectral probe on.</summary>
    [Fact]
    public void GrokTaskLmTrainsOnACorpusFolder()
    {
        using var dir = new TempDirectory();
        var corpus = Path.Combine(dir.Path, "corpus");
        WriteCorpus(corpus, 20);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "grok", "--task", "lm", "--corpus", corpus, "--context", "32", "--layers", "1",
            "--d-model", "32", "--d-ff", "64", "--heads", "2", "--steps", "60", "--eval-every", "20", "--lr", "3e-3", "--cheap-only",
            "--spectral", "--spectral-window", "4", "--spectral-stride", "5", "--threads", "1", "--no-report", "--json", "--out", dir.Path, "--name", "lm");
        Assert.True(code == 0, stderr);
        using var summary = System.Text.Json.JsonDocument.Parse(stdout);
        double loss = summary.RootElement.GetProperty("final_test_loss").GetDouble();
        Assert.True(loss < 0.6 * Math.Log(256), $"validation loss {loss} nats/byte");
        Assert.Equal("lm", summary.RootElement.GetProperty("task").GetString());

        // seed 001's LM tests on the run: the tables, also as a Markdown file; bad input is exit 2.
        var md = Path.Combine(dir.Path, "edge.md");
        var edge = CliRunner.Run(dir.Path, "edge-tests", Path.Combine(dir.Path, "lm"), "--markdown", md);
        Assert.True(edge.ExitCode == 0, edge.Stderr);
        Assert.Contains("Test 2 — k* = argmax", File.ReadAllText(md), StringComparison.Ordinal);
        Assert.Contains("| lm | adamw | 42 |", edge.Stdout, StringComparison.Ordinal);
        foreach (var bad in new[] { new[] { "edge-tests", corpus }, ["edge-tests", Path.Combine(dir.Path, "lm"), "--markdown", Path.Combine(dir.Path, "lm", "run.db")] })
        {
            var refused = CliRunner.Run(dir.Path, bad);
            Assert.Equal(2, refused.ExitCode);
            Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary><c>--eval-windows</c> changes what an evaluation reads and nothing else: two runs that differ only in it
    /// train identically (the same final training-batch loss, bit for bit) and report different validation losses, and
    /// the run's config records the count.</summary>
    [Fact]
    public void EvalWindowsChangesTheEvaluationOnly()
    {
        using var dir = new TempDirectory();
        var corpus = Path.Combine(dir.Path, "corpus");
        WriteCorpus(corpus, 20);
        string[] common = ["grok", "--task", "lm", "--corpus", corpus, "--context", "32", "--layers", "1", "--d-model", "16", "--d-ff", "32",
            "--heads", "2", "--steps", "6", "--eval-every", "6", "--probe-every", "1", "--cheap-only", "--threads", "1", "--no-report", "--json", "--out", dir.Path];
        var all = CliRunner.Run(dir.Path, [.. common, "--name", "all"]);
        var one = CliRunner.Run(dir.Path, [.. common, "--name", "one", "--eval-windows", "1"]);
        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.True(one.ExitCode == 0, one.Stderr);
        using var a = System.Text.Json.JsonDocument.Parse(all.Stdout);
        using var b = System.Text.Json.JsonDocument.Parse(one.Stdout);
        Assert.NotEqual(a.RootElement.GetProperty("final_test_loss").GetDouble(), b.RootElement.GetProperty("final_test_loss").GetDouble());
        using var ra = PhaseScope.Reporting.Store.RunReader.Open(Path.Combine(dir.Path, "all"));
        using var rb = PhaseScope.Reporting.Store.RunReader.Open(Path.Combine(dir.Path, "one"));
        Assert.Equal(ra.Series("loss")[^1].Value, rb.Series("loss")[^1].Value);
        Assert.Equal("1", rb.Config()["eval_windows"]);
        Assert.False(ra.Config().ContainsKey("eval_windows"));
    }

    /// <summary>The built-in grok forecast (fitted on grokking tasks) is off for a language model even with every family
    /// on, and on for modular arithmetic with the same families.</summary>
    [Fact]
    public void TheBuiltInForecastIsOffForTheLanguageModel()
    {
        var lm = new PhaseScope.Cli.Commands.Grok.GrokSettings
        {
            Task = "lm", Context = 128, Trainer = new PhaseScope.Training.TrainerOptions(), OutDirectory = "runs",
            Moments = true, Spectral = true, Curvature = true, Consolidation = "micro",
        };
        Assert.Null(lm.ForecastModel());
        Assert.NotNull((lm with { Task = "modular", Context = null }).ForecastModel());
    }

    public static TheoryData<string[], string> BadLmArguments => new()
    {
        { ["--task", "lm", "--context", "1"], "--context 1: must be an integer" },
        { ["--task", "lm", "--corpus", "/nonexistent/brown"], "does not exist" },
        { ["--context", "64"], "only apply with --task lm" },
        { ["--task", "lm", "--eval-windows", "0"], "--eval-windows 0: must be an integer" },
        { ["--eval-windows", "8"], "only apply with --task lm" },
        { ["--preset", "lm-51m"], "applies to --task lm" },
    };

    [Theory]
    [MemberData(nameof(BadLmArguments))]
    public void BadLmArgumentsAreExitTwo(string[] bad, string expected)
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "runs");
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["grok", "--steps", "5", "--out", outDir, .. bad]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "a run directory was created");
    }
}
