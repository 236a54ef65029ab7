using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// The monitor's part of a resume point (<see cref="PhaseMonitor.SaveState"/>, <see cref="PhaseMonitor.LoadState"/>): a
/// safetensors file with every <see cref="IResumableProbe"/>'s tensors and values under <c>probe/key</c>, and under
/// <c>(monitor)/</c> per probe its call count, seconds and whether it was disabled (so a resumed run's cost table covers
/// the whole run), the budget's account and the monitor's own bookkeeping time.
/// </summary>
internal static class MonitorStateFile
{
    /// <summary>Writes the state (atomically).</summary>
    public static void Save(string path, IReadOnlyList<ProbeSlot> slots, MonitorBudget? budget, double bookkeepingSeconds, long bookkeepingCalls,
        Func<long, double> seconds, IReadOnlyDictionary<string, string>? extraMetadata)
    {
        var tensors = new List<(string, Tensor)>();
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>());
        var states = new List<ProbeState>();
        var own = new ProbeState();   // the monitor's bookkeeping, under "(monitor)/"
        try
        {
            foreach (var slot in slots)
            {
                string prefix = slot.Probe.Name + "/";
                own.Set($"calls/{slot.Probe.Name}", slot.Calls);
                own.Set($"seconds/{slot.Probe.Name}", seconds(slot.Ticks));
                own.Set($"disabled/{slot.Probe.Name}", slot.Disabled);
                if (slot.Disabled || slot.Probe is not IResumableProbe resumable) continue;
                var state = new ProbeState();
                states.Add(state);
                using (NewDisposeScope()) using (no_grad()) resumable.SaveState(state);
                foreach (var (k, t) in state.Tensors) tensors.Add((prefix + k, t));
                foreach (var (k, v) in state.Values) metadata[prefix + k] = v;
            }
            if (budget is not null)
            {
                var budgetState = new ProbeState();
                budget.SaveState(budgetState);
                foreach (var (k, v) in budgetState.Values) own.Set($"budget/{k}", v);
            }
            own.Set("bookkeeping_seconds", bookkeepingSeconds);
            own.Set("bookkeeping_calls", bookkeepingCalls);
            foreach (var (k, v) in own.Values) metadata[$"{PhaseMonitor.BookkeepingName}/{k}"] = v;
            Checkpoints.Safetensors.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var s in states) s.DisposeTensors();
        }
    }

    /// <summary>
    /// Restores a state written by <see cref="Save"/> into the same probes (attached to the same parameters); each restored
    /// probe republishes its readings. A probe whose state does not fit is reported (<c>probe_state_lost</c>) and starts
    /// afresh; <paramref name="loaded"/> runs once the file was read. With <paramref name="probesOnly"/> (a rollback) only the
    /// probes' own states are taken back: their call counts, seconds and disabled flags and the budget's account stay as they are.
    /// </summary>
    /// <returns>The monitor's own bookkeeping seconds and calls, when stored (null with <paramref name="probesOnly"/>).</returns>
    public static (double? BookkeepingSeconds, long? BookkeepingCalls) Load(string path, long step, IReadOnlyList<ProbeSlot> slots, MonitorBudget? budget,
        MonitorReadings readings, Action<MonitorEvent> emit, long ticksPerSecond, Action loaded, bool probesOnly = false)
    {
        var tensors = Checkpoints.Safetensors.Load(path, out var metadata);
        // The values (and, for a probe, the tensors) stored under "prefix/", with the prefix taken off.
        ProbeState StateUnder(string prefix, bool withTensors)
        {
            var state = new ProbeState();
            foreach (var (k, v) in metadata) if (k.StartsWith(prefix, StringComparison.Ordinal)) state.Set(k[prefix.Length..], v);
            if (withTensors)
                foreach (var (k, t) in tensors) if (k.StartsWith(prefix, StringComparison.Ordinal)) state.AdoptTensor(k[prefix.Length..], t);
            return state;
        }
        try
        {
            loaded();
            var own = StateUnder(PhaseMonitor.BookkeepingName + "/", withTensors: false);
            foreach (var slot in slots)
            {
                string name = slot.Probe.Name;
                if (!probesOnly && own.Long($"calls/{name}") is long calls) slot.Calls = calls;
                if (!probesOnly && own.Double($"seconds/{name}") is double secs) slot.Ticks = (long)(secs * ticksPerSecond);
                if (!probesOnly && own.Flag($"disabled/{name}") == true) slot.Disabled = true;
                if (slot.Disabled || slot.Probe is not IResumableProbe resumable) continue;
                var state = StateUnder(name + "/", withTensors: true);
                try
                {
                    using (NewDisposeScope()) using (no_grad()) resumable.LoadState(state);
                    resumable.Republish(readings);
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or OverflowException)
                {
                    emit(new MonitorEvent(step, "probe_state_lost", name,
                        $"Probe '{name}' could not take back its state from {Path.GetFileName(path)} ({e.Message}); it starts afresh."));
                }
            }
            if (probesOnly) return (null, null);
            if (budget is not null)
            {
                try
                {
                    budget.LoadState(StateUnder(PhaseMonitor.BookkeepingName + "/budget/", withTensors: false));
                }
                catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException)
                {
                    emit(new MonitorEvent(step, "budget_state_lost", PhaseMonitor.BookkeepingName,
                        $"The monitor budget could not take back its account from {Path.GetFileName(path)} ({e.Message}); it starts a new warm-up."));
                }
            }
            return (own.Double("bookkeeping_seconds"), own.Long("bookkeeping_calls"));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
