// region: readme
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.Initialize();   // first: finds TorchSharp-cpu's libtorch before any torch call, or says what to add
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3000, p = 23;
manual_seed(0);

// a + b mod p from one-hot [a | b]; half of the p² pairs train, half test
long[] a = [.. Enumerable.Range(0, p * p).Select(i => (long)(i / p))], b = [.. Enumerable.Range(0, p * p).Select(i => (long)(i % p))];
var x = cat([nn.functional.one_hot(tensor(a), p), nn.functional.one_hot(tensor(b), p)], 1).to_type(ScalarType.Float32);
var y = tensor(a.Zip(b, (i, j) => (i + j) % p).ToArray());
var perm = randperm(p * p);
var (train, test) = (perm.narrow(0, 0, p * p / 2), perm.narrow(0, p * p / 2, p * p - p * p / 2));
var (xTrain, yTrain, xTest, yTest) = (x.index_select(0, train), y.index_select(0, train), x.index_select(0, test), y.index_select(0, test));

var model = nn.Sequential(nn.Linear(2 * p, 128), nn.ReLU(), nn.Linear(128, p));
var optimizer = optim.AdamW(model.parameters(), 1e-3, weight_decay: 1.0);
var criterion = nn.CrossEntropyLoss();
Tensor Loss(Tensor xs, Tensor ys) => criterion.call(model.call(xs), ys);

using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions("runs/mlp")
{
    BatchSize = (int)xTrain.shape[0], EvaluateEvery = 100, LossSource = new TensorLossSource(xTrain, yTrain, Loss, 64),
});
for (int step = 1; step <= steps && run.Loop.Stop is null; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    using var loss = run.Loop.Backward(step, xTrain, yTrain, Loss);   // micro-batches, gradient probes, controllers
    optimizer.step();
    run.Loop.AfterStep(step);                                        // update probes
    if (step % 100 == 0 || step == steps) run.Evaluate(step, Evaluate());
}
var outcome = run.Finish();   // probe timings, summary, report.html
Console.WriteLine($"diagnosis: {outcome.Diagnosis}");
Console.WriteLine($"report: {outcome.ReportPath}");

EvaluationResult Evaluate()   // loss and accuracy on both splits
{
    using var noGrad = no_grad();
    using var trainLogits = model.call(xTrain);
    using var testLogits = model.call(xTest);
    double Accuracy(Tensor logits, Tensor ys) => logits.argmax(1).eq(ys).to_type(ScalarType.Float32).mean().item<float>();
    return new EvaluationResult(criterion.call(trainLogits, yTrain).item<float>(), Accuracy(trainLogits, yTrain),
        criterion.call(testLogits, yTest).item<float>(), Accuracy(testLogits, yTest));
}
// endregion
