// region: library-cnn
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.Initialize();
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000, batch = 64;
manual_seed(0);
var random = new Random(0);

// 8×8 images: a horizontal bar (class 0) or a vertical one (class 1) at a random place, in noise
(Tensor X, Tensor Y) Images(int n)
{
    var pixels = new float[n * 64];
    var labels = new long[n];
    for (int i = 0; i < n; i++)
    {
        labels[i] = random.Next(2);
        int at = random.Next(8);
        for (int j = 0; j < 8; j++) pixels[i * 64 + (labels[i] == 0 ? at * 8 + j : j * 8 + at)] = 1;
        for (int k = 0; k < 64; k++) pixels[i * 64 + k] += (float)(0.5 * (random.NextDouble() - 0.5));
    }
    return (tensor(pixels).reshape(n, 1, 8, 8), tensor(labels));
}
var (xTrain, yTrain) = Images(512);
var (xTest, yTest) = Images(512);

var model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),   // BatchNorm's running statistics are
    nn.Flatten(), nn.Linear(8 * 4 * 4, 2));                                           // buffers: PhaseScope never watches them
var optimizer = optim.AdamW(model.parameters(), 1e-3, weight_decay: 0.01);
var criterion = nn.CrossEntropyLoss();
Tensor Loss(Tensor xs, Tensor ys) => criterion.call(model.call(xs), ys);

using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions("runs/cnn")
{
    BatchSize = batch, EvaluateEvery = 50, LossSource = new TensorLossSource(xTrain, yTrain, Loss, batch),
});
Console.WriteLine($"watched: {string.Join(", ", run.Monitor.Parameters.Select(p => p.Name))}");
for (int step = 1; step <= steps && run.Loop.Stop is null; step++)
{
    using var scope = NewDisposeScope();
    model.train();
    var rows = randperm(xTrain.shape[0]).narrow(0, 0, batch);
    optimizer.zero_grad();
    using var loss = run.Loop.Backward(step, xTrain.index_select(0, rows), yTrain.index_select(0, rows), Loss);
    optimizer.step();
    run.Loop.AfterStep(step);
    if (step % 50 == 0 || step == steps) run.Evaluate(step, Evaluate());
}
var outcome = run.Finish();
Console.WriteLine($"diagnosis: {outcome.Diagnosis}");
Console.WriteLine($"report: {outcome.ReportPath}");

EvaluationResult Evaluate()   // in eval mode: BatchNorm uses its running statistics
{
    using var noGrad = no_grad();
    model.eval();
    using var trainLogits = model.call(xTrain);
    using var testLogits = model.call(xTest);
    model.train();
    double Accuracy(Tensor logits, Tensor ys) => logits.argmax(1).eq(ys).to_type(ScalarType.Float32).mean().item<float>();
    return new EvaluationResult(criterion.call(trainLogits, yTrain).item<float>(), Accuracy(trainLogits, yTrain),
        criterion.call(testLogits, yTest).item<float>(), Accuracy(testLogits, yTest));
}
// endregion
