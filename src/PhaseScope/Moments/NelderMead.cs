namespace PhaseScope.Moments;

/// <summary>Nelder–Mead simplex minimisation (standard coefficients 1, 2, ½, ½) for small, smooth least-squares fits.</summary>
internal static class NelderMead
{
    /// <summary>Minimises <paramref name="f"/> from <paramref name="start"/> with initial steps <paramref name="step"/>.</summary>
    public static (double[] X, double Value) Minimize(Func<double[], double> f, double[] start, double[] step, int maxIterations = 4000, double tolerance = 1e-14)
    {
        int d = start.Length;
        var points = new double[d + 1][];
        var values = new double[d + 1];
        points[0] = (double[])start.Clone();
        values[0] = Safe(f(points[0]));
        for (int i = 0; i < d; i++)
        {
            points[i + 1] = (double[])start.Clone();
            points[i + 1][i] += step[i];
            values[i + 1] = Safe(f(points[i + 1]));
        }
        for (int it = 0; it < maxIterations; it++)
        {
            var order = Enumerable.Range(0, d + 1).OrderBy(i => values[i]).ToArray();
            points = order.Select(i => points[i]).ToArray();
            values = order.Select(i => values[i]).ToArray();
            if (Math.Abs(values[d] - values[0]) <= tolerance * (Math.Abs(values[0]) + tolerance)) break;
            var centroid = new double[d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) centroid[j] += points[i][j] / d;
            double[] Along(double t) => centroid.Select((c, j) => c + t * (points[d][j] - c)).ToArray();
            var reflected = Along(-1);
            double fr = Safe(f(reflected));
            if (fr < values[0])
            {
                var expanded = Along(-2);
                double fe = Safe(f(expanded));
                (points[d], values[d]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[d - 1]) (points[d], values[d]) = (reflected, fr);
            else
            {
                var contracted = fr < values[d] ? Along(-0.5) : Along(0.5);
                double fc = Safe(f(contracted));
                if (fc < Math.Min(fr, values[d])) (points[d], values[d]) = (contracted, fc);
                else
                    for (int i = 1; i <= d; i++)
                    {
                        points[i] = points[i].Select((x, j) => points[0][j] + 0.5 * (x - points[0][j])).ToArray();
                        values[i] = Safe(f(points[i]));
                    }
            }
        }
        int best = Array.IndexOf(values, values.Min());
        return (points[best], values[best]);
    }

    static double Safe(double v) => double.IsFinite(v) ? v : double.MaxValue;
}
