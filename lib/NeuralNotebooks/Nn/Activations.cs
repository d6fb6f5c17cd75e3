using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// An activation function and its derivative, by name: <c>Activations.Get("tanh").Forward(z)</c> and
/// <c>.Derivative(z)</c> (element by element, with respect to z), for plotting and for the layers.
/// </summary>
public sealed class ActivationFunction
{
    internal ActivationFunction(string name) => Name = name;

    /// <summary>The canonical name: sigmoid, tanh, arctan, relu, leaky_relu, softmax or linear.</summary>
    public string Name { get; }

    /// <summary>Leaky ReLU's slope for negative inputs (Keras's default 0.3); unused by the others.</summary>
    public float Slope { get; init; } = 0.3f;

    /// <summary>f(z), element by element (softmax: over the last axis).</summary>
    public Tensor Forward(Tensor z) => Name switch
    {
        "sigmoid" => z.Sigmoid(),
        "tanh" => z.Tanh(),
        "arctan" => z.Atan(),
        "relu" => z.Relu(),
        "leaky_relu" => z.LeakyRelu(Slope),
        "softmax" => z.Softmax(),
        _ => z * 1f,
    };

    /// <summary>f'(z), element by element (for softmax, the diagonal of its Jacobian: s(1 - s)).</summary>
    public Tensor Derivative(Tensor z)
    {
        using var _ = Tensor.NoGrad();
        var x = z.AsSpan();
        var d = new float[z.Size];
        switch (Name)
        {
            case "sigmoid":
            {
                var s = z.Sigmoid().ToArray();
                for (int i = 0; i < d.Length; i++) d[i] = s[i] * (1 - s[i]);
                break;
            }
            case "tanh":
            {
                var t = z.Tanh().ToArray();
                for (int i = 0; i < d.Length; i++) d[i] = 1 - t[i] * t[i];
                break;
            }
            case "arctan": for (int i = 0; i < d.Length; i++) d[i] = 1f / (1f + x[i] * x[i]); break;
            case "relu": for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0 ? 1f : 0f; break;
            case "leaky_relu": for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0 ? 1f : Slope; break;
            case "softmax":
            {
                var s = z.Softmax().ToArray();
                for (int i = 0; i < d.Length; i++) d[i] = s[i] * (1 - s[i]);
                break;
            }
            default: Array.Fill(d, 1f); break;
        }
        return new Tensor(d, z.Shape);
    }

    /// <summary>Applies the function in place on a batch (rows of <paramref name="width"/>).</summary>
    internal void ForwardInPlace(Span<float> z, int width)
    {
        switch (Name)
        {
            case "sigmoid": Simd.Sigmoid(z, z); break;
            case "tanh": Simd.Tanh(z, z); break;
            case "arctan": Simd.Atan(z, z); break;
            case "relu": Simd.Relu(z, z); break;
            case "leaky_relu": Simd.LeakyRelu(z, Slope, z); break;
            case "softmax":
                for (int o = 0; o < z.Length; o += width) Simd.Softmax(z.Slice(o, width), z.Slice(o, width));
                break;
        }
    }

    /// <summary>Whether the backward pass needs the input z (not only the output y).</summary>
    internal bool NeedsInput => Name == "arctan";

    /// <summary>dz = dy ⊙ f'(z), from the output y (and the input z where needed).</summary>
    internal void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width)
    {
        switch (Name)
        {
            case "sigmoid": Simd.SigmoidBackward(y, dy, dz); break;
            case "tanh": Simd.TanhBackward(y, dy, dz); break;
            case "relu": Simd.ReluBackward(y, dy, dz); break;
            case "leaky_relu": Simd.LeakyReluBackward(y, Slope, dy, dz); break;
            case "arctan": for (int i = 0; i < dz.Length; i++) dz[i] = dy[i] / (1f + z[i] * z[i]); break;
            case "softmax":
                for (int o = 0; o < dz.Length; o += width)
                {
                    var yr = y.Slice(o, width);
                    float dot = Simd.Dot(dy.Slice(o, width), yr);
                    Simd.Subtract(dy.Slice(o, width), dot, dz.Slice(o, width));
                    Simd.Multiply(dz.Slice(o, width), yr, dz.Slice(o, width));
                }
                break;
            default: dy.CopyTo(dz); break;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name == "leaky_relu" ? $"leaky_relu(slope {Slope})" : Name;
}

/// <summary>The activation functions by name, as Keras spells them.</summary>
public static class Activations
{
    /// <summary>The names <see cref="Get"/> understands.</summary>
    public static readonly IReadOnlyList<string> Names = ["sigmoid", "logistic", "tanh", "arctan", "atan", "relu", "leaky_relu", "softmax", "linear", "identity"];

    /// <summary>
    /// The activation called <paramref name="name"/>: "sigmoid" (or "logistic"), "tanh", "arctan", "relu",
    /// "leaky_relu", "softmax", "linear" (or "identity", or null).
    /// </summary>
    public static ActivationFunction Get(string? name, float slope = 0.3f) => (name?.ToLowerInvariant()) switch
    {
        null or "linear" or "identity" or "none" => new ActivationFunction("linear"),
        "sigmoid" or "logistic" => new ActivationFunction("sigmoid"),
        "tanh" => new ActivationFunction("tanh"),
        "arctan" or "atan" => new ActivationFunction("arctan"),
        "relu" => new ActivationFunction("relu"),
        "leaky_relu" or "leakyrelu" => new ActivationFunction("leaky_relu") { Slope = slope },
        "softmax" => new ActivationFunction("softmax"),
        _ => throw new ArgumentException($"Unknown activation '{name}'. Known: {string.Join(", ", Names)}."),
    };
}
