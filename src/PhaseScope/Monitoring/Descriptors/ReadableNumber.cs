using System.Globalization;

namespace PhaseScope.Monitoring.Descriptors;

/// <summary>
/// Numbers as a person reads them, the same in every table, annotation and terminal line: three significant digits,
/// invariant culture, trailing zeros dropped; plain decimals from 0.001 up to 10 000 (0.00123, 0.5, 24.1, 1590) and
/// powers of ten with a superscript exponent outside that range (1.1 × 10⁵, 3.2 × 10⁻⁴), never <c>1.09E+5</c>.
/// </summary>
public static class ReadableNumber
{
    /// <summary>Significant digits kept.</summary>
    public const int Digits = 3;

    /// <summary><paramref name="value"/> to <see cref="Digits"/> significant digits (0 as "0", non-finite as "NaN", "∞", "−∞").</summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "∞";
        if (double.IsNegativeInfinity(value)) return "−∞";
        if (value == 0) return "0";
        // "E2" rounds to three significant digits and renormalises (9.996 → 1.00E+001), which Math.Round on a scaled value does not do exactly.
        var e = value.ToString("E" + (Digits - 1), CultureInfo.InvariantCulture);
        int cut = e.IndexOf('E', StringComparison.Ordinal);
        var mantissa = decimal.Parse(e[..cut], NumberStyles.Float, CultureInfo.InvariantCulture);
        int exponent = int.Parse(e[(cut + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (exponent is >= -3 and < 4)
        {
            var plain = mantissa * Pow10(exponent);
            return Trim(plain.ToString("F" + Math.Max(0, Digits - 1 - exponent), CultureInfo.InvariantCulture));
        }
        return $"{Trim(mantissa.ToString("F" + (Digits - 1), CultureInfo.InvariantCulture))} × 10{Superscript(exponent)}";
    }

    /// <summary>A whole number with no grouping (a step, a count); other values as <see cref="Format(double)"/>.</summary>
    public static string Integer(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 1e15 && value == Math.Round(value) ? ((long)value).ToString(CultureInfo.InvariantCulture) : Format(value);

    /// <summary>A share as a percentage with three significant digits (0.1234 → "12.3 %").</summary>
    public static string Percent(double share) => double.IsFinite(share) ? $"{Format(share * 100)} %" : Format(share);

    static decimal Pow10(int exponent)
    {
        decimal p = 1;
        for (int i = 0; i < Math.Abs(exponent); i++) p *= 10;
        return exponent < 0 ? 1 / p : p;
    }

    static string Trim(string s) => s.Contains('.', StringComparison.Ordinal) ? s.TrimEnd('0').TrimEnd('.') : s;

    static string Superscript(int exponent)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var text = Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Select(c => digits[c - '0']);
        return (exponent < 0 ? "⁻" : "") + string.Concat(text);
    }
}
