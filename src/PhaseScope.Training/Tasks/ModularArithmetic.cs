using static TorchSharp.torch;

namespace PhaseScope.Training.Tasks;

/// <summary>The binary operations of the modular-arithmetic grokking task.</summary>
public enum ModularOperation
{
    /// <summary>x + y mod p.</summary>
    Add,
    /// <summary>x − y mod p.</summary>
    Sub,
    /// <summary>x · y mod p.</summary>
    Mul,
    /// <summary>x · y⁻¹ mod p (y ≠ 0; needs p prime so every y has an inverse).</summary>
    Div,
    /// <summary>x² + y² mod p.</summary>
    X2Y2,
}

/// <summary>
/// Modular arithmetic (Power et al. 2022; seed 001 §"grokking" and docs/SETUPS.md "Modular arithmetic"):
/// every pair (x, y) ∈ [0, p)² (y ≠ 0 for div) labelled x ∘ y mod p, split at random into train and
/// test by a data seed. Input tokens are <c>[x, op, y, =]</c> with x, y ∈ [0, p), op = p, = = p + 1;
/// the answer is predicted at the last position (p classes).
/// </summary>
public static class ModularArithmetic
{
    /// <summary>Every operation's canonical name, in the enum's order: <c>add, sub, mul, div, x2_y2</c>.</summary>
    public static string NameList => string.Join(", ", Enum.GetValues<ModularOperation>().Select(NameOf));

    /// <summary>Parses an operation name (<c>add, sub, mul, div, x2_y2</c>).</summary>
    public static ModularOperation ParseOperation(string name) => name.ToLowerInvariant() switch
    {
        "add" => ModularOperation.Add,
        "sub" => ModularOperation.Sub,
        "mul" => ModularOperation.Mul,
        "div" => ModularOperation.Div,
        "x2_y2" or "x2+y2" => ModularOperation.X2Y2,
        _ => throw new TaskConfigurationException($"Unknown modular operation '{name}'. Use one of: {NameList}."),
    };

    /// <summary>The canonical name of an operation.</summary>
    public static string NameOf(ModularOperation op) => op == ModularOperation.X2Y2 ? "x2_y2" : op.ToString().ToLowerInvariant();

    /// <summary>x ∘ y mod p.</summary>
    public static long Apply(ModularOperation op, long x, long y, long p) => op switch
    {
        ModularOperation.Add => (x + y) % p,
        ModularOperation.Sub => ((x - y) % p + p) % p,
        ModularOperation.Mul => x * y % p,
        ModularOperation.Div => x * ModInverse(y, p) % p,
        ModularOperation.X2Y2 => (x * x + y * y) % p,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Checks the options; throws <see cref="TaskConfigurationException"/> naming the problem.</summary>
    public static void Validate(int p, ModularOperation op, double trainFraction)
    {
        if (p < 2) throw new TaskConfigurationException($"--p must be at least 2 (got {p}).");
        if (p > 2000) throw new TaskConfigurationException($"--p {p} would make {(long)p * p} examples; use p ≤ 2000.");
        if (op == ModularOperation.Div && !IsPrime(p))
            throw new TaskConfigurationException($"--op div needs a prime p so that every y ≠ 0 has an inverse; {p} is not prime (try 97 or 113).");
        if (!(trainFraction > 0 && trainFraction < 1))
            throw new TaskConfigurationException($"--train-fraction must lie strictly between 0 and 1 (got {trainFraction}).");
    }

    /// <summary>Builds the task: all pairs, shuffled by <paramref name="dataSeed"/>, the first ⌊f·N⌋ for training.</summary>
    public static TaskData Create(int p, ModularOperation op, double trainFraction, int dataSeed)
    {
        Validate(p, op, trainFraction);
        var pairs = new List<(int X, int Y)>();
        for (int x = 0; x < p; x++)
            for (int y = op == ModularOperation.Div ? 1 : 0; y < p; y++)
                pairs.Add((x, y));
        var rng = new Random(dataSeed);
        for (int i = pairs.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (pairs[i], pairs[j]) = (pairs[j], pairs[i]);
        }
        int nTrain = (int)Math.Floor(trainFraction * pairs.Count);
        if (nTrain < 1 || nTrain >= pairs.Count)
            throw new TaskConfigurationException($"--train-fraction {trainFraction} leaves an empty train or test set for {pairs.Count} examples.");

        (Tensor inputs, Tensor targets) Encode(IEnumerable<(int X, int Y)> items)
        {
            var list = items.ToList();
            var tokens = new long[list.Count * 4];
            var labels = new long[list.Count];
            for (int i = 0; i < list.Count; i++)
            {
                var (x, y) = list[i];
                tokens[4 * i] = x;
                tokens[4 * i + 1] = p;
                tokens[4 * i + 2] = y;
                tokens[4 * i + 3] = p + 1;
                labels[i] = Apply(op, x, y, p);
            }
            return (tensor(tokens).reshape(list.Count, 4), tensor(labels));
        }

        var (trX, trY) = Encode(pairs.Take(nTrain));
        var (teX, teY) = Encode(pairs.Skip(nTrain));
        return new TaskData
        {
            Description = $"modular {NameOf(op)} p={p}",
            TrainInputs = trX, TrainTargets = trY, TestInputs = teX, TestTargets = teY,
            VocabularySize = p + 2, ClassCount = p, ContextLength = 4, PerPosition = false, Causal = false,
        };
    }

    /// <summary>
    /// Multi-task modular arithmetic (seed 001 §27 "Multi-task arithmetic": add+mul, add+mul+sq): one model, one op token
    /// per operation (<c>[x, op_k, y, =]</c> with op_k = p + k, = = p + K), the k-th operation's pairs split by data seed
    /// + k with the same train fraction, so each task keeps its own held-out pairs. The test rows are grouped by operation
    /// (<see cref="TaskData.TestGroups"/>) for per-task accuracy, whose crossing of the grok threshold is a task's grok step.
    /// </summary>
    public static TaskData CreateMultitask(int p, IReadOnlyList<ModularOperation> ops, double trainFraction, int dataSeed)
    {
        if (ops.Count < 2) throw new TaskConfigurationException($"--multitask needs at least two operations (got {ops.Count}); e.g. --op add,mul.");
        if (ops.Distinct().Count() != ops.Count) throw new TaskConfigurationException("--multitask: each operation may appear once.");
        var parts = ops.Select((op, k) => (Op: op, Data: Create(p, op, trainFraction, dataSeed + k))).ToList();
        try
        {
            Tensor Relabel(Tensor inputs, int k)
            {
                var x = inputs.clone();
                x[TensorIndex.Colon, 1] = tensor((long)(p + k));
                x[TensorIndex.Colon, 3] = tensor((long)(p + ops.Count));
                return x;
            }
            var trainX = cat(parts.Select((t, k) => Relabel(t.Data.TrainInputs, k)).ToArray(), 0);
            var trainY = cat(parts.Select(t => t.Data.TrainTargets).ToArray(), 0);
            var testX = cat(parts.Select((t, k) => Relabel(t.Data.TestInputs, k)).ToArray(), 0);
            var testY = cat(parts.Select(t => t.Data.TestTargets).ToArray(), 0);
            var groups = new List<TaskGroup>();
            long start = 0;
            foreach (var (op, data) in parts)
            {
                groups.Add(new TaskGroup(NameOf(op), start, data.TestCount));
                start += data.TestCount;
            }
            return new TaskData
            {
                Description = $"modular {string.Join('+', ops.Select(NameOf))} p={p} (multi-task)",
                TrainInputs = trainX, TrainTargets = trainY, TestInputs = testX, TestTargets = testY,
                VocabularySize = p + ops.Count + 1, ClassCount = p, ContextLength = 4, PerPosition = false, Causal = false,
                TestGroups = groups,
            };
        }
        finally
        {
            foreach (var part in parts) part.Data.Dispose();
        }
    }

    /// <summary>Trial division; p ≤ 2000 here.</summary>
    public static bool IsPrime(int n)
    {
        if (n < 2) return false;
        for (int d = 2; (long)d * d <= n; d++)
            if (n % d == 0) return false;
        return true;
    }

    /// <summary>y⁻¹ mod p by Fermat's little theorem (p prime): y^(p−2).</summary>
    static long ModInverse(long y, long p)
    {
        long result = 1, b = y % p, e = p - 2;
        while (e > 0)
        {
            if ((e & 1) == 1) result = result * b % p;
            b = b * b % p;
            e >>= 1;
        }
        return result;
    }
}
