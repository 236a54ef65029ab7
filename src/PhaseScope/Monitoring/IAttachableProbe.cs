namespace PhaseScope.Monitoring;

/// <summary>A probe that needs to see the parameters once, when the monitor is created (before step 1).</summary>
public interface IAttachableProbe : IProbe
{
    /// <summary>Called once by the monitor's constructor with the watched parameters at initialisation.</summary>
    void Attach(IReadOnlyList<NamedParameter> parameters);
}
