using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// Mini-batches without replacement: a fresh permutation of the training set each epoch (from a
/// dedicated generator), cut into batches; a short tail is dropped. Returns null for full batch.
/// </summary>
internal sealed class BatchSampler(long count, int batchSize, Generator generator)
{
    Tensor? permutation;
    long position;

    /// <summary>Indices of the next batch, or null when every step uses the whole set.</summary>
    public Tensor? Next()
    {
        if (batchSize >= count) return null;
        if (permutation is null || position + batchSize > count)
        {
            permutation?.Dispose();
            permutation = randperm(count, generator: generator).DetachFromDisposeScope();
            position = 0;
        }
        var batch = permutation.narrow(0, position, batchSize);
        position += batchSize;
        return batch;
    }
}
