using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Tests.Examples;

namespace PhaseScope.Tests.Docs;

/// <summary>
/// docs/GLOSSARY.md names every metric and event kind a built-in family declares (<see cref="MetricFamilies.BuiltIn"/>),
/// each in backticks as it is stored, so a reader who meets a name in a run, an export or TensorBoard finds it there.
/// <c>docs/scripts/glossary-metrics.py</c> regenerates the tables from the descriptors.
/// </summary>
public class GlossaryTests
{
    static string Glossary() => File.ReadAllText(Path.Combine(ExampleRunner.Repository, "docs", "GLOSSARY.md"));

    /// <summary>The declared names that <paramref name="glossary"/> does not hold as <c>`name`</c>.</summary>
    static List<string> Missing(string glossary, IEnumerable<IMetricFamily> families) =>
        families.SelectMany(f => f.Metrics.Select(m => m.Name).Concat(f.Events.Select(e => e.Kind)))
            .Distinct().Where(name => !glossary.Contains($"`{name}`", StringComparison.Ordinal)).ToList();

    [Fact]
    public void EveryDeclaredMetricAndEventIsInTheGlossary()
    {
        var missing = Missing(Glossary(), MetricFamilies.BuiltIn);
        Assert.True(missing.Count == 0,
            $"docs/GLOSSARY.md lacks {string.Join(", ", missing)}: run python3 docs/scripts/glossary-metrics.py");
    }

    [Fact]
    public void ANameThatIsNotInBackticksIsMissing()
    {
        var without = Glossary().Replace("`consolidation/p`", "consolidation/p", StringComparison.Ordinal);
        Assert.Equal(["consolidation/p"], Missing(without, MetricFamilies.BuiltIn));
    }

    [Fact]
    public void TheSeedsAreNamedByNumberAndTitle()
    {
        var glossary = Glossary();
        foreach (var (seed, title) in new[]
                 {
                     ("000", "The Self-Consistent Theory of Neural Network Moments"),
                     ("001", "The Spectral Edge Thesis"),
                     ("003", "Neural Phase Transitions"),
                 })
            Assert.Contains($"| {seed} | *{title}", glossary, StringComparison.Ordinal);
    }
}
