namespace PhaseScope.Training.Optimizers;

/// <summary>
/// What the built-in trainer needs of an optimizer: clear the gradients, take a step, follow a learning-rate
/// controller, and write and read its state with a resume point. <see cref="KeptAdamW"/> and <see cref="Muon"/> implement it.
/// </summary>
public interface ITrainingOptimizer : IDisposable
{
    /// <summary>Clears every parameter's gradient.</summary>
    void ZeroGrad();
    /// <summary>One update from the parameters' current gradients.</summary>
    void Step();
    /// <summary>Sets the learning rate the trainer's options call <c>--lr</c> (an optimizer with further rates scales
    /// them by the same factor).</summary>
    void SetLearningRate(double learningRate);
    /// <summary>Writes the optimizer's state (moments, step counts).</summary>
    void SaveState(BinaryWriter writer);
    /// <summary>Reads a state written by <see cref="SaveState"/> of an optimizer over the same parameters.</summary>
    /// <exception cref="InvalidDataException">The state is not this optimizer's or does not fit its parameters.</exception>
    void LoadState(Stream stream);
}
