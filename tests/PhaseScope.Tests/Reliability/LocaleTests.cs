using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// A number means the same in every locale: the built CLI, run as a child process under LANG/LC_ALL = de_DE, fr_FR and
/// tr_TR (decimal comma; tr_TR's dotted and dotless i), trains a tiny grok run with fractional options and writes its
/// exports; the stored settings, the metrics in run.db and the JSON, Markdown and CSV outputs must be byte-identical to
/// the run under the C locale (.NET's invariant culture). Masked, because they are clocks: the metrics' and events'
/// wall_time column, the monitor's timing metrics (monitor/seconds/*, monitor/calls/* are kept: counts), and in grok's
/// JSON summary wall_seconds, steps_per_second, monitor_seconds, monitor_fraction. Under the code before the fix the
/// de_DE run read --lr 0.0001 as 1 and was refused (lr·wd ≥ 1), so this test failed there.
/// </summary>
public class LocaleTests
{
    static readonly string[] Locales = ["de_DE.UTF-8", "fr_FR.UTF-8", "tr_TR.UTF-8"];

    static readonly string[] Grok =
    [
        "grok", "--task", "modular", "--p", "7", "--train-fraction", "0.6", "--steps", "30", "--layers", "1", "--d-model", "8", "--heads", "2",
        "--d-ff", "16", "--batch-size", "8", "--eval-every", "10", "--probe-every", "5", "--seed", "3", "--threads", "1", "--lr", "0.0001",
        "--weight-decay", "0.5", "--beta2", "0.95", "--clip", "0.75", "--lanczos-tolerance", "0.002", "--gap-open", "1.75", "--gap-collapse", "1.25",
        "--curvature-every", "10", "--consolidation-every", "10", "--consolidation-samples", "2", "--spectral-window", "2", "--spectral-stride", "5",
        "--checkpoint-every", "0", "--no-report", "--name", "r", "--out", "runs", "--json",
    ];

    static readonly string[] ClockFields = ["wall_seconds", "steps_per_second", "monitor_seconds", "monitor_fraction"];

    static Dictionary<string, string?> Environment(string? locale) => new()
    {
        ["LANG"] = locale ?? "C", ["LC_ALL"] = locale ?? "C", ["LC_NUMERIC"] = null,
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = null,   // ICU must be in use in the child, or the test proves nothing
    };

    /// <summary>Every output of one locale's run, masked, by name.</summary>
    static Dictionary<string, string> Outputs(string root, string? locale)
    {
        var env = Environment(locale);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var (code, stdout, stderr) = CliRunner.Run(root, env, Grok);
        Assert.True(code == 0, $"{locale ?? "C"}: grok exited {code}: {stderr}");
        var summary = JsonNode.Parse(stdout)!.AsObject();
        foreach (var f in ClockFields) Assert.True(summary.Remove(f), f);
        outputs["grok --json"] = summary.ToJsonString();
        const string run = "runs/r";   // relative, so that paths in the outputs are the same in every root
        outputs["settings.json"] = File.ReadAllText(Path.Combine(root, run, "settings.json"));

        var store = new StringBuilder();
        using (var reader = RunReader.Open(Path.Combine(root, run)))
        {
            foreach (var (k, v) in reader.Config().OrderBy(kv => kv.Key, StringComparer.Ordinal)) store.Append(k).Append('=').Append(v).Append('\n');
            foreach (var (m, _) in reader.Metrics().Where(m => !m.Metric.Name.StartsWith("monitor/seconds/", StringComparison.Ordinal)))
                store.Append(m.Step.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(m.Name).Append(' ')
                    .Append(BitConverter.DoubleToInt64Bits(m.Value).ToString("X16", CultureInfo.InvariantCulture)).Append('\n');
            foreach (var (e, _) in reader.Events()) store.Append(e.Step.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(e.Kind).Append(' ').Append(e.Message).Append('\n');
        }
        outputs["run.db"] = store.ToString();

        (code, _, stderr) = CliRunner.Run(root, env, "export", run, "--csv", "--out", "export");
        Assert.True(code == 0, $"{locale ?? "C"}: export exited {code}: {stderr}");
        foreach (var file in new[] { "metrics.csv", "events.csv" })
            outputs[file] = string.Join('\n', File.ReadAllLines(Path.Combine(root, "export", file))
                .Where(l => !l.Contains("monitor/seconds/", StringComparison.Ordinal))
                .Select(l => l[..l.LastIndexOf(',')]));   // the last column is wall_time

        (code, stdout, stderr) = CliRunner.Run(root, env, "edge-tests", run, "--markdown", "edge.md");
        Assert.True(code == 0, $"{locale ?? "C"}: edge-tests exited {code}: {stderr}");
        outputs["edge-tests --markdown"] = File.ReadAllText(Path.Combine(root, "edge.md"));
        outputs["edge-tests stdout"] = stdout;
        (code, stdout, stderr) = CliRunner.Run(root, env, "edge-tests", run, "--json");
        Assert.True(code == 0, $"{locale ?? "C"}: edge-tests --json exited {code}: {stderr}");
        outputs["edge-tests --json"] = stdout;

        (code, stdout, stderr) = CliRunner.Run(root, env, "grok", "--check", "--lr", "0.0001", "--weight-decay", "0.5", "--monitor-budget", "0.05");
        Assert.True(code == 0, $"{locale ?? "C"}: grok --check exited {code}: {stderr}");
        outputs["grok --check"] = stdout;
        // The decimal comma of the user's own locale is refused everywhere, not read as 1 or as 10001.
        (code, _, stderr) = CliRunner.Run(root, env, "grok", "--check", "--lr", "0,0001");
        Assert.Equal(2, code);
        outputs["grok --lr 0,0001"] = stderr;
        return outputs;
    }

    [Fact]
    public void OutputsAreByteIdenticalUnderEveryLocale()
    {
        // ICU knows these locales in this process (the child gets the same runtime): de-DE writes 0,5, tr-TR uppercases i to İ.
        Assert.Equal(",", CultureInfo.GetCultureInfo("de-DE").NumberFormat.NumberDecimalSeparator);
        Assert.Equal(",", CultureInfo.GetCultureInfo("fr-FR").NumberFormat.NumberDecimalSeparator);
        Assert.Equal("İ", "i".ToUpper(CultureInfo.GetCultureInfo("tr-TR")));

        using var tmp = new TempDirectory();
        var invariantRoot = Path.Combine(tmp.Path, "C");
        Directory.CreateDirectory(invariantRoot);
        var expected = Outputs(invariantRoot, null);
        Assert.Contains("\"LearningRate\":0.0001", expected["grok --check"], StringComparison.Ordinal);
        Assert.Contains("lr=0.0001", expected["run.db"], StringComparison.Ordinal);
        foreach (var locale in Locales)
        {
            var root = Path.Combine(tmp.Path, locale);
            Directory.CreateDirectory(root);
            var actual = Outputs(root, locale);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, text) in expected)
                Assert.True(text == actual[name], $"{locale}: {name} differs from the C locale's:\n--- C\n{Head(text)}\n--- {locale}\n{Head(actual[name])}");
        }
    }

    static string Head(string s) => s.Length > 2000 ? s[..2000] + "…" : s;
}
