using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using System.Text;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Cli.Commands.Evaluation;

/// <summary>
/// <c>phasescope edge-tests RUN... [--markdown FILE] [--json]</c>: seed 001's language-model Tests 1–6 (Test 3 with the curvature probe's Ritz values) on
/// runs recorded with the spectral probe (<see cref="SpectralEdgeChecks"/>), one row per run and a mean row per optimizer
/// (the run's <c>optimizer</c> config, AdamW when absent), so AdamW and Muon on the same model and seeds sit side by side
/// (seed 001 §44: k* = 1 under Muon, 2 under AdamW).
/// </summary>
public static class EdgeTestsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run directories recorded with --spectral.", Arity = ArgumentArity.OneOrMore };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the tables as Markdown to this file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("edge-tests", "Seed 001's Tests 1–6 (BBP, k*, Krylov bound, gap–loss correlation, stability tiers, gap damping) on spectral runs.") { runs, markdown, json };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : Run(r.GetValue(runs)!, r.GetValue(markdown), r.GetValue(json)));
        return cmd;
    }

    static int Run(string[] dirs, string? markdownFile, bool json)
    {
        if (markdownFile is not null && !markdownFile.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--markdown '{markdownFile}' must name a Markdown file ending in .md (it is written whole, replacing an earlier one).");
        if (markdownFile is not null) OutputGuard.File(markdownFile, "--markdown", ownRuns: OutputGuard.OwnRun(dirs), example: "edge-tests.md");
        var rows = new List<(string Run, string Optimizer, string Seed, double ValLoss, SpectralEdgeChecks.Result R)>();
        foreach (var dir in dirs)
        {
            if (!RunReader.IsRun(dir)) throw new UsageException($"{dir} is not a run directory (no run.db); give directories written by 'phasescope grok'.");
            using var reader = RunReader.Open(dir);
            var names = reader.MetricNames().ToHashSet(StringComparer.Ordinal);
            if (!names.Contains(SpectralEdgeMetrics.KStar)) throw new UsageException($"{dir} has no spectral series; record it with 'phasescope grok --spectral'.");
            var config = reader.Config();
            var result = SpectralEdgeChecks.Compute(n => names.Contains(n) ? reader.Series(n) : [], KrylovThreshold(config));
            var loss = reader.Series(EvaluationMetrics.TestLoss);
            rows.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), config.GetValueOrDefault("optimizer") ?? "adamw", config.GetValueOrDefault("seed") ?? "?",
                loss.Count > 0 ? loss[^1].Value : double.NaN, result));
        }
        if (json)
        {
            Console.WriteLine(CliJson.Serialize(rows.Select(r => new Dictionary<string, object?>
            {
                ["run"] = r.Run, ["optimizer"] = r.Optimizer, ["seed"] = r.Seed, ["final_val_loss"] = r.ValLoss, ["checks"] = r.R,
            }).ToList()));
        }
        var text = Markdown(rows);
        if (!json) Console.Write(text);
        if (markdownFile is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            try { PhaseScope.IO.AtomicFile.Write(markdownFile, f => f.Write(bytes)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--markdown {markdownFile} cannot be written ({e.Message})."); }
        }
        return ExitCodes.Ok;
    }

    /// <summary>Test 3's τ = 1/(η·W·s) from the run's config: η is the rate of the watched (hidden) weights — Muon's η_M
    /// under Muon, else --lr; null when the config lacks one of them.</summary>
    static double? KrylovThreshold(IReadOnlyDictionary<string, string> config)
    {
        static double? Read(IReadOnlyDictionary<string, string> c, string key) =>
            c.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        var eta = config.GetValueOrDefault("optimizer") == "muon" ? Read(config, "muon_lr") : Read(config, "lr");
        return eta is double e && Read(config, "spectral_window") is double w && Read(config, "spectral_stride") is double st && e * w * st > 0 ? 1 / (e * w * st) : null;
    }

    static string F(double v, string format = "G3") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    static string Markdown(List<(string Run, string Optimizer, string Seed, double ValLoss, SpectralEdgeChecks.Result R)> rows)
    {
        var s = new StringBuilder();
        var groups = rows.GroupBy(r => r.Optimizer).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        void Table(string title, string header, Func<SpectralEdgeChecks.Result, string> cells, Func<IReadOnlyList<SpectralEdgeChecks.Result>, string>? mean = null)
        {
            s.Append("\n**").Append(title).Append("**\n\n| run | optimizer | seed | windows | ").Append(header).Append(" |\n|");
            int columns = 4 + header.Count(c => c == '|') + 1;
            for (int i = 0; i < columns; i++) s.Append("---|");
            s.Append('\n');
            foreach (var g in groups)
            {
                foreach (var r in g) s.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(r.Run)} | {MarkdownText.Of(r.Optimizer)} | {MarkdownText.Of(r.Seed)} | {r.R.Windows} | {cells(r.R)} |\n");
                if (mean is not null && g.Count() > 1) s.Append(CultureInfo.InvariantCulture, $"| **mean** | {MarkdownText.Of(g.Key)} | {g.Count()} runs | {g.Sum(r => r.R.Windows)} | {mean(g.Select(r => r.R).ToList())} |\n");
            }
        }
        static string M(IEnumerable<double> v) { var f = v.Where(double.IsFinite).ToList(); return f.Count == 0 ? "–" : F(f.Average()); }

        Table("Test 1 — BBP threshold (σ_min² ÷ noise bulk edge; > 1: every eigenvalue is signal; the noise model is AdamW's, η√(s/B) per coordinate at --lr, so Muon runs record none: –)", "min | median | max",
            r => $"{F(r.BbpMin)} | {F(r.BbpMedian)} | {F(r.BbpMax)}",
            l => $"{M(l.Select(r => r.BbpMin))} | {M(l.Select(r => r.BbpMedian))} | {M(l.Select(r => r.BbpMax))}");
        Table("Test 2 — k* = argmax σ_j/σ_{j+1}", "k* mode (share) | k*_w mode | ratio median | ratio peak | beats null (p < 0.05) | cross-corr. edge j (r)",
            r => $"{r.KStarMode} ({F(100 * r.KStarModeShare, "F0")} %) | {r.KStarWeightedMode} | {F(r.RatioMedian)} | {F(r.RatioMax)} | {F(100 * r.NullRejectShare, "F0")} % | {r.CrossCorrelationEdge} ({F(r.CrossCorrelationR, "F2")})",
            l => $"{string.Join("/", l.Select(r => r.KStarMode))} ({M(l.Select(r => 100 * r.KStarModeShare))} %) | {string.Join("/", l.Select(r => r.KStarWeightedMode))} | {M(l.Select(r => r.RatioMedian))} | {M(l.Select(r => r.RatioMax))} | {M(l.Select(r => 100 * r.NullRejectShare))} % | {string.Join("/", l.Select(r => r.CrossCorrelationEdge))}");
        if (rows.Any(r => r.R.KrylovCalls > 0))
            Table("Test 3 — Krylov bound k* ≤ #{λ(H) > τ}, τ = 1/(η·W·s) (count of the top 5 Ritz values above τ: a lower bound)", "τ | curvature calls | median count | windows with k* ≤ count",
                r => $"{F(r.KrylovThreshold)} | {r.KrylovCalls} | {F(r.KrylovCountMedian)} | {F(100 * r.KStarWithinKrylov, "F0")} %");
        Table("Test 4 — gap ratio vs validation loss (Pearson r)", "zero lag | best lag | r at best lag",
            r => $"{F(r.ZeroLagR, "F3")} | {r.BestLag} | {F(r.BestLagR, "F3")}",
            l => $"{M(l.Select(r => r.ZeroLagR))} | – | {M(l.Select(r => r.BestLagR))}");
        Table("Test 5 — split-half stability γ̂ by tier (predicted dominant > at gap > subdominant)", "j < k* | j = k* | j > k*",
            r => $"{F(r.StabilityDominant, "F3")} | {F(r.StabilityAtGap, "F3")} | {F(r.StabilitySubdominant, "F3")}",
            l => $"{M(l.Select(r => r.StabilityDominant))} | {M(l.Select(r => r.StabilityAtGap))} | {M(l.Select(r => r.StabilitySubdominant))}");
        Table("Test 6 — gap damping (slope b of Δg on g; damping predicts −1 < b < 0, i.e. a persistence 1 + b in (0, 1); b ≈ −1 means no memory between windows)", "slope b | r | persistence 1 + b",
            r => $"{F(r.GapDampingSlope)} | {F(r.GapDampingR, "F2")} | {F(1 + r.GapDampingSlope, "F2")}",
            l => $"{M(l.Select(r => r.GapDampingSlope))} | {M(l.Select(r => r.GapDampingR))} | {M(l.Select(r => 1 + r.GapDampingSlope))}");
        return s.ToString();
    }
}
