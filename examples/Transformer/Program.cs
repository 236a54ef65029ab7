// region: library-transformer
using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

TorchRuntime.Initialize();
int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3000, p = 23;
manual_seed(0);

// a + b mod p as a sequence of two tokens [a, b]; half of the p² pairs train, half test
long[] pairs = [.. Enumerable.Range(0, p * p).SelectMany(i => new long[] { i / p, i % p })];
var x = tensor(pairs).reshape(p * p, 2);
var y = x.select(1, 0).add(x.select(1, 1)).remainder(p);
var perm = randperm(p * p);
var (train, test) = (perm.narrow(0, 0, p * p / 2), perm.narrow(0, p * p / 2, p * p - p * p / 2));
var (xTrain, yTrain, xTest, yTest) = (x.index_select(0, train), y.index_select(0, train), x.index_select(0, test), y.index_select(0, test));

var model = new TinyTransformer(vocabulary: p, length: 2, dModel: 64, heads: 4);
var optimizer = optim.AdamW(model.parameters(), 1e-3, weight_decay: 1.0);
var criterion = nn.CrossEntropyLoss();
Tensor Loss(Tensor xs, Tensor ys) => criterion.call(model.call(xs), ys);

using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions("runs/transformer")
{
    BatchSize = (int)xTrain.shape[0], EvaluateEvery = 100, LossSource = new TensorLossSource(xTrain, yTrain, Loss, 64),
});
for (int step = 1; step <= steps && run.Loop.Stop is null; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    using var loss = run.Loop.Backward(step, xTrain, yTrain, Loss);
    optimizer.step();
    run.Loop.AfterStep(step);
    if (step % 100 == 0 || step == steps) run.Evaluate(step, Evaluate());
}
var outcome = run.Finish();
Console.WriteLine($"diagnosis: {outcome.Diagnosis}");
Console.WriteLine($"report: {outcome.ReportPath}");

EvaluationResult Evaluate()
{
    using var noGrad = no_grad();
    using var trainLogits = model.call(xTrain);
    using var testLogits = model.call(xTest);
    double Accuracy(Tensor logits, Tensor ys) => logits.argmax(1).eq(ys).to_type(ScalarType.Float32).mean().item<float>();
    return new EvaluationResult(criterion.call(trainLogits, yTrain).item<float>(), Accuracy(trainLogits, yTrain),
        criterion.call(testLogits, yTest).item<float>(), Accuracy(testLogits, yTest));
}

/// <summary>One pre-norm block around torch's nn.MultiheadAttention (its W_Q, W_K, W_V packed in <c>in_proj_weight</c>,
/// which PhaseScope splits into q/k/v), read out at the last position.</summary>
sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding embed;
    readonly Parameter position;
    readonly LayerNorm norm1, norm2;
    readonly MultiheadAttention attention;
    readonly Sequential mlp;
    readonly Linear readout;

    public TinyTransformer(int vocabulary, int length, int dModel, int heads) : base(nameof(TinyTransformer))
    {
        embed = nn.Embedding(vocabulary, dModel);
        position = nn.Parameter(randn(length, dModel).mul(0.02));
        norm1 = nn.LayerNorm(dModel);
        norm2 = nn.LayerNorm(dModel);
        attention = nn.MultiheadAttention(dModel, heads);
        mlp = nn.Sequential(nn.Linear(dModel, 4 * dModel), nn.GELU(), nn.Linear(4 * dModel, dModel));
        readout = nn.Linear(dModel, vocabulary);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)   // [batch, length] → logits [batch, vocabulary]
    {
        var h = embed.call(tokens).add(position);
        var q = norm1.call(h).transpose(0, 1);       // nn.MultiheadAttention takes [length, batch, dModel]
        var (attended, _) = attention.call(q, q, q, null, false, null);
        h = h.add(attended.transpose(0, 1));
        h = h.add(mlp.call(norm2.call(h)));
        return readout.call(h.select(1, -1));
    }
}
// endregion
