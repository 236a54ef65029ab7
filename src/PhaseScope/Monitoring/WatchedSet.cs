using TorchSharp;

namespace PhaseScope.Monitoring;

/// <summary>The parameters a monitor watches, and how to tell that a module's set changed (a parameter registered later, one
/// frozen mid-run, or another tensor under a name).</summary>
internal static class WatchedSet
{
    /// <summary>The module's parameters that require gradients, with their names.</summary>
    public static List<NamedParameter> Trainable(torch.nn.Module module) =>
        module.named_parameters().Where(p => p.parameter.requires_grad).Select(p => new NamedParameter(p.name, p.parameter)).ToList();

    /// <summary>The <c>parameters_changed</c> message when <paramref name="now"/> differs from <paramref name="before"/>
    /// (names added, removed or replaced by another tensor), else null.</summary>
    public static string? Change(IReadOnlyList<NamedParameter> before, IReadOnlyList<NamedParameter> now)
    {
        bool same = now.Count == before.Count && now.Zip(before, (a, b) => a.Name == b.Name && ReferenceEquals(a.Value, b.Value)).All(x => x);
        if (same) return null;
        var had = before.Select(p => p.Name).ToHashSet();
        var has = now.Select(p => p.Name).ToHashSet();
        var added = has.Except(had).ToList();
        var removed = had.Except(has).ToList();
        var replaced = now.Where(p => had.Contains(p.Name) && before.First(q => q.Name == p.Name) is var q
            && !ReferenceEquals(p.Value, q.Value)).Select(p => p.Name).ToList();
        string List(string label, List<string> names) => names.Count == 0 ? "" : $" {label}: {string.Join(", ", names.Take(8))}{(names.Count > 8 ? $" (+{names.Count - 8})" : "")}.";
        return $"The watched parameters changed ({before.Count} → {now.Count} tensors).{List("added", added)}{List("removed", removed)}{List("replaced", replaced)} Probes follow the new set; update and window statistics restart.";
    }
}
