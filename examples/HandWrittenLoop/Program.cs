// region: library-hand-written
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.Initialize();   // once, before the first torch call
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
manual_seed(0);
var x = randn(256, 16);
var y = x.matmul(randn(16, 1)).tanh();   // a smooth target to regress
var model = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 1));
var optimizer = optim.SGD(model.parameters(), 0.05);
var criterion = nn.MSELoss();

using var store = RunStore.Create("runs/hand-written", "hand-written", "custom", new Dictionary<string, string>());
using var monitor = new PhaseMonitor(model, CheapProbes.Create(every: 1), [store]);
for (int step = 1; step <= steps; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    var loss = criterion.call(model.call(x), y);
    loss.backward();
    monitor.AfterBackward(step, loss);   // probes that need gradients
    optimizer.step();
    monitor.AfterStep(step);             // probes that need the update θ_t − θ_{t−1}
}
store.Complete("completed", "{}");
Console.WriteLine($"stored {steps} steps in {store.Directory}");
// endregion
