using PhaseScope.Checkpoints;
using PhaseScope.Cli.Commands.Mnist;
using PhaseScope.Training.Mnist;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>The MNIST MLP task's mechanics on tiny sizes: label noise, layer-wise magnitude and random pruning, rewinding
/// to θ₀, the widths' configuration, and the <c>mnist</c> command's pruning round end to end on a fake MNIST.</summary>
public class MnistPruningTests
{
    /// <summary>Same shape and the same float32 bit patterns.</summary>
    static bool SameBits(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape)
        && a.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void LabelNoiseFlipsExactlyTheStatedShareToAnotherClass()
    {
        long[] clean = [.. Enumerable.Range(0, 1000).Select(i => (long)(i % 10))];
        var noisy = LabelNoise.Apply(clean, 0.2, 10, seed: 5);
        Assert.Equal(200, clean.Zip(noisy).Count(p => p.First != p.Second));
        Assert.All(noisy, l => Assert.InRange(l, 0, 9));
        Assert.Equal(noisy, LabelNoise.Apply(clean, 0.2, 10, seed: 5));
        Assert.NotEqual(noisy, LabelNoise.Apply(clean, 0.2, 10, seed: 6));
        Assert.Equal(clean, LabelNoise.Apply(clean, 0, 10, seed: 5));
        Assert.All(clean.Zip(LabelNoise.Apply(clean, 1, 10, seed: 5)), p => Assert.NotEqual(p.First, p.Second));
        Assert.Equal(3, LabelNoise.Flipped(10, 0.25));   // 2.5 rounds away from zero
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.Apply(clean, 1.5, 10, 0));
    }

    [Fact]
    public void MagnitudePruningKeepsTheLargestWeightsAndNeverRevivesAPrunedOne()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { -5, 1, 3, 0.5f, -2, 4 }, [2, 3]);
        using var dense = new WeightMask(new Dictionary<string, Tensor> { ["w"] = ones(2, 3) });
        using var half = MagnitudePruning.ByMagnitude(new Dictionary<string, Tensor> { ["w"] = w }, dense, 0.5);
        Assert.Equal(new float[] { 1, 0, 1, 0, 0, 1 }, half.Masks["w"].data<float>().ToArray());
        // the pruned 1 at (0, 1) has grown to 100: it stays pruned; of −5, 3, 4 the two largest survive
        var trained = tensor(new float[] { -5, 100, 3, 0.5f, -2, 4 }, [2, 3]);
        using var third = MagnitudePruning.ByMagnitude(new Dictionary<string, Tensor> { ["w"] = trained }, half, 2.0 / 3);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 1 }, third.Masks["w"].data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => MagnitudePruning.ByMagnitude(new Dictionary<string, Tensor> { ["w"] = w }, third, 0.5));
    }

    [Fact]
    public void SparsityIsPerLayerForMagnitudeAndRandomMasks()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new LayeredMlp(20, [7], 3);
        using var dense = WeightMask.Dense(model, model.WeightNames);
        var trained = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        using var pruned = MagnitudePruning.ByMagnitude(trained, dense, 0.8);
        using var generator = new Generator(3);
        using var random = MagnitudePruning.AtRandom(dense, 0.8, generator);
        foreach (var m in new[] { pruned, random })
        {
            // 140 weights: round(112) pruned, 28 kept; 21 weights: round(16.8) = 17 pruned, 4 kept
            Assert.Equal(28.0, m.Masks["layers.0.weight"].sum().item<float>());
            Assert.Equal(4.0, m.Masks["layers.1.weight"].sum().item<float>());
        }
        Assert.Equal(1 - 32.0 / 161, pruned.GlobalSparsity, 12);
        using var again = MagnitudePruning.AtRandom(dense, 0.8, new Generator(3));
        Assert.True(SameBits(random.Masks["layers.0.weight"], again.Masks["layers.0.weight"]));
    }

    [Fact]
    public void RewindingRestoresTheInitialWeightsBitExactlyUnderTheMask()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new LayeredMlp(12, [6, 5], 4);
        var initial = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var sgd = optim.SGD(model.parameters(), 0.5);
        var x = randn(16, 12);
        var y = randint(4, [16]);
        for (int i = 0; i < 5; i++)
        {
            sgd.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            sgd.step();
        }
        var trained = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var dense = WeightMask.Dense(model, model.WeightNames);
        using var mask = MagnitudePruning.ByMagnitude(trained, dense, 0.6);
        mask.Rewind(model, initial);
        foreach (var (name, p) in model.named_parameters())
        {
            var expected = mask.Masks.TryGetValue(name, out var m) ? initial[name] * m : initial[name];
            Assert.True(SameBits(p.detach(), expected), name);   // bit for bit: θ₀·1 and θ₀·0 are exact
        }
        Assert.True(model.named_parameters().Where(p => p.name.EndsWith("weight", StringComparison.Ordinal)).All(p => !SameBits(p.parameter.detach(), trained[p.name])));
    }

    [Fact]
    public void TheWidthsConfigureTheNetwork()
    {
        using var scope = NewDisposeScope();
        Assert.Equal([300, 100], MnistCommand.ParseWidths("300,100"));
        Assert.Equal([100, 100], MnistCommand.ParseWidths("100, 100"));
        using var lenet = new LayeredMlp(784, [300, 100], 10);
        // LeNet-300-100: 784·300 + 300 + 300·100 + 100 + 100·10 + 10
        Assert.Equal(266_610, lenet.parameters().Sum(p => p.numel()));
        Assert.Equal(["layers.0.weight", "layers.1.weight", "layers.2.weight"], lenet.WeightNames);
        using var sweepPoint = new LayeredMlp(784, [16], 10);
        Assert.Equal(784 * 16 + 16 + 16 * 10 + 10, sweepPoint.parameters().Sum(p => p.numel()));
        Assert.Throws<PhaseScope.Cli.UsageException>(() => MnistCommand.ParseWidths("0"));
        Assert.Throws<PhaseScope.Cli.UsageException>(() => MnistCommand.ParseWidths("300,x"));
    }

    /// <summary>The four IDX files of a 40-image training set and a 20-image test set of random pixels, labels cycling 0–9.</summary>
    internal static void FakeMnist(string dir)
    {
        var random = new Random(4);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        IdxFile.Write(Path.Combine(dir, "train-images-idx3-ubyte"), [40, 28, 28], Bytes(40 * 784));
        IdxFile.Write(Path.Combine(dir, "train-labels-idx1-ubyte"), [40], [.. Enumerable.Range(0, 40).Select(i => (byte)(i % 10))]);
        IdxFile.Write(Path.Combine(dir, "t10k-images-idx3-ubyte"), [20, 28, 28], Bytes(20 * 784));
        IdxFile.Write(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [20], [.. Enumerable.Range(0, 20).Select(i => (byte)(i % 10))]);
    }

    [Fact]
    public void APruningRoundRewindsToTheParentsInitialWeights()
    {
        using var tmp = new TempDirectory();
        FakeMnist(tmp.Path);
        string[] common = ["mnist", "--mnist", tmp.Path, "--hidden", "8,6", "--train-size", "32", "--batch-size", "0", "--steps", "6", "--eval-every", "3",
            "--curvature-every", "3", "--consolidation-every", "2", "--spectral-stride", "0", "--lr", "0.5", "--threads", "1", "--out", tmp.Path, "--no-report", "--json"];
        var parent = CliRunner.Run(tmp.Path, [.. common, "--name", "dense"]);
        Assert.True(parent.ExitCode == 0, parent.Stderr);
        var child = CliRunner.Run(tmp.Path, [.. common, "--name", "ticket", "--prune-from", Path.Combine(tmp.Path, "dense"), "--sparsity", "0.5"]);
        Assert.True(child.ExitCode == 0, child.Stderr);
        using var scope = NewDisposeScope();
        var parentInit = Safetensors.Load(Path.Combine(tmp.Path, "dense", "init.safetensors"));
        var childInit = Safetensors.Load(Path.Combine(tmp.Path, "ticket", "init.safetensors"));
        var mask = Safetensors.Load(Path.Combine(tmp.Path, "ticket", "mask.safetensors"));
        var final = Safetensors.Load(Path.Combine(tmp.Path, "ticket", "final.safetensors"));
        foreach (var (name, m) in mask)
        {
            long n = m.numel();
            Assert.Equal(n - (long)Math.Round(0.5 * n, MidpointRounding.AwayFromZero), (long)m.sum().item<float>());
            Assert.Equal(0.0f, (final[name] * (1 - m)).abs().max().item<float>());   // pruned weights stayed zero through training
        }
        foreach (var (name, v) in parentInit) Assert.True(SameBits(v, childInit[name]), name);   // θ₀ carried over bit for bit

        var bad = CliRunner.Run(tmp.Path, [.. common, "--name", "bad", "--sparsity", "0.5"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--prune-from", bad.Stderr);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "bad")));
    }
}
