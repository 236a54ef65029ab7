// region: library-custom-probe
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.Initialize();
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
manual_seed(0);
var x = randn(128, 8);
var y = x.sum(1, keepdim: true);
var model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1));
var optimizer = optim.SGD(model.parameters(), 0.01);
var criterion = nn.MSELoss();

using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions("runs/custom-probe")
{
    CheapOnly = true, Probes = [new LargestWeightProbe(every: 10, limit: 2.0)],
});
for (int step = 1; step <= steps; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    using var loss = run.Loop.Backward(step, x, y, (xs, ys) => criterion.call(model.call(xs), ys));
    optimizer.step();
    run.Loop.AfterStep(step);
}
var outcome = run.Finish();
Console.WriteLine($"diagnosis: {outcome.Diagnosis}");

/// <summary>The largest |θ| over all watched tensors after the step (<c>custom/max_abs_weight</c>), and an event the
/// first time it passes <paramref name="limit"/>.</summary>
sealed class LargestWeightProbe(int every, double limit) : IProbe
{
    bool passed;
    public string Name => "max_abs_weight";
    public ProbeNeeds Needs => ProbeNeeds.None;                  // parameters only: runs after optimizer.step()
    public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(every);

    public void Observe(ProbeContext context, ProbeOutput output)   // under no_grad, tensors disposed by the monitor
    {
        double largest = context.Parameters.Max(p => p.Value.abs().max().item<float>());
        output.Metric("custom/max_abs_weight", largest);
        if (largest > limit && !passed)
        {
            passed = true;
            output.Event("weight_limit_passed", $"|θ| reached {largest.ToString("G4", CultureInfo.InvariantCulture)} > {limit.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
// endregion
