namespace PhaseScope.Cli.Commands.Sweep;

/// <summary>
/// A sweep's progress, shared by the children that run at once: each cell's result, the lines the terminal shows (one
/// per started, skipped and finished run), and the grid's estimated time left — the mean minutes of the runs executed so
/// far times the cells left, over the runs at a time.
/// </summary>
sealed class SweepProgress(int cells, int mine, int jobs, SweepShard shard)
{
    readonly object gate = new();
    int done, executed;
    double executedMinutes;

    /// <summary>Cells of the whole grid.</summary>
    public int Cells => cells;

    /// <summary>Each cell's run name, status and one-line result (null: not reached).</summary>
    public (string Name, string Status, string Detail)?[] Results { get; } = new (string, string, string)?[cells];

    /// <summary>Prints one line, whole among the children's.</summary>
    public void Say(string line)
    {
        lock (gate) Console.WriteLine(line);
    }

    /// <summary>A cell not run: finished before (<paramref name="counts"/>: it counts as done) or written by another process.</summary>
    public void Skipped(int index, string name, string status, string detail, string said, bool counts)
    {
        Results[index] = (name, status, detail);
        lock (gate)
        {
            if (counts) done++;
            Console.WriteLine($"[{index + 1}/{cells}] {name}: {said}");
        }
    }

    /// <summary>A child ended after <paramref name="elapsed"/>: its result, and the grid's progress.</summary>
    public void Finished(int index, string name, string status, string detail, TimeSpan elapsed)
    {
        Results[index] = (name, status, detail);
        lock (gate)
        {
            done++;
            executed++;
            executedMinutes += elapsed.TotalMinutes;
            double left = executedMinutes / executed * (mine - done) / jobs;
            Console.WriteLine($"[{index + 1}/{cells}] {name}: {status} in {elapsed.TotalMinutes:F1} min — {TerminalText.Plain(detail)}");
            Console.WriteLine($"  grid: {done}/{mine} done{(shard.Count > 1 ? $" ({shard})" : "")}{(done < mine ? $", about {left:F0} min left" : "")}");
        }
    }
}
