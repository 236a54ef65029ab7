using static TorchSharp.torch;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// Split MNIST (seed 000 §5.3, Table 1): task A = digits 0–4, task B = digits 5–9, one 10-way
/// classifier for both (a single head, so forgetting shows in task A's accuracy). Images are
/// flattened to 784 values, scaled to [0, 1] and standardised with MNIST's mean 0.1307 and sd 0.3081.
/// </summary>
public sealed class SplitMnist : IDisposable
{
    /// <summary>Digits of task A.</summary>
    public static readonly int[] TaskADigits = [0, 1, 2, 3, 4];
    /// <summary>Digits of task B.</summary>
    public static readonly int[] TaskBDigits = [5, 6, 7, 8, 9];

    SplitMnist(Split a, Split b) { TaskA = a; TaskB = b; }

    /// <summary>Task A's training and test sets.</summary>
    public Split TaskA { get; }
    /// <summary>Task B's training and test sets.</summary>
    public Split TaskB { get; }

    /// <summary>One task: inputs [N, 784] float32, labels [N] int64.</summary>
    public sealed record Split(Tensor TrainInputs, Tensor TrainLabels, Tensor TestInputs, Tensor TestLabels) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() { TrainInputs.Dispose(); TrainLabels.Dispose(); TestInputs.Dispose(); TestLabels.Dispose(); }
    }

    /// <summary>Loads the four IDX files of <paramref name="directory"/> and splits them by digit.</summary>
    public static SplitMnist Load(string directory)
    {
        var trainImages = IdxFile.ReadImages(Path.Combine(directory, "train-images-idx3-ubyte"));
        var trainLabels = IdxFile.ReadLabels(Path.Combine(directory, "train-labels-idx1-ubyte"));
        var testImages = IdxFile.ReadImages(Path.Combine(directory, "t10k-images-idx3-ubyte"));
        var testLabels = IdxFile.ReadLabels(Path.Combine(directory, "t10k-labels-idx1-ubyte"));
        foreach (var (images, labels, name) in new[] { (trainImages, trainLabels, "train"), (testImages, testLabels, "t10k") })
        {
            if (images.Count != labels.Length)
                throw new IdxFormatException($"{directory}: {name} images hold {images.Count} images but the labels {labels.Length}; the files do not belong together.");
            if (labels.Any(l => l > 9)) throw new IdxFormatException($"{directory}: {name} labels contain a value above 9; MNIST labels are digits.");
        }
        if (trainImages.Rows != testImages.Rows || trainImages.Columns != testImages.Columns)
            throw new IdxFormatException($"{directory}: training images are {trainImages.Rows}×{trainImages.Columns} but test images {testImages.Rows}×{testImages.Columns}.");
        return new SplitMnist(Build(trainImages, trainLabels, testImages, testLabels, TaskADigits),
            Build(trainImages, trainLabels, testImages, testLabels, TaskBDigits));
    }

    static Split Build(IdxFile.Images trainImages, byte[] trainLabels, IdxFile.Images testImages, byte[] testLabels, int[] digits)
    {
        var (xs, ys) = Select(trainImages, trainLabels, digits);
        var (xt, yt) = Select(testImages, testLabels, digits);
        return new Split(xs, ys, xt, yt);
    }

    static (Tensor X, Tensor Y) Select(IdxFile.Images images, byte[] labels, int[] digits)
    {
        int size = images.Rows * images.Columns;
        var keep = Enumerable.Range(0, labels.Length).Where(i => digits.Contains(labels[i])).ToArray();
        var pixels = new float[keep.Length * (long)size];
        for (int r = 0; r < keep.Length; r++)
            for (int j = 0; j < size; j++)
                pixels[(long)r * size + j] = (images.Pixels[(long)keep[r] * size + j] / 255f - 0.1307f) / 0.3081f;
        return (tensor(pixels, [keep.Length, size]), tensor(keep.Select(i => (long)labels[i]).ToArray()));
    }

    /// <inheritdoc />
    public void Dispose() { TaskA.Dispose(); TaskB.Dispose(); }
}
