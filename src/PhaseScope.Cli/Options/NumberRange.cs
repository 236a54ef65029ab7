using System.Globalization;
using System.Numerics;

namespace PhaseScope.Cli.Options;

/// <summary>
/// The values one numeric option accepts: a lower and an upper bound, each inclusive or exclusive, finite numbers only;
/// where the value sizes memory or work, <see cref="Cap"/> says what the upper bound stands for (it is shown in the error).
/// </summary>
/// <typeparam name="T">int, long or double.</typeparam>
/// <param name="Min">Lower bound (<c>T.MinValue</c>: none).</param>
/// <param name="Max">Upper bound (<c>T.MaxValue</c>: none).</param>
/// <param name="MinExclusive">The lower bound itself is refused.</param>
/// <param name="MaxExclusive">The upper bound itself is refused.</param>
/// <param name="Cap">The memory or work the upper bound caps, in words (null: none).</param>
public sealed record NumberRange<T>(T Min, T Max, bool MinExclusive = false, bool MaxExclusive = false, string? Cap = null)
    where T : struct, INumber<T>, IMinMaxValue<T>
{
    /// <summary>At least <paramref name="min"/>.</summary>
    public static NumberRange<T> AtLeast(T min) => new(min, T.MaxValue);

    /// <summary>Above <paramref name="min"/> (exclusive).</summary>
    public static NumberRange<T> Above(T min) => new(min, T.MaxValue, MinExclusive: true);

    /// <summary><paramref name="min"/> … <paramref name="max"/>, both included.</summary>
    public static NumberRange<T> Between(T min, T max) => new(min, max);

    /// <summary>Any finite value of the type.</summary>
    public static NumberRange<T> Any => new(T.MinValue, T.MaxValue);

    /// <summary>This range with an upper bound that caps memory or work: <paramref name="what"/> says what it implies.</summary>
    public NumberRange<T> CappedAt(T max, string what) => this with { Max = max, MaxExclusive = false, Cap = what };

    /// <summary>Whether <paramref name="value"/> is finite and inside the bounds.</summary>
    public bool Contains(T value) => T.IsFinite(value)
        && (MinExclusive ? value > Min : value >= Min) && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>True for int and long: whole numbers, written with digits only.</summary>
    public static bool Integral => typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(ulong);

    /// <summary>The accepted values in words: "an integer ≥ 1", "a number in (0, 1)", with the cap's reason.</summary>
    public string Describe() => Bounds() + CapText();

    /// <summary>What the upper bound caps, as a clause to append ("" when it caps nothing).</summary>
    public string CapText() => Cap is null ? "" : $"; the upper bound caps {Cap}";

    /// <summary>The bounds in words, without the cap's reason.</summary>
    public string Bounds()
    {
        bool hasMin = Min != T.MinValue, hasMax = Max != T.MaxValue;
        string kind = Integral ? "an integer" : "a finite number";
        string text = (hasMin, hasMax) switch
        {
            (true, true) when Integral => $"{kind} in {Show(Min)} … {Show(Max)}",
            (true, true) => $"a number in {(MinExclusive ? '(' : '[')}{Show(Min)}, {Show(Max)}{(MaxExclusive ? ')' : ']')}",
            (true, false) => $"{kind} {(MinExclusive ? ">" : "≥")} {Show(Min)}",
            (false, true) => $"{kind} {(MaxExclusive ? "<" : "≤")} {Show(Max)}",
            _ => Integral ? $"{kind} in {Show(T.MinValue)} … {Show(T.MaxValue)}" : kind,
        };
        return text;
    }

    /// <summary>A bound as the user would write it (invariant, shortest round-trip form).</summary>
    public static string Show(T value) => value.ToString(Integral ? "D" : "R", CultureInfo.InvariantCulture).Replace("E+", "e", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
}
