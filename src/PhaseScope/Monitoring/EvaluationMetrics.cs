namespace PhaseScope.Monitoring;

/// <summary>Metric names of the evaluations the monitor records (<see cref="PhaseMonitor.OnEvaluation"/>), defined once: the probe writes them and the report, verdict, terminal
/// view and summary read them (issue 25).</summary>
public static class EvaluationMetrics
{
    /// <summary><c>eval/acc_gap</c>.</summary>
    public const string AccGap = "eval/acc_gap";
    /// <summary><c>eval/test_acc</c>.</summary>
    public const string TestAcc = "eval/test_acc";
    /// <summary><c>eval/test_loss</c>.</summary>
    public const string TestLoss = "eval/test_loss";
    /// <summary><c>eval/test_token_acc</c>.</summary>
    public const string TestTokenAcc = "eval/test_token_acc";
    /// <summary><c>eval/train_acc</c>.</summary>
    public const string TrainAcc = "eval/train_acc";
    /// <summary><c>eval/train_loss</c>.</summary>
    public const string TrainLoss = "eval/train_loss";
    /// <summary><c>eval/train_token_acc</c>.</summary>
    public const string TrainTokenAcc = "eval/train_token_acc";
}
