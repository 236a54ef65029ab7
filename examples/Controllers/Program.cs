// region: library-controllers
using System.Globalization;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.Initialize();
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
manual_seed(0);
var x = randn(64, 20);
var y = randint(4, [64]);   // labels without a rule: the micro-batches' gradients disagree, p is low
var model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4));
var optimizer = optim.AdamW(model.parameters(), 1e-3);
var criterion = nn.CrossEntropyLoss();

using var store = RunStore.Create("runs/controllers", "controllers", "custom", new Dictionary<string, string>());
using var monitor = new PhaseMonitor(model, [.. CheapProbes.Create(every: 1),
    new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(5) })], [store]);
var loop = new MonitoredLoop(monitor, 1e-3, lr => AdaptiveLearningRate.SetOn(optimizer, lr),
    [new AdaptiveLearningRate(1e-3)]);   // seed 003 §11.3, the seed's p bands; add new EarlyStopping(...) for §11.4
for (int step = 1; step <= steps && loop.Stop is null; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    using var loss = loop.Backward(step, x, y, (xs, ys) => criterion.call(model.call(xs), ys));
    optimizer.step();
    loop.AfterStep(step);
}
store.Complete("completed", "{}");
Console.WriteLine($"learning rate: {loop.LearningRate.ToString("R", CultureInfo.InvariantCulture)}");
// endregion
