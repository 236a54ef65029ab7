using System.Globalization;
using System.Numerics;
using System.Text;

namespace PhaseScope.Cli.Options;

/// <summary>
/// The one parser of every number on the command line, whatever the machine's locale: invariant digits only.
/// An integer is an optional sign and ASCII digits (<c>+5</c>, <c>-1</c>; not <c>1e3</c>, <c>0x10</c>, <c>1,000</c> or
/// Arabic-Indic digits); a real number adds a '.' decimal point and an exponent (<c>0.0001</c>, <c>1e-4</c>, <c>.5</c>),
/// never a ',' (under de_DE "1,5" would be 1.5 to a person and 15 to a culture-blind parser: refused). Surrounding white
/// space is refused (a quoted " 5" is a mistake, not a number). NaN and ±∞ parse but lie outside every range, as do
/// numbers that overflow the type (1e309 is +∞). One error text for all: <c>--name VALUE: must be … (got …)</c>.
/// </summary>
public static class NumberText
{
    const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    const NumberStyles RealStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Parses <paramref name="text"/> for option <paramref name="name"/>; false with the one-line message on a
    /// malformed or out-of-range number.</summary>
    public static bool TryParse<T>(string name, string text, NumberRange<T> range, out T value, out string error)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        error = "";
        bool wellFormed = WellFormed(text, NumberRange<T>.Integral);
        if (wellFormed && T.TryParse(text, NumberRange<T>.Integral ? IntegerStyle : RealStyle, CultureInfo.InvariantCulture, out value) && range.Contains(value))
            return true;
        value = default;
        string how = wellFormed ? "" : NumberRange<T>.Integral
            ? ", written with ASCII digits and an optional sign (e.g. 1000)"
            : ", written with ASCII digits, a '.' decimal point and an optional exponent (e.g. 0.0001 or 1e-4)";
        error = Message(name, text, range.Bounds() + how + range.CapText());
        return false;
    }

    /// <summary>The one error text: <c>--name VALUE: must be WHAT (got VALUE)</c>, the value shown on one line.</summary>
    public static string Message(string name, string text, string must) => $"{name} {Show(text)}: must be {must} (got {Show(text)}).";

    /// <summary>Whether <paramref name="text"/> has the shape of an invariant number: [+-]digits, and for reals an
    /// optional '.' part and exponent (NaN, Infinity and ∞ are not numbers a user means).</summary>
    static bool WellFormed(string text, bool integral)
    {
        if (text.Length == 0) return false;
        int i = text[0] is '+' or '-' ? 1 : 0;
        int digits = 0, fraction = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; digits++; }
        if (integral) return digits > 0 && i == text.Length;
        if (i < text.Length && text[i] == '.') { i++; while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; fraction++; } }
        if (digits + fraction == 0) return false;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            int exponent = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; exponent++; }
            if (exponent == 0) return false;
        }
        return i == text.Length;
    }

    /// <summary>A value as typed, on one line: quoted when empty or holding white space, control characters escaped.</summary>
    public static string Show(string text)
    {
        var b = new StringBuilder();
        foreach (var c in text.Length > 60 ? text[..57] + "…" : text)
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')) b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else b.Append(c);
        var shown = b.ToString();
        return shown.Length == 0 || shown.Any(char.IsWhiteSpace) ? $"'{shown}'" : shown;
    }
}
