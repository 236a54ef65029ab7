using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Training;

public class TaskTests
{
    [Theory]
    [InlineData("add")]
    [InlineData("sub")]
    [InlineData("mul")]
    [InlineData("div")]
    [InlineData("x2_y2")]
    public void ModularLabelsSatisfyTheirDefiningEquation(string opName)
    {
        const int p = 13;
        var op = ModularArithmetic.ParseOperation(opName);
        using var t = ModularArithmetic.Create(p, op, 0.5, dataSeed: 3);
        long total = op == ModularOperation.Div ? p * (p - 1) : p * p;
        Assert.Equal(total, t.TrainCount + t.TestCount);
        Assert.Equal(total / 2, t.TrainCount);
        var x = torch_cat(t.TrainInputs, t.TestInputs);
        var y = torch_cat(t.TrainTargets, t.TestTargets);
        var pairs = new HashSet<(long, long)>();
        for (int i = 0; i < x.Length / 4; i++)
        {
            long a = x[4 * i], opTok = x[4 * i + 1], b = x[4 * i + 2], eq = x[4 * i + 3], c = y[i];
            Assert.Equal((p, p + 1), (opTok, eq));
            Assert.True(pairs.Add((a, b)));
            // Checked by the inverse relation, not by recomputing the operation.
            bool ok = op switch
            {
                ModularOperation.Add => (c - b - a) % p == 0,
                ModularOperation.Sub => (c + b - a) % p == 0,
                ModularOperation.Mul => (c - a * b) % p == 0,
                ModularOperation.Div => (c * b - a) % p == 0,
                _ => (c - a * a - b * b) % p == 0,
            };
            Assert.True(ok && c >= 0 && c < p, $"{a} {opName} {b} = {c}");
        }
    }

    static long[] torch_cat(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.data<long>().ToArray().Concat(b.data<long>().ToArray()).ToArray();

    [Fact]
    public void SplitDependsOnTheDataSeedOnly()
    {
        using var a = ModularArithmetic.Create(11, ModularOperation.Add, 0.3, 1);
        using var b = ModularArithmetic.Create(11, ModularOperation.Add, 0.3, 1);
        using var c = ModularArithmetic.Create(11, ModularOperation.Add, 0.3, 2);
        Assert.Equal(a.TrainInputs.data<long>().ToArray(), b.TrainInputs.data<long>().ToArray());
        Assert.NotEqual(a.TrainInputs.data<long>().ToArray(), c.TrainInputs.data<long>().ToArray());
    }

    [Theory]
    [InlineData(96, "div", 0.5, "not prime")]
    [InlineData(97, "div", 1.0, "strictly between 0 and 1")]
    [InlineData(97, "add", 0.0, "strictly between 0 and 1")]
    [InlineData(1, "add", 0.5, "at least 2")]
    public void BadModularOptionsAreNamed(int p, string op, double fraction, string expected)
    {
        var e = Assert.Throws<TaskConfigurationException>(() => ModularArithmetic.Create(p, ModularArithmetic.ParseOperation(op), fraction, 0));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void UnknownOperationIsNamed()
    {
        var e = Assert.Throws<TaskConfigurationException>(() => ModularArithmetic.ParseOperation("pow"));
        Assert.Contains("'pow'", e.Message);
    }

    [Fact]
    public void DyckSequencesAreBalancedAndLabelledWithPrefixDepth()
    {
        using var t = Dyck1.Create(dataSeed: 5);
        Assert.Equal(50, t.TrainCount);
        Assert.Equal(5000, t.TestCount);
        Assert.Equal(13, t.ClassCount);
        var x = t.TestInputs.data<long>().ToArray();
        var y = t.TestTargets.data<long>().ToArray();
        int maxPairsSeen = 0, opens = 0, total = 0;
        for (int s = 0; s < t.TestCount; s++)
        {
            int depth = 0, pairs = 0;
            bool padded = false;
            for (int i = 0; i < Dyck1.Context; i++)
            {
                long tok = x[s * Dyck1.Context + i], label = y[s * Dyck1.Context + i];
                if (tok == Dyck1.Pad) { padded = true; Assert.Equal(-100, label); continue; }
                Assert.False(padded, "a bracket after padding");
                if (tok == Dyck1.Open) { depth++; pairs++; opens++; } else depth--;
                total++;
                Assert.True(depth >= 0);
                Assert.Equal(depth, label);
            }
            Assert.Equal(0, depth);
            Assert.InRange(pairs, 1, Dyck1.MaxPairs);
            maxPairsSeen = Math.Max(maxPairsSeen, pairs);
        }
        Assert.Equal(Dyck1.MaxPairs, maxPairsSeen);
        Assert.Equal(0.5, (double)opens / total, 3);
    }
}
