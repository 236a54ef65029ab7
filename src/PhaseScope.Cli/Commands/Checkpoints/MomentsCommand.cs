using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Moments;
using PhaseScope.SpectralEdge;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Checkpoints;

/// <summary>
/// <c>phasescope moments --params P [--grads G] [--tensors REGEX] [--orders 0:64:33] [--json]</c>:
/// seed 000's observables of a checkpoint written anywhere (safetensors or a PyTorch .pt/.pth state dict,
/// <see cref="CheckpointFile"/>), over the selected floating-point tensors together (integer tensors and, by default,
/// normalisation buffers are left out with a note on stderr) (global values merged from per-tensor partials). Parameters alone give β, R*, m, log M(k),
/// the residual Δ(k) and its bi-exponential fit; with gradients (tensors matched by name, same shapes) also
/// β_g, R*_g, m_g, log G(l), the coupling surface C(k, l), m∩, d₀, Q̂_α, the phase, the bounds of Thm 4.3 and 4.8,
/// the limits of Thm 4.6, Thm 4.9's identity and appendix C's gradient regularity. The science is
/// <see cref="MomentsAnalysis"/>; this command checks the files and formats.
/// </summary>
public static class MomentsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var parameters = new Option<string>("--params") { Description = "A checkpoint of parameters θ: .safetensors or a PyTorch .pt/.pth state dict.", Required = true };
        var grads = new Option<string?>("--grads") { Description = "A checkpoint (.safetensors, .pt, .pth) of gradients g with the same tensor names and shapes." };
        var tensors = new Option<string?>("--tensors") { Description = "Regular expression on tensor names ('all' = every floating-point tensor, the default)." };
        var orders = new Option<string>("--orders") { Description = "Order grid START:STOP:COUNT (COUNT evenly spaced orders, both ends included) for k and l.", DefaultValueFactory = _ => "0:64:33" };
        orders.Validators.Add(v => { if (v.Tokens.Count > 0 && !OrderGrid.TryParse("--orders", v.Tokens[^1].Value, out _, out var e)) v.AddError(e); });
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var planeWidth = new NumericOption<double>("--plane-width", "Cell width (natural-log units) of the spectral plane (λ, μ) in the output (with --grads).", 0.5, NumberRange<double>.Above(0));
        var sample = new NumericOption<int>("--sample", "Points of the rank–rank sample (with --grads; 0 = none).", 1000, NumberRange<int>.AtLeast(0).CappedAt(10_000_000, "the points of the rank–rank sample written to the output"));
        var seed = new NumericOption<ulong>("--seed", "Seed of the rank–rank sample (same seed, same points).", 0, NumberRange<ulong>.Any);
        var cmd = new Command("moments", "Seed 000's moments, coupling surface, bounds and phase of a checkpoint (parameters, optionally gradients).")
        {
            parameters, grads, tensors, orders, json, planeWidth, sample, seed,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : Run(r.GetValue(parameters)!, r.GetValue(grads), r.GetValue(tensors), r.GetValue(orders)!, r.GetValue(json),
            new PlaneSettings(r.GetValue(planeWidth), r.GetValue(sample), r.GetValue(seed))));
        return cmd;
    }

    /// <summary>Parses START:STOP:COUNT into COUNT evenly spaced orders.</summary>
    public static double[] ParseOrders(string spec) =>
        OrderGrid.TryParse("--orders", spec, out var orders, out var error) ? orders : throw new UsageException(error);

    /// <summary>The order grid: k ≥ 0 (seed 000, eq. 1), at most 1000 orders (each is a pass over every parameter).</summary>
    public static readonly NumberGrid OrderGrid = new(NumberRange<double>.AtLeast(0), 1000, "the orders computed, one pass over every parameter each");

    /// <summary>Throws a usage error naming the bad option of the plane and the rank–rank sample.</summary>
    static void Validate(PlaneSettings plane)
    {
        if (!(plane.DisplayWidth >= SpectralPlanePartial.DefaultBinWidth) || !double.IsFinite(plane.DisplayWidth))
            throw new UsageException($"--plane-width {plane.DisplayWidth}: must be finite and at least {SpectralPlanePartial.DefaultBinWidth} (the histogram's resolution).");
        if (plane.SampleSize < 0 || plane.SampleSize > 1_000_000) throw new UsageException($"--sample {plane.SampleSize}: must be between 0 and 1,000,000.");
    }

    static int Run(string paramsPath, string? gradsPath, string? pattern, string orderSpec, bool json, PlaneSettings plane)
    {
        var orders = ParseOrders(orderSpec);
        Validate(plane);
        InputPath.File(paramsPath, "--params", "pass a .safetensors file of parameters");
        if (gradsPath is not null) InputPath.File(gradsPath, "--grads", "pass a .safetensors file of gradients");
        TensorSelection selection;
        try { selection = new TensorSelection(pattern); }
        catch (ArgumentException e) { throw new UsageException($"--tensors: {e.Message}"); }

        // Every header is checked before a tensor is read.
        var notes = new List<string>();
        var header = CheckpointInput.Index(paramsPath, "--params");
        var floating = CheckpointInput.ParameterEntries(header, pattern, notes);
        int[] picked;
        try { picked = selection.Select(floating.Select(e => e.Name).ToArray()); }
        catch (ArgumentException e) { throw new UsageException($"--tensors in {paramsPath}: {e.Message}"); }
        var chosen = picked.Select(i => floating[i]).ToArray();
        if (chosen.Sum(e => e.Elements) < 1) throw new UsageException($"The selected tensors of {paramsPath} hold no elements.");
        if (gradsPath is not null)
        {
            var g = CheckpointInput.Index(gradsPath, "--grads");
            foreach (var e in chosen)
            {
                var other = g.Find(e.Name)
                    ?? throw new UsageException($"--grads {gradsPath} has no tensor '{e.Name}' (in --params); gradients are matched to parameters by name.");
                if (!other.Shape.SequenceEqual(e.Shape))
                    throw new UsageException($"Tensor '{e.Name}' has shape [{string.Join(", ", e.Shape)}] in --params but [{string.Join(", ", other.Shape)}] in --grads.");
                if (!other.IsFloatingPoint)
                    throw new UsageException($"Tensor '{e.Name}' in --grads has dtype {other.DType}; gradients must be floating point.");
            }
        }
        foreach (var n in notes) Console.Error.WriteLine($"phasescope: {n}");

        Runtime.TorchRuntime.Initialize();
        var names = chosen.Select(e => e.Name).ToList();
        var thetaAll = CheckpointInput.Guard(() => CheckpointFile.Load(paramsPath, names));
        Dictionary<string, Tensor>? gradAll = null;
        try
        {
            gradAll = gradsPath is null ? null : CheckpointInput.Guard(() => CheckpointFile.Load(gradsPath, names));
            var result = Format(chosen.Select(e => (e.Name, thetaAll[e.Name], gradAll?[e.Name])).ToList(), orders, plane);
            if (json) Console.WriteLine(CliJson.Serialize(result));
            else Print(result, paramsPath);
            return ExitCodes.Ok;
        }
        catch (NonFiniteValuesException e)
        {
            throw new UsageException($"{e.Message} (files: {paramsPath}{(gradsPath is null ? "" : $", {gradsPath}")})");
        }
        finally
        {
            foreach (var t in thetaAll.Values) t.Dispose();
            if (gradAll is not null) foreach (var t in gradAll.Values) t.Dispose();
        }
    }

    static string Key(double order) => order.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>The JSON object of the command: <see cref="MomentsAnalysis"/> of the tensors, formatted.</summary>
    static Dictionary<string, object?> Format(IReadOnlyList<(string Name, Tensor Theta, Tensor? Grad)> tensors, double[] orders, PlaneSettings plane)
    {
        var a = MomentsAnalysis.Of(tensors, orders, plane);
        var x = a.Extremal;
        var d = new Dictionary<string, object?>
        {
            ["n"] = x.Count, ["tensors"] = tensors.Select(t => t.Name).ToList(), ["orders"] = orders,
            ["beta"] = x.Beta, ["r_star"] = x.RStar, ["m"] = x.Multiplicity, ["theta_gap"] = SummaryTable.Finite(x.ThetaGap),
        };
        // Degenerate inputs: undefined quantities are written as null and the reason is said.
        d["degenerate"] = a.Degeneracies.Count == 0 ? null : string.Join(" ", a.Degeneracies);
        if (x.ThetaAllZero) { d["r_star"] = null; d["m"] = null; }
        if (a.Coupling is { } c) AddCoupling(d, x, c, orders, plane.Seed);
        d["log_m"] = ByOrder(orders, a.LogM);
        d["residual"] = ByOrder(orders, a.Residual);
        d["effective_multiplicity"] = ByOrder(orders, a.EffectiveMultiplicity);
        var fit = a.Fit;
        d["biexp_fitted"] = fit.Fitted;
        d["biexp_reason"] = fit.Reason;
        d["biexp"] = new Dictionary<string, double?>
        {
            ["a1"] = SummaryTable.Finite(fit.A1), ["lambda1"] = SummaryTable.Finite(fit.Lambda1), ["a2"] = SummaryTable.Finite(fit.A2),
            ["lambda2"] = SummaryTable.Finite(fit.Lambda2), ["rms_log_error"] = SummaryTable.Finite(fit.RmsLogError),
            ["single_rms_log_error"] = SummaryTable.Finite(fit.SingleRmsLogError), ["rms_delta_error"] = SummaryTable.Finite(fit.RmsDeltaError),
        };
        return d;
    }

    static Dictionary<string, double?> ByOrder(double[] orders, double[] values) =>
        orders.Select((k, i) => (Key(k), values[i])).ToDictionary(p => p.Item1, p => (double?)SummaryTable.Finite(p.Item2));

    /// <summary>The gradient half: coupling surface, phase, bounds, limits, regularity, plane and sample.</summary>
    static void AddCoupling(Dictionary<string, object?> d, ExtremalStatistics x, CouplingAnalysis c, double[] orders, ulong seed)
    {
        var reading = c.Reading;
        var regularity = c.Regularity;
        d["beta_g"] = x.BetaGrad;
        d["r_star_g"] = x.RStarGrad;
        d["m_g"] = x.GradMultiplicity;
        d["m_cap"] = x.Intersection;
        d["topological_constant"] = SummaryTable.Finite(x.TopologicalConstant);
        d["d0"] = x.D0;
        d["q_alpha"] = SummaryTable.Finite(reading.QAlpha);
        d["q_alpha_order"] = reading.Orders[^1];
        d["q_alpha_by_order"] = reading.Orders.Select((k, i) => new { k, q = SummaryTable.Finite(reading.QHat[i]) }).ToList();
        d["phase"] = reading.Phase.Label();
        d["d0_crossover"] = reading.D0Crossover;
        d["log_g"] = ByOrder(orders, c.Surface.LogG);
        d["coupling"] = orders.SelectMany((k, i) => orders.Select((l, j) => new Dictionary<string, double?> { ["k"] = k, ["l"] = l, ["c"] = SummaryTable.Finite(c.Surface.Coupling(i, j)) })).ToList();
        d["upper_bound_holds"] = c.UpperBoundHolds;
        d["upper_bound_excess"] = SummaryTable.Finite(c.UpperBoundExcess);
        d["lower_bound_eq41_holds"] = c.LowerBoundHolds(x);
        d["thm46_limit_in_l"] = orders.Select((k, i) => new { k, c = SummaryTable.Finite(c.LimitInL[i]) }).ToList();
        d["thm46_limit_in_k"] = orders.Select((l, j) => new { l, c = SummaryTable.Finite(c.LimitInK[j]) }).ToList();
        d["thm49_max_identity_error"] = SummaryTable.Finite(c.Thm49Error);
        d["grad_gap_ratio"] = SummaryTable.Finite(regularity.GapRatio);
        d["g1_holds"] = regularity.GapHolds;
        d["grad_zero_fraction"] = regularity.ZeroFraction;
        d["grad_mean_log_decay"] = SummaryTable.Finite(regularity.MeanLogDecay);
        d["g2_holds"] = regularity.LogIntegrable;
        d["g_ratio_monotone_violation"] = c.MonotoneViolation;
        if (x.GradAllZero) { d["r_star_g"] = null; d["m_g"] = null; }
        if (x.Degenerate) { d["m_cap"] = null; d["d0"] = null; d["topological_constant"] = null; d["lower_bound_eq41_holds"] = null; }
        var plane = c.Plane;
        d["spearman"] = SummaryTable.Finite(plane.Spearman);
        d["spectral_plane"] = new Dictionary<string, object?>
        {
            ["display_width"] = plane.DisplayWidth, ["resolution"] = plane.Resolution, ["zero_theta"] = plane.ZeroTheta,
            ["zero_grad"] = plane.ZeroGrad, ["origin_mass"] = SummaryTable.Finite(plane.OriginMass),
            ["cells"] = plane.Cells.Select(cell => new { lambda = cell.Lambda, mu = cell.Mu, count = cell.Count }).ToList(),
        };
        if (c.Sample is { } sample)
            d["rank_sample"] = new Dictionary<string, object?>
            {
                ["seed"] = seed, ["size"] = sample.Points.Length,
                ["points"] = sample.Points.Select(p => new { theta = p.Theta, g = p.Grad, rank_theta = p.ThetaRank, rank_g = p.GradRank }).ToList(),
            };
        d["surface_exact_elements"] = c.SurfaceDiagnostics.ExactElements;
        d["surface_max_relative_bound"] = c.SurfaceDiagnostics.MaxRelativeBound;
        d["surface_fallback_points"] = c.SurfaceDiagnostics.FallbackPoints;
    }

    static void Print(Dictionary<string, object?> r, string path)
    {
        var skip = new[] { "spectral_plane", "rank_sample", "tensors", "orders", "log_m", "log_g", "coupling", "residual", "effective_multiplicity", "biexp", "q_alpha_by_order", "thm46_limit_in_l", "thm46_limit_in_k" };
        AnsiConsole.Write(SummaryTable.Of($"[bold]moments of {TerminalText.Markup(Path.GetFileName(path))}[/]", r, "G6", skip));
        var fit = (Dictionary<string, double?>)r["biexp"]!;
        AnsiConsole.MarkupLine(TerminalText.Markup($"bi-exponential residual fit (eq. 9): {((bool)r["biexp_fitted"]! ? $"A1 = {fit["a1"]:G4}, λ1 = {fit["lambda1"]:G4}, A2 = {fit["a2"]:G4}, λ2 = {fit["lambda2"]:G4}, RMS log error {fit["rms_log_error"]:G3}" : $"no fit: {r["biexp_reason"]}")}"));
        AnsiConsole.MarkupLine("[grey]--json prints log M(k), log G(l), the residual, the full coupling surface and the limits.[/]");
    }
}
