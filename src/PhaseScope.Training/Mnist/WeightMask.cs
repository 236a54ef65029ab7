using static TorchSharp.torch;

namespace PhaseScope.Training.Mnist;

/// <summary>
/// A pruning mask: for each pruned weight tensor (by parameter name) a 0/1 tensor of its shape. <see cref="Apply"/>
/// zeroes the pruned weights in place (after initialisation and after every optimizer step, so they stay zero);
/// <see cref="Rewind"/> is Frankle and Carbin's reset: every parameter back to its value at initialisation θ₀, then the
/// mask, so the surviving weights equal θ₀'s bit for bit.
/// </summary>
public sealed class WeightMask : IDisposable
{
    readonly Dictionary<string, Tensor> masks;

    /// <summary>Takes ownership of <paramref name="masks"/> (name → 0/1 float tensor).</summary>
    public WeightMask(IReadOnlyDictionary<string, Tensor> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        this.masks = masks.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>The masks, by parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor> Masks => masks;

    /// <summary>Share of the masked tensors' weights that are pruned, per tensor.</summary>
    public IReadOnlyDictionary<string, double> Sparsity =>
        masks.ToDictionary(kv => kv.Key, kv => 1.0 - kv.Value.sum().to_type(ScalarType.Float64).item<double>() / kv.Value.numel());

    /// <summary>Share of all masked weights that are pruned.</summary>
    public double GlobalSparsity =>
        1.0 - masks.Values.Sum(m => m.sum().to_type(ScalarType.Float64).item<double>()) / masks.Values.Sum(m => (double)m.numel());

    /// <summary>Zeroes the pruned weights of <paramref name="module"/> in place.</summary>
    public void Apply(nn.Module module)
    {
        using var noGrad = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, mask) in masks)
        {
            if (!parameters.TryGetValue(name, out var p)) throw new ArgumentException($"The model has no parameter {name} to mask.", nameof(module));
            if (!p.shape.SequenceEqual(mask.shape)) throw new ArgumentException($"The mask of {name} is [{string.Join(", ", mask.shape)}] but the weight [{string.Join(", ", p.shape)}].", nameof(module));
            p.mul_(mask);
        }
    }

    /// <summary>Copies <paramref name="initial"/> (every parameter, by name) into <paramref name="module"/>, then applies the mask.</summary>
    public void Rewind(nn.Module module, IReadOnlyDictionary<string, Tensor> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        using (no_grad())
            foreach (var (name, p) in module.named_parameters())
            {
                if (!initial.TryGetValue(name, out var v)) throw new ArgumentException($"The initial weights lack {name}.", nameof(initial));
                if (!p.shape.SequenceEqual(v.shape)) throw new ArgumentException($"The initial {name} is [{string.Join(", ", v.shape)}] but the model's [{string.Join(", ", p.shape)}].", nameof(initial));
                p.copy_(v);
            }
        Apply(module);
    }

    /// <summary>Releases the masks.</summary>
    public void Dispose()
    {
        foreach (var m in masks.Values) m.Dispose();
        masks.Clear();
    }

    /// <summary>All-ones masks (nothing pruned) for the named weights of <paramref name="module"/>.</summary>
    public static WeightMask Dense(nn.Module module, IEnumerable<string> names)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return new WeightMask(names.ToDictionary(n => n, n => ones_like(parameters[n]).detach()));
    }
}
