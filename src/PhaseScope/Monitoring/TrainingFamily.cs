using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Monitoring;

/// <summary>The training curves as a family: the step loss (<see cref="Probes.LossProbe"/>), the periodic evaluation
/// (<see cref="EvaluationMetrics"/>) and split MNIST's two task evaluations, which <c>forget</c> records.</summary>
public static class TrainingFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("training", "Training",
        "Loss per step and the periodic evaluation (for split MNIST: both tasks' test sets); the black line marks the grok step (test accuracy ≥ threshold), a task switch is an event line.",
        "training metrics", "every run records the step loss and the evaluation")
    {
        VerdictGroup = "baseline",
        Charts =
        [
            new("accuracy", "Accuracy", "accuracy") { WhenEmpty = "No evaluation recorded (eval/train_acc, eval/test_acc)." },
            new("loss", "Loss", "loss") { LogY = true, WhenEmpty = "No loss recorded." },
        ],
        Metrics =
        [
            new(EvaluationMetrics.TrainAcc, "train accuracy", "Share of training examples predicted right at an evaluation.") { Chart = "accuracy", Aggregate = MetricAggregate.Last, Indicator = true, Compared = true },
            new(EvaluationMetrics.TestAcc, "test accuracy", "Share of held-out examples predicted right; the run groks when it first reaches the grok threshold.") { Chart = "accuracy", Aggregate = MetricAggregate.Last, Indicator = true, Compared = true },
            new(EvaluationMetrics.TrainTokenAcc, "train token accuracy", "Share of output positions predicted right on the training set (per-position tasks).") { Chart = "accuracy", Dash = "dot" },
            new(EvaluationMetrics.TestTokenAcc, "test token accuracy", "Share of output positions predicted right on the test set (per-position tasks).") { Chart = "accuracy", Dash = "dot" },
            new("forget/task_a_test_acc", "task A test accuracy (digits 0–4)", "Split MNIST: test accuracy on the first task's digits.") { Chart = "accuracy" },
            new("forget/task_b_test_acc", "task B test accuracy (digits 5–9)", "Split MNIST: test accuracy on the second task's digits.") { Chart = "accuracy" },
            new(EvaluationMetrics.AccGap, "accuracy gap", "Train − test accuracy at an evaluation: the memorisation gap that grokking closes.") { Indicator = true },
            new("loss", "training loss (step)", "Cross-entropy of the step's mini-batch (LossProbe).", "nats") { Chart = "loss", Aggregate = MetricAggregate.Min },
            new(EvaluationMetrics.TrainLoss, "train loss (eval)", "Cross-entropy over the training set at an evaluation.", "nats") { Chart = "loss", Indicator = true },
            new(EvaluationMetrics.TestLoss, "test loss (eval)", "Cross-entropy over the held-out set at an evaluation.", "nats") { Chart = "loss", Aggregate = MetricAggregate.Min, Indicator = true, Compared = true },
            new("forget/task_a_test_loss", "task A test loss", "Split MNIST: test loss on the first task's digits.", "nats") { Chart = "loss" },
            new("forget/task_b_test_loss", "task B test loss", "Split MNIST: test loss on the second task's digits.", "nats") { Chart = "loss" },
        ],
        Events =
        [
            new("grokked", "groks", "Test accuracy first reached the grok threshold (the black line of every chart)."),
            new("task_switch", "task switches", "Split MNIST: training moved from task A to task B."),
            new("task_grokked", "task groks", "One task of a multi-task run reached the grok threshold."),
        ],
    };
}
