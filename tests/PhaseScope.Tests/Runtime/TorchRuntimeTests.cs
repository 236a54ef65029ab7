using System.Runtime.InteropServices;
using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void TensorOpMatchesHandComputedValue()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = a.matmul(b);
        // [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]]
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void DoubleBackwardGivesHessianVectorProduct()
    {
        // f(x) = sum(x^3) has Hessian diag(6x); H v = 6 x ⊙ v.
        using var x = tensor(new double[] { 1, -2, 3 }, requires_grad: true);
        using var v = tensor(new double[] { 0.5, 1, -1 });
        using var f = x.pow(3).sum();
        var g = torch.autograd.grad([f], [x], create_graph: true, retain_graph: true)[0];
        using var gv = (g * v).sum();
        var hv = torch.autograd.grad([gv], [x], retain_graph: false)[0];
        Assert.Equal(new double[] { 3, -12, -18 }, hv.data<double>().ToArray());
        g.Dispose(); hv.Dispose();
    }

    [Fact]
    public void NativeErrorsBecomeDotNetExceptions()
    {
        using var a = ones(2, 3);
        var e = Assert.ThrowsAny<ExternalException>(() => a.reshape(4).Dispose());
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void ThreadCountIsValidatedBeforeReachingLibtorch()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Initialize(0));
        TorchRuntime.Initialize(1);
        Assert.Equal(1, get_num_threads());
        TorchRuntime.Initialize(Environment.ProcessorCount);
        Assert.Equal(Environment.ProcessorCount, get_num_threads());
    }

    [Fact]
    public void ShimReportNamesWhatWasDone()
    {
        var report = TorchRuntime.ShimReport;
        Assert.NotNull(report);
        Assert.Contains(report!.Action, new[] { "none needed", "patched", "already patched" });
    }

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr GetEnv(string name);

    [Fact]
    public void OpenMpSpinningIsShortenedUnlessTheUserChose()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.Initialize();
        // What the process was started with (/proc/self/environ is the environment at exec, before any setenv).
        var started = File.ReadAllText("/proc/self/environ").Split('\0').Select(kv => kv.Split('=', 2)[0]).ToHashSet();
        string? native = Marshal.PtrToStringUTF8(GetEnv("GOMP_SPINCOUNT"));
        if (started.Contains("GOMP_SPINCOUNT") || started.Contains("OMP_WAIT_POLICY"))
            Assert.Equal(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"), native); // the user's choice, untouched
        else
            Assert.Equal("10000", native); // what libgomp read when libtorch loaded
    }
}
