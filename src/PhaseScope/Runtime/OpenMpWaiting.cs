using System.Runtime.InteropServices;

namespace PhaseScope.Runtime;

/// <summary>
/// Shortens how long libtorch's OpenMP workers spin after each parallel region. libgomp's default, when neither
/// <c>GOMP_SPINCOUNT</c> nor <c>OMP_WAIT_POLICY</c> is set, is 300,000 spins before a worker sleeps: after the backward
/// pass the workers keep every other core busy while the monitor's host passes (<see cref="HostFloat32"/>, the moments
/// summary, the spectral window) want the same cores. Measured on the 2-core reference machine (docs/PERFORMANCE.md,
/// "Scaling in the number of parameters P"): <see cref="SpinCount"/> spins cut the cheap set's cost at P = 10⁶ from 11–12.7 to 7.4 ms per step and left the
/// plain training step as it was (31.3 against 32.6 ms), where <c>OMP_WAIT_POLICY=PASSIVE</c> (no spinning) slowed the
/// plain step by 30 %. libgomp reads its environment once, when it is loaded, so this runs before libtorch is; a value the
/// user set for either variable is kept. Linux only (libgomp); elsewhere it does nothing.
/// </summary>
internal static partial class OpenMpWaiting
{
    /// <summary>Spins before an idle OpenMP worker sleeps (libgomp's default: 300,000).</summary>
    public const int SpinCount = 10_000;

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets <c>GOMP_SPINCOUNT</c> to <see cref="SpinCount"/> unless the user set it or <c>OMP_WAIT_POLICY</c>;
    /// returns whether it did.</summary>
    public static bool Limit()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
            return false;
        string value = SpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (SetEnv("GOMP_SPINCOUNT", value, 0) != 0) return false; // the native environment, which libgomp reads
        Environment.SetEnvironmentVariable("GOMP_SPINCOUNT", value);  // and the managed copy, so that both agree
        return true;
    }
}
