using static TorchSharp.torch;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// Next-token prediction on real text as a <see cref="TaskData"/>: documents are split into training and
/// validation by document (every <see cref="ValidationStride"/>-th document is validation, so both splits span every genre
/// of a corpus stored genre by genre), each split's bytes (<see cref="ByteTokenizer"/>, documents joined by a blank
/// line) are cut into non-overlapping windows of context + 1 tokens, and a window's first T tokens are the input, its
/// last T the per-position targets. The model is causal; the loss is the mean cross-entropy per token (nats per byte),
/// "accuracy" the share of next bytes predicted right. Evaluation reads <see cref="TaskData.EvaluationRows"/> windows of
/// each split, spread evenly, not the whole training set.
/// </summary>
public static class LanguageModelTask
{
    /// <summary>One document in this many is validation.</summary>
    public const int ValidationStride = 10;

    /// <summary>Windows per split an evaluation reads (≈ 33 K tokens at context 128).</summary>
    public const int DefaultEvaluationRows = 256;

    /// <summary>The task over <paramref name="documents"/>.</summary>
    /// <exception cref="TaskConfigurationException">The context is out of range, or a split has no full window.</exception>
    public static TaskData Create(IReadOnlyList<(string Name, string Text)> documents, int context, string description, int evaluationRows = DefaultEvaluationRows)
    {
        if (context is < 2 or > 65_536) throw new TaskConfigurationException($"--context must lie in 2 … 65,536 tokens (got {context}).");
        if (evaluationRows < 1) throw new TaskConfigurationException($"The evaluation needs at least one window (got {evaluationRows}).");
        if (documents.Count < ValidationStride) throw new TaskConfigurationException($"A language-model corpus needs at least {ValidationStride} documents (one in {ValidationStride} is validation); got {documents.Count}.");
        var train = Tokens(documents.Where((_, i) => i % ValidationStride != ValidationStride - 1));
        var validation = Tokens(documents.Where((_, i) => i % ValidationStride == ValidationStride - 1));
        var (trainX, trainY) = Windows(train, context, "training");
        var (valX, valY) = Windows(validation, context, "validation");
        return new TaskData
        {
            Description = description, VocabularySize = ByteTokenizer.VocabularySize, ClassCount = ByteTokenizer.VocabularySize,
            ContextLength = context, PerPosition = true, Causal = true, EvaluationRows = evaluationRows,
            TrainInputs = trainX, TrainTargets = trainY, TestInputs = valX, TestTargets = valY,
        };
    }

    static byte[] Tokens(IEnumerable<(string Name, string Text)> documents) =>
        ByteTokenizer.Encode(string.Join("\n\n", documents.Select(d => d.Text.TrimEnd('\n'))));

    /// <summary>Non-overlapping windows of context + 1 tokens: inputs [N, T] and next-token targets [N, T].</summary>
    static (Tensor Inputs, Tensor Targets) Windows(byte[] tokens, int context, string split)
    {
        long n = (tokens.Length - 1) / context;
        if (n < 1) throw new TaskConfigurationException($"The {split} text has {tokens.Length} tokens, fewer than one window of --context {context} + 1.");
        var x = new long[n * context];
        var y = new long[n * context];
        for (long w = 0; w < n; w++)
            for (int t = 0; t < context; t++)
            {
                x[w * context + t] = tokens[w * context + t];
                y[w * context + t] = tokens[w * context + t + 1];
            }
        return (tensor(x, [n, context]), tensor(y, [n, context]));
    }
}
