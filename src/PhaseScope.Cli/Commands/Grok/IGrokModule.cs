using System.CommandLine;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// One probe family's (or training knob's) part of <c>phasescope grok</c>, in System.CommandLine's way of composing a
/// command (docs/ARCHITECTURE.md, "Family modules for the command line"): its options (built with the bounds-checked
/// <see cref="Options.NumericOption{T}"/>), their defaults, its validation while binding, and the section of settings.json
/// its settings are stored in. <see cref="GrokOptions"/> adds every module's options to the command and lets each bind
/// its own settings; no other list of a family's options exists.
/// </summary>
public interface IGrokModule
{
    /// <summary>Where this module's settings live in settings.json (schema 2); null: in another module's section (the trainer's, for
    /// the optimizer and its knobs).</summary>
    SettingsSection? Section { get; }

    /// <summary>The options, in the order the command's help lists them.</summary>
    IEnumerable<Option> All { get; }

    /// <summary><paramref name="s"/> with this module's settings from <paramref name="r"/>.</summary>
    /// <exception cref="UsageException">An option given that the module's other settings do not allow.</exception>
    GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b);
}
