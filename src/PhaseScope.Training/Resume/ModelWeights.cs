using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Training.Resume;

/// <summary>Loads a model checkpoint (<c>step_N.safetensors</c>) into a model of the same shape, checking every tensor's
/// name, shape and dtype first so that a checkpoint of another model is refused before anything is copied.</summary>
public static class ModelWeights
{
    /// <summary>Copies the tensors of <paramref name="path"/> into <paramref name="model"/>'s state.</summary>
    /// <param name="model">The model (its state dict names the tensors).</param>
    /// <param name="path">A safetensors file written from such a model.</param>
    /// <param name="fix">What the user should do when the file does not fit (ends the error message).</param>
    /// <exception cref="ResumeException">The file does not hold exactly this model's tensors with their shapes and dtypes.</exception>
    public static void Load(nn.Module model, string path, string fix)
    {
        var saved = Safetensors.Load(path);
        try
        {
            using var _ = no_grad();
            var state = model.state_dict();
            var name = Path.GetFileName(path);
            var missing = state.Keys.Except(saved.Keys).ToList();
            var extra = saved.Keys.Except(state.Keys).ToList();
            if (missing.Count > 0 || extra.Count > 0)
                throw new ResumeException($"{name} does not fit this model (missing: {string.Join(", ", missing.Take(5))}; unexpected: {string.Join(", ", extra.Take(5))}). {fix}");
            foreach (var (key, target) in state)
            {
                var t = saved[key];
                if (!t.shape.SequenceEqual(target.shape) || t.dtype != target.dtype)
                    throw new ResumeException($"{name}: '{key}' is {t.dtype} [{string.Join(", ", t.shape)}], the model has {target.dtype} [{string.Join(", ", target.shape)}]. {fix}");
            }
            foreach (var (key, target) in state) target.copy_(saved[key]);
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
    }
}
