using System.Runtime.Intrinsics;

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
    private int _outH, _outW;
    private static readonly Vector512<int> Lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    /// <summary>Max pooling with windows of <paramref name="poolSize"/> (default 2×2), moving by <paramref name="strides"/> (default: the pool size).</summary>
    public MaxPool2D((int Height, int Width)? poolSize = null, (int Height, int Width)? strides = null)
    {
        PoolSize = poolSize ?? (2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.Height <= 0 || PoolSize.Width <= 0 || Strides.Height <= 0 || Strides.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"MaxPool2D: pool size and strides must be positive, got {PoolSize} and {Strides}.");
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
        _outH = (inputShape[0] - PoolSize.Height) / Strides.Height + 1;
        _outW = (inputShape[1] - PoolSize.Width) / Strides.Width + 1;
        if (_outH <= 0 || _outW <= 0) throw new ArgumentException($"{Describe()}: a {PoolSize} pool does not fit in a {inputShape[0]}x{inputShape[1]} image.");
        return [_outH, _outW, inputShape[2]];
    }

    internal override Tensor Forward(Tensor x, bool training)
    {
        int n = x.Shape[0], h = InputShape[0], w = InputShape[1], c = InputShape[2];
        var y = Ensure(ref _out, n, _outH, _outW, c);
        if (_argmax is null || _argmax.Length != y.Size) _argmax = new int[y.Size];
        var xd = x.data; var yd = y.data; var am = _argmax;
        int ph = PoolSize.Height, pw = PoolSize.Width, sh = Strides.Height, sw = Strides.Width, oh = _outH, ow = _outW;
        void Sample(int b)
        {
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int o = ((b * oh + oy) * ow + ox) * c;
                    int first = ((b * h + oy * sh) * w + ox * sw) * c;
                    int ch = 0;
                    // Sixteen channels at a time: the running maximum and where it came from, in vectors.
                    for (; Vector512.IsHardwareAccelerated && ch <= c - 16; ch += 16)
                    {
                        var best = Vector512.Create(xd, first + ch);
                        var where = Vector512.Create(first + ch) + Lanes;
                        for (int i = 0; i < ph; i++)
                            for (int j = 0; j < pw; j++)
                            {
                                int p = ((b * h + oy * sh + i) * w + ox * sw + j) * c + ch;
                                var v = Vector512.Create(xd, p);
                                var greater = Vector512.GreaterThan(v, best);
                                best = Vector512.ConditionalSelect(greater, v, best);
                                where = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(p) + Lanes, where);
                            }
                        best.CopyTo(yd, o + ch);
                        where.CopyTo(am, o + ch);
                    }
                    for (; ch < c; ch++)
                    {
                        float m = xd[first + ch]; int at = first + ch;
                        for (int i = 0; i < ph; i++)
                            for (int j = 0; j < pw; j++)
                            {
                                int p = ((b * h + oy * sh + i) * w + ox * sw + j) * c + ch;
                                if (xd[p] > m) { m = xd[p]; at = p; }
                            }
                        yd[o + ch] = m; am[o + ch] = at;
                    }
                }
        }
        if ((long)x.Size >= 1 << 18) Parallel.For(0, n, Sample); else for (int b = 0; b < n; b++) Sample(b);
        return y;
    }

    internal override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        int n = dy.Shape[0];
        var dx = EnsureBatch(ref _dx, n, InputShape);
        dx.data.AsSpan().Clear();
        var g = dy.data; var d = dx.data; var am = _argmax!;
        for (int i = 0; i < g.Length; i++) d[am[i]] += g[i];
        return dx;
    }
}

/// <summary>Flattens each sample into a vector, in (height, width, channels) order: (N, 13, 13, 28) becomes (N, 4732).</summary>
public sealed class Flatten : Layer
{
    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng) => [inputShape.Aggregate(1, (a, d) => a * d)];

    private Tensor? _view, _backView;

    // Flattening is a view: the same floats with another shape, kept while the batch buffer stays the same.
    internal override Tensor Forward(Tensor x, bool training)
    {
        if (_view is null || _view.data != x.data || _view.Shape[0] != x.Shape[0]) _view = new Tensor(x.data, x.Shape[0], OutputShape[0]);
        return _view;
    }

    internal override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        if (_backView is null || _backView.data != dy.data || _backView.Shape[0] != dy.Shape[0]) _backView = new Tensor(dy.data, [dy.Shape[0], .. InputShape]);
        return _backView;
    }
}
