using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// <summary>Output height: ⌊(H - ph) / sh⌋ + 1, 0 when the window is taller than the image.</summary>
    public int OutHeight => Conv2D.ValidOutputSize(Height, PoolHeight, StrideHeight);
    /// <summary>Output width: ⌊(W - pw) / sw⌋ + 1, 0 when the window is wider than the image.</summary>
    public int OutWidth => Conv2D.ValidOutputSize(Width, PoolWidth, StrideWidth);
    /// <summary>Floats in one input image.</summary>
    public int InputSize => Height * Width * Channels;
    /// <summary>Floats in one output image.</summary>
    public int OutputSize => OutHeight * OutWidth * Channels;
}

/// <summary>
/// Max pooling kernels: each output is the largest value of its window, per channel, and the flat
/// input index it came from (the first one on ties), which the backward pass routes the gradient to.
/// <see cref="MaxPool"/> is vectorized across channels; <see cref="MaxPoolScalar"/> is its plain twin.
/// </summary>
public static class Pooling
{

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
        ForkJoin.ForBalanced(batch, 1, new Images(x, g, y, argmax));
    }

    /// <summary>
    /// The maxima only, without where they came from (inference: nothing will route a gradient back),
    /// the images shared among the cores when there are enough of them.
    /// </summary>
    internal static void MaxPoolValues(float[] x, int batch, PoolGeometry g, float[] y)
    {
        Check(x, batch, g, y, default, indices: false);
        var body = new Images(x, g, y, null);
        if ((long)batch * g.InputSize >= 1 << 16) ForkJoin.ForBalanced(batch, 1, body);
        else body.Run(0, batch);
    }

    /// <summary>Images [from, to) of a batch, one core's share; argmax null for the values only.</summary>
    private readonly struct Images(float[] x, PoolGeometry g, float[] y, int[]? argmax) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
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

    private static void Check(ReadOnlySpan<float> x, int batch, PoolGeometry g, ReadOnlySpan<float> y, ReadOnlySpan<int> argmax, bool indices = true)
    {
        if (g.PoolHeight < 1 || g.PoolWidth < 1 || g.StrideHeight < 1 || g.StrideWidth < 1)
            throw new ArgumentException($"MaxPool: window and strides must be 1 or more, got a {g.PoolHeight}x{g.PoolWidth} window and strides {g.StrideHeight}x{g.StrideWidth}.");
        if (g.OutHeight <= 0 || g.OutWidth <= 0 || g.Channels < 0)
            throw new ArgumentException($"MaxPool: a {g.PoolHeight}x{g.PoolWidth} window does not fit in a {g.Height}x{g.Width} image.");
        long need = (long)batch * g.InputSize, outs = (long)batch * g.OutputSize;
        if (x.Length < need || y.Length < outs || (indices && argmax.Length < outs))
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

    /// <summary>Lane numbers 0, 1, 2, ... of an index vector.</summary>
    internal static readonly Vector<int> LaneNumbers = CreateLaneNumbers();

    private static Vector<int> CreateLaneNumbers()
    {
        Span<int> lanes = stackalloc int[Vector<int>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = i;
        return new Vector<int>(lanes);
    }

    /// <summary>
    /// One image's windows, a vector of channels at a time (<see cref="Vector{T}"/>: 8 with AVX2, 4 with
    /// SSE or NEON); when the channels are not a whole number of vectors the last vector overlaps the one
    /// before it and computes those channels again, identically. Fewer channels than a vector: one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sample(ReadOnlySpan<float> xs, int b, PoolGeometry g, Span<float> ys, Span<int> argmaxes)
    {
        int c = g.Channels, h = g.Height, w = g.Width, sh = g.StrideHeight, sw = g.StrideWidth, lanes = Vector<float>.Count;
        if (argmaxes.IsEmpty)
        {
            SampleValues(xs, b, g, ys);
            return;
        }
        if (c < lanes)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    for (int ch = 0; ch < c; ch++) Window(xs, b, oy, ox, ch, g, ys, argmaxes);
            return;
        }
        fixed (float* x = xs, y = ys)
        fixed (int* argmax = argmaxes)
            SampleVectors(x + (long)b * g.InputSize, b, g, y, argmax);
    }

    /// <summary>
    /// Image <paramref name="b"/>'s maxima and their flat indices into the whole batch, from the image's
    /// input at <paramref name="image"/> (wherever it is: in the batch, or in a buffer in a core's cache),
    /// a vector of channels at a time. Needs at least a vector of channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void SampleVectors(float* image, int b, PoolGeometry g, float* y, int* argmax)
    {
        int c = g.Channels, w = g.Width, sh = g.StrideHeight, sw = g.StrideWidth, lanes = Vector<float>.Count;
        // The running maximum keeps the window offset it came from; the flat index is made once per vector at the end.
        int window = g.PoolHeight * g.PoolWidth;
        int* offsets = stackalloc int[window];
        WindowOffsets(g, offsets);
        // The output's size in locals: as properties they are divisions, made again at every window.
        int outH = g.OutHeight, outW = g.OutWidth, inputSize = g.InputSize;
        int o1 = offsets[Math.Min(1, window - 1)], o2 = offsets[Math.Min(2, window - 1)], o3 = offsets[Math.Min(3, window - 1)];
        Vector<int> w1 = new(o1), w2 = new(o2), w3 = new(o3);
        // A local: a static field is read through a class-initialization check in code compiled at once.
        var laneNumbers = LaneNumbers;
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                int o = ((b * outH + oy) * outW + ox) * c;
                int local = (oy * sh * w + ox * sw) * c, first = b * inputSize + local;
                for (int ch = 0; ; ch += lanes)
                {
                    if (ch > c - lanes) ch = c - lanes;
                    float* start = image + local + ch;
                    var best = Vector.Load(start);
                    var where = Vector<int>.Zero;
                    if (window == 4)
                    {
                        // A window of four (2×2, nearly every CNN's) unrolled: the same three steps the loop below takes.
                        Keep(Vector.Load(start + o1), w1, ref best, ref where);
                        Keep(Vector.Load(start + o2), w2, ref best, ref where);
                        Keep(Vector.Load(start + o3), w3, ref best, ref where);
                    }
                    else
                        for (int e = 1; e < window; e++)
                            Keep(Vector.Load(start + offsets[e]), new Vector<int>(offsets[e]), ref best, ref where);
                    best.Store(y + o + ch);
                    (where + new Vector<int>(first + ch) + laneNumbers).Store(argmax + o + ch);
                    if (ch == c - lanes) break;
                }
            }
    }

    /// <summary>One step of a window's running maximum: a greater value replaces it (so the first of equal ones stays) and records its offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Keep(Vector<float> v, Vector<int> offset, ref Vector<float> best, ref Vector<int> where)
    {
        var greater = Vector.GreaterThan(v, best);
        best = Vector.ConditionalSelect(greater, v, best);
        where = Vector.ConditionalSelect(greater, offset, where);
    }

    /// <summary>
    /// v where it is greater than best, else best. On x86 that is exactly what maxps computes (it returns its
    /// second operand unless the first is greater, so a NaN or an equal zero of either sign keeps best): one
    /// instruction instead of a comparison and a blend. Arm's fmax treats NaN and zeros its own way, so other
    /// processors keep the comparison.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Greater(Vector<float> v, Vector<float> best)
    {
        if (Vector<float>.Count == 8 && Avx.IsSupported) return Avx.Max(v.AsVector256(), best.AsVector256()).AsVector();
        if (Vector<float>.Count == 16 && Avx512F.IsSupported) return Avx512F.Max(v.AsVector512(), best.AsVector512()).AsVector();
        if (Vector<float>.Count == 4 && Sse.IsSupported) return Sse.Max(v.AsVector128(), best.AsVector128()).AsVector();
        return Vector.ConditionalSelect(Vector.GreaterThan(v, best), v, best);
    }

    /// <summary>Each window element's offset from the window's first, row by row as the scalar twin visits them.</summary>
    private static unsafe void WindowOffsets(PoolGeometry g, int* offsets)
    {
        for (int i = 0, e = 0; i < g.PoolHeight; i++)
            for (int j = 0; j < g.PoolWidth; j++) offsets[e++] = (i * g.Width + j) * g.Channels;
    }

    /// <summary>One image's maxima, a vector of channels at a time as in <see cref="Sample"/>, without indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SampleValues(ReadOnlySpan<float> xs, int b, PoolGeometry g, Span<float> ys)
    {
        int c = g.Channels, w = g.Width, lanes = Vector<float>.Count;
        if (c < lanes)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        int first = ((b * g.Height + oy * g.StrideHeight) * w + ox * g.StrideWidth) * c + ch;
                        float m = xs[first];
                        for (int i = 0; i < g.PoolHeight; i++)
                            for (int j = 0; j < g.PoolWidth; j++)
                            {
                                float v = xs[first + (i * w + j) * c];
                                if (v > m) m = v;
                            }
                        ys[((b * g.OutHeight + oy) * g.OutWidth + ox) * c + ch] = m;
                    }
            return;
        }
        fixed (float* x = xs, y = ys) SampleValueVectors(x + (long)b * g.InputSize, b, g, y);
    }

    /// <summary>Image <paramref name="b"/>'s maxima from its input at <paramref name="image"/>, as <see cref="SampleVectors"/> without indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void SampleValueVectors(float* image, int b, PoolGeometry g, float* y)
    {
        int c = g.Channels, w = g.Width, lanes = Vector<float>.Count;
        int window = g.PoolHeight * g.PoolWidth;
        int* offsets = stackalloc int[window];
        WindowOffsets(g, offsets);
        int outH = g.OutHeight, outW = g.OutWidth;   // locals, not a division per window (see SampleVectors)
        int o1 = offsets[Math.Min(1, window - 1)], o2 = offsets[Math.Min(2, window - 1)], o3 = offsets[Math.Min(3, window - 1)];
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                float* o = y + ((b * outH + oy) * outW + ox) * c;
                float* first = image + (oy * g.StrideHeight * w + ox * g.StrideWidth) * c;
                for (int ch = 0; ; ch += lanes)
                {
                    if (ch > c - lanes) ch = c - lanes;
                    // The same comparison as SampleVectors' (greater replaces), so NaNs and ties give the same values.
                    var best = Vector.Load(first + ch);
                    if (window == 4)
                    {
                        best = Greater(Vector.Load(first + ch + o1), best);
                        best = Greater(Vector.Load(first + ch + o2), best);
                        best = Greater(Vector.Load(first + ch + o3), best);
                    }
                    else
                        for (int e = 1; e < window; e++) best = Greater(Vector.Load(first + ch + offsets[e]), best);
                    best.Store(o + ch);
                    if (ch == c - lanes) break;
                }
            }
    }

    /// <summary>
    /// The input gradient of max pooling, written whole: each window's input that held the maximum gets
    /// the output's gradient and every other input 0, so <paramref name="dx"/> needs no clearing first.
    /// Windows that tile the image (stride = window) are written a vector of channels at a time, each
    /// input once; other geometries clear <paramref name="dx"/> and add as <see cref="MaxPoolBackward"/>.
    /// Images are shared among the cores.
    /// </summary>
    internal static void MaxPoolGradient(float[] dy, int[] argmax, int batch, PoolGeometry g, float[] dx)
    {
        Check(dx, batch, g, dy, argmax);
        if (!GradientByImage(g))
        {
            dx.AsSpan(0, batch * g.InputSize).Clear();
            MaxPoolBackward(dy.AsSpan(0, batch * g.OutputSize), argmax, dx);
            return;
        }
        var body = new GradientImages(dy, argmax, g, dx);
        if ((long)batch * g.InputSize >= 1 << 16) ForkJoin.ForBalanced(batch, 1, body);
        else body.Run(0, batch);
    }

    private readonly struct GradientImages(float[] dy, int[] argmax, PoolGeometry g, float[] dx) : IRangeBody
    {
        public unsafe void Run(int from, int to)
        {
            fixed (float* pdy = dy, pdx = dx)
            fixed (int* pargmax = argmax)
                for (int b = from; b < to; b++) GradientOfImage(pdy, pargmax, b, g, pdx + (long)b * g.InputSize);
        }
    }

    /// <summary>Whether <see cref="GradientOfImage"/> takes this geometry: windows that tile the image, and at least a vector of channels.</summary>
    internal static bool GradientByImage(PoolGeometry g) =>
        g.StrideHeight == g.PoolHeight && g.StrideWidth == g.PoolWidth && g.Channels >= Vector<float>.Count;

    /// <summary>
    /// Image <paramref name="b"/>'s input gradient, written whole into <paramref name="image"/> (one input
    /// image's floats, wherever they are: the batch's gradient, or a buffer in a core's cache). The
    /// indices in <paramref name="argmax"/> are into the whole batch, as the forward pass recorded them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void GradientOfImage(float* dy, int* argmax, int b, PoolGeometry g, float* image)
    {
        int c = g.Channels, h = g.Height, w = g.Width, lanes = Vector<float>.Count;
        int coveredH = g.OutHeight * g.PoolHeight, coveredW = g.OutWidth * g.PoolWidth;
        // The rows below and the columns right of the last whole window get no gradient.
        new Span<float>(image + (long)coveredH * w * c, (h - coveredH) * w * c).Clear();
        for (int y = 0; y < coveredH && coveredW < w; y++)
            new Span<float>(image + ((long)y * w + coveredW) * c, (w - coveredW) * c).Clear();
        int window = g.PoolHeight * g.PoolWidth;
        int* offsets = stackalloc int[window];
        WindowOffsets(g, offsets);
        int outH = g.OutHeight, outW = g.OutWidth, inputSize = g.InputSize;   // locals, not a division per window (see SampleVectors)
        int o1 = offsets[Math.Min(1, window - 1)], o2 = offsets[Math.Min(2, window - 1)], o3 = offsets[Math.Min(3, window - 1)];
        Vector<int> w1 = new(o1), w2 = new(o2), w3 = new(o3), laneNumbers = LaneNumbers;   // a local: see SampleVectors
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                int o = ((b * outH + oy) * outW + ox) * c;
                int local = (oy * g.PoolHeight * w + ox * g.PoolWidth) * c, first = b * inputSize + local;
                for (int ch = 0; ; ch += lanes)
                {
                    if (ch > c - lanes) ch = c - lanes;
                    var grad = Vector.Load(dy + o + ch);
                    // Where each lane's maximum lies, as an offset from the window's first element.
                    var offset = Vector.Load(argmax + o + ch) - new Vector<int>(first + ch) - laneNumbers;
                    float* start = image + local + ch;
                    if (window == 4)
                    {
                        Route(grad, offset, Vector<int>.Zero, start);
                        Route(grad, offset, w1, start + o1);
                        Route(grad, offset, w2, start + o2);
                        Route(grad, offset, w3, start + o3);
                    }
                    else
                        for (int e = 0; e < window; e++) Route(grad, offset, new Vector<int>(offsets[e]), start + offsets[e]);
                    if (ch == c - lanes) break;
                }
            }
    }

    /// <summary>Stores the gradient in the lanes whose maximum lay at this window offset, zero in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Route(Vector<float> grad, Vector<int> offset, Vector<int> here, float* at) =>
        Vector.ConditionalSelect(Vector.Equals(offset, here), grad, Vector<float>.Zero).Store(at);
}
