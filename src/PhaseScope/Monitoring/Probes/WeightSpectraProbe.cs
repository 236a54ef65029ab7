using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Weight-matrix spectra on evaluation steps (seed 001, Test 7 reads its grokking tables off these): for each watched
/// 2-D tensor, <c>weights/NAME/ratio12</c> (σ₁/σ₂), <c>stable_rank</c>, <c>alpha</c> and <c>alpha_tail</c> (power-law fit of
/// the σ² density, <see cref="PowerLawFit"/>) and <c>sigma_1</c>. For each attention block holding both
/// <c>q_proj.weight</c> and <c>k_proj.weight</c>, the attention operator M = W_Qᵀ W_K (the bilinear form of the scores,
/// q·k = xᵀ W_Qᵀ W_K y, summed over heads) as <c>attn_op/BLOCK/sigma_1..4</c>, <c>ratio12</c> and <c>ratio23</c>:
/// the seed's modular-arithmetic table uses "eigenvalues of the attention operator"; M is not symmetric, so its
/// singular values are used (named as such). <c>nn.MultiheadAttention</c>'s packed <c>in_proj_weight</c> counts as its
/// three projections (<see cref="AttentionProjections"/>): <c>BLOCK.q_proj.weight</c>, <c>k_proj</c>, <c>v_proj</c>.
/// </summary>
public sealed class WeightSpectraProbe : IProbe
{
    /// <summary>Creates the probe watching the 2-D tensors matched by <paramref name="tensors"/> (null: all 2-D tensors).</summary>
    public WeightSpectraProbe(string? tensors = null, ProbeSchedule? schedule = null)
    {
        Selection = new TensorSelection(tensors);
        Schedule = schedule ?? ProbeSchedule.OnEvaluation;
    }

    /// <summary>Watched tensors.</summary>
    public TensorSelection Selection { get; }
    /// <inheritdoc />
    public string Name => "weight_spectra";
    /// <inheritdoc />
    /// <remarks>The weights only, after the step (at an evaluation step these are the weights evaluated), so a loop that
    /// evaluates on its own (split MNIST) gets the spectra too.</remarks>
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        var byName = new Dictionary<string, Tensor>();
        foreach (var p in AttentionProjections.Split(context.Parameters))
        {
            if (p.Value.dim() != 2) continue;
            byName[p.Name] = p.Value;
            if (!Selection.Matches(p.Name)) continue;
            if (!p.Value.isfinite().all().item<bool>())
            {
                output.Event("non_finite_weights", $"{p.Name} holds NaN/±Inf; its spectrum is skipped");
                continue;
            }
            var s = WeightSpectrum.Of(p.Value);
            output.Metric($"weights/{p.Name}/sigma_1", s.Sigma[0]);
            output.MetricIfFinite($"weights/{p.Name}/ratio12", s.Ratio12);
            output.MetricIfFinite($"weights/{p.Name}/stable_rank", s.StableRank);
            if (double.IsFinite(s.PowerLaw.Alpha))
            {
                output.Metric($"weights/{p.Name}/alpha", s.PowerLaw.Alpha);
                output.Metric($"weights/{p.Name}/alpha_tail", s.PowerLaw.TailCount);
            }
        }
        foreach (var (name, wq) in byName)
        {
            if (!name.EndsWith("q_proj.weight", StringComparison.Ordinal)) continue;
            var block = name[..^"q_proj.weight".Length].TrimEnd('.');
            if (!byName.TryGetValue(block + (block.Length > 0 ? "." : "") + "k_proj.weight", out var wk) || wk.shape[1] != wq.shape[1] || wk.shape[0] != wq.shape[0]) continue;
            if (!wq.isfinite().all().item<bool>() || !wk.isfinite().all().item<bool>()) continue;
            var op = wq.detach().to_type(ScalarType.Float64).t().matmul(wk.detach().to_type(ScalarType.Float64));
            var sigma = linalg.svdvals(op).data<double>().ToArray();
            for (int j = 0; j < Math.Min(4, sigma.Length); j++) output.Metric($"attn_op/{block}/sigma_{j + 1}", sigma[j]);
            if (sigma.Length >= 2 && sigma[1] > 0) output.Metric($"attn_op/{block}/ratio12", sigma[0] / sigma[1]);
            if (sigma.Length >= 3 && sigma[2] > 0) output.Metric($"attn_op/{block}/ratio23", sigma[1] / sigma[2]);
        }
    }
}
