using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PhaseScope.Tests.Reporting;

/// <summary>
/// Opens the report of a short real run in headless Chromium (Debian's <c>chromium</c>, installed with apt-get
/// when missing) and checks what a person would see: no console errors, every chart drawn with data, the event
/// table filled.
/// </summary>
public class ReportBrowserTests
{
    static string Chromium()
    {
        string? Find() => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        if (Find() is { } found) return found;
        // The project installs what it needs: Debian's chromium (root, as on CI and the developers' machines).
        var (code, output) = Shell("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", 900);
        return Find() ?? throw new InvalidOperationException($"chromium is not installed and 'apt-get install chromium' failed (exit {code}): {output[^Math.Min(output.Length, 2000)..]}");
    }

    static (int Code, string Output) Shell(string command, int timeoutSeconds)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); return (-1, "timed out"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void ReportOfARealRunRendersEveryChartWithoutErrors()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--p", "13", "--steps", "60", "--batch-size", "32", "--d-model", "32",
            "--eval-every", "10", "--moments-snapshots", "--spectral", "--spectral-stride", "5", "--spectral-tensors", "all",
            "--consolidation", "micro", "--consolidation-every", "5", "--curvature", "--curvature-every", "20", "--lanczos-iterations", "4",
            "--weight-spectra", "--adaptive-lr", "--lr-bands", "inf:0.5", "--out", dir.Path, "--name", "browser");   // the controller logs lr_changed: events for the table
        Assert.True(code == 0, stderr);
        var report = Path.Combine(dir.Path, "browser", "report.html");
        Assert.True(File.Exists(report), "grok wrote no report.html");

        var chromium = Chromium();
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", "--dump-dom", new Uri(report).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var browser = Process.Start(psi)!;
        var domTask = browser.StandardOutput.ReadToEndAsync();
        var logTask = browser.StandardError.ReadToEndAsync();
        Assert.True(browser.WaitForExit(180_000), "chromium did not finish within 3 minutes");
        string dom = domTask.Result, log = logTask.Result;

        var console = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
        Assert.True(console.Count == 0, "console output: " + string.Join("\n", console));
        // Every chart placeholder became a Plotly plot with an SVG holding at least one trace.
        var charts = Regex.Matches(dom, "<div class=\"chart[^\"]*\" id=\"figure-(\\d+)\"").Count;
        var plots = Regex.Matches(dom, "class=\"chart js-plotly-plot\"").Count;
        Assert.True(charts >= 15, $"only {charts} charts in the page");
        Assert.Equal(charts, plots);
        Assert.True(Regex.Matches(dom, "<g class=\"trace ").Count >= charts, "a chart has no drawn trace");
        foreach (var section in new[] { "training", "consolidation", "spectral", "moments", "weights", "events", "overhead" })
        {
            var body = Regex.Match(dom, $"<section id=\"{section}\"[\\s\\S]*?</section>").Value;
            Assert.False(string.IsNullOrEmpty(body), $"section {section} missing");
            var missing = Regex.Match(body, "<p class=\"missing\">(.*?)</p>");
            Assert.False(missing.Success, $"section {section}: {missing.Groups[1].Value}");
        }
        var events = Regex.Match(dom, "<table class=\"events\">[\\s\\S]*?</table>").Value;
        Assert.True(Regex.Matches(events, "<tr>").Count >= 2, "the event table is empty");
    }
}
