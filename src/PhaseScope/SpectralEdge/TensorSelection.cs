using System.Text.RegularExpressions;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// Which parameter tensors a spectral-edge window watches, by name: all (null pattern), a regular expression, or
/// the preset <c>attention</c> — the attention projections W_Q, W_K, W_V, W_O that the seed 001 authors' code
/// restricts the trajectory to (docs/MATH.md "Seed 001's gap position k*"), i.e. names ending in <c>q_proj.weight</c>, <c>k_proj.weight</c>,
/// <c>v_proj.weight</c> or <c>o_proj.weight</c> (also <c>.bias</c>-free <c>query/key/value</c> spellings of other codebases),
/// and the packed projection <c>in_proj_weight</c> of <c>nn.MultiheadAttention</c> (W_Q, W_K, W_V stacked as [3E, E]: its
/// flattened rows are the three projections' rows, so the trajectory is the same as with them apart; probes that need
/// them one by one split it with <see cref="PhaseScope.Monitoring.AttentionProjections"/>).
/// </summary>
public sealed class TensorSelection
{
    /// <summary>The attention-projection preset's pattern.</summary>
    public const string AttentionPattern = @"(^|\.)((((q|k|v|o)_proj|query|key|value|out_proj)\.weight)|in_proj_weight)$";

    readonly Regex? regex;

    /// <summary>Parses a selection: null or "all", "attention", or a .NET regular expression matched anywhere in the name.</summary>
    public TensorSelection(string? pattern)
    {
        Pattern = pattern is null or "all" ? null : pattern == "attention" ? AttentionPattern : pattern;
        if (Pattern is not null)
        {
            try { regex = new Regex(Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException e) { throw new ArgumentException($"The tensor pattern '{pattern}' is not a valid regular expression: {e.Message}", nameof(pattern), e); }
        }
        Description = pattern ?? "all";
    }

    /// <summary>The expression in effect (null: every tensor).</summary>
    public string? Pattern { get; }
    /// <summary>What the user asked for.</summary>
    public string Description { get; }

    /// <summary>Whether the tensor named <paramref name="name"/> is watched.</summary>
    public bool Matches(string name) => regex?.IsMatch(name) ?? true;

    /// <summary>Indices of the matching names, in order; a clear error when none match.</summary>
    public int[] Select(IReadOnlyList<string> names)
    {
        var picked = Enumerable.Range(0, names.Count).Where(i => Matches(names[i])).ToArray();
        if (picked.Length == 0)
            throw new ArgumentException($"No tensor matches '{Description}'. Names available: {string.Join(", ", names.Take(12))}{(names.Count > 12 ? ", …" : "")}.");
        return picked;
    }
}
