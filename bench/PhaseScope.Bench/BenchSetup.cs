using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>What every bench suite shares: the reference model with a fixed seed, and the median of rounds.</summary>
static class BenchSetup
{
    /// <summary>The reference transformer for <paramref name="task"/>, initialised from seed 42 (same weights every call).</summary>
    public static PreNormTransformer ReferenceModel(TaskData task)
    {
        manual_seed(42);
        return new PreNormTransformer(TransformerConfig.For(task));
    }

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
