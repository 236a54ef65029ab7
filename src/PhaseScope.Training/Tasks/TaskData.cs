using static TorchSharp.torch;

namespace PhaseScope.Training.Tasks;

/// <summary>A named block of test rows (one task of a multi-task set).</summary>
/// <param name="Name">Task name, e.g. <c>add</c>.</param>
/// <param name="Start">First test row.</param>
/// <param name="Count">Rows.</param>
public sealed record TaskGroup(string Name, long Start, long Count);

/// <summary>
/// A supervised sequence task as tensors: token inputs [N, T] (int64) and class targets, either one
/// per sequence (predicted at the last position, shape [N]) or one per position (shape [N, T],
/// with <see cref="IgnoreIndex"/> where no prediction is scored).
/// </summary>
public sealed class TaskData : IDisposable
{
    /// <summary>Target value that the loss and accuracy skip (padding).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>A short description, e.g. <c>modular add p=97</c>.</summary>
    public required string Description { get; init; }
    /// <summary>Training inputs [N_train, T].</summary>
    public required Tensor TrainInputs { get; init; }
    /// <summary>Training targets [N_train] or [N_train, T].</summary>
    public required Tensor TrainTargets { get; init; }
    /// <summary>Test inputs [N_test, T].</summary>
    public required Tensor TestInputs { get; init; }
    /// <summary>Test targets, shaped like the training targets.</summary>
    public required Tensor TestTargets { get; init; }
    /// <summary>Input vocabulary size.</summary>
    public required int VocabularySize { get; init; }
    /// <summary>Number of output classes.</summary>
    public required int ClassCount { get; init; }
    /// <summary>Sequence length T.</summary>
    public required int ContextLength { get; init; }
    /// <summary>True when every position is scored (targets [N, T]); false for last-position classification.</summary>
    public required bool PerPosition { get; init; }
    /// <summary>
    /// For per-position tasks: true when accuracy counts whole sequences (every scored position
    /// right), false when it counts positions. Ignored for last-position tasks.
    /// </summary>
    public bool SequenceAccuracy { get; init; }
    /// <summary>
    /// Encoder–decoder tasks (SCAN): the first <see cref="SourceLength"/> input positions are the source, the rest the
    /// decoder's input, and targets cover the decoder positions only ([N, T − SourceLength]). 0: a decoder-only task.
    /// </summary>
    public int SourceLength { get; init; }
    /// <summary>True when the model must be causal (a position sees only its prefix).</summary>
    public required bool Causal { get; init; }

    /// <summary>Rows of each split an evaluation reads, spread evenly (null: every row). A language model's training set
    /// has tens of thousands of windows; reading them all at every evaluation would cost more than training.</summary>
    public int? EvaluationRows { get; init; }

    /// <summary>Multi-task sets: the test rows of each task (null: one task).</summary>
    public IReadOnlyList<TaskGroup>? TestGroups { get; init; }

    /// <summary>Trailing decoder positions no row scores can be dropped before the forward pass (per-position targets on a
    /// causal model: <see cref="Objective.TrimTrailingPadding"/>).</summary>
    public bool TrailingPaddingTrimmable => PerPosition && Causal;

    /// <summary>Number of training examples.</summary>
    public long TrainCount => TrainInputs.shape[0];
    /// <summary>Number of test examples.</summary>
    public long TestCount => TestInputs.shape[0];

    /// <summary>Moves all tensors to <paramref name="device"/>.</summary>
    public TaskData To(Device device) => new()
    {
        Description = Description, VocabularySize = VocabularySize, ClassCount = ClassCount, ContextLength = ContextLength,
        PerPosition = PerPosition, Causal = Causal, SequenceAccuracy = SequenceAccuracy, SourceLength = SourceLength, TestGroups = TestGroups, EvaluationRows = EvaluationRows,
        TrainInputs = TrainInputs.to(device), TrainTargets = TrainTargets.to(device),
        TestInputs = TestInputs.to(device), TestTargets = TestTargets.to(device),
    };

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        TrainInputs.Dispose();
        TrainTargets.Dispose();
        TestInputs.Dispose();
        TestTargets.Dispose();
    }
}
