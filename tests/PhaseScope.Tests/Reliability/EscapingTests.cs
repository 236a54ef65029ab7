using System.Text;
using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Text;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Names and texts that reach a reader — run and file names, tensor and metric names, event kinds, sources and messages —
/// can hold an ANSI escape, a newline, a bidirectional override, a table separator or markup. Each medium shows them as
/// text: the bytes of every output hold none of them raw, and the escaped form is the one derived by hand from each
/// medium's rule.
/// </summary>
public class EscapingTests
{
    const string Hostile = "a\u001b[31mb\nc\u202ed|e<script>alert(1)</script>";

    [Fact]
    public void EachMediumEscapesAsDerivedByHand()
    {
        // ESC (U+001B) → \x1b, LF → \n, RLO (U+202E) → \u202e; everything else kept
        Assert.Equal(@"a\x1b[31mb\nc\u202ed|e<script>alert(1)</script>", VisibleText.Of(Hostile));
        Assert.Equal(@"\x7f\x85\u2066\u200f\t", VisibleText.Of("\u007f\u0085\u2066\u200f\t"));
        // Markdown: then \ | ` * [ ] # backslash-escaped (the \ of \x1b too), < > & as entities, intraword _ kept
        Assert.Equal(@"a\\x1b\[31mb\\nc\\u202ed\|e&lt;script&gt;alert(1)&lt;/script&gt;", MarkdownText.Of(Hostile));
        Assert.Equal(@"gap_opened \_lead \*x\* \`y\` \#1 a&amp;b", MarkdownText.Of("gap_opened _lead *x* `y` #1 a&b"));
        Assert.Equal("``a`b``", MarkdownText.Code("a`b"));
        Assert.Equal("``` `` ```", MarkdownText.Code("``"));
        // HTML: then HtmlEncode
        Assert.Equal(@"a\x1b[31mb\nc\u202ed|e&lt;script&gt;alert(1)&lt;/script&gt;", HtmlText.Of(Hostile));
        Assert.Equal("x\n\\u202ey", HtmlText.Block("x\n\u202ey"));
        // CSV: then the formula guard (' before = + - @) and RFC 4180 quotes around a comma or quote
        Assert.Equal(@"a\x1b[31mb\nc\u202ed|e<script>alert(1)</script>", CsvText.Of(Hostile));
        Assert.Equal("\"'=SUM(A1,\\x1b)\"", CsvText.Of("=SUM(A1,\u001b)"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvText.Of("say \"hi\""));
    }

    static void AssertNoRaw(byte[] bytes, string what, bool markup = true)
    {
        var text = Encoding.UTF8.GetString(bytes);
        foreach (char c in new[] { '\u001b', '\u202e' })
            if (text.IndexOf(c) is int i and >= 0)
                Assert.Fail($"{what} holds a raw U+{(int)c:X4}: …{VisibleText.Of(text.Substring(Math.Max(0, i - 80), Math.Min(160, text.Length - Math.Max(0, i - 80))))}…");
        if (markup) Assert.False(text.Contains("<script>alert", StringComparison.Ordinal), $"{what} holds the name's raw <script>");
    }

    [Fact]
    public void NoOutputCarriesAHostileNameRaw()
    {
        using var tmp = new TempDirectory();
        var sweep = Path.Combine(tmp.Path, "sweep");
        var runName = "r\u001b[31m\u202e|x";   // a directory name Linux accepts
        var dir = Path.Combine(sweep, runName);
        using (var store = RunStore.Create(dir, runName, "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(10, "loss", 1.0), new MetricRecord(20, "loss", 0.5), new MetricRecord(10, Hostile, 2.0)]);
            store.Write(new MonitorEvent(10, "kind\u001b[2J", "src\u202e", Hostile));
            store.Complete("completed", JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["task"] = "modular", ["op"] = "add|<b>\u001b", ["seed"] = 7, ["weight_decay"] = 1.0, ["grok_step"] = null, ["steps"] = 20, ["grokked"] = false,
            }));
        }

        // terminal: the runs table and verdict's indicator lines
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "runs", sweep);
        Assert.True(code == 0, stderr);
        AssertNoRaw(Encoding.UTF8.GetBytes(stdout), "runs");
        Assert.Contains(@"r\x1b[31m\u202e|x", stdout);

        // CSV: one line per record, no raw controls
        (code, _, stderr) = CliRunner.Run(tmp.Path, "export", dir, "--csv", "--out", Path.Combine(tmp.Path, "csv"));
        Assert.True(code == 0, stderr);
        var events = File.ReadAllBytes(Path.Combine(tmp.Path, "csv", "events.csv"));
        AssertNoRaw(events, "events.csv", markup: false);
        var lines = Encoding.UTF8.GetString(events).TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);   // header + one event: the message's newline did not split the record
        Assert.StartsWith(@"r\x1b[31m\u202e|x,,10,kind\x1b[2J,src\u202e,a\x1b[31mb\nc\u202ed|e<script>alert(1)</script>,", lines[1]);   // run, fingerprint (none), step, …
        AssertNoRaw(File.ReadAllBytes(Path.Combine(tmp.Path, "csv", "metrics.csv")), "metrics.csv", markup: false);

        // HTML
        var html = Path.Combine(tmp.Path, "r.html");
        (code, _, stderr) = CliRunner.Run(tmp.Path, "report", dir, "--out", html);
        Assert.True(code == 0, stderr);
        // the page embeds plotly.js, whose source holds ESC bytes of its own (terminal colours): look for ours
        var page = File.ReadAllText(html);
        foreach (var raw in new[] { "a\u001b[31mb", "kind\u001b[2J", "r\u001b[31m", "\u202e", "<script>alert" })   // a line break stays one only in the <pre> that shows a cut message whole
            Assert.False(page.Contains(raw, StringComparison.Ordinal), $"report.html holds {VisibleText.Of(raw)} raw");
        // the message is cut at its newline in the table (EventText.OneLine) and shown whole, line break kept, behind the fold
        Assert.Contains(@"<summary>a\x1b[31mb …</summary><pre>a\x1b[31mb" + "\n" + @"c\u202ed|e&lt;script&gt;alert(1)&lt;/script&gt;</pre>", page);

        // Markdown (VERDICT.md) and the terminal lines of verdict
        var vdir = Path.Combine(tmp.Path, "v");
        (code, stdout, stderr) = CliRunner.Run(tmp.Path, "verdict", sweep, "--out", vdir);
        Assert.True(code == 0, stderr + stdout);
        AssertNoRaw(Encoding.UTF8.GetBytes(stdout), "verdict stdout");
        var md = File.ReadAllBytes(Path.Combine(vdir, "VERDICT.md"));
        AssertNoRaw(md, "VERDICT.md");
        var mdText = Encoding.UTF8.GetString(md);
        Assert.DoesNotContain("<b>", mdText, StringComparison.Ordinal);
        Assert.Contains(@"| add\|&lt;b&gt;\\x1b |", mdText);   // the op cell: | escaped, < > as entities, ESC visible with its \ escaped
        Assert.Contains(@"r\\x1b\[31m\\u202e\|x", mdText);   // the run name
    }
}
