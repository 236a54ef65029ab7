namespace PhaseScope.Cli.Commands.Grok;

/// <summary>What every module's <see cref="IGrokModule.Bind"/> is told beside the parse result.</summary>
/// <param name="AllFamilies">Every family is on by default (no <c>--cheap-only</c>): a family module turns its probe on
/// unless told otherwise.</param>
/// <param name="Task">The chosen task's reference defaults (with its <c>--preset</c>), for settings that follow the task.</param>
public sealed record ModuleBinding(bool AllFamilies, TaskDefaults Task);
