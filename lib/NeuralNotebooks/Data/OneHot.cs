namespace NeuralNotebooks;

public sealed partial class Tensor
{
    /// <summary>
    /// One-hot encoding: row n of the (N, classes) result is 1 in column <c>labels[n]</c> and 0 elsewhere
    /// (Keras's <c>to_categorical</c>, PyTorch's <c>one_hot</c>).
    /// </summary>
    public static Tensor OneHot(IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"one_hot: the number of classes must be positive, got {classes}.");
        var d = new float[labels.Count * classes];
        for (int n = 0; n < labels.Count; n++)
        {
            int c = labels[n];
            if (c < 0 || c >= classes) throw new ArgumentOutOfRangeException(nameof(labels), $"one_hot: label {c} at position {n} is outside 0..{classes - 1}.");
            d[n * classes + c] = 1f;
        }
        return new Tensor(d, labels.Count, classes);
    }
}
