using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// An activation function: <see cref="Forward"/> and <see cref="Derivative"/> on tensors (for plotting
/// and exploring), and the batch kernels the layers run. Get one by name with <see cref="Activations.Get"/>.
/// Deriving from this class gives a new function to plot and explore; the layers take the built-in ones by
/// name only (for a new activation inside a model, use a <see cref="Lambda"/> layer).
/// </summary>
public abstract class ActivationFunction
{
    /// <summary>The canonical name, e.g. "relu".</summary>
    public abstract string Name { get; }

    /// <summary>f(z), element by element (softmax: over the last axis).</summary>
    public abstract Tensor Forward(Tensor z);

    /// <summary>f'(z), element by element (for softmax, the diagonal of its Jacobian: s(1 - s)).</summary>
    public abstract Tensor Derivative(Tensor z);

    /// <summary>
    /// Applies the function in place on a batch laid out in rows of <paramref name="width"/> values. A layer
    /// with a large output (32,768 values or more) calls it on several threads at once, each with its own band
    /// of whole rows, so it must touch only the rows it is given.
    /// </summary>
    public abstract void ForwardInPlace(Span<float> z, int width);

    /// <summary>Whether <see cref="Backward"/> needs the input z, not only the output y (the layer then keeps a copy of z).</summary>
    public virtual bool NeedsInput => false;

    /// <summary>
    /// dz = dy ⊙ f'(z) (softmax: the Jacobian-vector product per row), from the output y and, where needed,
    /// the input z; like <see cref="ForwardInPlace"/>, called on bands of whole rows, several at once.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>f'(z) from a function of the element and of f(z) (many derivatives are simplest in terms of the output).</summary>
    private protected static Tensor ElementWise(Tensor z, Func<Tensor, Tensor>? output, Func<float, float, float> derivative)
    {
        using var _ = Tensor.NoGrad();
        var x = z.AsSpan();
        var y = output is null ? x.ToArray() : output(z).ToArray();
        var d = new float[z.Size];
        for (int i = 0; i < d.Length; i++) d[i] = derivative(x[i], y[i]);
        return new Tensor(d, z.Shape);
    }
}

/// <summary>The identity: f(z) = z.</summary>
public sealed class LinearActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "linear";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z * 1f;
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, null, (_, _) => 1f);
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) { }
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width) => dy.CopyTo(dz);
}

/// <summary>The logistic sigmoid σ(z) = 1 / (1 + e^-z); σ' = σ(1 - σ).</summary>
public sealed class SigmoidActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "sigmoid";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.Sigmoid();
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, t => t.Sigmoid(), (_, s) => s * (1 - s));
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) => Simd.Sigmoid(z, z);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width) => Simd.SigmoidBackward(y, dy, dz);
}

/// <summary>The hyperbolic tangent; tanh' = 1 - tanh².</summary>
public sealed class TanhActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "tanh";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.Tanh();
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, t => t.Tanh(), (_, t) => 1 - t * t);
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) => Simd.Tanh(z, z);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width) => Simd.TanhBackward(y, dy, dz);
}

/// <summary>The arc tangent; atan'(z) = 1 / (1 + z²), which needs the input z.</summary>
public sealed class ArctanActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "arctan";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.Atan();
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, null, (x, _) => 1f / (1f + x * x));
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) => Simd.Atan(z, z);
    /// <inheritdoc/>
    public override bool NeedsInput => true;
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width)
    {
        Simd.AtanBackward(z, dy, dz);
    }
}

/// <summary>The rectified linear unit max(0, z); its derivative is 1 where z &gt; 0 (read from the output).</summary>
public sealed class ReluActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "relu";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.Relu();
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, null, (x, _) => x > 0 ? 1f : 0f);
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) => Simd.Relu(z, z);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width) => Simd.ReluBackward(y, dy, dz);
}

/// <summary>Leaky ReLU: z for z &gt; 0, else <see cref="Slope"/>·z (slope 0.3 unless given: the default of Keras's <c>LeakyReLU</c> layer; Keras's <c>leaky_relu</c> function defaults to 0.2, PyTorch's to 0.01).</summary>
public sealed class LeakyReluActivation(float slope = 0.3f) : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "leaky_relu";
    /// <summary>The slope for negative inputs, 0 or more (as Keras requires): the backward pass tells the sides apart by the output's sign.</summary>
    public float Slope { get; } = slope >= 0 ? slope
        : throw new ArgumentOutOfRangeException(nameof(slope), $"leaky_relu: the slope for negative inputs must be 0 or more, got {slope}.");
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.LeakyRelu(Slope);
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, null, (x, _) => x > 0 ? 1f : Slope);
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width) => Simd.LeakyRelu(z, Slope, z);
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width) => Simd.LeakyReluBackward(y, Slope, dy, dz);
    /// <inheritdoc/>
    public override string ToString() => $"leaky_relu(slope {Slope})";
}

/// <summary>Softmax over each row: e^z / Σ e^z, probabilities that sum to 1.</summary>
public sealed class SoftmaxActivation : ActivationFunction
{
    /// <inheritdoc/>
    public override string Name => "softmax";
    /// <inheritdoc/>
    public override Tensor Forward(Tensor z) => z.Softmax();
    /// <inheritdoc/>
    public override Tensor Derivative(Tensor z) => ElementWise(z, t => t.Softmax(), (_, s) => s * (1 - s));
    /// <inheritdoc/>
    public override void ForwardInPlace(Span<float> z, int width)
    {
        Simd.SoftmaxRows(z, z, width);
    }
    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width)
    {
        // Jacobian-vector product per row: dz = y ⊙ (dy - dy·y).
        for (int o = 0; o < dz.Length; o += width)
        {
            var yr = y.Slice(o, width);
            float dot = Simd.Dot(dy.Slice(o, width), yr);
            Simd.Subtract(dy.Slice(o, width), dot, dz.Slice(o, width));
            Simd.Multiply(dz.Slice(o, width), yr, dz.Slice(o, width));
        }
    }
}

/// <summary>The activation functions by the names Keras (and scikit-learn) give them.</summary>
public static class Activations
{
    private static readonly Dictionary<string, Func<float, ActivationFunction>> ByName = new()
    {
        ["linear"] = _ => new LinearActivation(), ["identity"] = _ => new LinearActivation(),
        ["sigmoid"] = _ => new SigmoidActivation(), ["logistic"] = _ => new SigmoidActivation(),
        ["tanh"] = _ => new TanhActivation(),
        ["arctan"] = _ => new ArctanActivation(), ["atan"] = _ => new ArctanActivation(),
        ["relu"] = _ => new ReluActivation(),
        ["leaky_relu"] = s => new LeakyReluActivation(s),
        ["softmax"] = _ => new SoftmaxActivation(),
    };

    /// <summary>The names <see cref="Get"/> understands.</summary>
    public static readonly IReadOnlyList<string> Names = [.. ByName.Keys];

    /// <summary>
    /// The activation called <paramref name="name"/>: "sigmoid" (or "logistic"), "tanh", "arctan", "relu",
    /// "leaky_relu" (with <paramref name="slope"/>, 0.3 unless given, as Keras's <c>LeakyReLU</c> layer; the string
    /// "leaky_relu" in Keras means its <c>leaky_relu</c> function, whose slope is 0.2), "softmax", "linear" (or
    /// "identity", or null).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static ActivationFunction Get(string? name, float slope = 0.3f) =>
        name is null ? new LinearActivation()
        : ByName.TryGetValue(name.ToLowerInvariant(), out var make) ? make(slope)
        : throw new ArgumentException($"Unknown activation '{name}'. Known: {string.Join(", ", Names)}.");
}
