using PhaseScope.Monitoring;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// A task <c>grok</c> trains and <c>sweep</c> grids over, as one type: its <c>--task</c> name, its reference defaults
/// and model presets (docs/SETUPS.md), the settings it owns (checked, written to the run's config table, named in the
/// run name), its data and its model. The data says how the task is evaluated (<see cref="TaskData.PerPosition"/>,
/// <see cref="TaskData.SequenceAccuracy"/>, a multi-task set's <see cref="TaskData.TestGroups"/>), and the grok criterion
/// is the trainer's for every task: the first evaluation whose test accuracy, scored that way, reaches the run's grok
/// threshold (docs/SETUPS.md "The grok step"). Adding a task is one subclass and one line in <see cref="GrokTasks.All"/>.
/// </summary>
public abstract class GrokTask
{
    /// <summary>The <c>--task</c> value, also the config table's and the summary's <c>task</c>.</summary>
    public abstract string Name { get; }

    /// <summary>A few words after the name in <c>grok --task</c>'s help, where the name alone does not say what the task
    /// is; null for none.</summary>
    public virtual string? Gloss => null;

    /// <summary>The reference setup's defaults, used for every option the user leaves out.</summary>
    public abstract TaskDefaults Defaults { get; }

    /// <summary>The model-shape presets (<c>grok --preset</c>) that apply to this task.</summary>
    public virtual IReadOnlyList<ModelPreset> Presets => [];

    /// <summary>The task takes modular operations: <c>--op</c> (several with <c>--multitask</c>), <c>sweep --ops</c>, and
    /// the summary's <c>op</c>, which the verdict's tables group by.</summary>
    public virtual bool HasOperations => false;

    /// <summary>The built-in grok forecast applies: it was fitted on grokking tasks (P(test accuracy ≥ the grok threshold
    /// soon)); a task that never groks in that sense runs only a model given with <c>--grok-predictor</c>.</summary>
    public virtual bool BuiltInForecast => true;

    /// <summary>The task's part of the default run name (<c>mod-add-p97</c>, <c>dyck</c>).</summary>
    public abstract string RunNamePart(GrokSettings s);

    /// <summary>Throws <see cref="UsageException"/> or <see cref="TaskConfigurationException"/> naming the first problem
    /// with the settings this task owns, when it is the run's task.</summary>
    public virtual void Validate(GrokSettings s) { }

    /// <summary>Throws <see cref="UsageException"/> when a setting only this task takes is given to a run of another task.</summary>
    public virtual void RefuseOwnSettings(GrokSettings s) { }

    /// <summary>Adds the settings this task owns to the run's config table.</summary>
    public virtual void AddConfig(GrokSettings s, IDictionary<string, string> config) { }

    /// <summary>The task's training and test data for <paramref name="s"/>.</summary>
    public abstract TaskData CreateData(GrokSettings s);

    /// <summary>The probes this task adds to a run of it, after the families' (none by default).</summary>
    public virtual IEnumerable<IProbe> Probes(GrokSettings s, TaskData data, nn.Module<Tensor, Tensor> model) => [];

    /// <summary>The model trained on <paramref name="data"/>: the reference transformer of the data's shape
    /// (<see cref="TransformerConfig.For"/>) with the settings' widths and activation.</summary>
    public TransformerConfig Model(GrokSettings s, TaskData data) => TransformerConfig.For(data, s.Layers, s.DModel, s.Heads, s.DFf, s.Activation);
}
