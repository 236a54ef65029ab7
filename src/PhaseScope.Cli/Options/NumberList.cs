using System.CommandLine;
using System.Numerics;

namespace PhaseScope.Cli.Options;

/// <summary>How a comma-separated list of numbers is read.</summary>
public enum ListOrder
{
    /// <summary>The user's order is kept (it names runs, cells or columns); a repeated item is refused.</summary>
    AsGiven,
    /// <summary>A set of steps: sorted ascending, repeats dropped (<c>--at 500,100,500</c> is 100, 500).</summary>
    Sorted,
}

/// <summary>
/// A comma-separated list of numbers, each item read by <see cref="NumberText"/> against <see cref="Item"/> (white space
/// around an item is allowed, as in "42, 137"); an empty list or an empty item is refused, and at most
/// <see cref="MaxCount"/> items are taken (each item is a run, a checkpoint or a drawing: work). Repeats are refused or
/// dropped as <see cref="Order"/> says.
/// </summary>
/// <typeparam name="T">int, long or double.</typeparam>
/// <param name="Item">The range of each item.</param>
/// <param name="Order">Kept as given (repeats refused) or sorted (repeats dropped).</param>
/// <param name="MaxCount">The most items; caps <paramref name="CountCap"/>.</param>
/// <param name="CountCap">What the item count sizes, in words.</param>
public sealed record NumberList<T>(NumberRange<T> Item, ListOrder Order, int MaxCount, string CountCap)
    where T : struct, INumber<T>, IMinMaxValue<T>
{
    /// <summary>The accepted lists in words.</summary>
    public string Describe() =>
        $"a comma-separated list of 1 to {MaxCount} items ({CountCap}), each {Item.Describe()}{(Order == ListOrder.AsGiven ? ", none repeated" : "")}";

    /// <summary>Parses <paramref name="text"/>; false with the one-line message.</summary>
    public bool TryParse(string name, string text, out T[] values, out string error)
    {
        values = [];
        error = "";
        var items = text.Split(',');
        if (text.Trim().Length == 0) return Fail(name, text, "", out error);
        if (items.Length > MaxCount) return Fail(name, text, $"; {items.Length} items are too many", out error);
        var parsed = new List<T>(items.Length);
        foreach (var raw in items)
        {
            var item = raw.Trim();
            if (item.Length == 0) return Fail(name, text, "; an item is empty", out error);
            if (!NumberText.TryParse(name, item, Item, out var v, out _)) return Fail(name, text, $"; item {NumberText.Show(item)} is not", out error);
            parsed.Add(v);
        }
        if (Order == ListOrder.AsGiven)
        {
            var repeated = parsed.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) return Fail(name, text, $"; {NumberRange<T>.Show(repeated.Key)} is repeated", out error);
            values = [.. parsed];
        }
        else values = [.. parsed.Distinct().Order()];
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="UsageException"/> with the one-line message.</summary>
    public T[] Parse(string name, string text) => TryParse(name, text, out var v, out var e) ? v : throw new UsageException(e);

    bool Fail(string name, string text, string why, out string error)
    {
        error = NumberText.Message(name, text, Describe() + why);
        return false;
    }

    /// <summary>An option whose text is checked by this list's parser at parse time (a bad list is a parse error, exit 2);
    /// the command reads the values with <see cref="Parse"/>.</summary>
    public Option<string> Option(string name, string description, string? defaultValue)
    {
        var o = new NumberListOption(name, this.Describe(), (n, t) => TryParse(n, t, out _, out var e) ? null : e) { Description = description };
        if (defaultValue is not null)
        {
            if (!TryParse(name, defaultValue, out _, out var e)) throw new ArgumentException(e, nameof(defaultValue));
            o.DefaultValueFactory = _ => defaultValue;
        }
        return o;
    }
}

/// <summary>An option holding a comma-separated list of numbers (<see cref="NumberList{T}"/>), checked at parse time.</summary>
public sealed class NumberListOption : Option<string>
{
    /// <summary>The accepted lists in words.</summary>
    public string Accepts { get; }
    /// <summary>Null when the text is accepted, else the one-line message.</summary>
    public Func<string, string, string?> Check { get; }

    /// <summary>Builds the option.</summary>
    public NumberListOption(string name, string accepts, Func<string, string, string?> check) : base(name)
    {
        Accepts = accepts;
        Check = check;
        Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            if (check(Name, r.Tokens[^1].Value) is { } error) r.AddError(error);
        });
    }
}
