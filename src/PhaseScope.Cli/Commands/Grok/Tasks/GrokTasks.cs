namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>The tasks <c>grok</c> and <c>sweep</c> know, in the order the help and the errors list them.</summary>
public static class GrokTasks
{
    /// <summary>Every task.</summary>
    public static IReadOnlyList<GrokTask> All { get; } = [new ModularGrokTask(), new DyckGrokTask(), new ScanGrokTask(), new LanguageModelGrokTask()];

    /// <summary>The tasks' names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(t => t.Name)];

    /// <summary>The tasks' names as a reader sees them listed: <c>modular, dyck, scan or lm</c>.</summary>
    public static string NameList => Listed(Names);

    /// <summary>The tasks listed for <c>grok --task</c>'s help: <see cref="NameList"/> with each task's
    /// <see cref="GrokTask.Gloss"/> in brackets after its name.</summary>
    public static string HelpList => Listed([.. All.Select(t => t.Gloss is null ? t.Name : $"{t.Name} ({t.Gloss})")]);

    /// <summary><c>a, b, c or d</c>.</summary>
    static string Listed(IReadOnlyList<string> items) => $"{string.Join(", ", items.Take(items.Count - 1))} or {items[^1]}";

    /// <summary>Every task's presets' names.</summary>
    public static IReadOnlyList<string> Presets { get; } = [.. All.SelectMany(t => t.Presets).Select(p => p.Name)];

    /// <summary>The task named <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">No task has that name; the message lists the known ones.</exception>
    public static GrokTask Named(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new UsageException($"Unknown task '{name}'. Use --task {NameList}.");

    /// <summary>The task of a run's settings.</summary>
    public static GrokTask Of(GrokSettings s) => Named(s.Task);

    /// <summary><paramref name="defaults"/> of <paramref name="task"/> with preset <paramref name="name"/> applied.</summary>
    /// <exception cref="UsageException">Unknown preset, or one of another task.</exception>
    public static TaskDefaults WithPreset(GrokTask task, string name, TaskDefaults defaults)
    {
        var owner = All.FirstOrDefault(t => t.Presets.Any(p => p.Name == name))
            ?? throw new UsageException($"Unknown --preset '{name}'. Known: {string.Join(", ", Presets)}.");
        var preset = owner.Presets.First(p => p.Name == name);
        return owner == task ? preset.Apply(defaults) : throw new UsageException(preset.Misapplied(task.Name));
    }
}
