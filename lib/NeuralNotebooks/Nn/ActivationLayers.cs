namespace NeuralNotebooks;

/// <summary>An activation function as a layer of its own: <c>new Activation("relu")</c>.</summary>
public class Activation : Layer
{
    private Tensor? _out, _in, _dx;

    /// <summary>A layer applying the named activation (see <see cref="Activations.Get"/>).</summary>
    public Activation(string name, float slope = 0.3f) => Function = Activations.Get(name, slope);

    /// <summary>The function applied.</summary>
    public ActivationFunction Function { get; }

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng) => inputShape;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        var y = EnsureLike(ref _out, x.Shape);
        x.data.AsSpan().CopyTo(y.data);
        Function.ForwardInPlace(y.data, OutputShape[^1]);
        _in = x;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        var dx = EnsureLike(ref _dx, dy.Shape);
        Function.Backward(_in!.data, _out!.data, dy.data, dx.data, OutputShape[^1]);
        return dx;
    }
}

/// <summary>The rectified linear unit as a layer.</summary>
public sealed class ReLU() : Activation("relu");
/// <summary>Leaky ReLU as a layer (slope 0.3, the default of Keras's <c>LeakyReLU</c> layer).</summary>
public sealed class LeakyReLU(float alpha = 0.3f) : Activation("leaky_relu", alpha);
/// <summary>The logistic sigmoid as a layer.</summary>
public sealed class Sigmoid() : Activation("sigmoid");
/// <summary>The hyperbolic tangent as a layer.</summary>
public sealed class Tanh() : Activation("tanh");
/// <summary>The softmax over the last axis as a layer.</summary>
public sealed class Softmax() : Activation("softmax");
