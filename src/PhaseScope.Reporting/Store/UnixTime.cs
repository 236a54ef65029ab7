namespace PhaseScope.Reporting.Store;

/// <summary>Wall-clock time as Unix seconds with sub-second resolution (what the run store and TensorBoard record).</summary>
internal static class UnixTime
{
    /// <summary>Seconds since 1970-01-01T00:00:00Z, now.</summary>
    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
}
