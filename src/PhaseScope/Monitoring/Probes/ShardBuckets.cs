using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Groups a model's (θ, g) pairs into shards for mergeable statistics: consecutive tensors of one dtype and device are
/// flattened and concatenated until a shard would exceed <see cref="MaxElements"/>, so a model of many small tensors
/// costs a few native calls per statistic instead of a few per tensor (TorchSharp's ~10 µs per call dominated the
/// moments probe: 26 tensors of the reference transformer, 30 ms per call). A tensor larger than the cap is its own
/// shard and is not copied. Global values stay merges of shard partials; the copies are bounded by the cap.
/// </summary>
public static class ShardBuckets
{
    /// <summary>Largest concatenated shard (elements): 2²² (16 MiB of float32 per side).</summary>
    public const long MaxElements = 1L << 22;

    /// <summary>One shard: its label (first…last tensor name), θ and g flat (owned by the caller: dispose).</summary>
    public sealed record Shard(string Label, Tensor Theta, Tensor Gradient, bool Owned) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            if (!Owned) return;
            Theta.Dispose();
            Gradient.Dispose();
        }
    }

    /// <summary>The shards of the parameters that have a gradient in <paramref name="context"/>.</summary>
    public static List<Shard> Of(ProbeContext context)
    {
        var shards = new List<Shard>();
        var pending = new List<(string Name, Tensor Theta, Tensor Gradient)>();
        long pendingCount = 0;
        void FlushPending()
        {
            if (pending.Count == 0) return;
            using var noGrad = no_grad();
            string label = pending.Count == 1 ? pending[0].Name : $"{pending[0].Name} … {pending[^1].Name}";
            if (pending.Count == 1) shards.Add(new Shard(label, pending[0].Theta, pending[0].Gradient, Owned: false));
            else
            {
                using var scope = NewDisposeScope();
                var theta = cat(pending.Select(p => p.Theta.detach().flatten()).ToArray()).MoveToOuterDisposeScope();
                var grad = cat(pending.Select(p => p.Gradient.detach().flatten()).ToArray()).MoveToOuterDisposeScope();
                shards.Add(new Shard(label, theta, grad, Owned: true));
            }
            pending.Clear();
            pendingCount = 0;
        }
        for (int i = 0; i < context.Parameters.Count; i++)
        {
            if (context.Gradient(i) is not { } g) continue;
            var theta = context.Parameters[i].Value;
            long n = theta.numel();
            if (pending.Count > 0 && (pendingCount + n > MaxElements || pending[0].Theta.dtype != theta.dtype || pending[0].Gradient.dtype != g.dtype
                || pending[0].Theta.device.ToString() != theta.device.ToString() || theta.numel() != g.numel()))
                FlushPending();
            pending.Add((context.Parameters[i].Name, theta, g));
            pendingCount += n;
            if (n != g.numel()) FlushPending(); // mismatched pairs stay alone, so the partials name the tensor in their error
        }
        FlushPending();
        return shards;
    }
}
