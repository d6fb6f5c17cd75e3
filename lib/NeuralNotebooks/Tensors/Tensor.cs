using NeuralNotebooks.Display;

namespace NeuralNotebooks;

/// <summary>
/// An n-dimensional array of 32-bit floats, stored contiguously in row-major order, that can
/// record the operations applied to it so that <c>Backward()</c> computes gradients.
/// </summary>
/// <remarks>
/// Operations never modify their inputs: each returns a new tensor. Element-wise operations
/// broadcast like NumPy and PyTorch. Shapes follow the usual conventions: a batch of images is
/// (batch, height, width, channels).
/// </remarks>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed partial class Tensor : IRichDisplay
{
    /// <summary>
    /// The elements, row-major. Exactly <see cref="Size"/> long. Only training replaces the array (see
    /// <see cref="SwapData"/>), and it puts the original back before it returns.
    /// </summary>
    internal float[] data;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The number of elements does not match the shape.</exception>
    public Tensor(float[] data, params int[] shape) : this(data, new Shape(shape)) { }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    public Tensor(float[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Size)
            throw new ArgumentException($"Cannot make a tensor of shape {shape} ({shape.Size} elements) from {data.Length} values.");
        this.data = data;
        Shape = shape;
    }

    /// <summary>
    /// Exchanges this tensor's array with <paramref name="other"/>, of the same length: how a training step
    /// makes the weights it wrote into a second array current without copying them, while the array it
    /// read them from stays intact (see <c>Trainer</c>). Views made by <see cref="Reshape(int[])"/> share the
    /// array, not the tensor, so the trainer swaps the original array back before it returns.
    /// </summary>
    internal void SwapData(ref float[] other)
    {
        if (other.Length != data.Length) throw new ArgumentException($"Cannot swap a tensor of {data.Length} elements with an array of {other.Length}.");
        (data, other) = (other, data);
    }

    /// <summary>The size along each axis.</summary>
    public Shape Shape { get; }

    /// <summary>The number of axes (0 for a scalar, 4 for a batch of images).</summary>
    public int Rank => Shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Size => data.Length;

    /// <summary>The element type; always <see cref="DType.Float32"/>.</summary>
    public DType DType => DType.Float32;

    /// <summary>
    /// The elements as a span, row-major. Writing to it changes the tensor (and the tensors that share its
    /// memory); unlike <see cref="SetItem"/>, such writes are not seen by the backward pass's check for values
    /// changed after an operation used them, so change values through the span before computing from them.
    /// </summary>
    public Span<float> AsSpan() => data;

    /// <summary>A copy of the elements, row-major.</summary>
    public float[] ToArray() => (float[])data.Clone();
}
