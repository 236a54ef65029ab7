using TorchSharp;

namespace PhaseScope.Runtime;

/// <summary>
/// The one entry point that makes TorchSharp usable: call <see cref="Initialize"/> before the first
/// use of <c>torch</c>. It shortens OpenMP's idle spinning (<see cref="OpenMpWaiting"/>), makes the native shim
/// loadable (<see cref="NativeShim"/>), loads it, and sets the intra-op thread count. Before anything native is loaded it
/// checks that the application ships a native backend (<see cref="NativeBackend"/>): without <c>TorchSharp-cpu</c> the
/// error names the package to add instead of failing inside TorchSharp. PhaseScope's entry points (the monitor's
/// constructor, <c>PhaseScopeSession.Attach</c>) call it themselves; call it first yourself when the program builds a
/// model before it touches PhaseScope, because the model's constructor is already a native call.
/// </summary>
public static class TorchRuntime
{
    static readonly Lock Gate = new();
    static NativeShimReport? report;

    /// <summary>What the shim check found, once <see cref="Initialize"/> has run.</summary>
    public static NativeShimReport? ShimReport => report;

    /// <summary>
    /// Prepares and loads TorchSharp's native backend. Idempotent and thread-safe.
    /// </summary>
    /// <param name="threads">Intra-op threads, 1 … <see cref="Environment.ProcessorCount"/>; null keeps the current setting
    /// after the first call (the first call defaults to all cores).</param>
    /// <exception cref="PhaseScopeRuntimeException">The backend cannot work here; the message says why and what to do.</exception>
    public static void Initialize(int? threads = null)
    {
        if (threads is < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "The thread count must be at least 1.");
        if (threads > Environment.ProcessorCount)   // 100,000 threads hang the machine; more than the cores never helps
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"The thread count must be at most this machine's {Environment.ProcessorCount} logical processors.");
        bool first;
        lock (Gate)
        {
            first = report is null;
            if (first)
            {
                OpenMpWaiting.Limit(); // before libtorch (and its libgomp) is loaded
                if (NativeBackend.MissingHere() is { } missing) throw new PhaseScopeRuntimeException(missing);
                report = NativeShim.EnsureLoadable();
                try
                {
                    _ = torch.get_num_threads();
                }
                catch (Exception e) when (e is NotSupportedException or TypeInitializationException or DllNotFoundException)
                {
                    report = null;
                    throw new PhaseScopeRuntimeException(
                        $"TorchSharp's native backend failed to load after the shim check ({e.GetBaseException().Message}). " +
                        $"Check that the application references TorchSharp's native backend ({NativeBackend.AddCpuPackage}, version {typeof(torch).Assembly.GetName().Version?.ToString(3)}) and that its runtimes/ folder was copied to the output.", e);
                }
            }
        }
        if (threads is int n) torch.set_num_threads(n);
        else if (first) torch.set_num_threads(Environment.ProcessorCount);
    }
}
