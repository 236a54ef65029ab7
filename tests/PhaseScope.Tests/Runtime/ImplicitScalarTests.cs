using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Runtime;

/// <summary>
/// Issue 21, part 4: no method in src/ converts a number to a TorchSharp Scalar implicitly (the conversion whose
/// Scalar the garbage collector may free during the native call; use <c>KeptScalar</c> or <c>ToScalar()</c> in a
/// <c>using</c>). The scan is checked on a fixture of this assembly that makes the call on purpose.
/// </summary>
public class ImplicitScalarTests
{
    static readonly string[] Assemblies = ["PhaseScope.dll", "PhaseScope.Training.dll", "PhaseScope.Reporting.dll", "PhaseScope.Cli.dll"];

    [Fact]
    public void NoAssemblyOfSrcConvertsToScalarImplicitly()
    {
        var offenders = Assemblies
            .SelectMany(a => ImplicitScalarScan.MethodsCallingImplicitScalar(Path.Combine(AppContext.BaseDirectory, a)).Select(m => $"{a}: {m}"))
            .ToList();
        Assert.True(offenders.Count == 0, "implicit TorchSharp.Scalar conversions in:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void ScanFindsAnImplicitConversionWhereOneIsMade()
    {
        var found = ImplicitScalarScan.MethodsCallingImplicitScalar(typeof(ImplicitScalarTests).Assembly.Location);
        Assert.Contains(found, m => m.Contains("ImplicitScalarFixture::Doubled"));
        Assert.Contains(found, m => m.Contains("ImplicitScalarFixture+") && m.Contains("<Lambda>"));
        Assert.DoesNotContain(found, m => m.Contains("ImplicitScalarFixture::Explicit"));
    }
}

/// <summary>Makes the implicit conversion on purpose, for the scan's own test (never called).</summary>
static class ImplicitScalarFixture
{
    public static Tensor Doubled(Tensor t) => t * 2.0;

    public static Func<Tensor, Tensor> Lambda() => t => t.add(1.5);

    public static Tensor Explicit(Tensor t)
    {
        using var s = 2.0.ToScalar();
        return t.mul(s);
    }
}
