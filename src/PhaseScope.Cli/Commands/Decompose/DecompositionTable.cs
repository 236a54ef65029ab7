using System.Globalization;
using System.Text;
using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.SpectralEdge;
using PhaseScope.Training.Ablation;

namespace PhaseScope.Cli.Commands.Decompose;

/// <summary>
/// What <c>phasescope decompose</c> shows: per window size W, the mean over timepoints of Spearman's ρ of predicted and
/// actual per-direction change with γ̂ and without (the seed's table, §28: "helps?" when the mean with γ̂ is the larger),
/// over the forward half and the next window; across timepoints Pearson's r (<see cref="LaggedCorrelation.Pearson"/>) of
/// the predicted total Σ_j over the m scored directions against the actual total over the same directions, and of the whole
/// first-order change against the measured change of the test loss; then one row per timepoint and W.
/// </summary>
public sealed class DecompositionTable(string runDir, string operations, long parameters, long stride, double learningRate, IReadOnlyList<TrajectoryDecomposition.Row> rows)
{
    /// <summary>One window size summarised over the timepoints.</summary>
    public sealed record Summary(int Window, long Span, int Timepoints, double RhoWith, double RhoWithout, double RhoWithNext, double RhoWithoutNext,
        double TotalWith, double TotalWithout, double TotalWithNext, double FirstOrderVsLoss, double FirstOrderVsLossNext)
    {
        /// <summary>Whether γ̂ raised the mean ρ over the forward half.</summary>
        public bool Helps => RhoWith > RhoWithout;
    }

    /// <summary>The summaries, by W ascending.</summary>
    public IReadOnlyList<Summary> Summaries() => rows.GroupBy(r => r.Window).OrderBy(g => g.Key).Select(g =>
    {
        var rs = g.OrderBy(r => r.Timepoint).ToList();
        double Mean(Func<DirectionImportance, double> f) { var v = rs.Select(r => f(r.Importance)).Where(double.IsFinite).ToList(); return v.Count > 0 ? v.Average() : double.NaN; }
        double R(Func<TrajectoryDecomposition.Row, double> x, Func<TrajectoryDecomposition.Row, double> y) => LaggedCorrelation.Pearson(rs.Select(x).ToList(), rs.Select(y).ToList());
        return new Summary(g.Key, g.Key * stride, rs.Count, Mean(i => i.RhoWith), Mean(i => i.RhoWithout), Mean(i => i.RhoWithNext), Mean(i => i.RhoWithoutNext),
            R(r => r.Importance.PredictedWith.Sum(), r => r.Importance.ActualHalf.Sum()),
            R(r => r.Importance.PredictedWithout.Sum(), r => r.Importance.ActualHalf.Sum()),
            R(r => r.Importance.PredictedWith.Sum(), r => r.Importance.ActualNext.Sum()),
            R(r => r.FirstOrderHalf, r => r.LossChangeHalf), R(r => r.FirstOrderNext, r => r.LossChangeNext));
    }).ToList();

    static string F(double v, string format = "F2") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture).Replace("-", "−", StringComparison.Ordinal) : "–";

    /// <summary>The Markdown tables.</summary>
    public string Markdown()
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"\n**Test 8 (loss decomposition) — {MarkdownText.Of(Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir)))} ({MarkdownText.Of(operations)}), ")
         .Append(CultureInfo.InvariantCulture, $"{parameters:N0} parameters, s = {stride} steps, η = {learningRate.ToString("G3", CultureInfo.InvariantCulture)}, timepoints {string.Join(", ", rows.Select(r => r.Timepoint).Distinct())}**\n\n")
         .Append("| W | span | timepoints | ρ with γ̂ | ρ without | helps? | ρ with, next window | ρ without, next window | r(Σ predicted with γ̂, Σ actual) | r(Σ predicted without, Σ actual) | r(Σ predicted with, Σ actual next) | r(first order, ΔL_test) half | r(first order, ΔL_test) next |\n")
         .Append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var s in Summaries())
            b.Append(CultureInfo.InvariantCulture, $"| {s.Window} | {s.Span} steps | {s.Timepoints} | {F(s.RhoWith)} | {F(s.RhoWithout)} | {(s.Helps ? "Yes" : "No")} | {F(s.RhoWithNext)} | {F(s.RhoWithoutNext)} | {F(s.TotalWith)} | {F(s.TotalWithout)} | {F(s.TotalWithNext)} | {F(s.FirstOrderVsLoss)} | {F(s.FirstOrderVsLossNext)} |\n");
        b.Append("\n| t | W | m | L_test(t) | ρ with γ̂ | ρ without | mean γ̂ | Σ predicted with γ̂ | Σ actual (half) | first order (half) | ΔL_test (half) | first order (next) | ΔL_test (next) |\n")
         .Append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
        {
            var i = r.Importance;
            double meanGamma = i.Stability.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            b.Append(CultureInfo.InvariantCulture, $"| {r.Timepoint} | {r.Window} | {i.Modes} | {F(r.TestLoss, "G4")} | {F(i.RhoWith)} | {F(i.RhoWithout)} | {F(meanGamma)} | {F(i.PredictedWith.Sum(), "G3")} | {F(i.ActualHalf.Sum(), "G3")} | {F(r.FirstOrderHalf, "G3")} | {F(r.LossChangeHalf, "G3")} | {F(r.FirstOrderNext, "G3")} | {F(r.LossChangeNext, "G3")} |\n");
        }
        return b.ToString();
    }

    /// <summary>The JSON object: settings, summaries and every row with its per-direction values.</summary>
    public Dictionary<string, object?> Json() => new()
    {
        ["run"] = runDir, ["operations"] = operations, ["parameters"] = parameters, ["stride"] = stride, ["learning_rate"] = learningRate,
        ["summary"] = Summaries().Select(s => new Dictionary<string, object?>
        {
            ["window"] = s.Window, ["span"] = s.Span, ["timepoints"] = s.Timepoints, ["rho_with"] = s.RhoWith, ["rho_without"] = s.RhoWithout, ["helps"] = s.Helps,
            ["rho_with_next"] = s.RhoWithNext, ["rho_without_next"] = s.RhoWithoutNext, ["r_total_with"] = s.TotalWith, ["r_total_without"] = s.TotalWithout,
            ["r_total_with_next"] = s.TotalWithNext, ["r_first_order_loss_half"] = s.FirstOrderVsLoss, ["r_first_order_loss_next"] = s.FirstOrderVsLossNext,
        }).ToList(),
        ["rows"] = rows.Select(r => new Dictionary<string, object?>
        {
            ["t"] = r.Timepoint, ["window"] = r.Window, ["test_loss"] = r.TestLoss, ["rho_with"] = r.Importance.RhoWith, ["rho_without"] = r.Importance.RhoWithout,
            ["rho_with_next"] = r.Importance.RhoWithNext, ["rho_without_next"] = r.Importance.RhoWithoutNext,
            ["sigma"] = r.Importance.Sigma, ["gamma"] = r.Importance.Stability, ["train_projection"] = r.Importance.TrainProjection,
            ["test_projection"] = r.Importance.TestProjection, ["predicted_with"] = r.Importance.PredictedWith, ["predicted_without"] = r.Importance.PredictedWithout,
            ["actual_half"] = r.Importance.ActualHalf, ["actual_next"] = r.Importance.ActualNext,
            ["first_order_half"] = r.FirstOrderHalf, ["first_order_next"] = r.FirstOrderNext, ["loss_change_half"] = r.LossChangeHalf, ["loss_change_next"] = r.LossChangeNext,
        }).ToList(),
    };
}
