using PhaseScope.Training.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Models;

/// <summary>
/// The encoder–decoder transformer of seed 001's SCAN runs (docs/SETUPS.md: 3 + 3 pre-norm layers, d_model 256, 4 heads,
/// d_ff 512). Input rows are [source ; decoder input] (<see cref="TransformerConfig.SourceLength"/> source positions,
/// see <c>ScanTask</c>); the output is logits [B, T − S, classes] for the decoder positions. One token embedding serves
/// both sides (one vocabulary); positions are learned separately per side.
/// <para>
/// The source is not masked at its padding: every command has one fixed padded form, so the encoder learns a function
/// of it like any other input (the decoder is causal, so its trailing padding never reaches a scored position).
/// </para>
/// </summary>
public sealed class EncoderDecoderTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding tok_embed, src_pos_embed, tgt_pos_embed;
    readonly ModuleList<TransformerBlock> encoder;
    readonly ModuleList<DecoderBlock> decoder;
    readonly LayerNorm ln_enc, ln_f;
    readonly Linear unembed;

    /// <summary>The shape it was built with.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Creates the model (<see cref="TransformerConfig.Layers"/> encoder and as many decoder layers).</summary>
    public EncoderDecoderTransformer(TransformerConfig config) : base(nameof(EncoderDecoderTransformer))
    {
        config.Validate();
        if (config.SourceLength < 1 || config.SourceLength >= config.ContextLength)
            throw new TaskConfigurationException($"An encoder–decoder model needs 1 ≤ source length < context (got {config.SourceLength} of {config.ContextLength}).");
        Config = config;
        tok_embed = nn.Embedding(config.VocabularySize, config.DModel);
        src_pos_embed = nn.Embedding(config.SourceLength, config.DModel);
        tgt_pos_embed = nn.Embedding(config.ContextLength - config.SourceLength, config.DModel);
        encoder = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.DModel, config.Heads, config.DFf, causal: false, config.Activation)).ToArray());
        decoder = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => new DecoderBlock(config.DModel, config.Heads, config.DFf, config.Activation)).ToArray());
        ln_enc = nn.LayerNorm(config.DModel);
        ln_f = nn.LayerNorm(config.DModel);
        unembed = nn.Linear(config.DModel, config.ClassCount);
        RegisterComponents();
    }

    /// <summary>tokens [B, S + T] (int64, T ≤ context − S) → logits [B, T, classes].</summary>
    public override Tensor forward(Tensor tokens)
    {
        long s = Config.SourceLength, t = tokens.shape[1] - s;
        if (t < 1 || t > Config.ContextLength - s)
            throw new ArgumentException($"Input rows must hold the {s} source positions and 1…{Config.ContextLength - s} decoder positions (got {tokens.shape[1]} in all).");
        using var src = tokens.narrow(1, 0, s);
        using var tgt = tokens.narrow(1, s, t);
        using var encoded = ResidualStack.Through(ResidualStack.Embed(tok_embed, src_pos_embed, src), encoder, (block, x) => block.call(x));
        using var memory = ln_enc.call(encoded);
        using var h = ResidualStack.Through(ResidualStack.Embed(tok_embed, tgt_pos_embed, tgt), decoder, (block, x) => block.call(x, memory));
        using var normed = ln_f.call(h);
        return unembed.call(normed);
    }
}
