using PhaseScope.Training.Tasks;

namespace PhaseScope.Training.Models;

/// <summary>Shape of a <see cref="PreNormTransformer"/>.</summary>
/// <param name="VocabularySize">Input tokens.</param>
/// <param name="ClassCount">Output classes.</param>
/// <param name="ContextLength">Largest sequence length (learned positions).</param>
/// <param name="Layers">Number of blocks.</param>
/// <param name="DModel">Residual width.</param>
/// <param name="Heads">Attention heads (must divide <paramref name="DModel"/>).</param>
/// <param name="DFf">MLP hidden width.</param>
/// <param name="Causal">Mask attention to the prefix.</param>
/// <param name="Activation"><c>relu</c> or <c>gelu</c>.</param>
/// <param name="SourceLength">Source positions of an encoder–decoder model (0: decoder-only).</param>
public sealed record TransformerConfig(int VocabularySize, int ClassCount, int ContextLength, int Layers = 2, int DModel = 128,
    int Heads = 4, int DFf = 256, bool Causal = false, string Activation = "relu", int SourceLength = 0)
{
    /// <summary>Checks the shape; throws <see cref="TaskConfigurationException"/> naming the problem.</summary>
    public void Validate()
    {
        if (Layers < 1) throw new TaskConfigurationException($"--layers must be at least 1 (got {Layers}).");
        if (DModel < 1 || Heads < 1 || DFf < 1) throw new TaskConfigurationException($"--d-model, --heads and --d-ff must be positive (got {DModel}, {Heads}, {DFf}).");
        if (DModel % Heads != 0) throw new TaskConfigurationException($"--d-model {DModel} must be divisible by --heads {Heads}.");
        if (Activation is not ("relu" or "gelu")) throw new TaskConfigurationException($"--activation must be relu or gelu (got '{Activation}').");
        if (VocabularySize < 1 || ClassCount < 1 || ContextLength < 1) throw new TaskConfigurationException("The task has an empty vocabulary, class set or context.");
        // libtorch aborts with a native allocator error (C++ frames) when a tensor cannot be allocated: refuse first.
        double bytes = ApproximateParameters * TrainingBytesPerParameter;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
            throw new TaskConfigurationException(FormattableString.Invariant($"A model of --layers {Layers}, --d-model {DModel}, --d-ff {DFf} has ≈ {ApproximateParameters:G3} parameters and needs ≈ {bytes / 1e9:G3} GB to train (weights, gradients, AdamW's two moments); this machine has {available / 1e9:G3} GB. Choose a smaller --d-model, --d-ff or --layers."));
    }

    /// <summary>Bytes of float32 state per parameter while training: the weight, its gradient and AdamW's two moments.</summary>
    public const int TrainingBytesPerParameter = 16;

    /// <summary>The parameter count, in double (no overflow for absurd shapes): per layer 4d² attention and 2·d·d_ff
    /// feed-forward weights (an encoder–decoder has encoder, decoder self- and cross-attention: ≈ 2.5× that), plus the
    /// embeddings and the head. Biases and norms, O(d) per layer, are left out.</summary>
    public double ApproximateParameters
    {
        get
        {
            double d = DModel, perLayer = 4 * d * d + 2 * d * DFf;
            return Layers * perLayer * (SourceLength > 0 ? 2.5 : 1) + ((double)VocabularySize + ContextLength + SourceLength + ClassCount) * d;
        }
    }

    /// <summary>The reference model for a task (docs/SETUPS.md): 2 layers, d_model 128, 4 heads, d_ff 256; GELU for causal decoder-only tasks (Dyck-1), ReLU otherwise.</summary>
    public static TransformerConfig For(TaskData task, int layers = 2, int dModel = 128, int heads = 4, int dFf = 256, string? activation = null) =>
        new(task.VocabularySize, task.ClassCount, task.ContextLength, layers, dModel, heads, dFf, task.Causal,
            activation ?? (task.Causal && task.SourceLength == 0 ? "gelu" : "relu"), task.SourceLength);

    /// <summary>The model this shape describes: an <see cref="EncoderDecoderTransformer"/> when it has source positions
    /// (<see cref="Layers"/> each side), else a <see cref="PreNormTransformer"/>.</summary>
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> CreateModel() =>
        SourceLength > 0 ? new EncoderDecoderTransformer(this) : new PreNormTransformer(this);
}
