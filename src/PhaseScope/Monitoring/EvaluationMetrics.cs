namespace PhaseScope.Monitoring;

/// <summary>Metric names of the evaluations the monitor records (<see cref="PhaseMonitor.OnEvaluation"/>), defined once: the probe writes them and the report, verdict, terminal
/// view and summary read them.</summary>
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

    /// <summary>The records of one evaluation (token accuracies only for per-position tasks that report them).</summary>
    public static List<MetricRecord> Of(long step, EvaluationResult result)
    {
        var metrics = new List<MetricRecord>
        {
            new(step, TrainLoss, result.TrainLoss),
            new(step, TrainAcc, result.TrainAccuracy),
            new(step, TestLoss, result.TestLoss),
            new(step, TestAcc, result.TestAccuracy),
        };
        if (result.TrainTokenAccuracy is double trTok) metrics.Add(new(step, TrainTokenAcc, trTok));
        if (result.TestTokenAccuracy is double teTok) metrics.Add(new(step, TestTokenAcc, teTok));
        return metrics;
    }
}
