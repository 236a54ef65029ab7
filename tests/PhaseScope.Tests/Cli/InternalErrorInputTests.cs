using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// Input at the edges of its type that used to reach the library and exit 1 ("internal error"): an integer that wrapped
/// (W + 1, k + 1, burn-in + draws), an order grid that overflowed to ∞ between two finite ends, a value float32 cannot
/// hold. Each is now bad input (exit 2, the option named, nothing written) or, where the input is valid, a result.
/// </summary>
public class InternalErrorInputTests
{
    static void AssertUserMessage(string stderr)
    {
        Assert.DoesNotContain("internal error", stderr);
        Assert.DoesNotContain("Exception", stderr);
        Assert.DoesNotContain("(Parameter '", stderr);
    }

    [Theory]
    [InlineData("--step-size", "1e308", "--step-size must be a positive number ≤ 3.4e38")]
    [InlineData("--localization", "1e308", "--localization must be ≥ 0 and ≤ 3.4e38")]
    [InlineData("--nbeta", "1e308", "--nbeta must be a positive number ≤ 3.4e38")]
    [InlineData("--draws", "2147483647", "--draws 2147483647: must be")]   // the parser's cap on the chain's length
    public void LlcValuesBeyondWhatCanRunAreBadInput(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "llc", Path.Combine(dir.Path, "no-run"), option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        AssertUserMessage(r.Stderr);
    }

    /// <summary>W = 2³¹ − 1 needs 2³¹ checkpoints; W + 1 wrapped to a negative int, the count check passed and the window
    /// asked the allocator for terabytes.</summary>
    [Fact]
    public void ASpectralWindowOfIntMaxNeedsMoreCheckpointsThanGiven()
    {
        using var dir = new TempDirectory();
        var files = Enumerable.Range(0, 3).Select(i =>
        {
            var path = Path.Combine(dir.Path, $"c{i}.safetensors");
            using var w = full(4, 4, (float)i);
            Safetensors.Save(path, [("w", w)]);
            return path;
        }).ToArray();
        var r = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", .. files, "--window", "2147483647"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--window 2147483647: must be", r.Stderr);   // the parser's cap (10,000 updates in memory) refuses it before W + 1 is formed
        AssertUserMessage(r.Stderr);
    }

    /// <summary>k = 2³¹ − 1 order statistics of 48 values: the Hill estimate is undefined (k + 1 > n), not a crash.</summary>
    [Fact]
    public void AHillOrderOfIntMaxLeavesTheTailIndexUndefined()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "g.safetensors");
        using (var g = arange(48, dtype: ScalarType.Float32).reshape(16, 3)) Safetensors.Save(path, [("w", g)]);
        var r = CliRunner.Run(dir.Path, "consolidation", "--grads", path, "--tail-k", "2147483647", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("tail_index").ValueKind);
    }

    /// <summary>0:1e308:3 is three finite orders (0, 5·10³⁰⁷, 10³⁰⁸); (STOP − START)·i overflowed to ∞ at i = 2.</summary>
    [Fact]
    public void AnOrderGridWithAHugeFiniteEndIsFinite()
    {
        Assert.Equal([0, 5e307, 1e308], PhaseScope.Cli.Commands.Checkpoints.MomentsCommand.ParseOrders("0:1e308:3"));
        Assert.Equal([0, 16, 32, 48, 64], PhaseScope.Cli.Commands.Checkpoints.MomentsCommand.ParseOrders("0:64:5"));
    }
}
