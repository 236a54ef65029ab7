using System.Globalization;

namespace PhaseScope.Cli.Commands.Sweep;

/// <summary>
/// <c>sweep --shard I/N</c>: the slice of a sweep's grid one process runs, so that N processes on N machines (a Slurm job
/// array, a Kubernetes indexed Job) run the whole grid into one shared sweep directory. Cell c of the grid, in the order
/// of <see cref="SweepCommand.SweepPlan.Cells"/> (operations, then weight decays, then seeds, as the options list them),
/// belongs to shard c mod N. I is 0-based, 0 ≤ I &lt; N, as Slurm's <c>SLURM_ARRAY_TASK_ID</c> under
/// <c>--array=0-(N-1)</c> and Kubernetes' <c>JOB_COMPLETION_INDEX</c> count (docs/CLUSTER.md).
/// </summary>
/// <param name="Index">I, the shard's 0-based index.</param>
/// <param name="Count">N, the number of shards.</param>
public sealed record SweepShard(int Index, int Count)
{
    /// <summary>The whole grid in one process.</summary>
    public static readonly SweepShard All = new(0, 1);

    /// <summary>Whether grid cell <paramref name="cell"/> (0-based) is this shard's.</summary>
    public bool Contains(int cell) => cell % Count == Index;

    /// <summary>Reads <c>I/N</c>.</summary>
    /// <exception cref="UsageException">Not two integers with 0 ≤ I &lt; N.</exception>
    public static SweepShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            throw new UsageException($"--shard {text}: must be I/N, two whole numbers, e.g. --shard 0/4 for the first of four shards (got '{text}').");
        if (count < 1) throw new UsageException($"--shard {text}: N must be at least 1 (got {count}).");
        if (index >= count)
            throw new UsageException($"--shard {text}: I is 0-based and must be below N = {count} (got {index}); with sbatch --array=1-{count} pass --shard $((SLURM_ARRAY_TASK_ID - 1))/{count}.");
        return new SweepShard(index, count);
    }

    /// <summary>As the progress lines print it: <c>shard 1/3</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"shard {Index}/{Count}");
}
