using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// Max pooling over images (batch, height, width, channels): each output value is the largest of a
/// pool window, per channel. With pool (2, 2) the image halves on each side. Like Keras's
/// <c>MaxPooling2D</c> with "valid" padding; the gradient flows to the (first) largest input.
/// </summary>
public sealed class MaxPool2D : Layer
{
    private Tensor? _out, _dx;
    private int[]? _argmax;
    private bool _indexed;
    private int _outH, _outW;

    /// <summary>Max pooling with windows of <paramref name="poolSize"/> (default 2×2), moving by <paramref name="strides"/> (default: the pool size).</summary>
    public MaxPool2D((int Height, int Width)? poolSize = null, (int Height, int Width)? strides = null)
    {
        PoolSize = poolSize ?? (2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.Height <= 0 || PoolSize.Width <= 0 || Strides.Height <= 0 || Strides.Width <= 0)
            throw new ArgumentOutOfRangeException(PoolSize.Height <= 0 || PoolSize.Width <= 0 ? nameof(poolSize) : nameof(strides),
                $"MaxPool2D: pool size and strides must be positive, got {PoolSize} and {Strides}.");
    }

    /// <summary>Window height and width.</summary>
    public (int Height, int Width) PoolSize { get; }
    /// <summary>Step between windows.</summary>
    public (int Height, int Width) Strides { get; }

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()}: expects images (height, width, channels), got samples of shape ({string.Join(", ", inputShape)}).");
        _outH = Conv2D.ValidOutputSize(inputShape[0], PoolSize.Height, Strides.Height);
        _outW = Conv2D.ValidOutputSize(inputShape[1], PoolSize.Width, Strides.Width);
        if (_outH <= 0 || _outW <= 0) throw new ArgumentException($"{Describe()}: a {PoolSize} pool does not fit in a {inputShape[0]}x{inputShape[1]} image.");
        return [_outH, _outW, inputShape[2]];
    }

    /// <summary>The pooling's geometry over one input image.</summary>
    internal PoolGeometry Geometry => new(InputShape[0], InputShape[1], InputShape[2], PoolSize.Height, PoolSize.Width, Strides.Height, Strides.Width);

    /// <summary>Where each maximum of the last training forward pass came from (flat indices into its input batch).</summary>
    internal int[] Argmax => _indexed ? _argmax! : throw BackwardWithoutIndices();

    /// <summary>The output of the last forward pass (the window maxima), or null before one.</summary>
    internal Tensor? LastOutput => _out;

    private InvalidOperationException BackwardWithoutIndices() =>
        new($"{Describe()}: backward needs a forward pass with training: true, which records where each maximum came from.");

    /// <summary>
    /// This layer's output for a batch of <paramref name="n"/> and, when training, its index buffer, for
    /// <see cref="Forward"/> to fill, or a convolution that computes the pooling as it goes
    /// (Conv2D.ForwardThroughPool) in its place.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal (Tensor Output, int[]? Argmax) OutputsFor(int n, bool training)
    {
        var y = Ensure(ref _out, n, _outH, _outW, InputShape[2]);
        _indexed = training;
        if (!training) return (y, null);
        return (y, EnsureArray(ref _argmax, y.Size));
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        int n = x.Shape[0];
        // Inference keeps no indices: nothing will route a gradient back through this pass.
        var (y, argmax) = OutputsFor(n, training);
        var g = Geometry;
        if (argmax is null)
        {
            Pooling.MaxPoolValues(x.data, n, g, y.data);
            return y;
        }
        if ((long)x.Size >= 1 << 18) Pooling.MaxPoolParallel(x.data, n, g, y.data, argmax);
        else Pooling.MaxPool(x.data, n, g, y.data, argmax);
        return y;
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!_indexed) throw BackwardWithoutIndices();
        if (!needInputGradient) return null;
        var dx = EnsureBatch(ref _dx, dy.Shape[0], InputShape);
        Pooling.MaxPoolGradient(dy.data, _argmax!, dy.Shape[0], Geometry, dx.data);
        return dx;
    }

    /// <inheritdoc/>
    protected internal override string DefaultName => "max_pooling2d";
}
