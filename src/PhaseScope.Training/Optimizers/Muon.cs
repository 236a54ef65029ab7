using System.Runtime.InteropServices;
using PhaseScope.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Optimizers;

/// <summary>
/// Muon (K. Jordan 2024, seed 001 ref. [31]): momentum whose update for a hidden 2-D weight is orthogonalised
/// by Newton–Schulz before it is applied, with AdamW for every other parameter (embeddings, the read-out, biases, norms).
/// For a hidden weight W with gradient G, per step:
/// <code>
///   B ← μB + (1 − μ)G                        momentum (an exponential average)
///   U ← (1 − μ)G + μB  (Nesterov) or B
///   O ← NewtonSchulz.Quintic(U, 5)            ≈ the polar factor of U, singular values in ≈ [0.7, 1.2]
///   W ← W(1 − η_M·λ) − η_M·√max(1, rows/cols)·O
/// </code>
/// with η_M the Muon learning rate (default 0.02), μ = 0.95 and λ the decoupled weight decay shared with the AdamW part.
/// The √max(1, rows/cols) factor is the reference implementation's: it keeps the update's RMS per element comparable
/// across shapes. Which tensors are hidden weights: <see cref="TakesMuon"/> (2-D, and not an embedding or the read-out;
/// every model here names those <c>*embed*</c>).
/// Seed 001 §44 compares Muon with AdamW on the same model (k* = 1 against 2); the seed calls Muon's orthogonalisation
/// "spectral norm equalisation". Learning-rate control (<see cref="SetLearningRate"/>) scales η_M and AdamW's rate by
/// the same factor, so a band of the adaptive controller means the same relative change for both.
/// </summary>
public sealed class Muon : ITrainingOptimizer
{
    /// <summary>Defaults of the reference implementation.</summary>
    public const double DefaultLearningRate = 0.02, DefaultMomentum = 0.95;
    /// <summary>Newton–Schulz steps per update (the reference's).</summary>
    public const int OrthogonalisationSteps = 5;
    const string Header = "PhaseScope.Muon";
    const int Version = 1;

    readonly Parameter[] matrices;
    readonly Tensor[] momentum;
    readonly double[] shapeScale;
    readonly KeptAdamW? rest;
    readonly double baseAdamRate, baseMuonRate, mu, weightDecay;
    readonly bool nesterov;
    double muonRate;
    long steps;

    /// <summary>Creates the optimizer over a model's named parameters.</summary>
    /// <param name="parameters">Every trainable parameter with its name.</param>
    /// <param name="muonLearningRate">η_M for the hidden weights.</param>
    /// <param name="momentum">μ ∈ [0, 1).</param>
    /// <param name="adamLearningRate">AdamW's rate for the other parameters (the trainer's <c>--lr</c>).</param>
    /// <param name="beta1">AdamW β₁.</param>
    /// <param name="beta2">AdamW β₂.</param>
    /// <param name="weightDecay">Decoupled weight decay λ of both parts.</param>
    /// <param name="nesterov">Nesterov momentum (the reference's default).</param>
    /// <exception cref="ArgumentException">A rate, μ or λ is out of range, or no parameter is a hidden weight.</exception>
    public Muon(IEnumerable<(string Name, Parameter Parameter)> parameters, double muonLearningRate, double momentum,
        double adamLearningRate, double beta1, double beta2, double weightDecay, bool nesterov = true)
    {
        if (!(muonLearningRate > 0) || double.IsInfinity(muonLearningRate)) throw new ArgumentException($"Muon's learning rate must be positive and finite (got {muonLearningRate}).", nameof(muonLearningRate));
        if (!(momentum is >= 0 and < 1)) throw new ArgumentException($"Muon's momentum must lie in [0, 1) (got {momentum}).", nameof(momentum));
        if (!(weightDecay >= 0) || muonLearningRate * weightDecay >= 1) throw new ArgumentException($"Muon's decay multiplies hidden weights by 1 − η_M·λ each step; η_M {muonLearningRate} × λ {weightDecay} must be below 1.", nameof(weightDecay));
        var all = parameters.ToList();
        matrices = all.Where(p => TakesMuon(p.Name, p.Parameter)).Select(p => p.Parameter).ToArray();
        if (matrices.Length == 0) throw new ArgumentException("Muon found no hidden 2-D weight to orthogonalise (only embeddings, read-out, biases or norms); use AdamW.", nameof(parameters));
        var others = all.Where(p => !TakesMuon(p.Name, p.Parameter)).Select(p => p.Parameter).ToList();
        rest = others.Count > 0 ? new KeptAdamW(others, adamLearningRate, beta1, beta2, 1e-8, weightDecay) : null;
        this.momentum = matrices.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        shapeScale = matrices.Select(p => Math.Sqrt(Math.Max(1.0, (double)p.shape[0] / p.shape[1]))).ToArray();
        baseAdamRate = adamLearningRate;
        baseMuonRate = muonRate = muonLearningRate;
        mu = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /// <summary>Whether a parameter is a hidden weight that Muon orthogonalises: 2-D and not an embedding or the read-out
    /// (names containing <c>embed</c>: <c>tok_embed</c>, <c>pos_embed</c>, <c>unembed</c>).</summary>
    public static bool TakesMuon(string name, Tensor parameter) => parameter.dim() == 2 && !name.Contains("embed", StringComparison.Ordinal);

    /// <summary>The hidden weights' tensors (in the order of the model's parameters).</summary>
    public IReadOnlyList<Parameter> HiddenWeights => matrices;

    /// <summary>η_M now.</summary>
    public double MuonLearningRate => muonRate;

    /// <inheritdoc />
    public void ZeroGrad()
    {
        rest?.zero_grad();
        foreach (var p in matrices)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <inheritdoc />
    public void Step()
    {
        using (no_grad())
        {
            for (int i = 0; i < matrices.Length; i++)
            {
                using var scope = NewDisposeScope();
                var p = matrices[i];
                var g = p.grad;
                if (g is null) continue;
                var buffer = momentum[i];
                KeptScalar.With(mu, m => KeptScalar.With(1 - mu, w => buffer.mul_(m).add_(g, w)));
                var u = nesterov ? KeptScalar.With(mu, m => KeptScalar.With(1 - mu, w => g.mul(w).add_(buffer, m))) : buffer;
                var o = NewtonSchulz.Quintic(u, OrthogonalisationSteps);
                if (weightDecay > 0) KeptScalar.With(1 - muonRate * weightDecay, s => p.mul_(s));
                KeptScalar.With(-muonRate * shapeScale[i], a => p.add_(o, a));
            }
        }
        rest?.step();
        steps++;
    }

    /// <inheritdoc />
    public void SetLearningRate(double learningRate)
    {
        rest?.SetLearningRate(learningRate);
        muonRate = baseMuonRate * learningRate / baseAdamRate;
    }

    /// <inheritdoc />
    /// <remarks>Layout: header, version, step count, η_M, then per hidden weight its shape and momentum (float32), then
    /// whether an AdamW part follows and its TorchSharp state.</remarks>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Header);
        writer.Write(Version);
        writer.Write(steps);
        writer.Write(muonRate);
        writer.Write(matrices.Length);
        foreach (var buffer in momentum)
        {
            writer.Write((int)buffer.dim());
            foreach (var d in buffer.shape) writer.Write(d);
            using var cpu = buffer.to(float32, CPU).contiguous();
            writer.Write(MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
        }
        writer.Write(rest is not null);
        rest?.SaveState(writer);
    }

    /// <inheritdoc />
    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        string header;
        try { header = reader.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or FormatException) { throw new InvalidDataException("The optimizer state is not Muon's (it was written by another optimizer: resume with the optimizer the run was started with).", e); }
        if (header != Header) throw new InvalidDataException($"The optimizer state is '{header}', not Muon's: resume with the optimizer the run was started with.");
        int version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"Muon state version {version} is not {Version}.");
        long savedSteps = reader.ReadInt64();
        double savedRate = reader.ReadDouble();
        int count = reader.ReadInt32();
        if (count != matrices.Length) throw new InvalidDataException($"The Muon state holds {count} hidden weights; this model has {matrices.Length}.");
        var loaded = new float[count][];
        for (int i = 0; i < count; i++)
        {
            int dims = reader.ReadInt32();
            if (dims < 0 || dims > 8) throw new InvalidDataException($"Muon state: hidden weight {i} has {dims} dimensions.");
            var shape = new long[dims];
            for (int d = 0; d < dims; d++) shape[d] = reader.ReadInt64();
            if (!shape.SequenceEqual(momentum[i].shape))
                throw new InvalidDataException($"Muon state: hidden weight {i} is [{string.Join(", ", shape)}], the model's is [{string.Join(", ", momentum[i].shape)}].");
            loaded[i] = new float[momentum[i].numel()];
            var bytes = reader.ReadBytes(loaded[i].Length * sizeof(float));
            if (bytes.Length != loaded[i].Length * sizeof(float)) throw new EndOfStreamException("The Muon state ends inside a momentum buffer.");
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(loaded[i]);
        }
        bool hasRest = reader.ReadBoolean();
        if (hasRest != rest is not null) throw new InvalidDataException("The Muon state's AdamW part does not match this model's parameters.");
        rest?.LoadState(stream);
        for (int i = 0; i < count; i++)
        {
            using var values = tensor(loaded[i]).reshape(momentum[i].shape);
            using var _ = no_grad();
            momentum[i].copy_(values);
        }
        steps = savedSteps;
        muonRate = savedRate;
    }

    /// <summary>Releases the momentum buffers and the AdamW part.</summary>
    public void Dispose()
    {
        foreach (var m in momentum) m.Dispose();
        rest?.Dispose();
    }
}
