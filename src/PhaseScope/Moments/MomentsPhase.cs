namespace PhaseScope.Moments;

/// <summary>The coupling phases of seed 000 (§5, §6.1).</summary>
public enum MomentsPhase
{
    /// <summary>m∩ ≥ 1: a parameter of largest magnitude also carries the largest gradient; C bounded below (Thm 4.8).</summary>
    Ordered,
    /// <summary>m∩ = 0 but the extrema nearly touch: C(K, K) diverges only like log K at the orders examined (Thm 6.3, d₀ ≈ 0).</summary>
    QuasiOrdered,
    /// <summary>m∩ = 0 and C(K, K) falls linearly, ≈ −d₀K (Thm 4.7 ii, Thm 6.3 d₀ &gt; 0).</summary>
    Disordered,
}

/// <summary>Labels for output.</summary>
public static class MomentsPhaseLabels
{
    /// <summary>"ordered", "quasi-ordered" or "disordered".</summary>
    public static string Label(this MomentsPhase phase) => phase switch
    {
        MomentsPhase.Ordered => "ordered",
        MomentsPhase.QuasiOrdered => "quasi-ordered",
        _ => "disordered",
    };
}
