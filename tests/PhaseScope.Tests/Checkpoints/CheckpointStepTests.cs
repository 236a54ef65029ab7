using PhaseScope.Checkpoints;

namespace PhaseScope.Tests.Checkpoints;

/// <summary><see cref="CheckpointStep"/>'s documented name patterns, and the names it refuses.</summary>
public class CheckpointStepTests
{
    [Theory]
    [InlineData("step_1000.pt", 1000)]
    [InlineData("ckpt-1000.safetensors", 1000)]
    [InlineData("epoch=3-step=1200.ckpt", 1200)]
    [InlineData("model_00001000.pth", 1000)]
    [InlineData("global_step1200.pt", 1200)]
    [InlineData("iter_500.pth.tar", 500)]
    [InlineData("step_0000100.safetensors", 100)]
    [InlineData("checkpoint-42.bin", 42)]
    [InlineData("ckpt04.safetensors", 4)]
    [InlineData("run7_step_300.pt", 300)]   // a keyed step wins over other numbers
    public void NamesGiveTheirStep(string name, long step)
    {
        Assert.Equal(step, CheckpointStep.FromName(name, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("final.pt", "holds no number")]
    [InlineData("gpt2_1000.pt", "several numbers")]
    [InlineData("epoch_3.pt", "an epoch, not a step")]
    [InlineData("step_10_step_20.pt", "several steps")]
    [InlineData("step_99999999999999999999.pt", "64 bits")]
    public void AmbiguousNamesAreRefusedWithTheReason(string name, string reason)
    {
        Assert.Null(CheckpointStep.FromName(name, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void MetadataGivesTheStepWhenTheNameDoesNot()
    {
        var meta = new Dictionary<string, string> { ["global_step"] = "1200", ["epoch"] = "3" };
        Assert.Equal(1200, CheckpointStep.Of("last.ckpt", meta, out _, out var source));
        Assert.Equal("metadata 'global_step'", source);
        Assert.Equal(7, CheckpointStep.Of("step_7.pt", meta, out _, out source));   // the name first
        Assert.Equal("file name", source);
        Assert.Null(CheckpointStep.Of("last.ckpt", new Dictionary<string, string>(), out var problem, out _));
        Assert.Contains("no number", problem);
    }

    [Fact]
    public void ProbeStateAndTemporaryFilesAreNotCheckpoints()
    {
        Assert.True(CheckpointDirectory.IsCheckpointName("step_0000100.safetensors", out _));
        Assert.False(CheckpointDirectory.IsCheckpointName("step_0000100.monitor.safetensors", out var reason));
        Assert.Contains("probe state", reason);
        Assert.False(CheckpointDirectory.IsCheckpointName("step_5.pt.tmp", out _));
        Assert.False(CheckpointDirectory.IsCheckpointName(".step_5.pt.partial", out _));
        Assert.False(CheckpointDirectory.IsCheckpointName("step_5.optimizer", out reason));
        Assert.Null(reason);   // not a checkpoint extension: left out silently
    }
}
