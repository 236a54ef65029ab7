using static TorchSharp.torch;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// SCAN as a <see cref="TaskData"/> for the encoder–decoder transformer (seed 001 Test 7; docs/SETUPS.md: 2048 training
/// commands drawn from the split's training set, the whole test set scored).
/// <para>
/// Layout: an input row is the command's words padded to <see cref="SourceLength"/> (9, the longest command) followed by
/// the decoder's input, BOS and the actions, padded to <see cref="DecoderLength"/> (49: 48 actions at most, plus BOS);
/// the target row covers the decoder positions only: the actions then EOS, with <see cref="TaskData.IgnoreIndex"/> on
/// padding. One input vocabulary holds words, actions, BOS and PAD (<see cref="InputTokens"/>); targets are the six
/// actions and EOS (7 classes).
/// </para>
/// <para>
/// Accuracy is per sequence under teacher forcing (every action and the EOS right). This equals greedy decoding's exact
/// match: if every teacher-forced argmax is the gold token, greedy decoding feeds itself the gold prefix at every step
/// and so reproduces the gold sequence; if some position's argmax is wrong, greedy decoding (which has the gold prefix up
/// to the first such position) emits that wrong token there. The test <c>ScanTaskTests</c> checks this on a model.
/// </para>
/// </summary>
public static class ScanTask
{
    /// <summary>Command words, in input-token order.</summary>
    public static readonly string[] Words = ["walk", "look", "run", "jump", "turn", "left", "right", "opposite", "around", "twice", "thrice", "and", "after"];
    /// <summary>Actions, in class order (class 6 is EOS).</summary>
    public static readonly string[] Actions = ["I_WALK", "I_LOOK", "I_RUN", "I_JUMP", "I_TURN_LEFT", "I_TURN_RIGHT"];
    /// <summary>Longest command (words).</summary>
    public const int SourceLength = 9;
    /// <summary>Decoder positions: 48 actions at most plus BOS (inputs) or EOS (targets).</summary>
    public const int DecoderLength = 49;
    /// <summary>Target class of end-of-sequence.</summary>
    public const long Eos = 6;
    /// <summary>Input token of an action class a: <see cref="Words"/>.Length + a.</summary>
    public static long ActionToken(long action) => Words.Length + action;
    /// <summary>Input token of beginning-of-sequence.</summary>
    public static readonly long Bos = Words.Length + Actions.Length;
    /// <summary>Input padding token.</summary>
    public static readonly long Pad = Bos + 1;
    /// <summary>Input vocabulary size (words, actions, BOS, PAD).</summary>
    public static readonly int InputTokens = (int)Pad + 1;

    /// <summary>Builds the task: <paramref name="trainCount"/> commands drawn (seeded) from the split's training set, the
    /// split's whole test set.</summary>
    public static TaskData Create(ScanSplit split, int trainCount, int seed)
    {
        if (trainCount < 1 || trainCount > split.Train.Count)
            throw new TaskConfigurationException($"--scan-train must lie in 1…{split.Train.Count} (the {split.Name} split's training set; got {trainCount}).");
        var train = split.Train.ToArray();
        new Random(seed).Shuffle(train);
        var (trainX, trainY) = Encode(train.AsSpan(0, trainCount).ToArray());
        var (testX, testY) = Encode(split.Test);
        return new TaskData
        {
            Description = $"SCAN {split.Name}, {trainCount} training commands",
            TrainInputs = trainX, TrainTargets = trainY, TestInputs = testX, TestTargets = testY,
            VocabularySize = InputTokens, ClassCount = Actions.Length + 1, ContextLength = SourceLength + DecoderLength,
            SourceLength = SourceLength, PerPosition = true, SequenceAccuracy = true, Causal = true,
        };
    }

    /// <summary>Encodes examples as [N, 9 + 49] inputs and [N, 49] targets.</summary>
    /// <exception cref="TaskConfigurationException">A word or action outside SCAN's vocabulary, or a command or action sequence too long.</exception>
    public static (Tensor Inputs, Tensor Targets) Encode(IReadOnlyList<ScanExample> examples)
    {
        const int row = SourceLength + DecoderLength;
        var x = new long[examples.Count * row];
        var y = new long[examples.Count * DecoderLength];
        Array.Fill(x, Pad);
        Array.Fill(y, TaskData.IgnoreIndex);
        for (int n = 0; n < examples.Count; n++)
        {
            var words = examples[n].Command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var actions = examples[n].Actions.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > SourceLength || actions.Length + 1 > DecoderLength)
                throw new TaskConfigurationException($"SCAN example '{examples[n].Command}' is longer than the task's {SourceLength} words / {DecoderLength - 1} actions.");
            for (int i = 0; i < words.Length; i++)
                x[n * row + i] = Array.IndexOf(Words, words[i]) is int w and >= 0 ? w : throw new TaskConfigurationException($"'{words[i]}' is not a SCAN word (in '{examples[n].Command}').");
            x[n * row + SourceLength] = Bos;
            for (int j = 0; j < actions.Length; j++)
            {
                int a = Array.IndexOf(Actions, actions[j]);
                if (a < 0) throw new TaskConfigurationException($"'{actions[j]}' is not a SCAN action (in the output of '{examples[n].Command}').");
                y[n * DecoderLength + j] = a;
                if (j + 1 < DecoderLength) x[n * row + SourceLength + j + 1] = ActionToken(a);
            }
            y[n * DecoderLength + actions.Length] = Eos;
        }
        return (tensor(x, [examples.Count, row]), tensor(y, [examples.Count, DecoderLength]));
    }

    /// <summary>The action string of a target row (up to EOS), e.g. for printing predictions.</summary>
    public static string Decode(IEnumerable<long> classes) => string.Join(' ', classes.TakeWhile(c => c != Eos && c >= 0).Select(c => Actions[c]));
}
