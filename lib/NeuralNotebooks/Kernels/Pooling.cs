using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The geometry of a 2-D pooling over channels-last images (batch, height, width, channels):
/// input size, window, stride and the output size it gives.
/// </summary>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="Channels">Channels per pixel.</param>
/// <param name="PoolHeight">Window height.</param>
/// <param name="PoolWidth">Window width.</param>
/// <param name="StrideHeight">Vertical step between windows.</param>
/// <param name="StrideWidth">Horizontal step between windows.</param>
public readonly record struct PoolGeometry(int Height, int Width, int Channels, int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth)
{
    /// <summary>Output height: ⌊(H - ph) / sh⌋ + 1.</summary>
    public int OutHeight => (Height - PoolHeight) / StrideHeight + 1;
    /// <summary>Output width: ⌊(W - pw) / sw⌋ + 1.</summary>
    public int OutWidth => (Width - PoolWidth) / StrideWidth + 1;
    /// <summary>Floats in one input image.</summary>
    public int InputSize => Height * Width * Channels;
    /// <summary>Floats in one output image.</summary>
    public int OutputSize => OutHeight * OutWidth * Channels;
}

/// <summary>
/// Max pooling kernels: each output is the largest value of its window, per channel, and the flat
/// input index it came from (the first one on ties), which the backward pass routes the gradient to.
/// <see cref="MaxPool"/> is vectorized across channels (512-, 256- and 128-bit vectors, then single channels);
/// <see cref="MaxPoolScalar"/> is its plain twin.
/// </summary>
public static class Pooling
{
    private static readonly Vector512<int> Lanes16 = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    private static readonly Vector256<int> Lanes8 = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
    private static readonly Vector128<int> Lanes4 = Vector128.Create(0, 1, 2, 3);

    /// <summary>Max pooling of <paramref name="batch"/> images, one channel at a time.</summary>
    public static void MaxPoolScalar(ReadOnlySpan<float> x, int batch, PoolGeometry g, Span<float> y, Span<int> argmax)
    {
        Check(x, batch, g, y, argmax);
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    for (int ch = 0; ch < g.Channels; ch++)
                        Window(x, b, oy, ox, ch, g, y, argmax);
    }

    /// <inheritdoc cref="MaxPoolScalar"/>
    public static void MaxPool(ReadOnlySpan<float> x, int batch, PoolGeometry g, Span<float> y, Span<int> argmax)
    {
        Check(x, batch, g, y, argmax);
        for (int b = 0; b < batch; b++) Sample(x, b, g, y, argmax);
    }

    /// <summary>Like <see cref="MaxPool"/>, the images shared among the cores (for large batches).</summary>
    internal static void MaxPoolParallel(float[] x, int batch, PoolGeometry g, float[] y, int[] argmax)
    {
        Check(x, batch, g, y, argmax);
        ForkJoin.For(batch, 1, new Images(x, g, y, argmax));
    }

    /// <summary>Images [from, to) of a batch, one core's share.</summary>
    private readonly struct Images(float[] x, PoolGeometry g, float[] y, int[] argmax) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int b = from; b < to; b++) Sample(x, b, g, y, argmax);
        }
    }

    /// <summary>Adds each output gradient to the input it came from: <c>dx[argmax[i]] += dy[i]</c> (dx is not cleared).</summary>
    public static void MaxPoolBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        if (argmax.Length < dy.Length) throw new ArgumentException($"MaxPoolBackward: {dy.Length} gradients but {argmax.Length} indices.");
        for (int i = 0; i < dy.Length; i++) dx[argmax[i]] += dy[i];
    }

    private static void Check(ReadOnlySpan<float> x, int batch, PoolGeometry g, ReadOnlySpan<float> y, ReadOnlySpan<int> argmax)
    {
        if (g.OutHeight <= 0 || g.OutWidth <= 0 || g.Channels < 0)
            throw new ArgumentException($"MaxPool: a {g.PoolHeight}x{g.PoolWidth} window does not fit in a {g.Height}x{g.Width} image.");
        long need = (long)batch * g.InputSize, outs = (long)batch * g.OutputSize;
        if (x.Length < need || y.Length < outs || argmax.Length < outs)
            throw new ArgumentException($"MaxPool: {batch} images of {g.Height}x{g.Width}x{g.Channels} need {need} inputs and {outs} outputs; got {x.Length}, {y.Length} and {argmax.Length} indices.");
    }

    private static void Window(ReadOnlySpan<float> x, int b, int oy, int ox, int ch, PoolGeometry g, Span<float> y, Span<int> argmax)
    {
        int c = g.Channels;
        int o = ((b * g.OutHeight + oy) * g.OutWidth + ox) * c + ch;
        int at = ((b * g.Height + oy * g.StrideHeight) * g.Width + ox * g.StrideWidth) * c + ch;
        float m = x[at];
        for (int i = 0; i < g.PoolHeight; i++)
            for (int j = 0; j < g.PoolWidth; j++)
            {
                int p = ((b * g.Height + oy * g.StrideHeight + i) * g.Width + ox * g.StrideWidth + j) * c + ch;
                if (x[p] > m) { m = x[p]; at = p; }
            }
        y[o] = m;
        argmax[o] = at;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sample(ReadOnlySpan<float> x, int b, PoolGeometry g, Span<float> y, Span<int> argmax)
    {
        int c = g.Channels, h = g.Height, w = g.Width, sh = g.StrideHeight, sw = g.StrideWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = ((b * g.OutHeight + oy) * g.OutWidth + ox) * c;
                int first = ((b * h + oy * sh) * w + ox * sw) * c;
                int ch = 0;
                // Sixteen, eight, then four channels at a time: the running maximum and where it came from, in vectors.
                for (; Vector512.IsHardwareAccelerated && ch <= c - 16; ch += 16)
                {
                    var best = Vector512.Create(x.Slice(first + ch, 16));
                    var where = Vector512.Create(first + ch) + Lanes16;
                    for (int i = 0; i < g.PoolHeight; i++)
                        for (int j = 0; j < g.PoolWidth; j++)
                        {
                            int p = ((b * h + oy * sh + i) * w + ox * sw + j) * c + ch;
                            var v = Vector512.Create(x.Slice(p, 16));
                            var greater = Vector512.GreaterThan(v, best);
                            best = Vector512.ConditionalSelect(greater, v, best);
                            where = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(p) + Lanes16, where);
                        }
                    best.CopyTo(y.Slice(o + ch, 16));
                    where.CopyTo(argmax.Slice(o + ch, 16));
                }
                for (; Vector256.IsHardwareAccelerated && ch <= c - 8; ch += 8)
                {
                    var best = Vector256.Create(x.Slice(first + ch, 8));
                    var where = Vector256.Create(first + ch) + Lanes8;
                    for (int i = 0; i < g.PoolHeight; i++)
                        for (int j = 0; j < g.PoolWidth; j++)
                        {
                            int p = ((b * h + oy * sh + i) * w + ox * sw + j) * c + ch;
                            var v = Vector256.Create(x.Slice(p, 8));
                            var greater = Vector256.GreaterThan(v, best);
                            best = Vector256.ConditionalSelect(greater, v, best);
                            where = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(p) + Lanes8, where);
                        }
                    best.CopyTo(y.Slice(o + ch, 8));
                    where.CopyTo(argmax.Slice(o + ch, 8));
                }
                for (; Vector128.IsHardwareAccelerated && ch <= c - 4; ch += 4)
                {
                    var best = Vector128.Create(x.Slice(first + ch, 4));
                    var where = Vector128.Create(first + ch) + Lanes4;
                    for (int i = 0; i < g.PoolHeight; i++)
                        for (int j = 0; j < g.PoolWidth; j++)
                        {
                            int p = ((b * h + oy * sh + i) * w + ox * sw + j) * c + ch;
                            var v = Vector128.Create(x.Slice(p, 4));
                            var greater = Vector128.GreaterThan(v, best);
                            best = Vector128.ConditionalSelect(greater, v, best);
                            where = Vector128.ConditionalSelect(greater.AsInt32(), Vector128.Create(p) + Lanes4, where);
                        }
                    best.CopyTo(y.Slice(o + ch, 4));
                    where.CopyTo(argmax.Slice(o + ch, 4));
                }
                for (; ch < c; ch++) Window(x, b, oy, ox, ch, g, y, argmax);
            }
    }
}
