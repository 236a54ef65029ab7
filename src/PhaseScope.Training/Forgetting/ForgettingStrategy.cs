namespace PhaseScope.Training.Forgetting;

/// <summary>How task B is trained after task A (seed 000 §5.3, Table 1).</summary>
public enum ForgettingStrategy
{
    /// <summary>Plain fine-tuning on task B (the baseline that forgets).</summary>
    FineTune,
    /// <summary>The top-N parameters by magnitude after task A are held fixed during task B.</summary>
    Freeze,
    /// <summary>Elastic weight consolidation: task B's loss plus λ/2 Σᵢ Fᵢ (θᵢ − θ*ᵢ)², F the Fisher diagonal of task A.</summary>
    Ewc,
    /// <summary>EWC restricted to task A's extremal core (<see cref="ExtremalCore"/>): the same penalty with Fᵢ kept on the
    /// core's parameters only.</summary>
    EwcCore,
}
