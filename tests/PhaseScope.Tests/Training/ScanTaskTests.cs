using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>
/// SCAN as tensors and the encoder–decoder model: every command of the grammar encodes and decodes back to its own
/// actions; the decoder is causal; trimming trailing padding changes no scored logit; and the teacher-forced sequence
/// accuracy equals greedy decoding's exact match, computed here by an independent greedy decoder.
/// </summary>
public class ScanTaskTests
{
    [Fact]
    public void EveryCommandRoundTripsThroughItsTensors()
    {
        var all = ScanGrammar.All();
        var (x, y) = ScanTask.Encode(all);
        using (x)
        using (y)
        {
            Assert.Equal(new long[] { all.Count, ScanTask.SourceLength + ScanTask.DecoderLength }, x.shape);
            Assert.Equal(new long[] { all.Count, ScanTask.DecoderLength }, y.shape);
            var xs = x.data<long>().ToArray();
            var ys = y.data<long>().ToArray();
            int row = ScanTask.SourceLength + ScanTask.DecoderLength;
            for (int n = 0; n < all.Count; n++)
            {
                var target = ys.AsSpan(n * ScanTask.DecoderLength, ScanTask.DecoderLength).ToArray();
                Assert.Equal(all[n].Actions, ScanTask.Decode(target));
                int length = all[n].ActionCount;
                Assert.Equal(ScanTask.Eos, target[length]);
                Assert.All(target.Skip(length + 1), t => Assert.Equal(TaskData.IgnoreIndex, t));
                // Decoder input = BOS then the actions shifted by one (teacher forcing).
                Assert.Equal(ScanTask.Bos, xs[n * row + ScanTask.SourceLength]);
                for (int j = 0; j < length; j++) Assert.Equal(ScanTask.ActionToken(target[j]), xs[n * row + ScanTask.SourceLength + 1 + j]);
                var words = xs.Skip(n * row).Take(ScanTask.SourceLength).TakeWhile(t => t != ScanTask.Pad).Select(t => ScanTask.Words[t]);
                Assert.Equal(all[n].Command, string.Join(' ', words));
            }
        }
    }

    [Fact]
    public void TaskDrawsTheRequestedTrainingCommandsAndRefusesTooMany()
    {
        using var task = ScanTask.Create(ScanSplits.Simple(3), 100, 3);
        Assert.Equal(100, task.TrainCount);
        Assert.Equal(20910 - ScanSplits.SimpleTrainCount, task.TestCount);
        Assert.Throws<TaskConfigurationException>(() => ScanTask.Create(ScanSplits.Simple(3), ScanSplits.SimpleTrainCount + 1, 3));
        Assert.Throws<TaskConfigurationException>(() => ScanTask.Encode([new ScanExample("walk sideways", "I_WALK")]));
    }

    static (TaskData Task, nn.Module<Tensor, Tensor> Model) Small(int seed)
    {
        var task = ScanTask.Create(ScanSplits.Simple(seed), 64, seed);
        manual_seed(seed);
        var model = TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64).CreateModel();
        Assert.IsType<EncoderDecoderTransformer>(model);
        return (task, model);
    }

    /// <summary>Changing the decoder input at position j leaves every logit before j unchanged and changes position j's.</summary>
    [Fact]
    public void DecoderIsCausal()
    {
        var (task, model) = Small(1);
        using (task)
        using (model)
        using (no_grad())
        {
            using var x = task.TrainInputs.narrow(0, 0, 4).clone();
            using var before = model.call(x);
            int j = 5;
            x[TensorIndex.Colon, ScanTask.SourceLength + j] = tensor(ScanTask.ActionToken(3));
            using var after = model.call(x);
            using var prefixDiff = (before.narrow(1, 0, j) - after.narrow(1, 0, j)).abs().max();
            using var atDiff = (before.select(1, j) - after.select(1, j)).abs().max();
            Assert.Equal(0, prefixDiff.item<float>());
            Assert.True(atDiff.item<float>() > 0);
        }
    }

    /// <summary>Trimming trailing padding keeps every scored logit (up to float rounding of different shapes).</summary>
    [Fact]
    public void TrimmingTrailingPaddingKeepsScoredLogits()
    {
        var (task, model) = Small(2);
        using (task)
        using (model)
        using (no_grad())
        {
            using var x = task.TrainInputs.narrow(0, 0, 16);
            using var y = task.TrainTargets.narrow(0, 0, 16);
            var (tx, ty) = Objective.TrimTrailingPadding(x, y, ScanTask.SourceLength);
            using (tx)
            using (ty)
            {
                long longest = y.ne(TaskData.IgnoreIndex).sum(1).max().item<long>();
                Assert.Equal(longest, ty.shape[1]);
                using var full = model.call(x);
                using var trimmed = model.call(tx);
                using var diff = (full.narrow(1, 0, longest) - trimmed).abs().max();
                Assert.True(diff.item<float>() < 1e-5f, $"trimmed logits differ by {diff.item<float>()}");
            }
        }
    }

    /// <summary>
    /// The theorem in <see cref="ScanTask"/>'s remarks: teacher-forced "every position right" equals greedy decoding's
    /// exact match. A briefly trained model gets some commands right and some wrong; an independent greedy decoder
    /// (feeding back its own argmax, one position at a time) must agree with the teacher-forced verdict on every one.
    /// </summary>
    [Fact]
    public void TeacherForcedSequenceAccuracyEqualsGreedyExactMatch()
    {
        // Trained on the 64 commands with the fewest actions (it learns them), scored on those and the next 64 unseen
        // ones (mostly wrong): both verdicts occur.
        var shortest = ScanGrammar.All().OrderBy(e => e.ActionCount).ThenBy(e => e.Command, StringComparer.Ordinal).Take(128).ToList();
        var (trainX, trainY) = ScanTask.Encode(shortest.Take(64).ToList());
        var (testX, testY) = ScanTask.Encode(shortest);
        using var task = new TaskData
        {
            Description = "SCAN shortest 64", TrainInputs = trainX, TrainTargets = trainY, TestInputs = testX, TestTargets = testY,
            VocabularySize = ScanTask.InputTokens, ClassCount = ScanTask.Actions.Length + 1, ContextLength = ScanTask.SourceLength + ScanTask.DecoderLength,
            SourceLength = ScanTask.SourceLength, PerPosition = true, SequenceAccuracy = true, Causal = true,
        };
        manual_seed(4);
        using var model = TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64).CreateModel();
        {
            new Trainer(task, model, new TrainerOptions { Steps = 150, BatchSize = 64, LearningRate = 3e-3, EvaluateEvery = 1000, Seed = 4 }).Run();
            model.eval();
            using var _ = no_grad();
            int n = 128, s = ScanTask.SourceLength;
            var x = task.TestInputs;
            var y = task.TestTargets;
            using var logits = model.call(x);
            using var mask = y.ne(TaskData.IgnoreIndex);
            using var right = logits.argmax(-1).eq(y).logical_or(mask.logical_not()).all(1);
            var teacher = right.data<bool>().ToArray();

            var greedy = new bool[n];
            var ys = y.data<long>().ToArray();
            for (int i = 0; i < n; i++)
            {
                var gold = ys.Skip(i * ScanTask.DecoderLength).Take(ScanTask.DecoderLength).TakeWhile(t => t != TaskData.IgnoreIndex).ToList();
                var row = x[i].data<long>().ToArray();
                for (int j = s + 1; j < row.Length; j++) row[j] = ScanTask.Pad;
                var produced = new List<long>();
                for (int j = 0; j < ScanTask.DecoderLength; j++)
                {
                    using var input = tensor(row.Take(s + j + 1).ToArray(), [1, s + j + 1]);
                    using var out_ = model.call(input);
                    long next = out_[0, j].argmax().item<long>();
                    produced.Add(next);
                    if (next == ScanTask.Eos) break;
                    if (j + 1 < ScanTask.DecoderLength) row[s + j + 1] = ScanTask.ActionToken(next);
                }
                greedy[i] = produced.SequenceEqual(gold);
            }
            Assert.Equal(greedy, teacher);
            Assert.Contains(true, teacher);
            Assert.Contains(false, teacher);
        }
    }
}
