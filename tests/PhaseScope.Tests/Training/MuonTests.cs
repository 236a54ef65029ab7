using PhaseScope.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>Muon's update against a float64 reference written here with plain arrays, its parameter split, and its
/// resume state.</summary>
public class MuonTests
{
    const double Eta = 0.05, Mu = 0.9, Decay = 0.5;

    /// <summary>X ← aX + b(XXᵀ)X + c(XXᵀ)²X from U/‖U‖_F, five times, through the transpose for a tall U.</summary>
    static double[,] Quintic(double[,] g)
    {
        int r = g.GetLength(0), c = g.GetLength(1);
        bool tall = r > c;
        var x = tall ? T(g) : (double[,])g.Clone();
        double norm = Math.Sqrt(x.Cast<double>().Sum(v => v * v));
        x = Scale(x, 1 / norm);
        for (int s = 0; s < 5; s++)
        {
            var a = Mul(x, T(x));
            var aa = Mul(a, a);
            var poly = Add(Scale(a, NewtonSchulz.B), Scale(aa, NewtonSchulz.C));
            x = Add(Scale(x, NewtonSchulz.A), Mul(poly, x));
        }
        return tall ? T(x) : x;
    }

    static double[,] T(double[,] m)
    {
        var t = new double[m.GetLength(1), m.GetLength(0)];
        for (int i = 0; i < m.GetLength(0); i++) for (int j = 0; j < m.GetLength(1); j++) t[j, i] = m[i, j];
        return t;
    }

    static double[,] Mul(double[,] a, double[,] b)
    {
        var m = new double[a.GetLength(0), b.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < b.GetLength(1); j++)
                for (int k = 0; k < a.GetLength(1); k++) m[i, j] += a[i, k] * b[k, j];
        return m;
    }

    static double[,] Add(double[,] a, double[,] b)
    {
        var m = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m[i, j] = a[i, j] + b[i, j];
        return m;
    }

    static double[,] Scale(double[,] a, double s)
    {
        var m = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m[i, j] = a[i, j] * s;
        return m;
    }

    static double[,] Matrix(int rows, int cols, Func<int, int, double> f)
    {
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i, j] = f(i, j);
        return m;
    }

    static Tensor ToTensor(double[,] m) => tensor(m.Cast<double>().ToArray(), [m.GetLength(0), m.GetLength(1)], ScalarType.Float64);

    /// <summary>Two steps on a tall hidden weight (6×3, shape factor √2) with Nesterov momentum and decoupled decay match
    /// the formulas of the class summary computed in float64 here; the embedding is left to AdamW (its first step moves
    /// every entry by η_A·sign(g) up to ε, with decay).</summary>
    [Fact]
    public void TwoStepsMatchTheFloat64Reference()
    {
        var w0 = Matrix(6, 3, (i, j) => Math.Sin(1 + i + 3 * j));
        var g1 = Matrix(6, 3, (i, j) => Math.Cos(2 * i - j) + 0.1 * i);
        var g2 = Matrix(6, 3, (i, j) => Math.Sin(i * j + 0.5) - 0.2 * j);
        var weight = new Parameter(ToTensor(w0));
        var embed = new Parameter(tensor(new[] { 0.5, -0.25, 2.0 }, [1, 3], ScalarType.Float64));
        using var muon = new Muon([("block.fc1.weight", weight), ("tok_embed.weight", embed)], Eta, Mu, 1e-3, 0.9, 0.98, Decay);
        Assert.Same(weight, Assert.Single(muon.HiddenWeights));

        double shape = Math.Sqrt(2);
        var b = Scale(g1, 1 - Mu);                                        // B₁ = (1 − μ)G₁
        var u = Add(Scale(g1, 1 - Mu), Scale(b, Mu));                     // U₁ = (1 − μ)G₁ + μB₁
        var w1 = Add(Scale(w0, 1 - Eta * Decay), Scale(Quintic(u), -Eta * shape));
        b = Add(Scale(b, Mu), Scale(g2, 1 - Mu));
        u = Add(Scale(g2, 1 - Mu), Scale(b, Mu));
        var w2 = Add(Scale(w1, 1 - Eta * Decay), Scale(Quintic(u), -Eta * shape));

        foreach (var g in new[] { g1, g2 })
        {
            muon.ZeroGrad();
            weight.grad = ToTensor(g);
            embed.grad = tensor(new[] { 1.0, -2.0, 0.0 }, [1, 3], ScalarType.Float64);
            muon.Step();
        }
        var got = weight.detach().data<double>().ToArray();
        var want = w2.Cast<double>().ToArray();
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 1e-10);

        // AdamW on the embedding: with the same gradient g at both steps the bias-corrected moments are exactly g and g²,
        // so each step is θ ← θ(1 − η_A·λ) − η_A·g/(|g| + ε).
        var e = embed.detach().data<double>().ToArray();
        double[] start = [0.5, -0.25, 2.0], grad = [1.0, -2.0, 0.0];
        for (int i = 0; i < 3; i++)
        {
            double v = start[i];
            for (int s = 0; s < 2; s++) v = v * (1 - 1e-3 * Decay) - 1e-3 * grad[i] / (Math.Abs(grad[i]) + 1e-8);
            Assert.Equal(v, e[i], 1e-12);
        }
    }

    /// <summary>Only hidden 2-D weights: not embeddings, the read-out (<c>unembed</c>), biases or norms.</summary>
    [Theory]
    [InlineData("layers.0.attn.q_proj.weight", 2, true)]
    [InlineData("layers.0.fc2.weight", 2, true)]
    [InlineData("tok_embed.weight", 2, false)]
    [InlineData("pos_embed.weight", 2, false)]
    [InlineData("unembed.weight", 2, false)]
    [InlineData("layers.0.fc2.bias", 1, false)]
    [InlineData("layers.0.ln1.weight", 1, false)]
    public void TakesHiddenMatricesOnly(string name, int dims, bool expected)
    {
        using var p = zeros(dims == 2 ? [4, 4] : [4]);
        Assert.Equal(expected, Muon.TakesMuon(name, p));
    }

    static (Parameter[] Parameters, Muon Optimizer) Make()
    {
        var gen = new Generator(11);
        var w = new Parameter(randn([8, 5], generator: gen));
        var v = new Parameter(randn([5, 8], generator: gen));
        var bias = new Parameter(randn([5], generator: gen));
        return ([w, v, bias], new Muon([("a.weight", w), ("b.weight", v), ("b.bias", bias)], 0.02, 0.95, 1e-3, 0.9, 0.98, 0.1));
    }

    static void StepWith(Parameter[] ps, Muon m, int k)
    {
        m.ZeroGrad();
        foreach (var p in ps) p.grad = randn(p.shape, generator: new Generator((ulong)(100 + k)));
        m.Step();
    }

    /// <summary>A state written after two steps and loaded into a fresh optimizer over the same values continues exactly
    /// as the uninterrupted one (momentum, AdamW moments, step count and rate all restored).</summary>
    [Fact]
    public void SavedStateContinuesExactly()
    {
        var (a, ma) = Make();
        var (b, mb) = Make();
        StepWith(a, ma, 0);
        StepWith(a, ma, 1);
        ma.SetLearningRate(5e-4);
        using var state = new MemoryStream();
        using (var w = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) ma.SaveState(w);
        using (no_grad()) for (int i = 0; i < a.Length; i++) b[i].copy_(a[i]);
        state.Position = 0;
        mb.LoadState(state);
        Assert.Equal(0.01, mb.MuonLearningRate, 12);   // η_M halved with the AdamW rate
        StepWith(a, ma, 2);
        StepWith(b, mb, 2);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i].data<float>().ToArray(), b[i].data<float>().ToArray());
        ma.Dispose();
        mb.Dispose();
    }

    /// <summary>An AdamW state (a run started with the other optimizer) is refused with a message that says so.</summary>
    [Fact]
    public void RefusesAnotherOptimizersState()
    {
        var (ps, m) = Make();
        using var adam = new KeptAdamW(ps, 1e-3, 0.9, 0.98, 1e-8, 0);
        using var state = new MemoryStream();
        using (var w = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) adam.SaveState(w);
        state.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => m.LoadState(state));
        Assert.Contains("not Muon's", e.Message, StringComparison.Ordinal);
        m.Dispose();
    }

    [Fact]
    public void RefusesBadSettings()
    {
        using var w = new Parameter(zeros([3, 3]));
        using var e = new Parameter(zeros([3, 3]));
        Assert.Throws<ArgumentException>(() => new Muon([("tok_embed.weight", e)], 0.02, 0.95, 1e-3, 0.9, 0.98, 0));   // nothing to orthogonalise
        Assert.Throws<ArgumentException>(() => new Muon([("fc.weight", w)], 0.02, 1.0, 1e-3, 0.9, 0.98, 0));
        Assert.Throws<ArgumentException>(() => new Muon([("fc.weight", w)], 0.5, 0.95, 1e-3, 0.9, 0.98, 2.0));
        Assert.Throws<ArgumentException>(() => new Muon([("fc.weight", w)], double.NaN, 0.95, 1e-3, 0.9, 0.98, 0));
    }
}
