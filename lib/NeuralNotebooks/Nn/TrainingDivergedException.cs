using System.Globalization;
namespace NeuralNotebooks;

/// <summary>
/// Training stopped because a loss or a weight became NaN or infinite. It is thrown in the batch where
/// that first happens, and the model keeps the weights it had before that batch, so they can be inspected.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for epoch <paramref name="epoch"/>, batch <paramref name="batch"/> (both 1-based).</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The batch within the epoch, from 1.</param>
    /// <param name="what">What became non-finite, e.g. "the loss became NaN".</param>
    /// <param name="layer">Where it first appeared: "dense_1 (Dense), weight 'kernel'", "the output of dense_1 (Dense)", "the input", or null if unknown.</param>
    /// <param name="learningRate">The optimizer's learning rate.</param>
    public TrainingDivergedException(int epoch, int batch, string what, string? layer, float learningRate)
        : base(string.Create(CultureInfo.InvariantCulture, $"Training diverged at epoch {epoch}, batch {batch}: {what}{(layer is null ? "" : $" (first in {layer})")}, learning rate {learningRate}. ") +
               "The model keeps its weights from before this batch, so Fit can go on once the cause is fixed. Try a smaller learning rate, or check the inputs for NaN or very large values.")
    {
        Epoch = epoch;
        Batch = batch;
        Layer = layer;
    }

    /// <summary>The epoch (1-based) where it happened.</summary>
    public int Epoch { get; }
    /// <summary>The batch (1-based) where it happened.</summary>
    public int Batch { get; }
    /// <summary>Where a non-finite value first appeared ("dense_1 (Dense), weight 'kernel'", "the output of dense_1 (Dense)", "the input"), or null if unknown.</summary>
    public string? Layer { get; }
}
