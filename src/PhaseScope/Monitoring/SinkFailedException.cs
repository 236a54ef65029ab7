namespace PhaseScope.Monitoring;

/// <summary>
/// An essential sink (<see cref="IMonitorSink.Essential"/>: the run store) failed to take the monitor's output, e.g. on a
/// full disk. Unlike a failing probe or an optional sink, which are reported and skipped, this stops training: a run
/// that goes on with nothing stored only burns time and leaves a store that disagrees with its checkpoints. The training loop lets it through; the command reports <see cref="Exception.InnerException"/> as the cause.
/// </summary>
/// <param name="sink">The sink's type name.</param>
/// <param name="step">The step at which it failed.</param>
/// <param name="cause">What the sink threw.</param>
public sealed class SinkFailedException(string sink, long step, Exception cause)
    : Exception($"{sink} could not store the run at step {step}: {cause.Message}", cause)
{
    /// <summary>The sink's type name.</summary>
    public string Sink { get; } = sink;
    /// <summary>The step at which it failed.</summary>
    public long Step { get; } = step;
}
