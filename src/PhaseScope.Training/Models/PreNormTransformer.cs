using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>
/// The decoder-style pre-norm transformer of the seeds' grokking experiments: token and learned
/// position embeddings, <see cref="TransformerConfig.Layers"/> pre-norm blocks, a final LayerNorm and a
/// linear read-out. Returns logits [B, T, classes] for every position.
/// </summary>
public sealed class PreNormTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding tok_embed, pos_embed;
    readonly ModuleList<TransformerBlock> layers;
    readonly LayerNorm ln_f;
    readonly Linear unembed;

    /// <summary>The shape it was built with.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Creates the model with TorchSharp's default initialisation (seed it with <c>torch.manual_seed</c>).</summary>
    public PreNormTransformer(TransformerConfig config) : base(nameof(PreNormTransformer))
    {
        config.Validate();
        Config = config;
        tok_embed = nn.Embedding(config.VocabularySize, config.DModel);
        pos_embed = nn.Embedding(config.ContextLength, config.DModel);
        layers = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.DModel, config.Heads, config.DFf, config.Causal, config.Activation)).ToArray());
        ln_f = nn.LayerNorm(config.DModel);
        unembed = nn.Linear(config.DModel, config.ClassCount);
        RegisterComponents();
    }

    /// <summary>tokens [B, T] (int64, T ≤ context) → logits [B, T, classes].</summary>
    public override Tensor forward(Tensor tokens)
    {
        long t = tokens.shape[1];
        if (t > Config.ContextLength)
            throw new ArgumentException($"Sequence length {t} exceeds the model's context {Config.ContextLength}.");
        using var h = ResidualStack.Through(ResidualStack.Embed(tok_embed, pos_embed, tokens), layers, (block, x) => block.call(x));
        using var normed = ln_f.call(h);
        return unembed.call(normed);
    }
}
