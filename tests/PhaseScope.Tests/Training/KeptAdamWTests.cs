using PhaseScope.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>KeptAdamW against TorchSharp's own AdamW and Adam: the same updates to the bit, and the same state format.</summary>
public class KeptAdamWTests
{
    static (nn.Module<Tensor, Tensor> Model, Tensor X, Tensor Y) Setup()
    {
        manual_seed(7);
        var model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3));
        var x = randn(32, 6);
        var y = randint(0, 3, [32], dtype: ScalarType.Int64);
        return (model, x, y);
    }

    static float[][] Train(Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> make, int steps)
    {
        var (model, x, y) = Setup();
        using var opt = make(model.parameters());
        for (int i = 0; i < steps; i++)
        {
            opt.zero_grad();
            using var loss = nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            opt.step();
        }
        return model.parameters().Select(p => p.detach().data<float>().ToArray()).ToArray();
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.01)]
    public void UpdatesAreBitIdenticalToTorchSharpsAdamW(double decay)
    {
        var reference = Train(p => optim.AdamW(p, 1e-2, 0.9, 0.98, 1e-8, decay), 40);
        var kept = Train(p => new KeptAdamW(p, 1e-2, 0.9, 0.98, 1e-8, decay), 40);
        Assert.Equal(reference.Length, kept.Length);
        for (int i = 0; i < kept.Length; i++) Assert.Equal(reference[i], kept[i]);
        // and they moved: the comparison is not between two untouched models
        var start = Train(p => new KeptAdamW(p, 1e-2, 0.9, 0.98, 1e-8, decay), 0);
        Assert.NotEqual(start[0], kept[0]);
    }

    [Fact]
    public void WithoutDecayItIsTorchSharpsAdam()
    {
        var reference = Train(p => optim.Adam(p, 1e-3), 40);
        var kept = Train(p => new KeptAdamW(p, 1e-3, 0.9, 0.999, 1e-8, 0), 40);
        for (int i = 0; i < kept.Length; i++) Assert.Equal(reference[i], kept[i]);
    }

    [Fact]
    public void StateSavedByTorchSharpsAdamWLoadsAndContinuesIdentically()   // resume points written before KeptAdamW
    {
        var (model, x, y) = Setup();
        var (twin, _, _) = Setup();
        using var a = optim.AdamW(model.parameters(), 1e-2, 0.9, 0.98, 1e-8, 1.0);
        using var b = new KeptAdamW(twin.parameters(), 1e-2, 0.9, 0.98, 1e-8, 1.0);
        void Step(nn.Module<Tensor, Tensor> m, optim.Optimizer o)
        {
            o.zero_grad();
            using var loss = nn.functional.cross_entropy(m.call(x), y);
            loss.backward();
            o.step();
        }
        for (int i = 0; i < 10; i++) { Step(model, a); Step(twin, b); }
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) ((TorchSharp.Modules.OptimizerHelper)a).save_state_dict(w);
        stream.Position = 0;
        b.LoadState(stream);
        for (int i = 0; i < 10; i++) { Step(model, a); Step(twin, b); }
        var pa = model.parameters().Select(p => p.detach().data<float>().ToArray()).ToArray();
        var pb = twin.parameters().Select(p => p.detach().data<float>().ToArray()).ToArray();
        for (int i = 0; i < pa.Length; i++) Assert.Equal(pa[i], pb[i]);
    }
}
