using PhaseScope.Checkpoints;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Mnist;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>The softmax-absorption reading of <c>phasescope mnist</c>, attached with the stability probe, on a fake MNIST of 40
/// random images: recorded at every evaluation, read by the instability risk, absent without the stability probe.</summary>
public class MnistAbsorptionTests
{
    static string[] Tiny(string dir) => ["mnist", "--mnist", dir, "--hidden", "8,6", "--train-size", "32", "--batch-size", "16", "--steps", "20", "--eval-every", "10",
        "--curvature-every", "0", "--consolidation-every", "0", "--spectral-stride", "0", "--threads", "1", "--out", dir, "--no-report", "--json", "--optimizer", "adamw", "--lr", "0.01"];

    /// <summary>The last evaluation (step 20) reads the weights that final.safetensors holds. Recomputed here from them on the
    /// same 32 training images (MnistSubset with the run's seed): the largest margin max_i (z_ic − max_{j≠c} z_ij) and the
    /// share with S = Σ_{j≠c} e^{z_j − z_c} ≤ 2⁻²⁴ in doubles. The risk's absorption part at steps 15 and 20 is the share of
    /// the evaluation before them (step 10) over 1 %: the risk runs after the update, before that step's evaluation.</summary>
    [Fact]
    public void TheStabilityProbeBringsTheAbsorbedShareAndTheRiskReadsIt()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "on", "--stability-every", "5"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var runDir = Path.Combine(tmp.Path, "on");
        using var reader = RunReader.Open(runDir);
        var absorbed = reader.Series("stability/absorbed_fraction");
        var rule = reader.Series("stability/absorbed_rule_fraction");
        var largest = reader.Series("stability/largest_margin");
        Assert.Equal([10L, 20L], absorbed.Select(x => x.Step));
        Assert.Equal([10L, 20L], rule.Select(x => x.Step));
        Assert.Equal([10L, 20L], largest.Select(x => x.Step));

        var (expectedLargest, expectedRule) = FromFinalWeights(tmp.Path, runDir);
        Assert.Equal(expectedLargest, largest[1].Value, 4);
        Assert.Equal(expectedRule, rule[1].Value);

        var part = reader.Series("stability/risk_absorption_part");
        Assert.Equal([15L, 20L], part.Select(x => x.Step));
        Assert.All(part, p => Assert.Equal(absorbed[0].Value / 0.01, p.Value, 12));
    }

    [Fact]
    public void WithoutTheStabilityProbeNothingIsAbsorbedOrRead()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "off"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var reader = RunReader.Open(Path.Combine(tmp.Path, "off"));
        Assert.Empty(reader.Series("stability/absorbed_fraction"));
        Assert.Empty(reader.Series("stability/largest_margin"));
        Assert.Empty(reader.Series("stability/instability_risk"));
    }

    /// <summary>--float64-softmax is recorded (and only when given, so other runs keep their config), trains, and the
    /// absorption is then read in float64: on these small margins nothing is absorbed.</summary>
    [Fact]
    public void AFloat64SoftmaxRunIsRecordedAsSuch()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "f64", "--stability-every", "5", "--probe-every", "1", "--float64-softmax"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var plain = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "f32", "--stability-every", "5", "--probe-every", "1"]);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        (long Step, double Value) first64;
        using (var reader = RunReader.Open(Path.Combine(tmp.Path, "f64")))
        {
            Assert.Equal("true", reader.Config()["float64_softmax"]);
            Assert.All(reader.Series("stability/absorbed_fraction"), x => Assert.Equal(0.0, x.Value));
            first64 = reader.Series("loss")[0];
        }
        using (var reader = RunReader.Open(Path.Combine(tmp.Path, "f32")))
        {
            Assert.False(reader.Config().ContainsKey("float64_softmax"));
            // Step 1: the same θ₀ and batch, so the same cross-entropy up to float32 rounding of a loss near ln 10.
            var first32 = reader.Series("loss")[0];
            Assert.Equal(1L, first32.Step);
            Assert.Equal(first32.Step, first64.Step);
            Assert.Equal(first32.Value, first64.Value, 5);
        }
    }

    static (double Largest, double RuleShare) FromFinalWeights(string mnistDir, string runDir)
    {
        using var scope = NewDisposeScope();
        using var data = MnistSubset.Load(mnistDir, 32, 0, 42);
        using var model = new LayeredMlp(784, [8, 6], 10);
        var weights = Safetensors.Load(Path.Combine(runDir, "final.safetensors"));
        using (no_grad())
            foreach (var (name, p) in model.named_parameters()) p.copy_(weights[name]);
        float[] z;
        using (no_grad()) z = model.call(data.TrainInputs).data<float>().ToArray();
        long[] y = data.TrainLabels.data<long>().ToArray();
        double largest = double.NegativeInfinity;
        int absorbed = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double zc = z[i * 10 + y[i]], rival = double.NegativeInfinity, s = 0;
            for (int j = 0; j < 10; j++)
                if (j != y[i]) { rival = Math.Max(rival, z[i * 10 + j]); s += Math.Exp(z[i * 10 + j] - zc); }
            largest = Math.Max(largest, zc - rival);
            if (s <= Math.Pow(2, -24)) absorbed++;
        }
        return (largest, absorbed / (double)y.Length);
    }
}
