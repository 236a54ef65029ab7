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
    /// <summary>θ or g is all zero: there is no largest magnitude, so β (or β_g), the extremal sets and m∩ are undefined
    /// and so is the phase (seed 000 §2 and §3 assume some |θ_i| &gt; 0 and |g_i| &gt; 0). Not a phase of the theory: a
    /// reading that cannot be made.</summary>
    Undefined,
}

/// <summary>Labels for output.</summary>
public static class MomentsPhaseLabels
{
    /// <summary>"ordered", "quasi-ordered", "disordered" or "undefined".</summary>
    public static string Label(this MomentsPhase phase) => phase switch
    {
        MomentsPhase.Ordered => "ordered",
        MomentsPhase.QuasiOrdered => "quasi-ordered",
        MomentsPhase.Disordered => "disordered",
        _ => "undefined",
    };
}
