using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reporting;

/// <summary><see cref="TrainingLog"/>: a user's CSV or JSON Lines log mapped to the names the diagnosis reads.</summary>
public class TrainingLogTests
{
    [Fact]
    public void CsvAndJsonLinesMapToTheEvaluationNames()
    {
        using var tmp = new TempDirectory();
        var csv = tmp.File("log.csv");
        File.WriteAllText(csv, "Step,train_loss,val_acc,lr\n20,0.5,0.25,0.001\n10,0.75,,1e-3\n");
        var records = TrainingLog.Read(csv);
        Assert.Equal([10L, 10, 10, 20, 20, 20, 20], records.Select(r => r.Step));   // ordered by step; the empty cell skipped
        Assert.Contains(new MetricRecord(10, "loss", 0.75), records);
        Assert.Contains(new MetricRecord(10, EvaluationMetrics.TrainLoss, 0.75), records);
        Assert.Contains(new MetricRecord(20, EvaluationMetrics.TestAcc, 0.25), records);
        Assert.Contains(new MetricRecord(10, "log/lr", 0.001), records);

        var jsonl = tmp.File("log.jsonl");
        File.WriteAllText(jsonl, "{\"global_step\": 5, \"accuracy\": 0.5, \"test_loss\": 2.5, \"note\": \"x\"}\n\n{\"global_step\": 6, \"eval_accuracy\": 0.9}\n");
        records = TrainingLog.Read(jsonl);
        Assert.Equal([new MetricRecord(5, EvaluationMetrics.TrainAcc, 0.5), new MetricRecord(5, EvaluationMetrics.TestLoss, 2.5), new MetricRecord(6, EvaluationMetrics.TestAcc, 0.9)], records);
    }

    [Fact]
    public void ALogWithoutStepsIsRefusedNamingTheLine()
    {
        using var tmp = new TempDirectory();
        var noStep = tmp.File("a.csv");
        File.WriteAllText(noStep, "epoch,loss\n1,0.5\n");
        Assert.Contains("no step column", Assert.Throws<InvalidDataException>(() => TrainingLog.Read(noStep)).Message);
        var badStep = tmp.File("b.csv");
        File.WriteAllText(badStep, "step,loss\n1,0.5\n-3,0.4\n");
        Assert.Contains("line 3", Assert.Throws<InvalidDataException>(() => TrainingLog.Read(badStep)).Message);
        var badJson = tmp.File("c.jsonl");
        File.WriteAllText(badJson, "{\"step\": 1}\n{oops\n");
        Assert.Contains("line 2", Assert.Throws<InvalidDataException>(() => TrainingLog.Read(badJson)).Message);
    }
}
