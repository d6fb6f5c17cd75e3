namespace NeuralNotebooks;

/// <summary>
/// A layer written as its forward pass only, in tensor operations; autograd derives the backward pass
/// (d2l's "custom layer"). Override <see cref="Forward(Tensor)"/>, and create weights in
/// <see cref="CreateWeights"/> with <see cref="Layer.AddWeight"/>. The output shape is found by running
/// the forward pass once on one zero sample.
/// </summary>
/// <example>
/// <code>
/// class MyLinear(int units) : AutogradLayer
/// {
///     Tensor w = null!, b = null!;
///     protected override void CreateWeights(int[] inputShape, Rng rng)
///     {
///         w = AddWeight("kernel", [inputShape[0], units], rng);
///         b = AddWeight("bias", [units], rng, "zeros");
///     }
///     protected override Tensor Forward(Tensor x) => (x.MatMul(w) + b).Relu();
/// }
/// </code>
/// </example>
/// <remarks>
/// Slower than a hand-written layer: every training step records a graph and allocates its tensors.
/// </remarks>
public abstract class AutogradLayer : Layer
{
    private Tensor? _input, _output;

    /// <summary>The forward pass on a batch (batch axis first), in tensor operations that autograd can differentiate.</summary>
    protected abstract Tensor Forward(Tensor x);

    /// <summary>Creates the layer's weights with <see cref="Layer.AddWeight"/> for samples of shape <paramref name="inputShape"/> (none by default).</summary>
    protected virtual void CreateWeights(int[] inputShape, Rng rng) { }

    /// <inheritdoc/>
    protected sealed override int[] OnBuild(int[] inputShape, Rng rng)
    {
        CreateWeights(inputShape, rng);
        using var _ = Tensor.NoGrad();
        Tensor probe;
        // The probe is the library's, not the learner's: an error inside it says so and names the layer.
        try { probe = Forward(Tensor.Zeros([1, .. inputShape])); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new InvalidOperationException($"{Describe()}: the forward pass failed on one sample of zeros of shape {Batch(inputShape)}, which the model runs to learn the output shape: {e.Message}", e);
        }
        if (probe.Rank == 0 || probe.Shape[0] != 1)
            throw new InvalidOperationException($"{Describe()}: the forward pass must keep the batch axis first, but one sample of shape {Batch(inputShape)} gave {probe.Shape}.");
        return probe.Shape.ToArray()[1..];
    }

    /// <inheritdoc/>
    public sealed override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        if (!training)
        {
            _input = _output = null;
            using var _ = Tensor.NoGrad();
            return Forward(x);
        }
        // A fresh leaf over the caller's floats: the graph of this step starts here.
        _input = new Tensor(x.data, x.Shape).RequireGrad();
        foreach (var w in Weights) { w.RequireGrad(); w.ZeroGrad(); }
        _output = Forward(_input);
        return _output;
    }

    /// <inheritdoc/>
    public sealed override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (_input is null || _output is null) throw new InvalidOperationException($"{Describe()}: backward without a training forward pass.");
        if (dy.Shape != _output.Shape) throw new ArgumentException($"{Describe()}: the output gradient has shape {dy.Shape}, the output {_output.Shape}.");
        foreach (var w in Weights) w.ZeroGrad();
        _input.ZeroGrad();
        // The input and weights require grad, so an output computed from them in tensor operations does too; one
        // that does not was rebuilt from copied numbers (ToArray, new Tensor), and nothing before it would learn.
        if (!_output.RequiresGrad && (needInputGradient || Weights.Count > 0))
            throw new InvalidOperationException($"{Describe()}: Forward's output is not computed from its input or weights in tensor operations (ToArray or new Tensor cut the graph), so no gradient reaches them.");
        if (_output.RequiresGrad) _output.Backward(dy);
        for (int i = 0; i < Weights.Count; i++)
        {
            // A weight read through a copy was never in the graph: it would silently never move.
            var grad = Weights[i].Grad ?? throw new InvalidOperationException(
                $"{Describe()}: weight '{WeightNames[i]}' got no gradient: Forward does not use it in tensor operations (a copy of it, through ToArray or new Tensor, is not the weight).");
            grad.AsSpan().CopyTo(Gradients[i].AsSpan());
        }
        if (!needInputGradient) return null;
        // An output that depends on the weights alone has a zero gradient with respect to the input.
        return _input.Grad ?? Tensor.Zeros(_input.Shape.ToArray());
    }
}

/// <summary>
/// A layer made of a function of tensors, without weights, like Keras's <c>Lambda</c>:
/// <c>new Lambda(x =&gt; x - x.Mean())</c>. Its gradient comes from autograd.
/// </summary>
public sealed class Lambda(Func<Tensor, Tensor> function) : AutogradLayer
{
    private readonly Func<Tensor, Tensor> _function = function ?? throw new ArgumentNullException(nameof(function));

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x) => _function(x);
}
