using PhaseScope.Checkpoints;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.SpectralEdge;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>
/// Buffers are not parameters (BatchNorm's running statistics and counter never reach a probe; in a checkpoint they
/// are skipped with a note, as are integer tensors), and nn.MultiheadAttention's packed in_proj_weight is seen as its
/// q, k and v projections: rows [0, E), [E, 2E), [2E, 3E).
/// </summary>
public class BuffersAndPackedAttentionTests
{
    [Fact]
    public void ABatchNormModelsMonitorWatchesNoBuffer()
    {
        manual_seed(1);
        using var model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2));
        using var x = randn(8, 4);
        using (var _ = model.call(x)) { }   // a forward in training mode updates the running statistics and the counter
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, [new ParameterNormProbe()], [sink]);
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"], monitor.Parameters.Select(p => p.Name));
        var state = model.state_dict().Keys.ToList();   // the state dict does hold them
        Assert.Contains("1.running_mean", state);
        Assert.Contains("1.num_batches_tracked", state);
        monitor.AfterStep(1);
        Assert.DoesNotContain(sink.Metrics, m => m.Name.Contains("running_", StringComparison.Ordinal) || m.Name.Contains("num_batches", StringComparison.Ordinal));
    }

    [Fact]
    public void ACheckpointsNormalisationBuffersAreToldByTheirLastNameSegment()
    {
        // torch.nn's BatchNorm/InstanceNorm register exactly these buffers; the offline commands leave them out
        // (BatchNormCheckpointTests runs spectral on such checkpoints).
        string[] buffers = ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "running_mean", "a.b.running_var"];
        string[] parameters = ["conv.weight", "bn.weight", "bn.bias", "running_mean_head.weight", "my_running_var", "mask"];
        Assert.All(buffers, n => Assert.True(BufferNames.IsBuffer(n), n));
        Assert.All(parameters, n => Assert.False(BufferNames.IsBuffer(n), n));
    }

    static (nn.Module Model, Tensor Packed) Attention(long e, long heads)
    {
        manual_seed(2);
        var model = new Block(e, heads);
        var packed = model.named_parameters().Single(p => p.name == "attn.in_proj_weight").parameter;
        return (model, packed);
    }

    [Fact]
    public void PackedProjectionsSplitIntoQkvViews()
    {
        const long e = 8;
        var (model, packed) = Attention(e, 2);
        using var _ = model;
        Assert.Equal([3 * e, e], packed.shape);
        var split = AttentionProjections.Split(WatchedNames(model));
        var byName = split.ToDictionary(p => p.Name, p => p.Value);
        Assert.DoesNotContain("attn.in_proj_weight", byName.Keys);
        Assert.Contains("attn.in_proj_bias", byName.Keys);   // a bias is not a projection matrix: kept as it is
        Assert.Contains("attn.out_proj.weight", byName.Keys);
        // the rows of the packed tensor, read out one by one (not through narrow)
        var rows = packed.detach().data<float>().ToArray();
        string[] order = ["attn.q_proj.weight", "attn.k_proj.weight", "attn.v_proj.weight"];
        for (int part = 0; part < 3; part++)
        {
            var view = byName[order[part]];
            Assert.Equal([e, e], view.shape);
            var expected = rows.Skip((int)(part * e * e)).Take((int)(e * e)).ToArray();
            Assert.Equal(expected, view.contiguous().data<float>().ToArray());
        }
        // views, not copies: a change of the parameter shows in the view
        using (no_grad()) packed[TensorIndex.Single(e)].fill_(7.0f);   // row E is the key projection's first row
        Assert.All(byName["attn.k_proj.weight"][0].data<float>().ToArray(), v => Assert.Equal(7.0f, v));
        Assert.Equal(split.Select(p => p.Name).Take(3), order);   // q, k, v at the packed tensor's place
    }

    static List<NamedParameter> WatchedNames(nn.Module model) =>
        model.named_parameters().Select(p => new NamedParameter(p.name, p.parameter)).ToList();

    [Fact]
    public void TheAttentionPresetMatchesThePackedProjection()
    {
        var attention = new TensorSelection("attention");
        Assert.True(attention.Matches("blocks.0.attn.in_proj_weight"));
        Assert.True(attention.Matches("in_proj_weight"));
        Assert.True(attention.Matches("blocks.0.attn.out_proj.weight"));
        Assert.True(attention.Matches("layers.1.q_proj.weight"));
        Assert.False(attention.Matches("blocks.0.attn.in_proj_bias"));
        Assert.False(attention.Matches("blocks.0.attn.out_proj.bias"));
        Assert.False(attention.Matches("mlp.0.weight"));
        Assert.False(attention.Matches("blocks.0.attn.my_in_proj_weight"));
    }

    [Fact]
    public void TheAttentionOperatorOfAPackedBlockIsWqTransposedWk()
    {
        const long e = 6;
        var (model, packed) = Attention(e, 3);
        using var _ = model;
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, [new WeightSpectraProbe(schedule: ProbeSchedule.Every(1))], [sink]);
        monitor.AfterStep(1);
        // W_Q, W_K as rows [0, E) and [E, 2E) of the packed tensor, in float64, through index_select
        using var w = packed.detach().to_type(ScalarType.Float64);
        using var wq = w.index_select(0, arange(0, e));
        using var wk = w.index_select(0, arange(e, 2 * e));
        var sigma = linalg.svdvals(wq.t().matmul(wk)).data<double>().ToArray();
        var stored = sink.Metrics.Where(m => m.Name.StartsWith("attn_op/attn/sigma_", StringComparison.Ordinal)).OrderBy(m => m.Name).Select(m => m.Value).ToArray();
        Assert.Equal(4, stored.Length);
        for (int j = 0; j < 4; j++) Assert.Equal(sigma[j], stored[j], 1e-12);
        Assert.Contains(sink.Metrics, m => m.Name == "weights/attn.v_proj.weight/sigma_1");
    }

    /// <summary>A module holding one nn.MultiheadAttention under the name <c>attn</c>.</summary>
    sealed class Block : nn.Module
    {
        readonly TorchSharp.Modules.MultiheadAttention attn;

        public Block(long e, long heads) : base(nameof(Block))
        {
            attn = nn.MultiheadAttention(e, heads);
            RegisterComponents();
        }
    }
}
