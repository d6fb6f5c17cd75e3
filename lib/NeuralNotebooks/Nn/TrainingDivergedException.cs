using System.Globalization;
namespace NeuralNotebooks;

/// <summary>
/// Training stopped because a loss or a weight became NaN or infinite, or a weight grew beyond ±1e10. It is
/// thrown in the batch where that first happens, and the model keeps the weights it had before that batch, so
/// they can be inspected.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for epoch <paramref name="epoch"/>, batch <paramref name="batch"/> (both 1-based).</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The batch within the epoch, from 1.</param>
    /// <param name="what">What became non-finite, e.g. "the loss became NaN".</param>
    /// <param name="layer">Where it first appeared: "dense_1 (Dense), weight 'kernel'", "the output of dense_1 (Dense)", "the input", or null if unknown.</param>
    /// <param name="learningRate">The optimizer's learning rate.</param>
    /// <param name="largestKeptWeight">The largest size of a weight the model keeps (from before this batch), or 0 if unknown.</param>
    public TrainingDivergedException(int epoch, int batch, string what, string? layer, float learningRate, float largestKeptWeight = 0)
        : base(string.Create(CultureInfo.InvariantCulture, $"Training diverged at epoch {epoch}, batch {batch}: {what}{(layer is null ? "" : $" (first in {layer})")}, learning rate {learningRate}. ") +
               Advice(largestKeptWeight))
    {
        Epoch = epoch;
        Batch = batch;
        Layer = layer;
    }

    /// <summary>
    /// Weights this large were already ruined by the batches before (a trained network's are rarely above 10s;
    /// glorot_uniform starts them below 1): going on from them with a smaller learning rate stayed at chance.
    /// </summary>
    internal const float RuinedWeight = 1e3f;

    private static string Advice(float largestKeptWeight) => largestKeptWeight > RuinedWeight
        ? string.Create(CultureInfo.InvariantCulture, $"The model keeps its weights from before this batch, but the batches before it had already grown them (one is {largestKeptWeight:G3} in size): build the model again, or load weights saved before training, and train with a smaller learning rate.")
        : "The model keeps its weights from before this batch, so Fit can go on once the cause is fixed. Try a smaller learning rate, or check the inputs for NaN or very large values.";

    /// <summary>The epoch (1-based) where it happened.</summary>
    public int Epoch { get; }
    /// <summary>The batch (1-based) where it happened.</summary>
    public int Batch { get; }
    /// <summary>Where a non-finite value first appeared ("dense_1 (Dense), weight 'kernel'", "the output of dense_1 (Dense)", "the input"), or null if unknown.</summary>
    public string? Layer { get; }
}
