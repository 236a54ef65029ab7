using System.Globalization;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands;

/// <summary>Everything <c>phasescope grok</c> was asked to do, validated before anything is written.</summary>
public sealed record GrokSettings
{
    /// <summary>modular or dyck.</summary>
    public required string Task { get; init; }
    /// <summary>Modular operation.</summary>
    public ModularOperation Operation { get; init; }
    /// <summary>Modulus.</summary>
    public int P { get; init; }
    /// <summary>Share of pairs used for training.</summary>
    public double TrainFraction { get; init; }
    /// <summary>Seed of the dataset split.</summary>
    public int DataSeed { get; init; }
    /// <summary>Optimisation settings.</summary>
    public required TrainerOptions Trainer { get; init; }
    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; }
    /// <summary>Residual width.</summary>
    public int DModel { get; init; }
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; }
    /// <summary>MLP width.</summary>
    public int DFf { get; init; }
    /// <summary>relu or gelu (null: task default).</summary>
    public string? Activation { get; init; }
    /// <summary>Intra-op threads (null: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>Directory receiving the run directory.</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Run directory name (null: derived).</summary>
    public string? Name { get; init; }
    /// <summary>Interval of the cheap probes.</summary>
    public int ProbeEvery { get; init; }
    /// <summary>Add the moments probe (seed 000).</summary>
    public bool Moments { get; init; }
    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }
    /// <summary>Record per-tensor norms too.</summary>
    public bool PerTensor { get; init; }

    /// <summary>Throws <see cref="TaskConfigurationException"/> or <see cref="UsageException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (Task is not ("modular" or "dyck")) throw new UsageException($"Unknown task '{Task}'. Use --task modular or --task dyck.");
        if (Task == "modular") ModularArithmetic.Validate(P, Operation, TrainFraction);
        Trainer.Validate();
        if (Threads is < 1) throw new UsageException($"--threads must be at least 1 (got {Threads}).");
        if (ProbeEvery < 1) throw new UsageException($"--probe-every must be at least 1 (got {ProbeEvery}).");
        if (Name is not null && (Name.Length == 0 || Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || Name is "." or ".."))
            throw new UsageException($"--name '{Name}' is not a valid directory name.");
        new TransformerConfig(1, 1, 1, Layers, DModel, Heads, DFf, false, Activation ?? "relu").Validate();
        OutputDirectory.EnsureWritable(OutDirectory);
    }

    /// <summary>The default run name: task, operation, seed, weight decay and a UTC time stamp.</summary>
    public string RunName() => Name ?? string.Create(CultureInfo.InvariantCulture,
        $"{(Task == "modular" ? $"mod-{ModularArithmetic.NameOf(Operation)}-p{P}" : "dyck")}-s{Trainer.Seed}-wd{Trainer.WeightDecay:G}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

    /// <summary>The settings as the run's config table.</summary>
    public Dictionary<string, string> ToConfig()
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var c = new Dictionary<string, string>
        {
            ["task"] = Task, ["seed"] = Trainer.Seed.ToString(), ["data_seed"] = DataSeed.ToString(),
            ["steps"] = Trainer.Steps.ToString(), ["batch_size"] = Trainer.BatchSize.ToString(), ["lr"] = F(Trainer.LearningRate),
            ["beta1"] = F(Trainer.Beta1), ["beta2"] = F(Trainer.Beta2), ["weight_decay"] = F(Trainer.WeightDecay),
            ["clip"] = F(Trainer.GradientClip), ["eval_every"] = Trainer.EvaluateEvery.ToString(),
            ["layers"] = Layers.ToString(), ["d_model"] = DModel.ToString(), ["heads"] = Heads.ToString(), ["d_ff"] = DFf.ToString(),
            ["probe_every"] = ProbeEvery.ToString(), ["per_tensor"] = PerTensor ? "true" : "false",
            ["threads"] = (Threads ?? Environment.ProcessorCount).ToString(),
            ["tensorboard"] = TensorBoard ? "true" : "false",
            ["moments"] = Moments ? "true" : "false",
        };
        if (Task == "modular")
        {
            c["op"] = ModularArithmetic.NameOf(Operation);
            c["p"] = P.ToString();
            c["train_fraction"] = F(TrainFraction);
        }
        if (Activation is not null) c["activation"] = Activation;
        return c;
    }
}
