using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// L2 norms of a list of tensors, per tensor and global, with one device-to-host transfer. Probes run
/// under <c>no_grad</c> (see <see cref="PhaseMonitor"/>), so no <c>detach</c> is needed; each tensor costs
/// one native call, which is what dominates the cost of the cheap probes on small models.
/// </summary>
internal static class Norms
{
    /// <summary>‖t_i‖ for each parameter index that has a tensor.</summary>
    public static void Write(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor?> tensorOf, bool perTensor, NonFiniteWatch? watch = null) =>
        WriteScalars(output, prefix, parameters, i => tensorOf(i) is { } t ? Norm.Of(linalg.vector_norm(t)) : null, perTensor, watch);


    /// <summary>‖a_i − b_i‖ for each parameter index: on the host for contiguous float32 CPU pairs (<see cref="HostFloat32.SquaredDistance(Tensor, Tensor)"/>,
    /// one read of each at memory speed), else fused on the device (<c>torch.dist</c>, no difference tensor).</summary>
    public static void WriteDistances(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Tensor> a, Func<int, Tensor?> b, bool perTensor, NonFiniteWatch? watch = null) =>
        WriteScalars(output, prefix, parameters, i => b(i) is not { } other ? null
            : HostFloat32.SquaredDistance(a(i), other) is double sq ? Norm.Of(Math.Sqrt(sq)) : Norm.Of(a(i).dist(other)), perTensor, watch);

    /// <summary>
    /// Writes <paramref name="prefix"/> = sqrt(Σ_i n_i²) and, when <paramref name="perTensor"/>,
    /// <c>prefix/name_i</c> = n_i, where n_i is a value computed on the host or a scalar norm tensor on the parameters'
    /// device (those are gathered in one transfer). The squares are summed in float64 on the host.
    /// <paramref name="watch"/>, when given, turns non-finite norms into events.
    /// </summary>
    static void WriteScalars(ProbeOutput output, string prefix, IReadOnlyList<NamedParameter> parameters,
        Func<int, Norm?> normOf, bool perTensor, NonFiniteWatch? watch)
    {
        var found = new List<Norm>(parameters.Count);
        var names = new List<string>(parameters.Count);
        var onDevice = new List<Tensor>();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (normOf(i) is not { } n) continue;
            found.Add(n);
            names.Add(parameters[i].Name);
            if (n.Device is { } t) onDevice.Add(t.dtype == ScalarType.Float64 ? t : t.to_type(ScalarType.Float64));
        }
        if (found.Count == 0) return;
        var fetched = onDevice.Count == 0 ? [] : stack(onDevice).cpu().data<double>().ToArray();
        var values = new double[found.Count];
        for (int i = 0, j = 0; i < found.Count; i++) values[i] = found[i].Device is null ? found[i].Host : fetched[j++];
        double sumSq = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sumSq += values[i] * values[i];
            if (perTensor) output.Metric($"{prefix}/{names[i]}", values[i]);
        }
        output.Metric(prefix, Math.Sqrt(sumSq));
        watch?.Check(output, names, values);
    }

    /// <summary>A norm already on the host, or a scalar tensor still to be fetched.</summary>
    readonly record struct Norm(double Host, Tensor? Device)
    {
        public static Norm Of(double value) => new(value, null);
        public static Norm Of(Tensor value) => new(double.NaN, value);
    }
}
