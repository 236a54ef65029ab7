namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// A model-shape preset (<c>grok --preset NAME</c>) of one task: a change of that task's defaults that explicit options
/// still override.
/// </summary>
/// <param name="Name">The preset's name.</param>
/// <param name="Apply">The task's defaults with the preset applied.</param>
/// <param name="Misapplied">The usage message for the preset given to another task (that task's name in, the message out).</param>
public sealed record ModelPreset(string Name, Func<TaskDefaults, TaskDefaults> Apply, Func<string, string> Misapplied);
