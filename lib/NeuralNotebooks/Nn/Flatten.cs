namespace NeuralNotebooks;

/// <summary>Flattens each sample into a vector, in (height, width, channels) order: (N, 13, 13, 28) becomes (N, 4732).</summary>
public sealed class Flatten : Layer
{
    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng) => [inputShape.Aggregate(1, (a, d) => a * d)];

    private Tensor? _view, _backView;

    // Flattening is a view: the same floats with another shape, kept while the batch buffer stays the same.
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        if (_view is null || _view.data != x.data || _view.Shape[0] != x.Shape[0]) _view = new Tensor(x.data, x.Shape[0], OutputShape[0]);
        return _view;
    }

    /// <inheritdoc/>
    public override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        if (_backView is null || _backView.data != dy.data || _backView.Shape[0] != dy.Shape[0]) _backView = new Tensor(dy.data, [dy.Shape[0], .. InputShape]);
        return _backView;
    }
}
