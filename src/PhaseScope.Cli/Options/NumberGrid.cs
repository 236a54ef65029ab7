using System.Globalization;

namespace PhaseScope.Cli.Options;

/// <summary>
/// A grid <c>START:STOP:COUNT</c> of COUNT evenly spaced real numbers, both ends included: START and STOP read by
/// <see cref="NumberText"/> against <see cref="Ends"/> with START ≤ STOP, COUNT an integer in 1 … <see cref="MaxCount"/>
/// (each point is work: <see cref="CountCap"/>); one point needs START = STOP, and a grid whose points would coincide in
/// floating point (STOP − START too small for COUNT) is refused rather than repeated.
/// </summary>
/// <param name="Ends">The range of START and STOP.</param>
/// <param name="MaxCount">The most points.</param>
/// <param name="CountCap">What the point count sizes, in words.</param>
public sealed record NumberGrid(NumberRange<double> Ends, int MaxCount, string CountCap)
{
    /// <summary>The accepted grids in words.</summary>
    public string Describe() => $"START:STOP:COUNT with START ≤ STOP each {Ends.Describe()} and COUNT an integer in 1 … {MaxCount} ({CountCap}), e.g. 0:64:33";

    /// <summary>Parses <paramref name="text"/> into its points; false with the one-line message.</summary>
    public bool TryParse(string name, string text, out double[] points, out string error)
    {
        points = [];
        error = "";
        var parts = text.Split(':');
        string why = "";
        if (parts.Length != 3) why = "; it needs three parts";
        else if (!NumberText.TryParse(name, parts[0], Ends, out var start, out _)) why = $"; START {NumberText.Show(parts[0])} is not";
        else if (!NumberText.TryParse(name, parts[1], Ends, out var stop, out _)) why = $"; STOP {NumberText.Show(parts[1])} is not";
        else if (!NumberText.TryParse(name, parts[2], NumberRange<int>.Between(1, MaxCount), out var count, out _)) why = $"; COUNT {NumberText.Show(parts[2])} is not";
        else if (start > stop) why = "; START is above STOP";
        else if (count == 1 && start != stop) why = "; one point needs START = STOP";
        else
        {
            double[] grid = count == 1 ? [start] : Enumerable.Range(0, count).Select(i => start + (stop - start) * ((double)i / (count - 1))).ToArray();
            if (grid.Distinct().Count() != grid.Length) why = string.Create(CultureInfo.InvariantCulture, $"; {count} points between {start:R} and {stop:R} would repeat");
            else { points = grid; return true; }
        }
        error = NumberText.Message(name, text, Describe() + why);
        return false;
    }
}
