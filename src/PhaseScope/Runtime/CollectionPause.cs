using System.Runtime;

namespace PhaseScope.Runtime;

/// <summary>
/// Runs code that TorchSharp makes implicit Scalar conversions in, where PhaseScope cannot pass kept Scalars
/// (<see cref="KeptScalar"/>): every TorchSharp optimizer's <c>step()</c> converts its learning rate, betas, decay and
/// ε per parameter tensor (AdamW: seven per tensor), and the garbage collector may finalize (free) such a Scalar while
/// libtorch reads it. No garbage collection, hence no finalization of what the code drops, can start inside a no-GC
/// region, so the code runs inside one of <see cref="Allowance"/> bytes. Objects already awaiting finalization are
/// not the code's own Scalars. If the region cannot be entered (already inside one, or the runtime refuses), or the
/// code allocates past the allowance (the runtime then ends the region), the code still runs, unprotected, as before.
/// </summary>
public static class CollectionPause
{
    /// <summary>Managed bytes the paused code may allocate (an AdamW step on the reference model allocates a few kB).</summary>
    public const long Allowance = 4L << 20;

    /// <summary>Runs <paramref name="work"/> with garbage collection paused where the runtime allows it.</summary>
    public static void During(Action work)
    {
        bool paused;
        try { paused = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Allowance); }
        catch (InvalidOperationException) { paused = false; }
        try { work(); }
        finally
        {
            if (paused && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                try { GC.EndNoGCRegion(); }
                catch (InvalidOperationException) { /* the runtime ended the region itself (allowance exceeded) */ }
            }
        }
    }
}
