namespace PhaseScope.Tests.Cli;

/// <summary><c>mnist --beta2</c>: AdamW's β₂; bad values are usage errors, the default (0.999) given or not leaves a run's settings as they were.</summary>
public class MnistBeta2OptionTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["--beta2", "1", "--optimizer", "adamw"], "--beta2 1: must be a number in [0, 1)" },
        { ["--beta2", "-0.1", "--optimizer", "adamw"], "--beta2 -0.1: must be a number in [0, 1)" },
        { ["--beta2", "NaN", "--optimizer", "adamw"], "--beta2 NaN: must be a number in [0, 1)" },
        { ["--beta2", "0.99"], "--beta2 0.99: only applies with --optimizer adamw" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadValuesAreExitTwoWithAMessageAndNothingWritten(string[] bad, string expected)
    {
        using var tmp = new TempDirectory();
        var outDir = Path.Combine(tmp.Path, "runs");
        CliRunner.AssertRefused(tmp.Path, outDir, ["mnist", .. bad, "--steps", "5", "--out", outDir, "--mnist", tmp.Path], expected);
    }

    [Fact]
    public void TheDefaultGivenChangesNothingAndAnotherValueIsRecorded()
    {
        using var tmp = new TempDirectory();
        string[] common = ["mnist", "--optimizer", "adamw", "--steps", "5", "--out", tmp.Path, "--name", "x", "--mnist", tmp.Path, "--check"];
        var plain = CliRunner.Run(tmp.Path, common);
        var given = CliRunner.Run(tmp.Path, [.. common, "--beta2", "0.999"]);
        var other = CliRunner.Run(tmp.Path, [.. common, "--beta2", "0.9999"]);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.Equal(plain.Stdout, given.Stdout);
        Assert.Contains("\"Beta2\":null", plain.Stdout.Replace(" ", ""));
        Assert.Contains("\"Beta2\":0.9999", other.Stdout.Replace(" ", ""));
    }
}
