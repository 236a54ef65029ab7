using System.CommandLine;
using System.Numerics;

namespace PhaseScope.Cli.Options;

/// <summary>The part of a numeric option that tests and <c>--check</c> read without knowing its type.</summary>
public interface INumericOption
{
    /// <summary>The option's name, e.g. <c>--lr</c>.</summary>
    string Name { get; }
    /// <summary>The accepted values in words (<see cref="NumberRange{T}.Describe"/>).</summary>
    string Accepts { get; }
    /// <summary>Whether <paramref name="text"/> is accepted, by the same parser the command line uses.</summary>
    bool Takes(string text);
}

/// <summary>
/// An option holding one number of type <typeparamref name="T"/>, parsed by <see cref="NumberText"/> (invariant culture,
/// declared <see cref="NumberRange{T}"/>) instead of System.CommandLine's culture-dependent conversion: a bad value is a
/// parse error (exit 2, <c>--name VALUE: must be … (got …)</c>) before the command runs.
/// </summary>
public sealed class NumericOption<T> : Option<T>, INumericOption where T : struct, INumber<T>, IMinMaxValue<T>
{
    /// <summary>The accepted values.</summary>
    public NumberRange<T> Range { get; }

    /// <summary>An option with <paramref name="defaultValue"/> when it is not given.</summary>
    public NumericOption(string name, string description, T defaultValue, NumberRange<T> range) : base(name)
    {
        if (!range.Contains(defaultValue)) throw new ArgumentException($"{name}: the default {NumberRange<T>.Show(defaultValue)} lies outside {range.Describe()}.", nameof(defaultValue));
        Range = range;
        Description = description;
        DefaultValueFactory = _ => defaultValue;
        CustomParser = r => r.Tokens.Count == 0 ? defaultValue : Parse(r, r.Tokens[^1].Value);
    }

    T Parse(System.CommandLine.Parsing.ArgumentResult r, string text)
    {
        if (NumberText.TryParse(Name, text, Range, out var value, out var error)) return value;
        r.AddError(error);
        return default;
    }

    /// <inheritdoc/>
    public string Accepts => Range.Describe();
    /// <inheritdoc/>
    public bool Takes(string text) => NumberText.TryParse(Name, text, Range, out _, out _);
}

/// <summary>
/// An option holding one number of type <typeparamref name="T"/> or nothing (null: not given, the command chooses), parsed
/// by <see cref="NumberText"/> like <see cref="NumericOption{T}"/>.
/// </summary>
public sealed class OptionalNumericOption<T> : Option<T?>, INumericOption where T : struct, INumber<T>, IMinMaxValue<T>
{
    /// <summary>The accepted values.</summary>
    public NumberRange<T> Range { get; }

    /// <summary>An option that is null when not given.</summary>
    public OptionalNumericOption(string name, string description, NumberRange<T> range) : base(name)
    {
        Range = range;
        Description = description;
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            if (NumberText.TryParse(Name, r.Tokens[^1].Value, Range, out var value, out var error)) return value;
            r.AddError(error);
            return null;
        };
    }

    /// <inheritdoc/>
    public string Accepts => Range.Describe();
    /// <inheritdoc/>
    public bool Takes(string text) => NumberText.TryParse(Name, text, Range, out _, out _);
}
