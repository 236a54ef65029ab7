namespace PhaseScope.Monitoring;

/// <summary>
/// A probe whose readings depend on what it saw at earlier steps (θ₀, a trajectory window, an event detector's
/// hysteresis, a smoothing buffer). The monitor writes its state into every resume point and gives it back when a
/// killed run resumes (<c>phasescope grok --resume</c>), so the resumed run measures what the uninterrupted run would.
/// </summary>
public interface IResumableProbe : IProbe
{
    /// <summary>Writes the state kept between steps.</summary>
    void SaveState(ProbeState state);

    /// <summary>Restores a state written by <see cref="SaveState"/>; called after the probe was attached to the
    /// same parameters. Throws <see cref="InvalidDataException"/> when the state does not fit (other shapes).</summary>
    void LoadState(ProbeState state);

    /// <summary>After <see cref="LoadState"/>: publishes the readings the probe held at the resume point, so consumers see
    /// what they would have seen in the uninterrupted run (nothing by default).</summary>
    void Republish(MonitorReadings readings) { }
}
