using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training.Mnist;

/// <summary>
/// Ten-class MNIST for the MLP experiments of seed 003 §9 (lottery tickets, double descent, edge of stability): a
/// training subset of N images drawn without replacement by seed, its labels with <see cref="LabelNoise"/> applied,
/// and the whole test set with clean labels. Images are flattened to 784 values scaled to [0, 1] and standardised with
/// MNIST's mean 0.1307 and sd 0.3081, as <see cref="SplitMnist"/> does.
/// </summary>
public sealed class MnistSubset : IDisposable
{
    MnistSubset(Tensor xTrain, Tensor yTrain, long[] clean, Tensor xTest, Tensor yTest)
    {
        TrainInputs = xTrain; TrainLabels = yTrain; CleanTrainLabels = clean; TestInputs = xTest; TestLabels = yTest;
    }

    /// <summary>Training inputs [N, 784] float32.</summary>
    public Tensor TrainInputs { get; }
    /// <summary>Training labels [N] int64, with the label noise.</summary>
    public Tensor TrainLabels { get; }
    /// <summary>The training labels before the noise.</summary>
    public long[] CleanTrainLabels { get; }
    /// <summary>Test inputs [M, 784] float32.</summary>
    public Tensor TestInputs { get; }
    /// <summary>Test labels [M] int64 (never noisy).</summary>
    public Tensor TestLabels { get; }

    /// <summary>Reads the four IDX files of <paramref name="directory"/> (<see cref="MnistSource.Locate"/>).</summary>
    public static MnistSubset Load(string directory, int trainSize, double labelNoise, int seed) =>
        From(IdxFile.ReadImages(Path.Combine(directory, "train-images-idx3-ubyte")), IdxFile.ReadLabels(Path.Combine(directory, "train-labels-idx1-ubyte")),
            IdxFile.ReadImages(Path.Combine(directory, "t10k-images-idx3-ubyte")), IdxFile.ReadLabels(Path.Combine(directory, "t10k-labels-idx1-ubyte")),
            trainSize, labelNoise, seed);

    /// <summary>The subset of images already read: the first <paramref name="trainSize"/> of a seeded permutation of the
    /// training images, labels flipped with seed <paramref name="seed"/> + 1.</summary>
    public static MnistSubset From(IdxFile.Images trainImages, byte[] trainLabels, IdxFile.Images testImages, byte[] testLabels, int trainSize, double labelNoise, int seed)
    {
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(testImages);
        if (trainImages.Count != trainLabels.Length || testImages.Count != testLabels.Length)
            throw new IdxFormatException("The MNIST images and labels do not belong together (their counts differ).");
        if (trainSize < 1 || trainSize > trainImages.Count)
            throw new TaskConfigurationException($"--train-size must be 1 … {trainImages.Count} (the training images there are; got {trainSize}).");
        if (trainLabels.Concat(testLabels).Any(l => l > 9)) throw new IdxFormatException("MNIST labels are digits 0 … 9; a label file holds a larger value.");
        var order = Enumerable.Range(0, trainImages.Count).ToArray();
        new Random(seed).Shuffle(order);
        var chosen = order[..trainSize];
        var clean = chosen.Select(i => (long)trainLabels[i]).ToArray();
        var noisy = LabelNoise.Apply(clean, labelNoise, 10, unchecked(seed + 1));
        var xTest = Pixels(testImages, Enumerable.Range(0, testImages.Count).ToArray());
        return new MnistSubset(Pixels(trainImages, chosen), tensor(noisy), clean, xTest, tensor(testLabels.Select(l => (long)l).ToArray()));
    }

    static Tensor Pixels(IdxFile.Images images, int[] rows)
    {
        int size = images.Rows * images.Columns;
        var pixels = new float[rows.Length * (long)size];
        for (int r = 0; r < rows.Length; r++)
            for (int j = 0; j < size; j++)
                pixels[(long)r * size + j] = (images.Pixels[(long)rows[r] * size + j] / 255f - 0.1307f) / 0.3081f;
        return tensor(pixels, [rows.Length, size]);
    }

    /// <inheritdoc />
    public void Dispose() { TrainInputs.Dispose(); TrainLabels.Dispose(); TestInputs.Dispose(); TestLabels.Dispose(); }
}
