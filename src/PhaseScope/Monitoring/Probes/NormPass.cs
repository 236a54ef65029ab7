using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The norms the cheap probes write: ‖g‖ after backward; ‖θ‖, ‖θ − θ_{t−1}‖ and ‖θ − θ₀‖ after the step.</summary>
internal enum NormQuantity { Gradient, Parameters, Update, FromInit }

/// <summary>
/// The per-tensor norms of the norm probes that share this pass (<see cref="CheapProbes.Create"/> gives its probes one),
/// measured once per monitor call for all of them: the first probe of a call to ask measures every quantity of the call's
/// phase whose probe is due at the step, and the others read the result (the shared work is timed as the first probe's).
/// Per tensor, a contiguous float32 CPU tensor is read once on the host for all of the call's quantities of it (θ once for
/// ‖θ‖, ‖θ − θ_{t−1}‖ and ‖θ − θ₀‖: <see cref="HostFloat32.SquaredSums(Tensor, Tensor, Tensor)"/>), with no kernel launched; a tensor on another
/// device or in another dtype costs one reduction kernel per quantity, and all of the call's device norms are stacked,
/// cast to float64 once per dtype and read in one transfer. A quantity asked for that was not measured (its probe was
/// not expected at the step, e.g. under a monitor budget) is measured alone when asked.
/// </summary>
internal sealed class NormPass
{
    readonly Dictionary<NormQuantity, ProbeSchedule> members = [];
    readonly Dictionary<NormQuantity, double?[]> values = [];
    Func<int, Tensor?>? initial;
    ProbeContext? measured;

    /// <summary>Adds the probe that writes <paramref name="quantity"/> on <paramref name="schedule"/>.</summary>
    public void Join(NormQuantity quantity, ProbeSchedule schedule)
    {
        if (!members.TryAdd(quantity, schedule))
            throw new ArgumentException($"Two probes of one norm pass write the same quantity ({quantity}).", nameof(quantity));
    }

    /// <summary>θ₀ of each watched tensor, for <see cref="NormQuantity.FromInit"/> (the distance probe holds it).</summary>
    public void UseInitial(Func<int, Tensor?> initialOf) => initial = initialOf;

    /// <summary>‖·‖ of <paramref name="quantity"/> per watched tensor in this call (null where the tensor has none, e.g. no gradient).</summary>
    public IReadOnlyList<double?> Of(ProbeContext context, NormQuantity quantity)
    {
        if (!ReferenceEquals(context, measured)) { values.Clear(); measured = context; }
        if (!values.ContainsKey(quantity))
            Measure(context, members.Keys.Where(q => q == quantity
                || !values.ContainsKey(q) && PhaseOf(q) == PhaseOf(quantity) && members[q].IsDue(context.Step, 0)).ToHashSet());
        return values[quantity];
    }

    /// <summary><paramref name="t"/> when it has <paramref name="like"/>'s shape, else null (a reference kept from another
    /// watched set is no reference: its probe reports that itself, and the other probes of the pass go on).</summary>
    static Tensor? SameShape(Tensor? t, Tensor like) => t is not null && t.shape.SequenceEqual(like.shape) ? t : null;

    static MonitorPhase PhaseOf(NormQuantity q) => q == NormQuantity.Gradient ? MonitorPhase.AfterBackward : MonitorPhase.AfterStep;

    void Measure(ProbeContext context, HashSet<NormQuantity> wanted)
    {
        int n = context.Parameters.Count;
        foreach (var q in wanted) values[q] = new double?[n];
        var onDevice = new List<(NormQuantity Quantity, int Index, Tensor Norm)>();
        for (int i = 0; i < n; i++)
        {
            if (wanted.Contains(NormQuantity.Gradient) && context.Gradient(i) is { } g)
            {
                if (HostFloat32.SquaredSums(g, null, null) is { } s) values[NormQuantity.Gradient][i] = Math.Sqrt(s.A);
                else onDevice.Add((NormQuantity.Gradient, i, linalg.vector_norm(g)));
            }
            var theta = context.Parameters[i].Value;
            var previous = wanted.Contains(NormQuantity.Update) ? SameShape(context.Previous(i), theta) : null;
            var start = wanted.Contains(NormQuantity.FromInit) ? SameShape(initial?.Invoke(i), theta) : null;
            bool norm = wanted.Contains(NormQuantity.Parameters);
            if (!norm && previous is null && start is null) continue;
            if (HostFloat32.SquaredSums(theta, previous, start) is { } h)
            {
                if (norm) values[NormQuantity.Parameters][i] = Math.Sqrt(h.A);
                if (previous is not null) values[NormQuantity.Update][i] = Math.Sqrt(h.AB);
                if (start is not null) values[NormQuantity.FromInit][i] = Math.Sqrt(h.AC);
                continue;
            }
            if (norm) onDevice.Add((NormQuantity.Parameters, i, linalg.vector_norm(theta)));
            if (previous is not null) onDevice.Add((NormQuantity.Update, i, theta.dist(previous)));
            if (start is not null) onDevice.Add((NormQuantity.FromInit, i, theta.dist(start)));
        }
        if (onDevice.Count == 0) return;
        var fetched = Fetch(onDevice.Select(d => d.Norm).ToList());
        for (int j = 0; j < onDevice.Count; j++) values[onDevice[j].Quantity][onDevice[j].Index] = fetched[j];
    }

    /// <summary>The scalar norms' values, in order, in one device-to-host transfer: stacked per dtype, cast to float64 once per dtype.</summary>
    static double[] Fetch(List<Tensor> norms)
    {
        var order = Enumerable.Range(0, norms.Count).GroupBy(j => norms[j].dtype).ToList();
        var parts = order.Select(group => stack(group.Select(j => norms[j]).ToArray()).to_type(ScalarType.Float64)).ToArray();
        var flat = (parts.Length == 1 ? parts[0] : cat(parts)).cpu().data<double>().ToArray();
        var result = new double[norms.Count];
        int k = 0;
        foreach (var group in order)
            foreach (var j in group) result[j] = flat[k++];
        return result;
    }
}
