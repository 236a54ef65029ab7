using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

public class ObjectiveTests
{
    /// <summary>A "model" that ignores its input and returns fixed logits.</summary>
    sealed class FixedLogits(Tensor logits) : nn.Module<Tensor, Tensor>("fixed")
    {
        public override Tensor forward(Tensor input) => logits.narrow(0, 0, input.shape[0]).alias();
    }

    [Fact]
    public void PerPositionAccuracyCountsTokensAndWholeSequences()
    {
        // 3 sequences × 3 positions, 2 classes. Predictions (argmax) vs targets, −100 = not scored:
        //   seq 0: pred [0,1,1] target [0,1,−100] → 2/2 right, sequence right
        //   seq 1: pred [1,1,0] target [1,0,0]    → 2/3 right, sequence wrong
        //   seq 2: pred [0,0,0] target [0,−100,−100] → 1/1 right, sequence right
        // token accuracy = 5/6, sequence accuracy = 2/3.
        int[,] pred = { { 0, 1, 1 }, { 1, 1, 0 }, { 0, 0, 0 } };
        var logits = zeros(3, 3, 2);
        for (int s = 0; s < 3; s++)
            for (int t = 0; t < 3; t++)
                logits[s, t, pred[s, t]] = tensor(2.0f);
        using var targets = tensor(new long[] { 0, 1, -100, 1, 0, 0, 0, -100, -100 }).reshape(3, 3);
        using var inputs = zeros(3, 3, ScalarType.Int64);
        using var model = new FixedLogits(logits);

        var (loss, token, sequence) = Objective.Measure(model, inputs, targets, perPosition: true, chunk: 2);

        Assert.Equal(5.0 / 6, token, 12);
        Assert.Equal(2.0 / 3, sequence, 12);
        // Cross-entropy of logits (2, 0): right → log(1 + e^−2), wrong → log(1 + e^2); 5 right, 1 wrong.
        double expected = (5 * Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(2))) / 6;
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void LastPositionTasksScoreTheLastLogitOnly()
    {
        var logits = zeros(2, 4, 3);
        logits[0, 3, 2] = tensor(5.0f); // seq 0 predicts 2 at the last position
        logits[1, 3, 0] = tensor(5.0f); // seq 1 predicts 0
        logits[1, 0, 1] = tensor(9.0f); // earlier positions are ignored
        using var targets = tensor(new long[] { 2, 1 });
        using var model = new FixedLogits(logits);
        var (_, token, sequence) = Objective.Measure(model, zeros(2, 4, ScalarType.Int64), targets, perPosition: false);
        Assert.Equal(0.5, token, 12);
        Assert.Equal(0.5, sequence, 12);
    }

    [Fact]
    public void DyckReportsSequenceAccuracyAndKeepsTokenAccuracy()
    {
        using var task = Dyck1.Create(dataSeed: 1, totalSequences: 80, trainCount: 20);
        Assert.True(task.SequenceAccuracy);
        manual_seed(1);
        using var model = new PhaseScope.Training.Models.PreNormTransformer(
            PhaseScope.Training.Models.TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var r = new Trainer(task, model, new TrainerOptions { Steps = 1, BatchSize = 20 }).Evaluate();
        Assert.NotNull(r.TestTokenAccuracy);
        Assert.True(r.TestAccuracy <= r.TestTokenAccuracy, "a sequence is right only when all its tokens are");
    }
}
