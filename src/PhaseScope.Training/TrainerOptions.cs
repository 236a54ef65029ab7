using PhaseScope.Training.Tasks;

namespace PhaseScope.Training;

/// <summary>Optimisation settings of the built-in trainer (AdamW, the reference setups of docs/SETUPS.md).</summary>
public sealed record TrainerOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 6000;
    /// <summary>Mini-batch size; ≥ the training set size means full batch.</summary>
    public int BatchSize { get; init; } = 512;
    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>AdamW β₁.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>AdamW β₂.</summary>
    public double Beta2 { get; init; } = 0.98;
    /// <summary>Decoupled weight decay (TorchSharp's default is 0, docs/TORCHSHARP.md §3).</summary>
    public double WeightDecay { get; init; } = 1.0;
    /// <summary>Clip the global gradient norm to this value; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;
    /// <summary>Evaluate train/test loss and accuracy every this many steps (and at the last step).</summary>
    public int EvaluateEvery { get; init; } = 100;
    /// <summary>Seed for initialisation and batch order.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Write a safetensors checkpoint every this many steps (0: only at the end, when a folder is given).</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Test accuracy at which a run counts as grokked (0.95: docs/SETUPS.md "The grok step").</summary>
    public double GrokThreshold { get; init; } = 0.95;
    /// <summary>Stop this many steps after the grok step (null: run all <see cref="Steps"/>). A sweep only needs what
    /// precedes the transition and a margin after it; controls, which never grok, still run every step.</summary>
    public int? StopAfterGrok { get; init; }

    /// <summary>The optimizer: null or <c>adamw</c> for AdamW over every parameter, <see cref="MuonName"/> for
    /// <see cref="Optimizers.Muon"/> on the hidden 2-D weights and AdamW (at <see cref="LearningRate"/>) for the rest.
    /// Null is not written to JSON, so settings saved before the option existed keep their fingerprints.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Optimizer { get; init; }
    /// <summary>Muon's learning rate η_M for the hidden weights (null: <see cref="Optimizers.Muon.DefaultLearningRate"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? MuonLearningRate { get; init; }
    /// <summary>Muon's momentum μ (null: <see cref="Optimizers.Muon.DefaultMomentum"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? MuonMomentum { get; init; }

    /// <summary>Compute the training loss's logits, softmax and cross-entropy in float64 (everything before the logits
    /// unchanged): the counterfactual of docs/INSTABILITY.md, which removes float32 softmax absorption. Null (off) is not
    /// written to JSON, so settings saved before the option existed keep their fingerprints.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Float64Softmax { get; init; }

    /// <summary>AdamW's ε, added to √v̂ in the step's denominator (null: <see cref="DefaultAdamEpsilon"/>). Null is not
    /// written to JSON, so settings saved before the option existed keep their fingerprints.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? AdamEpsilon { get; init; }
    /// <summary>Linear learning-rate warm-up over this many steps (<see cref="LearningRateWarmup"/>; null: none). Null is not
    /// written to JSON, so settings saved before the option existed keep their fingerprints.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? WarmupSteps { get; init; }

    /// <summary>AdamW's ε when <see cref="AdamEpsilon"/> is null (PyTorch's and TorchSharp's default).</summary>
    public const double DefaultAdamEpsilon = 1e-8;

    /// <summary>Names <see cref="Optimizer"/> accepts.</summary>
    public const string AdamWName = "adamw", MuonName = "muon";

    /// <summary>Largest accepted learning rate: AdamW's first step size lr/(1 − β₁) (10·lr) must fit float32 (1e308 overflows
    /// the optimizer's Scalar mid-run). Absurd rates below it stay allowed: a diverging run is something to watch.</summary>
    public const double MaxLearningRate = 1e36;

    /// <summary>Checks the options; throws <see cref="TaskConfigurationException"/> naming the problem.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new TaskConfigurationException($"--steps must be a positive number of steps (got {Steps}).");
        if (BatchSize < 1) throw new TaskConfigurationException($"--batch-size must be positive (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new TaskConfigurationException($"--lr must be a positive finite number (got {LearningRate}).");
        if (LearningRate > MaxLearningRate) throw new TaskConfigurationException(FormattableString.Invariant($"--lr {LearningRate} is above {MaxLearningRate:G3}: AdamW's first step lr/(1 − β₁) then overflows float32. Choose a learning rate such as 1e-3."));
        if (!(Beta1 is >= 0 and < 1) || !(Beta2 is >= 0 and < 1)) throw new TaskConfigurationException($"AdamW betas must lie in [0, 1) (got {Beta1}, {Beta2}).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new TaskConfigurationException($"--weight-decay must be a non-negative finite number (got {WeightDecay}).");
        if (!(GradientClip >= 0) || double.IsInfinity(GradientClip)) throw new TaskConfigurationException($"--clip must be a finite number ≥ 0 (got {GradientClip}); 0 disables clipping.");
        if (WeightDecay > 0 && LearningRate * WeightDecay >= 1)
            throw new TaskConfigurationException(FormattableString.Invariant($"--lr {LearningRate} × --weight-decay {WeightDecay} = {LearningRate * WeightDecay:G3} ≥ 1: AdamW's decoupled decay multiplies the weights by 1 − lr·wd ≤ 0 every step (a sign flip, not a decay). Choose a smaller --lr or --weight-decay."));
        if (Optimizer is not (null or AdamWName or MuonName)) throw new TaskConfigurationException($"--optimizer '{Optimizer}' is not an optimizer; use {AdamWName} or {MuonName}.");
        if (Optimizer != MuonName && (MuonLearningRate is not null || MuonMomentum is not null)) throw new TaskConfigurationException("--muon-lr and --muon-momentum only apply with --optimizer muon.");
        if (MuonLearningRate is double m && (!(m > 0) || m > 10)) throw new TaskConfigurationException($"--muon-lr must lie in (0, 10] (got {m}); the reference's is {Optimizers.Muon.DefaultLearningRate}.");
        if (MuonMomentum is double mu && !(mu is >= 0 and < 1)) throw new TaskConfigurationException($"--muon-momentum must lie in [0, 1) (got {mu}).");
        if (Optimizer == MuonName && WeightDecay > 0 && (MuonLearningRate ?? Optimizers.Muon.DefaultLearningRate) * WeightDecay >= 1)
            throw new TaskConfigurationException($"--muon-lr {MuonLearningRate ?? Optimizers.Muon.DefaultLearningRate} × --weight-decay {WeightDecay} ≥ 1: the decay would flip the hidden weights' sign each step. Choose a smaller --weight-decay.");
        if (AdamEpsilon is double eps && !(eps > 0 && eps <= 1)) throw new TaskConfigurationException($"--adam-eps must lie in (0, 1] (got {eps}).");
        if (AdamEpsilon is not null && Optimizer == MuonName) throw new TaskConfigurationException("--adam-eps only applies with --optimizer adamw.");
        if (WarmupSteps is int w && w < 0) throw new TaskConfigurationException($"--warmup must be ≥ 0 steps (got {w}).");
        if (EvaluateEvery < 1) throw new TaskConfigurationException($"--eval-every must be positive (got {EvaluateEvery}).");
        if (StopAfterGrok < 0) throw new TaskConfigurationException($"--stop-after-grok must be ≥ 0 steps (got {StopAfterGrok}).");
        if (CheckpointEvery < 0) throw new TaskConfigurationException($"--checkpoint-every must be ≥ 0 (got {CheckpointEvery}).");
    }
}
