namespace PhaseScope.Monitoring;

/// <summary>
/// The typed readings probes publish through the monitor (probes never reference each other or the trainer: docs/CONVENTIONS.md).
/// A probe publishes its latest reading (<see cref="Publish{T}"/>, e.g. the curvature probe's
/// <see cref="Probes.CurvatureReading"/>); whoever needs it — another probe through <see cref="ProbeContext.Readings"/>,
/// a controller or a training loop through <see cref="PhaseMonitor.Readings"/> — asks for the type. A probe declares the
/// types it publishes and consumes (<see cref="IProbe.Publishes"/>, <see cref="IProbe.Consumes"/>), and the monitor runs
/// producers before consumers within a call, so a reading of the same step is there when it is read.
/// </summary>
public sealed class MonitorReadings
{
    readonly Dictionary<Type, object> latest = [];

    /// <summary>Replaces the latest reading of type <typeparamref name="T"/>.</summary>
    public void Publish<T>(T reading) where T : class => latest[typeof(T)] = reading ?? throw new ArgumentNullException(nameof(reading));

    /// <summary>The latest reading of type <typeparamref name="T"/>, or null before the first.</summary>
    public T? Latest<T>() where T : class => latest.TryGetValue(typeof(T), out var r) ? (T)r : null;
}
