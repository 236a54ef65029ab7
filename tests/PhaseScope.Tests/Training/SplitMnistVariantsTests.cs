using System.Text.Json;
using PhaseScope.Tests.Cli;
using PhaseScope.Training.Forgetting;
using PhaseScope.Training.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Tests.Training;

/// <summary>
/// Split MNIST's variants: the multi-head model routes each task through its own head, the extremal core of the
/// restricted EWC on a hand-built case, the restricted penalty, and <c>forget</c>'s new options.
/// </summary>
public class SplitMnistVariantsTests
{
    [Fact]
    public void EachTasksLossReachesTheTrunkAndItsOwnHeadOnly()
    {
        manual_seed(1);
        using var model = new MultiHeadMlp(6, 4, 5, tasks: 2);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"],
            model.named_parameters().Select(p => p.name));
        using var x = randn(3, 6);
        using var y = tensor(new long[] { 0, 4, 2 });
        for (int task = 0; task < 2; task++)
        {
            model.zero_grad();
            model.ActiveTask = task;
            using var logits = model.forward(x);
            Assert.Equal([3L, 5L], logits.shape);
            // The logits are the active head applied to the trunk's features.
            var w = model.HeadParameters(task);
            using (no_grad())
            {
                using var features = functional.relu(functional.linear(functional.relu(functional.linear(x, model.get_parameter("fc1.weight"), model.get_parameter("fc1.bias"))),
                    model.get_parameter("fc2.weight"), model.get_parameter("fc2.bias")));
                using var expected = functional.linear(features, w[0], w[1]);
                Assert.True(expected.allclose(logits), $"task {task}: logits are not head {task}'s");
            }
            using var loss = functional.cross_entropy(logits, y);
            loss.backward();
            double Norm(string name)
            {
                using var g = model.get_parameter(name).grad;
                return g is null ? 0 : g.abs().sum().item<float>();
            }
            Assert.True(Norm("fc1.weight") > 0 && Norm("fc2.weight") > 0, "the trunk gets gradients");
            Assert.True(Norm($"heads.{task}.weight") > 0 && Norm($"heads.{task}.bias") > 0, "the active head gets gradients");
            Assert.Equal(0.0, Norm($"heads.{1 - task}.weight"));
            Assert.Equal(0.0, Norm($"heads.{1 - task}.bias"));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ActiveTask = 2);
    }

    [Fact]
    public void TheCoreIsTheTopProductsOfMagnitudeAndGradient()
    {
        // |θ||g| by hand: a = [[0.5, 0.2], [0, 4]], b = [0.1, 3], c (no gradient) = [0, 0]. Top 3: 4 (a[1,1]), 3 (b[1]), 0.5 (a[0,0]).
        using var a = tensor(new double[] { 1, -2, 3, 4 }).reshape(2, 2);
        using var ga = tensor(new double[] { 0.5, 0.1, 0, -1 }).reshape(2, 2);
        using var b = tensor(new double[] { 10, -1 });
        using var gb = tensor(new double[] { 0.01, 3 });
        using var c = tensor(new double[] { 100, 100 });
        using var core = new ExtremalCore([a, b, c], [ga, gb, null], 3);
        Assert.Equal(3, core.Count);
        Assert.Equal(0.5, core.Threshold, 12);
        Assert.Equal(new double[] { 1, 0, 0, 1 }, core.Masks[0].flatten().data<double>().ToArray());
        Assert.Equal(new double[] { 0, 1 }, core.Masks[1].data<double>().ToArray());
        Assert.Equal(new double[] { 0, 0 }, core.Masks[2].data<double>().ToArray());   // largest |θ|, but no gradient: not in the core
        Assert.Equal([2L, 2L], core.Masks[0].shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExtremalCore([a, b, c], [ga, gb, null], 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExtremalCore([a, b, c], [ga, gb, null], 0));
    }

    [Fact]
    public void TheRestrictedPenaltyIsFishersOnTheCoreAndBlindOutsideIt()
    {
        // Two EWCs from the same generator seed share one Fisher estimate; the restricted one keeps it on the core only.
        manual_seed(3);
        var lin = nn.Linear(3, 4);
        var parameters = lin.parameters().ToList();   // weight [4, 3], bias [4]
        using var inputs = randn(20, 3);
        using var inCore = zeros(4, 3);
        using (no_grad()) inCore[0, 1] = tensor(1f);
        using var noBias = zeros(4);
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var full = new ElasticWeightConsolidation(x => lin.forward(x), parameters, inputs, 20, 100, g1);
        using var core = new ElasticWeightConsolidation(x => lin.forward(x), parameters, inputs, 20, 100, g2, [inCore, noBias]);
        Assert.Equal(0.0, core.Penalty(parameters).item<float>());
        using (no_grad()) parameters[0][2, 2].add_(0.5f);          // outside the core
        Assert.Equal(0.0, core.Penalty(parameters).item<float>());
        Assert.True(full.Penalty(parameters).item<float>() > 0);
        using (no_grad()) parameters[0][2, 2].sub_(0.5f);
        using (no_grad()) parameters[0][0, 1].add_(0.5f);          // the core's one parameter
        float restricted = core.Penalty(parameters).item<float>(), whole = full.Penalty(parameters).item<float>();
        Assert.True(restricted > 0);
        Assert.Equal(whole, restricted, 5);
    }

    [Theory]
    [InlineData("--heads", "triple", "--heads triple: must be single or multi")]
    [InlineData("--strategy", "ewc-cor", "--strategy ewc-cor: must be finetune, freeze, ewc or ewc-core")]
    [InlineData("--core-size", "0", "--core-size")]
    public void ForgetRefusesBadVariantOptions(string option, string value, string says)
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "r", option, value]);
        Assert.Equal(2, code);
        Assert.Contains(says, stderr, StringComparison.Ordinal);
        Assert.StartsWith("phasescope: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")));
    }

    [Fact]
    public void ForgetRefusesACoreLargerThanTheModelBeforeTraining()
    {
        using var dir = new TempDirectory();
        ForgetCommandTests.WriteSyntheticMnist(dir.Path);
        // 64-8-8-(5, 5): 64·8 + 8 + 8·8 + 8 + 2·(8·5 + 5) = 682 parameters.
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "r", "--hidden", "8",
            "--heads", "multi", "--strategy", "ewc-core", "--core-size", "683", "--cheap-only"]);
        Assert.Equal(2, code);
        Assert.Contains("--core-size 683 exceeds the model's 682 parameters", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")));
    }

    [Fact]
    public void MultiHeadCoreEwcRunsEndToEndAndScoresEachTaskThroughItsHead()
    {
        using var dir = new TempDirectory();
        ForgetCommandTests.WriteSyntheticMnist(dir.Path);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--strategy", "ewc-core", "--heads", "multi", "--core-size", "100",
            "--epochs", "4", "--batch-size", "50", "--hidden", "16", "--lr", "0.01", "--fisher-samples", "50", "--out", dir.Path, "--name", "run", "--cheap-only", "--no-report", "--json"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("ewc-core", root.GetProperty("strategy").GetString());
        Assert.Equal("multi", root.GetProperty("heads").GetString());
        Assert.Equal(100, root.GetProperty("core_size").GetInt32());
        // Labels 0–4 within each task through its own 5-way head: the prototypes are learnt well above chance (0.2).
        Assert.True(root.GetProperty("task_a_acc_before_switch").GetDouble() >= 0.9, stdout);
        Assert.True(root.GetProperty("task_b_acc").GetDouble() >= 0.9, stdout);
        // The monitor's probes cope with the head that gets no gradient in each task.
        Assert.Equal(0, root.GetProperty("probe_failures").GetInt32());
    }
}
