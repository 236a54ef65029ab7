using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CsCheck;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Options;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// Every numeric option of every command, discovered from the System.CommandLine tree (each command's public static
/// <c>Create()</c> in the CLI assembly, no hand list), fed edge values of every type and random strings:
/// in process, a value is either accepted — and then it is written the way the test's own grammar says an invariant
/// number is written, and lies in the option's declared range — or refused with exactly one one-line message in the
/// house form "--name VALUE: must be … (got …)"; out of process, the built CLI with <c>--check</c> and many generated
/// values at once exits 0 or 2, with one-line messages, no stack trace, no exception type name, nothing left in the
/// working directory.
/// </summary>
public partial class NumericOptionPropertyTests
{
    static readonly string[] Edges =
    [
        "0", "-0", "1", "-1", "2", "+5", " 5", "5 ", "1,5", "1.5", ".5", "5.", "1e3", "1E3", "1e-4", "0x10", "NaN", "nan", "Infinity", "-Infinity", "∞",
        "1e308", "-1e308", "1e309", "4.9e-324", "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "١٢", "１２", "12\u200b", "", " ", "1_000", "1,000", "1 000", "--", "-", "+", "e", "1e", "0.0001", "0,0001", "00012", "\n1",
    ];

    /// <summary>Every command of the CLI: the public static Create() methods returning a Command.</summary>
    static List<Command> Commands() => typeof(GrokCommand).Assembly.GetTypes()
        .Select(t => t.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes))
        .Where(m => m is not null && m.ReturnType == typeof(Command)).Select(m => (Command)m!.Invoke(null, null)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    static readonly Type[] NumberTypes = [typeof(int), typeof(long), typeof(ulong), typeof(double), typeof(float), typeof(decimal), typeof(short), typeof(uint)];

    static bool IsNumberType(Type t) => NumberTypes.Contains(Nullable.GetUnderlyingType(t) ?? t);

    /// <summary>Arguments that make the command's other required inputs present, so that only the option under test can fail.</summary>
    static List<string> Required(Command c, Option? except = null)
    {
        var args = new List<string>();
        foreach (var a in c.Arguments) args.Add("x");
        foreach (var o in c.Options.Where(o => o.Required && o != except)) args.AddRange([o.Name, o is INumericOption ? "1" : "x"]);
        return args;
    }

    /// <summary>The invariant number grammar, written here independently of the parser: a sign, ASCII digits, for reals a
    /// '.' part and an exponent.</summary>
    [GeneratedRegex(@"^[+-]?[0-9]+$")] private static partial Regex IntegerText();
    [GeneratedRegex(@"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")] private static partial Regex RealText();

    [GeneratedRegex(@"^--[a-z0-9-]+ .*: must be .+ \(got .*\)\.$")] private static partial Regex HouseMessage();

    [Fact]
    public void EveryNumericOptionGoesThroughTheOneParser()
    {
        var commands = Commands();
        Assert.True(commands.Count >= 15, $"found {commands.Count} commands");
        var numeric = commands.SelectMany(c => c.Options.Select(o => (c, o))).Where(x => IsNumberType(x.o.ValueType)).ToList();
        Assert.True(numeric.Count > 80, $"found {numeric.Count} numeric options");
        Assert.All(numeric, x => Assert.True(x.o is INumericOption, $"{x.c.Name} {x.o.Name} ({x.o.ValueType.Name}) is parsed by System.CommandLine, not by NumberText"));
    }

    [Fact]
    public void EveryValueIsAcceptedInRangeOrRefusedWithOneHouseMessage()
    {
        var targets = Commands().SelectMany(c => c.Options.Where(o => o is INumericOption or NumberListOption).Select(o => (Command: c, Option: o))).ToArray();
        var values = Gen.OneOf(
            Gen.OneOf(Edges),
            Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => d.ToString("R", CultureInfo.GetCultureInfo("de-DE"))),
            Gen.String,
            Gen.OneOf(Edges).Array[1, 4].Select(a => string.Join(',', a)),
            Gen.Int[0, 100].Array[0, 5].Select(a => string.Join(',', a)),
            Gen.Int[-3, 100].Array[1, 4].Select(a => string.Join(':', a)));
        Gen.Select(Gen.Int[0, targets.Length - 1], values).Sample((i, value) =>
        {
            var (command, option) = targets[i];
            var result = command.Parse([.. Required(command, option), option.Name, value]);
            // "--", "-x" and "@file" are tokens of their own to System.CommandLine (end of options, an option, a response file): its message then names the option
            var mine = result.Errors.Where(e => e.Message.Contains(option.Name, StringComparison.Ordinal)).Select(e => e.Message).ToList();
            Assert.DoesNotContain(result.Errors, e => e.Message.Contains("Exception", StringComparison.Ordinal) || e.Message.Contains("Cannot parse", StringComparison.Ordinal));
            if (option is INumericOption n)
            {
                bool accepted = n.Takes(value);
                Assert.Equal(accepted, mine.Count == 0);
                if (accepted)
                {
                    bool integral = Nullable.GetUnderlyingType(option.ValueType) is { } u ? u != typeof(double) : option.ValueType != typeof(double);
                    Assert.Matches(integral ? IntegerText() : RealText(), value);
                    var parsed = result.GetValue<object>(option.Name);
                    if (parsed is double d) Assert.True(double.IsFinite(d), $"{option.Name} {value} gave {d}");
                }
            }
            Assert.True(mine.Count <= 1, string.Join(" | ", mine));
            foreach (var m in mine)
            {
                if (!(value.StartsWith('-') || value.StartsWith('@')) || m.StartsWith(option.Name + " ", StringComparison.Ordinal)) Assert.Matches(HouseMessage(), m);
                Assert.DoesNotContain('\n', m);
                Assert.DoesNotContain('\r', m);
            }
        }, iter: 20_000, threads: 1);
    }

    /// <summary>The built CLI with --check and every numeric option of a command set to generated values at once (a few
    /// processes per command): exit 0 or 2, one-line messages, no trace, nothing written.</summary>
    [Fact]
    public void CheckModeExitsZeroOrTwoAndWritesNothing()
    {
        var commands = Commands().Where(c => c.Options.Any(o => o.Name == "--check")).ToList();
        Assert.True(commands.Count >= 14, string.Join(", ", commands.Select(c => c.Name)));
        var random = new Random(20261207);
        using var tmp = new TempDirectory();
        int runs = 0;
        foreach (var command in commands)
        {
            var options = command.Options.Where(o => o is INumericOption or NumberListOption).ToList();
            for (int round = 0; round < 3; round++)
            {
                var args = new List<string> { command.Name, "--check" };
                args.AddRange(Required(command));
                foreach (var o in options)
                    if (round == 0 || random.Next(2) == 0)
                        args.AddRange([o.Name, round == 0 ? Edges[random.Next(Edges.Length)] : Gen.OneOf(Gen.OneOf(Edges), Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)), Gen.String[0, 8]).Single()]);
                if (round == 2) args.RemoveRange(2 + Required(command).Count, args.Count - 2 - Required(command).Count);   // defaults only
                var (code, stdout, stderr) = CliRunner.Run(tmp.Path, [.. args]);
                runs++;
                var shown = $"{string.Join(' ', args)} → {code}: {stderr}";
                Assert.True(code is 0 or 2, shown);
                Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
                if (code == 2)
                {
                    var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    Assert.NotEmpty(lines);
                    Assert.All(lines, l => Assert.True(l.StartsWith("phasescope: ", StringComparison.Ordinal) || l.StartsWith("Run 'phasescope --help'", StringComparison.Ordinal), shown));
                }
                else Assert.StartsWith("{", stdout.TrimStart());
                Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
            }
        }
        Assert.True(runs >= 42);
    }
}
