using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>The geometry of one convolution over NHWC images: input, kernel, strides, padding and output sizes.</summary>
internal readonly record struct ConvShape(int Batch, int Height, int Width, int Channels, int KernelH, int KernelW,
    int StrideH, int StrideW, int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>Kernel height·width·channels: the length of one unfolded patch.</summary>
    public int Patch => KernelH * KernelW * Channels;
    /// <summary>Output positions per image.</summary>
    public int Positions => OutH * OutW;
    /// <summary>Rows and columns of the image with its zero padding: every window lies inside.</summary>
    public int PaddedHeight => Math.Max((OutH - 1) * StrideH + KernelH, PadTop + Height);
    public int PaddedWidth => Math.Max((OutW - 1) * StrideW + KernelW, PadLeft + Width);
    /// <summary>Whether the windows stay inside the image, so it can be read in place.</summary>
    public bool Unpadded => PadTop == 0 && PadLeft == 0 && PaddedHeight == Height && PaddedWidth == Width;
}

/// <summary>
/// A convolution computed straight from the image, for a first layer's small patch (3×3 over one
/// channel: 9 taps). There im2col is the expensive part: it writes and re-reads nine floats per output
/// position to feed a product of depth 9, and the kernel gradient's product (9 × filters summed over
/// every position) is too small a result to keep the vector units busy. Here each output position
/// keeps its filters in registers and reads the few pixels under the window; the kernel gradient keeps
/// a few taps' sums in registers while it walks one image's positions.
/// <para>
/// Written once over <see cref="Vector{T}"/> (256-bit with AVX2 and, unless .NET is told otherwise, with
/// AVX-512 too; 128-bit on SSE and Arm NEON). Where a 512-bit multiply-add costs what two 256-bit ones do
/// (Zen 4), wider vectors would gain nothing; where it costs what one does (Zen 5) they halve the work, and
/// the pooled forward pass, the hot one in inference, has a 512-bit path (DirectConvolution.Wide.cs). The number of
/// vectors per row of filters is a type parameter, so each count compiles to its own straight-line
/// loop. When the filters are not a whole number of vectors the last vector overlaps the one before it
/// (filters 20..27 of 28): those lanes are computed twice, identically, and nothing is read or written
/// past a row. Products are added with <c>MultiplyAddEstimate</c>, as in the GEMM: one fused instruction
/// where the processor has FMA, a multiply and an add where it has not (an exact fused multiply-add would
/// then be emulated lane by lane, many times slower). The twins are <see cref="Scalar.Im2Col"/> followed
/// by <see cref="Scalar.Gemm"/>.
/// </para>
/// </summary>
internal static unsafe partial class DirectConvolution
{
    private static int Lanes => Vector<float>.Count;

    /// <summary>Whether these kernels take a convolution: at most 32 taps, and 1 to 8 whole vectors' worth of filters.</summary>
    public static bool Takes(int patch, int filters) => patch <= 32 && filters >= Lanes && filters <= 8 * Lanes;

    /// <summary>Whether the processor has 32 vector registers (AVX-512's, Arm's) rather than AVX2's 16, so more sums fit in them.</summary>
    private static bool ThirtyTwoRegisters => Avx512F.VL.IsSupported || AdvSimd.Arm64.IsSupported;

    [ThreadStatic] private static float[]? _packed;
    [ThreadStatic] private static float[]? _partials;
    [ThreadStatic] private static float[]? _image;
    [ThreadStatic] private static float[]? _gradient;
    [ThreadStatic] private static float[]? _map;

    /// <summary>
    /// output (positions × filters) = the convolution of <paramref name="input"/> with <paramref name="kernel"/>
    /// (patch × filters, Keras's (kh, kw, channels, filters) order) plus <paramref name="bias"/> (empty for none);
    /// with <paramref name="relu"/>, ReLU applied as each position is stored (as <see cref="Scalar.Relu"/>),
    /// which saves the activation a pass over the whole feature map.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> kernel, int filters,
        ReadOnlySpan<float> bias, Span<float> output, bool relu = false)
    {
        Check(input, s, kernel, filters, output, "output");
        if (!bias.IsEmpty && bias.Length != filters)
            throw new ArgumentException($"conv2d: the bias has {bias.Length} values for {filters} filters.");
        if (s.Batch == 0) return;
        int vectors = (filters + Lanes - 1) / Lanes, stride = vectors * Lanes;
        float* pk = AlignedPinned(ref _packed, (s.Patch + 1) * stride);
        fixed (float* pi = input, po = output)
        {
            PackKernel(kernel, bias, s.Patch, filters, vectors, pk);
            ForImages(s, filters, new ForwardImages(pi, pk, po, s, filters, vectors, relu));
        }
    }

    private readonly struct ForwardImages(float* input, float* kernel, float* output, ConvShape s, int filters, int vectors, bool relu) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int* offsets = stackalloc int[s.Patch];
            for (int b = from; b < to; b++)
                ForwardImage(vectors, Image(input, s, b, offsets), offsets, kernel, output + (long)b * s.Positions * filters, s, filters, relu);
        }
    }

    /// <summary>
    /// output (the pooled positions × filters) = max pooling of the convolution (no activation), and the
    /// flat index into the batch's feature maps each maximum came from (unless <paramref name="argmax"/> is
    /// empty: inference), exactly as <see cref="Forward"/> then <see cref="Pooling.MaxPool"/>. The feature maps
    /// are never written out (for the course CNN's batch of 32, 2.4 MB neither stored nor read back): 2×2
    /// windows of stride 2 are pooled in registers as their four positions are computed
    /// (<see cref="ForwardPooledWhole{TV}"/>, or a row of the window at a time with fewer registers: <see cref="ForwardPooledByRows{TV}"/>), other poolings from one image's map made in a buffer in the
    /// core's cache.
    /// </summary>
    public static void ForwardThroughMaxPool(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> kernel, int filters,
        ReadOnlySpan<float> bias, PoolGeometry pool, Span<float> pooled, Span<int> argmax)
    {
        Check(input, s, kernel, filters, default, null);
        if (!bias.IsEmpty && bias.Length != filters)
            throw new ArgumentException($"conv2d: the bias has {bias.Length} values for {filters} filters.");
        if (pool.Height != s.OutH || pool.Width != s.OutW || pool.Channels != filters || pool.OutHeight <= 0 || pool.OutWidth <= 0)
            throw new ArgumentException($"conv2d: a {pool.PoolHeight}x{pool.PoolWidth} pooling over {pool.Height}x{pool.Width}x{pool.Channels} does not follow a {s.OutH}x{s.OutW}x{filters} convolution.");
        long outs = (long)s.Batch * pool.OutputSize;
        if (pooled.Length < outs || (!argmax.IsEmpty && argmax.Length < outs))
            throw new ArgumentException($"conv2d: the pooled output needs {s.Batch}x{pool.OutHeight}x{pool.OutWidth}x{filters} elements and as many indices (or none), got {pooled.Length} and {argmax.Length}.");
        if (s.Batch == 0) return;
        bool wide = PoolsWide(pool, filters);
        int vectors = (filters + Lanes - 1) / Lanes, stride = wide ? 2 * WideLanes : vectors * Lanes;
        float* pk = AlignedPinned(ref _packed, (s.Patch + 1) * stride);
        fixed (float* pi = input, po = pooled)
        fixed (int* pa = argmax)
        {
            if (wide)
            {
                PackKernelWide(kernel, bias, s.Patch, filters, pk);
                ForImages(s, filters, new ForwardPooledImagesWide(pi, pk, po, pa, s, filters, pool));
                return;
            }
            // Decided once: the kernel is packed in the groups the passes then read.
            var (way, group) = PoolsInRegisters(pool, vectors, withIndices: !argmax.IsEmpty);
            PackKernel(kernel, bias, s.Patch, filters, vectors, pk, group);
            ForImages(s, filters, new ForwardPooledImages(pi, pk, po, pa, s, filters, vectors, pool, way, group));
        }
    }

    private readonly struct ForwardPooledImages(float* input, float* kernel, float* pooled, int* argmax, ConvShape s, int filters, int vectors,
        PoolGeometry pool, InRegisters way, int group) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int* offsets = stackalloc int[s.Patch];
            if (way != InRegisters.No)
            {
                for (int b = from; b < to; b++)
                {
                    float* image = Image(input, s, b, offsets);
                    for (int first = 0; first < vectors; first += group)
                    {
                        var g = new FilterGroup(first, Math.Min(group, vectors - first), vectors, filters);
                        ForwardPooledImage(way == InRegisters.ByRows, image, offsets, kernel + g.PackedAt(s.Patch), s, g, pool, b, pooled, argmax);
                    }
                }
                return;
            }
            int length = s.Positions * filters;
            float* map = Pinned(ref _map, length);   // one image's feature map: it fits in L2
            for (int b = from; b < to; b++)
            {
                ForwardImage(vectors, Image(input, s, b, offsets), offsets, kernel, map, s, filters, relu: false);
                if (argmax is null) Pooling.SampleValueVectors(map, b, pool, pooled);
                else Pooling.SampleVectors(map, b, pool, pooled, argmax);
            }
        }
    }

    private enum InRegisters { No, Whole, ByRows }

    /// <summary>
    /// How the convolution is pooled in registers (<see cref="ForwardPooledWhole{TV}"/>, <see cref="ForwardPooledByRows{TV}"/>), if it does, and how many vectors of
    /// filters one pass over the image takes: 2×2 windows with stride 2 (nearly every CNN's), with as many
    /// sums as fit in the vector registers (32 with AVX-512 and on Arm, 16 with AVX2). The whole window at once
    /// needs 4 sums a vector of filters and 5 registers more; a row of the window at a time, 2 sums a vector,
    /// its running maxima (and their indices), and 3 more. With 32 registers, more than 4 vectors of filters
    /// are taken in groups of 4, each group a whole pass over the image (the course CNN's 32 filters are 8
    /// vectors where vectors are 128-bit, as on Arm): each pixel is read once a group, but the feature map is
    /// never written and read back to be pooled. With 16, groups of 3 by rows were slower than the map and
    /// its pooling pass (the course CNN's first layer with AVX2, `-- profile`: 133 and 119 µs a batch against
    /// 112 and 110), so the map stays there.
    /// </summary>
    private static (InRegisters Way, int Group) PoolsInRegisters(PoolGeometry pool, int vectors, bool withIndices)
    {
        if (pool.PoolHeight != 2 || pool.PoolWidth != 2 || pool.StrideHeight != 2 || pool.StrideWidth != 2) return (InRegisters.No, vectors);
        int registers = ThirtyTwoRegisters ? 32 : 16;
        if (vectors > 4) return registers == 32 ? (InRegisters.Whole, 4) : (InRegisters.No, vectors);
        if (4 * vectors + 5 <= registers) return (InRegisters.Whole, vectors);
        return (withIndices ? 4 : 3) * vectors + 3 <= registers ? (InRegisters.ByRows, vectors) : (InRegisters.No, vectors);
    }

    /// <summary>
    /// Vectors [<see cref="First"/>, First + <see cref="Count"/>) of a row of <see cref="Vectors"/> vectors of
    /// filters (the last overlapping the one before when the filters are not a whole number of vectors),
    /// computed in one pass over an image. Its part of the packed kernel lies after the groups before it.
    /// </summary>
    private readonly record struct FilterGroup(int First, int Count, int Vectors, int Filters)
    {
        /// <summary>The first filter of the group's vector <paramref name="j"/>.</summary>
        public int Filter(int j) => First + j == Vectors - 1 ? Filters - Lanes : (First + j) * Lanes;

        /// <summary>Where the group's kernel rows and bias begin in the packed kernel: after (patch + 1) rows of each vector before it.</summary>
        public long PackedAt(int patch) => (long)(patch + 1) * First * Lanes;
    }

    private static void ForwardPooledImage(bool byRows, float* image, int* offsets, float* kernel, ConvShape s, FilterGroup g, PoolGeometry pool, int b, float* pooled, int* argmax)
    {
        switch (g.Count)
        {
            case 1: PooledImage<V1>(byRows, image, offsets, kernel, s, g, pool, b, pooled, argmax); break;
            case 2: PooledImage<V2>(byRows, image, offsets, kernel, s, g, pool, b, pooled, argmax); break;
            case 3: PooledImage<V3>(byRows, image, offsets, kernel, s, g, pool, b, pooled, argmax); break;
            default: PooledImage<V4>(byRows, image, offsets, kernel, s, g, pool, b, pooled, argmax); break;
        }
    }

    private static void PooledImage<TV>(bool byRows, float* image, int* offsets, float* kernel, ConvShape s, FilterGroup g, PoolGeometry pool, int b, float* pooled, int* argmax)
        where TV : struct, IVectorCount
    {
        if (byRows) ForwardPooledByRows<TV>(image, offsets, kernel, s, g, pool, b, pooled, argmax);
        else ForwardPooledWhole<TV>(image, offsets, kernel, s, g, pool, b, pooled, argmax);
    }

    /// <summary>
    /// <see cref="ForwardPooledWhole{TV}"/> for 16 registers: the window's top two positions are computed
    /// together and reduced to their maximum, then the bottom two are computed and taken into it, in the
    /// pooling's order, so the bits are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPooledByRows<TV>(float* image, int* offsets, float* kernel, ConvShape s, FilterGroup g, PoolGeometry pool, int b, float* pooled, int* argmax)
        where TV : struct, IVectorCount
    {
        int n = TV.Count, f0 = g.Filter(0), f1 = g.Filter(1), f2 = g.Filter(2), f3 = g.Filter(3);
        var w = new PoolWindows(s, g.Filters, pool, b);
        Vector<int> w1 = w.W1, w2 = w.W2, w3 = w.W3, laneNumbers = Pooling.LaneNumbers;
        for (int py = 0; py < w.Height; py++)
            for (int px = 0; px < w.Width; px++)
            {
                float* x00 = w.Corner(image, py, px);
                var (a0, a1, a2, a3, b0, b1, b2, b3) = TwoPositions<TV>(x00, x00 + w.Right, offsets, kernel, s.Patch);
                bool withIndices = argmax is not null;
                var (m0, i0) = TopRow(a0, b0, withIndices, w1);
                var (m1, i1) = n > 1 ? TopRow(a1, b1, withIndices, w1) : default;
                var (m2, i2) = n > 2 ? TopRow(a2, b2, withIndices, w1) : default;
                var (m3, i3) = n > 3 ? TopRow(a3, b3, withIndices, w1) : default;
                var (c0, c1, c2, c3, d0, d1, d2, d3) = TwoPositions<TV>(x00 + w.Down, x00 + w.Down + w.Right, offsets, kernel, s.Patch);
                long o = w.Output(py, px);
                int first = w.FirstInMap(py, px);
                BottomRow(m0, i0, c0, d0, pooled, argmax, o, first, f0, w2, w3, laneNumbers);
                if (n > 1) BottomRow(m1, i1, c1, d1, pooled, argmax, o, first, f1, w2, w3, laneNumbers);
                if (n > 2) BottomRow(m2, i2, c2, d2, pooled, argmax, o, first, f2, w2, w3, laneNumbers);
                if (n > 3) BottomRow(m3, i3, c3, d3, pooled, argmax, o, first, f3, w2, w3, laneNumbers);
            }
    }

    /// <summary>
    /// Where the 2×2 windows of stride 2 over one image's feature maps lie: the corner of each in the input,
    /// its place in the pooled output, and the flat index of its first position in the batch's maps, which
    /// the pooled-in-registers kernels need but never write.
    /// </summary>
    private readonly struct PoolWindows
    {
        /// <summary>Input floats from a position to the next one across and to the one below.</summary>
        public readonly long Right, Down;
        /// <summary>Windows down and across (the pooled map's size).</summary>
        public readonly int Height, Width;
        /// <summary>The window's other positions in the maps, from its first, in the pooling's order: (0, 1), (1, 0), (1, 1).</summary>
        public readonly Vector<int> W1, W2, W3;
        private readonly int _filters, _mapRow, _mapBase;
        private readonly long _outBase;

        public PoolWindows(ConvShape s, int filters, PoolGeometry pool, int b)
        {
            int pitch = s.Unpadded ? s.Width : s.PaddedWidth;
            Right = (long)s.StrideW * s.Channels;
            Down = (long)s.StrideH * pitch * s.Channels;
            Height = pool.OutHeight;
            Width = pool.OutWidth;
            _filters = filters;
            _mapRow = s.OutW * filters;
            W1 = new(filters);
            W2 = new(_mapRow);
            W3 = new(_mapRow + filters);
            _outBase = (long)b * pool.OutputSize;
            _mapBase = b * pool.InputSize;   // image b's first index in the batch's feature maps
        }

        /// <summary>The input under the window's first position.</summary>
        public float* Corner(float* image, int py, int px) => image + 2 * py * Down + 2 * px * Right;

        /// <summary>The window's first filter in the pooled output.</summary>
        public long Output(int py, int px) => _outBase + ((long)py * Width + px) * _filters;

        /// <summary>The flat index of the window's first position (first filter) in the batch's feature maps.</summary>
        public int FirstInMap(int py, int px) => _mapBase + 2 * py * _mapRow + 2 * px * _filters;
    }

    /// <summary>The first up to 4 vectors of the packed bias (the rest default): every position's sums start there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>, Vector<float>, Vector<float>) Bias<TV>(float* bias) where TV : struct, IVectorCount
    {
        int n = TV.Count;
        return (Load(bias, 0), n > 1 ? Load(bias, 1) : default, n > 2 ? Load(bias, 2) : default, n > 3 ? Load(bias, 3) : default);
    }

    /// <summary>Two neighbouring positions' sums (up to 4 vectors of filters each), each from its bias in tap order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>, Vector<float>, Vector<float>, Vector<float>, Vector<float>, Vector<float>, Vector<float>)
        TwoPositions<TV>(float* x, float* y, int* offsets, float* kernel, int patch) where TV : struct, IVectorCount
    {
        int n = TV.Count, stride = n * Lanes;
        float* bias = kernel + (long)patch * stride;
        var (a0, a1, a2, a3) = Bias<TV>(bias);
        Vector<float> b0 = a0, b1 = a1, b2 = a2, b3 = a3;
        float* k = kernel;
        for (int t = 0; t < patch; t++, k += stride)
        {
            int at = offsets[t];
            var xa = new Vector<float>(x[at]);
            var xb = new Vector<float>(y[at]);
            var kv = Load(k, 0);
            a0 = Vector.MultiplyAddEstimate(xa, kv, a0); b0 = Vector.MultiplyAddEstimate(xb, kv, b0);
            if (n > 1) { kv = Load(k, 1); a1 = Vector.MultiplyAddEstimate(xa, kv, a1); b1 = Vector.MultiplyAddEstimate(xb, kv, b1); }
            if (n > 2) { kv = Load(k, 2); a2 = Vector.MultiplyAddEstimate(xa, kv, a2); b2 = Vector.MultiplyAddEstimate(xb, kv, b2); }
            if (n > 3) { kv = Load(k, 3); a3 = Vector.MultiplyAddEstimate(xa, kv, a3); b3 = Vector.MultiplyAddEstimate(xb, kv, b3); }
        }
        return (a0, a1, a2, a3, b0, b1, b2, b3);
    }

    /// <summary>The window's first two positions: the running maximum after (0, 1) is taken into (0, 0), and with indices its offset (0 or <paramref name="w1"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float> Best, Vector<int> Where) TopRow(Vector<float> p00, Vector<float> p01, bool withIndices, Vector<int> w1)
    {
        if (!withIndices) return (Pooling.Greater(p01, p00), default);
        var best = p00;
        var where = Vector<int>.Zero;
        Pooling.Keep(p01, w1, ref best, ref where);
        return (best, where);
    }

    /// <summary>The window's bottom two positions taken into the top row's maximum (and index), then stored at filter <paramref name="ch"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BottomRow(Vector<float> best, Vector<int> where, Vector<float> p10, Vector<float> p11, float* pooled, int* argmax, long o, int first, int ch,
        Vector<int> w2, Vector<int> w3, Vector<int> laneNumbers)
    {
        if (argmax is null)
        {
            Pooling.Greater(p11, Pooling.Greater(p10, best)).Store(pooled + o + ch);
            return;
        }
        Pooling.Keep(p10, w2, ref best, ref where);
        Pooling.Keep(p11, w3, ref best, ref where);
        best.Store(pooled + o + ch);
        (where + new Vector<int>(first + ch) + laneNumbers).Store(argmax + o + ch);
    }

    /// <summary>
    /// One image's convolution max-pooled in 2×2 windows of stride 2 without a feature map: the four positions
    /// under a window are computed together (each tap's kernel vectors loaded once for all four, 16 sums in
    /// flight), then pooled in registers and only the maximum (and, unless <paramref name="argmax"/> is null,
    /// its flat index into the batch's feature maps) is stored. Each position's sum is taken in tap order from
    /// its bias and the window in the pooling's order, so values and indices are the bits of
    /// <see cref="ForwardImage{TV}"/> followed by <see cref="Pooling.SampleVectors"/>. The map's last row and
    /// column, when its size is odd, lie under no window and are not computed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPooledWhole<TV>(float* image, int* offsets, float* kernel, ConvShape s, FilterGroup g, PoolGeometry pool, int b, float* pooled, int* argmax)
        where TV : struct, IVectorCount
    {
        int n = TV.Count, stride = n * Lanes, patch = s.Patch, f0 = g.Filter(0), f1 = g.Filter(1), f2 = g.Filter(2), f3 = g.Filter(3);
        float* bias = kernel + (long)patch * stride;
        var w = new PoolWindows(s, g.Filters, pool, b);
        Vector<int> w1 = w.W1, w2 = w.W2, w3 = w.W3, laneNumbers = Pooling.LaneNumbers;
        for (int py = 0; py < w.Height; py++)
            for (int px = 0; px < w.Width; px++)
            {
                float* x00 = w.Corner(image, py, px), x01 = x00 + w.Right, x10 = x00 + w.Down, x11 = x10 + w.Right;
                var (a0, a1, a2, a3) = Bias<TV>(bias);
                Vector<float> b0 = a0, b1 = a1, b2 = a2, b3 = a3, c0 = a0, c1 = a1, c2 = a2, c3 = a3, d0 = a0, d1 = a1, d2 = a2, d3 = a3;
                float* k = kernel;
                for (int t = 0; t < patch; t++, k += stride)
                {
                    int at = offsets[t];
                    var xa = new Vector<float>(x00[at]);
                    var xb = new Vector<float>(x01[at]);
                    var xc = new Vector<float>(x10[at]);
                    var xd = new Vector<float>(x11[at]);
                    var kv = Load(k, 0);
                    a0 = Vector.MultiplyAddEstimate(xa, kv, a0); b0 = Vector.MultiplyAddEstimate(xb, kv, b0);
                    c0 = Vector.MultiplyAddEstimate(xc, kv, c0); d0 = Vector.MultiplyAddEstimate(xd, kv, d0);
                    if (n > 1)
                    {
                        kv = Load(k, 1);
                        a1 = Vector.MultiplyAddEstimate(xa, kv, a1); b1 = Vector.MultiplyAddEstimate(xb, kv, b1);
                        c1 = Vector.MultiplyAddEstimate(xc, kv, c1); d1 = Vector.MultiplyAddEstimate(xd, kv, d1);
                    }
                    if (n > 2)
                    {
                        kv = Load(k, 2);
                        a2 = Vector.MultiplyAddEstimate(xa, kv, a2); b2 = Vector.MultiplyAddEstimate(xb, kv, b2);
                        c2 = Vector.MultiplyAddEstimate(xc, kv, c2); d2 = Vector.MultiplyAddEstimate(xd, kv, d2);
                    }
                    if (n > 3)
                    {
                        kv = Load(k, 3);
                        a3 = Vector.MultiplyAddEstimate(xa, kv, a3); b3 = Vector.MultiplyAddEstimate(xb, kv, b3);
                        c3 = Vector.MultiplyAddEstimate(xc, kv, c3); d3 = Vector.MultiplyAddEstimate(xd, kv, d3);
                    }
                }
                long o = w.Output(py, px);
                int first = w.FirstInMap(py, px);
                PoolWindow(a0, b0, c0, d0, pooled, argmax, o, first, f0, w1, w2, w3, laneNumbers);
                if (n > 1) PoolWindow(a1, b1, c1, d1, pooled, argmax, o, first, f1, w1, w2, w3, laneNumbers);
                if (n > 2) PoolWindow(a2, b2, c2, d2, pooled, argmax, o, first, f2, w1, w2, w3, laneNumbers);
                if (n > 3) PoolWindow(a3, b3, c3, d3, pooled, argmax, o, first, f3, w1, w2, w3, laneNumbers);
            }
    }

    /// <summary>A vector of filters' maximum over one window's four positions, stored at filter <paramref name="ch"/> (with its flat index when <paramref name="argmax"/> is given).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolWindow(Vector<float> p00, Vector<float> p01, Vector<float> p10, Vector<float> p11, float* pooled, int* argmax, long o, int first, int ch,
        Vector<int> w1, Vector<int> w2, Vector<int> w3, Vector<int> laneNumbers)
    {
        var (best, where) = TopRow(p00, p01, argmax is not null, w1);
        BottomRow(best, where, p10, p11, pooled, argmax, o, first, ch, w2, w3, laneNumbers);
    }

    /// <summary>One image's convolution, through the loop compiled for its number of vectors.</summary>
    private static void ForwardImage(int vectors, float* image, int* offsets, float* kernel, float* o, ConvShape s, int filters, bool relu)
    {
        switch (vectors)
        {
            case 1: ForwardImage<V1>(image, offsets, kernel, o, s, filters, relu); break;
            case 2: ForwardImage<V2>(image, offsets, kernel, o, s, filters, relu); break;
            case 3: ForwardImage<V3>(image, offsets, kernel, o, s, filters, relu); break;
            case 4: ForwardImage<V4>(image, offsets, kernel, o, s, filters, relu); break;
            case 5: ForwardImage<V5>(image, offsets, kernel, o, s, filters, relu); break;
            case 6: ForwardImage<V6>(image, offsets, kernel, o, s, filters, relu); break;
            case 7: ForwardImage<V7>(image, offsets, kernel, o, s, filters, relu); break;
            default: ForwardImage<V8>(image, offsets, kernel, o, s, filters, relu); break;
        }
    }

    /// <summary>
    /// One image's positions, each with its filters in registers. With up to 4 vectors of filters three
    /// neighbouring positions are computed together (then two, then one for what is left of the row):
    /// each tap's kernel vectors are loaded once for all of them, and 12 independent sums keep both FMA
    /// units busy where 4 would wait on each other's latency (three rather than two: 5% fewer
    /// instructions per multiply-add). Each position's sums are still taken in tap order, so the bits
    /// are those of one position at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardImage<TV>(float* image, int* offsets, float* kernel, float* o, ConvShape s, int filters, bool relu)
        where TV : struct, IVectorCount
    {
        int n = TV.Count, stride = n * Lanes, patch = s.Patch;
        int pitch = s.Unpadded ? s.Width : s.PaddedWidth;
        long step = (long)s.StrideW * s.Channels;
        float* bias = kernel + (long)patch * stride;
        for (int oy = 0; oy < s.OutH; oy++)
        {
            float* row = image + (long)oy * s.StrideH * pitch * s.Channels;
            int ox = 0;
            if (n <= 4)
                for (; ox + 2 < s.OutW; ox += 3, o += 3 * filters)
                {
                    float* x = row + ox * step, y = x + step, z = y + step;
                    // Twelve sums (three positions of up to 4 vectors), three pixels and one kernel vector: the
                    // 16 registers of AVX2. Each kernel vector is loaded once for the three positions.
                    var (a0, a1, a2, a3) = Bias<TV>(bias);
                    Vector<float> b0 = a0, b1 = a1, b2 = a2, b3 = a3, c0 = a0, c1 = a1, c2 = a2, c3 = a3;
                    float* k = kernel;
                    for (int t = 0; t < patch; t++, k += stride)
                    {
                        int at = offsets[t];
                        var xa = new Vector<float>(x[at]);
                        var xb = new Vector<float>(y[at]);
                        var xc = new Vector<float>(z[at]);
                        var kv = Load(k, 0);
                        a0 = Vector.MultiplyAddEstimate(xa, kv, a0); b0 = Vector.MultiplyAddEstimate(xb, kv, b0); c0 = Vector.MultiplyAddEstimate(xc, kv, c0);
                        if (n > 1) { kv = Load(k, 1); a1 = Vector.MultiplyAddEstimate(xa, kv, a1); b1 = Vector.MultiplyAddEstimate(xb, kv, b1); c1 = Vector.MultiplyAddEstimate(xc, kv, c1); }
                        if (n > 2) { kv = Load(k, 2); a2 = Vector.MultiplyAddEstimate(xa, kv, a2); b2 = Vector.MultiplyAddEstimate(xb, kv, b2); c2 = Vector.MultiplyAddEstimate(xc, kv, c2); }
                        if (n > 3) { kv = Load(k, 3); a3 = Vector.MultiplyAddEstimate(xa, kv, a3); b3 = Vector.MultiplyAddEstimate(xb, kv, b3); c3 = Vector.MultiplyAddEstimate(xc, kv, c3); }
                    }
                    Put<TV>(o, a0, a1, a2, a3, default, default, default, default, filters, relu);
                    Put<TV>(o + filters, b0, b1, b2, b3, default, default, default, default, filters, relu);
                    Put<TV>(o + 2 * filters, c0, c1, c2, c3, default, default, default, default, filters, relu);
                }
            if (n <= 4)
                for (; ox + 1 < s.OutW; ox += 2, o += 2 * filters)
                {
                    float* x = row + ox * step;
                    var (a0, a1, a2, a3, b0, b1, b2, b3) = TwoPositions<TV>(x, x + step, offsets, kernel, patch);
                    Put<TV>(o, a0, a1, a2, a3, default, default, default, default, filters, relu);
                    Put<TV>(o + filters, b0, b1, b2, b3, default, default, default, default, filters, relu);
                }
            for (; ox < s.OutW; ox++, o += filters)
            {
                float* x = row + ox * step;
                Vector<float> c0 = Load(bias, 0), c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                if (n > 1) c1 = Load(bias, 1);
                if (n > 2) c2 = Load(bias, 2);
                if (n > 3) c3 = Load(bias, 3);
                if (n > 4) c4 = Load(bias, 4);
                if (n > 5) c5 = Load(bias, 5);
                if (n > 6) c6 = Load(bias, 6);
                if (n > 7) c7 = Load(bias, 7);
                float* k = kernel;
                for (int t = 0; t < patch; t++, k += stride)
                {
                    var xv = new Vector<float>(x[offsets[t]]);
                    c0 = Vector.MultiplyAddEstimate(xv, Load(k, 0), c0);
                    if (n > 1) c1 = Vector.MultiplyAddEstimate(xv, Load(k, 1), c1);
                    if (n > 2) c2 = Vector.MultiplyAddEstimate(xv, Load(k, 2), c2);
                    if (n > 3) c3 = Vector.MultiplyAddEstimate(xv, Load(k, 3), c3);
                    if (n > 4) c4 = Vector.MultiplyAddEstimate(xv, Load(k, 4), c4);
                    if (n > 5) c5 = Vector.MultiplyAddEstimate(xv, Load(k, 5), c5);
                    if (n > 6) c6 = Vector.MultiplyAddEstimate(xv, Load(k, 6), c6);
                    if (n > 7) c7 = Vector.MultiplyAddEstimate(xv, Load(k, 7), c7);
                }
                Put<TV>(o, c0, c1, c2, c3, c4, c5, c6, c7, filters, relu);
            }
        }
    }

    /// <summary>
    /// Stores one position's filters (through ReLU when asked): vector v holds filters [v·Lanes, ...),
    /// the last one filters [filters - Lanes, filters).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV>(float* o, Vector<float> c0, Vector<float> c1, Vector<float> c2, Vector<float> c3,
        Vector<float> c4, Vector<float> c5, Vector<float> c6, Vector<float> c7, int filters, bool relu)
        where TV : struct, IVectorCount
    {
        int n = TV.Count, last = filters - Lanes;
        if (relu)
        {
            c0 = Relu(c0);
            if (n > 1) c1 = Relu(c1);
            if (n > 2) c2 = Relu(c2);
            if (n > 3) c3 = Relu(c3);
            if (n > 4) c4 = Relu(c4);
            if (n > 5) c5 = Relu(c5);
            if (n > 6) c6 = Relu(c6);
            if (n > 7) c7 = Relu(c7);
        }
        if (n == 1) { c0.Store(o); return; }
        c0.Store(o);
        if (n == 2) { c1.Store(o + last); return; }
        c1.Store(o + Lanes);
        if (n == 3) { c2.Store(o + last); return; }
        c2.Store(o + 2 * Lanes);
        if (n == 4) { c3.Store(o + last); return; }
        c3.Store(o + 3 * Lanes);
        if (n == 5) { c4.Store(o + last); return; }
        c4.Store(o + 4 * Lanes);
        if (n == 6) { c5.Store(o + last); return; }
        c5.Store(o + 5 * Lanes);
        if (n == 7) { c6.Store(o + last); return; }
        c6.Store(o + 6 * Lanes);
        c7.Store(o + last);
    }

    /// <summary>
    /// kernelGradient (patch × filters) = Σ over positions of the patch ⊗ <paramref name="dz"/>'s row, and
    /// biasGradient (filters, or empty) = Σ of dz's rows: im2col's columnsᵀ·dz without the columns.
    /// Each image's sums are kept apart and added in image order, so the result does not depend on the
    /// number of cores. Given <paramref name="reluOutput"/> (the forward pass's output through ReLU),
    /// <paramref name="dz"/> is the gradient of that output and is masked by it (as
    /// <see cref="Scalar.ReluBackward"/>) one image at a time into this core's cache, rather than in a
    /// pass of its own that writes and re-reads the whole batch's gradient.
    /// </summary>
    public static void KernelGradient(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> dz, int filters,
        Span<float> kernelGradient, Span<float> biasGradient, ReadOnlySpan<float> reluOutput = default)
    {
        Check(input, s, kernelGradient, filters, dz, "dz");
        if (!reluOutput.IsEmpty && reluOutput.Length < (long)s.Batch * s.Positions * filters)
            throw new ArgumentException($"conv2d: the ReLU output has {reluOutput.Length} values for a gradient of {dz.Length}.");
        if (!biasGradient.IsEmpty && biasGradient.Length != filters)
            throw new ArgumentException($"conv2d: the bias gradient has {biasGradient.Length} values for {filters} filters.");
        Sum(input, s, dz, filters, kernelGradient, biasGradient, reluOutput, default, default);
    }

    /// <summary>
    /// The kernel gradient of a convolution followed by max pooling, from the pooling's output gradient
    /// <paramref name="dPooled"/> and the indices its forward pass recorded: each image's gradient is routed
    /// back through the pooling (and, given <paramref name="reluOutput"/>, masked by ReLU's output) in a
    /// buffer in the core's cache, then summed as <see cref="KernelGradient"/> sums it; with AVX-512, a 3×3
    /// kernel over one channel, 16 to 32 filters and 2×2 windows (the course CNN's first layer), routed in
    /// registers as one walk over the image sums every tap (DirectConvolution.WideGradient.cs). That walk
    /// takes ReLU's mask from <paramref name="pooledOutput"/>, the pooling's output: the maximum of a window
    /// of ReLU's outputs is the one at its recorded index, so the gradient is dropped where it is zero or less.
    /// The same numbers as the pooling's backward pass (then ReLU's), then <see cref="KernelGradient"/>, without
    /// writing the batch's feature-map gradient and reading it back. The pooling must tile (<see cref="Pooling.GradientByImage"/>).
    /// </summary>
    public static void KernelGradientThroughMaxPool(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> dPooled,
        ReadOnlySpan<int> argmax, PoolGeometry pool, int filters, Span<float> kernelGradient, Span<float> biasGradient, ReadOnlySpan<float> reluOutput = default,
        ReadOnlySpan<float> pooledOutput = default)
    {
        if (pool.Height != s.OutH || pool.Width != s.OutW || pool.Channels != filters || !Pooling.GradientByImage(pool))
            throw new ArgumentException($"conv2d: a {pool.PoolHeight}x{pool.PoolWidth} pooling with strides {pool.StrideHeight}x{pool.StrideWidth} over {pool.Height}x{pool.Width}x{pool.Channels} cannot take the gradient of a {s.OutH}x{s.OutW}x{filters} convolution by image.");
        long pooled = (long)s.Batch * pool.OutputSize;
        if (dPooled.Length < pooled || argmax.Length < pooled)
            throw new ArgumentException($"conv2d: the pooled gradient needs {s.Batch}x{pool.OutHeight}x{pool.OutWidth}x{filters} elements and as many indices, got {dPooled.Length} and {argmax.Length}.");
        Check(input, s, kernelGradient, filters, default, null);
        if (!reluOutput.IsEmpty && reluOutput.Length < (long)s.Batch * s.Positions * filters)
            throw new ArgumentException($"conv2d: the ReLU output needs {s.Batch}x{s.OutH}x{s.OutW}x{filters} elements, got {reluOutput.Length}.");
        if (!pooledOutput.IsEmpty && (reluOutput.IsEmpty || pooledOutput.Length < pooled))
            throw new ArgumentException($"conv2d: the pooling's output masks ReLU's gradient: it needs the ReLU output and {s.Batch}x{pool.OutHeight}x{pool.OutWidth}x{filters} elements, got {pooledOutput.Length}.");
        if (!biasGradient.IsEmpty && biasGradient.Length != filters)
            throw new ArgumentException($"conv2d: the bias gradient has {biasGradient.Length} values for {filters} filters.");
        Sum(input, s, dPooled, filters, kernelGradient, biasGradient, reluOutput, argmax, pool, pooledOutput);
    }

    /// <summary>The kernel and bias gradients from dz, or from a pooled gradient routed back by image when <paramref name="argmax"/> is given.</summary>
    private static void Sum(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> gradient, int filters,
        Span<float> kernelGradient, Span<float> biasGradient, ReadOnlySpan<float> reluOutput, ReadOnlySpan<int> argmax, PoolGeometry pool,
        ReadOnlySpan<float> pooledOutput = default)
    {
        // The 512-bit walk keeps each image's sums in filter order; the others in vector order. It masks ReLU's
        // gradient by the pooled maxima, so with ReLU it needs them.
        bool wide = !argmax.IsEmpty && (reluOutput.IsEmpty || !pooledOutput.IsEmpty) && GradientPoolsWide(s, pool, filters);
        int vectors = (filters + Lanes - 1) / Lanes, stride = wide ? filters : vectors * Lanes, perImage = (s.Patch + 1) * stride;
        var partials = Rent(ref _partials, Math.Max(1, s.Batch) * perImage);
        fixed (float* pp = partials, pi = input, pd = gradient, py = reluOutput, pm = pooledOutput)
        fixed (int* pa = argmax)
        {
            if (wide) ForImages(s, filters, new PooledGradientImagesWide(pi, pd, pa, pm, pp, s, filters, pool));
            else ForImages(s, filters, new GradientImages(pi, pd, pp, s, filters, vectors, py, pa, pool));
            var total = partials.AsSpan(0, perImage);
            if (s.Batch == 0) total.Clear();
            for (int b = 1; b < s.Batch; b++) Simd.Add(total, partials.AsSpan(b * perImage, perImage), total);
            for (int t = 0; t <= s.Patch; t++)
            {
                var row = t < s.Patch ? kernelGradient.Slice(t * filters, filters) : biasGradient;
                if (row.IsEmpty) continue;
                if (wide) new ReadOnlySpan<float>(pp + t * stride, filters).CopyTo(row);
                else FromVectorOrder(pp + t * stride, row, vectors);
            }
        }
    }

    private readonly struct GradientImages(float* input, float* gradient, float* partials, ConvShape s, int filters, int vectors,
        float* reluOutput, int* argmax, PoolGeometry pool) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int* offsets = stackalloc int[s.Patch];
            int perImage = (s.Patch + 1) * vectors * Lanes, length = s.Positions * filters;
            for (int b = from; b < to; b++)
            {
                float* image = Image(input, s, b, offsets);
                float* g = gradient + (long)b * length;
                if (argmax is not null || reluOutput is not null)
                {
                    float* routed = Pinned(ref _gradient, length);   // one image's gradient: it fits in L2
                    var dz = new Span<float>(routed, length);
                    var relu = new ReadOnlySpan<float>(reluOutput + (long)b * length, reluOutput is null ? 0 : length);
                    if (argmax is not null)
                    {
                        Pooling.GradientOfImage(gradient, argmax, b, pool, routed);
                        if (reluOutput is not null) Simd.ReluBackward(relu, dz, dz);
                    }
                    else Simd.ReluBackward(relu, new ReadOnlySpan<float>(g, length), dz);
                    g = routed;
                }
                float* sums = partials + (long)b * perImage;
                switch (vectors)
                {
                    case 1: GradientOfImage<V1>(image, offsets, g, sums, s, filters); break;
                    case 2: GradientOfImage<V2>(image, offsets, g, sums, s, filters); break;
                    case 3: GradientOfImage<V3>(image, offsets, g, sums, s, filters); break;
                    case 4: GradientOfImage<V4>(image, offsets, g, sums, s, filters); break;
                    case 5: GradientOfImage<V5>(image, offsets, g, sums, s, filters); break;
                    case 6: GradientOfImage<V6>(image, offsets, g, sums, s, filters); break;
                    case 7: GradientOfImage<V7>(image, offsets, g, sums, s, filters); break;
                    default: GradientOfImage<V8>(image, offsets, g, sums, s, filters); break;
                }
            }
        }
    }

    /// <summary>
    /// One image's sums, in vector order: the taps are taken a few at a time (up to 12 vectors of sums in
    /// registers: 3 taps of up to 4 vectors, or 1 tap of up to 8; with 32 registers, 3 taps of up to 8), each
    /// group in one pass over the image's positions, whose rows of dz stay in the core's cache between passes.
    /// </summary>
    private static void GradientOfImage<TV>(float* image, int* offsets, float* dz, float* sums, ConvShape s, int filters)
        where TV : struct, IVectorCount
    {
        int n = TV.Count, stride = n * Lanes, group = n <= 4 || ThirtyTwoRegisters ? 3 : 1;
        for (int t = 0; t < s.Patch; t += group)
        {
            // The number of taps is a type too, so that each pass compiles to straight-line code.
            float* at = sums + (long)t * stride;
            switch (Math.Min(group, s.Patch - t))
            {
                case 3: if (n > 4) SumWideTaps<TV, V3>(image, offsets, t, dz, at, s, filters); else SumTaps<TV, V3>(image, offsets, t, dz, at, s, filters); break;
                case 2: if (n > 4) SumWideTaps<TV, V2>(image, offsets, t, dz, at, s, filters); else SumTaps<TV, V2>(image, offsets, t, dz, at, s, filters); break;
                default: SumTaps<TV, V1>(image, offsets, t, dz, at, s, filters); break;
            }
        }
        SumRows<TV>(dz, sums + (long)s.Patch * stride, s.Positions, filters);
    }

    /// <summary>
    /// <see cref="SumTaps{TV, TT}"/> for 5 to 8 vectors of filters: up to three taps' sums (a, b, c: 8 vectors
    /// each) over one pass of the image's positions, each vector of dz loaded once for all of them. Three taps
    /// keep 24 sums, three pixels and a vector of dz in 28 of the 32 registers of AVX-512 and Arm, and load dz
    /// once for every three multiply-adds instead of every one; with AVX2's 16 registers, one tap a pass. Each
    /// sum still runs over the positions in order, so the bits are those of one tap a pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumWideTaps<TV, TT>(float* image, int* offsets, int first, float* dz, float* sums, ConvShape s, int filters)
        where TV : struct, IVectorCount where TT : struct, IVectorCount
    {
        int n = TV.Count, taps = TT.Count, last = filters - Lanes, pitch = s.Unpadded ? s.Width : s.PaddedWidth;
        int o0 = offsets[first], o1 = taps > 1 ? offsets[first + 1] : 0, o2 = taps > 2 ? offsets[first + 2] : 0;
        int outH = s.OutH, outW = s.OutW;
        long rowStep = (long)s.StrideH * pitch * s.Channels, step = (long)s.StrideW * s.Channels;
        // dz's vectors 4 to 7 in the order the sums keep them: the last one overlaps the one before it.
        int g4 = n == 5 ? last : 4 * Lanes, g5 = n == 6 ? last : 5 * Lanes, g6 = n == 7 ? last : 6 * Lanes;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        Vector<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        float* g = dz;
        for (int oy = 0; oy < outH; oy++)
        {
            float* x = image + oy * rowStep;
            for (int ox = 0; ox < outW; ox++, g += filters, x += step)
            {
                var x0 = new Vector<float>(x[o0]);
                var x1 = taps > 1 ? new Vector<float>(x[o1]) : default;
                var x2 = taps > 2 ? new Vector<float>(x[o2]) : default;
                WideStep(taps, x0, x1, x2, Vector.Load(g), ref a0, ref b0, ref c0);
                WideStep(taps, x0, x1, x2, Vector.Load(g + Lanes), ref a1, ref b1, ref c1);
                WideStep(taps, x0, x1, x2, Vector.Load(g + 2 * Lanes), ref a2, ref b2, ref c2);
                WideStep(taps, x0, x1, x2, Vector.Load(g + 3 * Lanes), ref a3, ref b3, ref c3);
                WideStep(taps, x0, x1, x2, Vector.Load(g + g4), ref a4, ref b4, ref c4);
                if (n > 5) WideStep(taps, x0, x1, x2, Vector.Load(g + g5), ref a5, ref b5, ref c5);
                if (n > 6) WideStep(taps, x0, x1, x2, Vector.Load(g + g6), ref a6, ref b6, ref c6);
                if (n > 7) WideStep(taps, x0, x1, x2, Vector.Load(g + last), ref a7, ref b7, ref c7);
            }
        }
        int stride = n * Lanes;
        Put4<TV>(sums, 0, a0, a1, a2, a3);
        Put4<TV>(sums, 4, a4, a5, a6, a7);
        if (taps > 1) { Put4<TV>(sums + stride, 0, b0, b1, b2, b3); Put4<TV>(sums + stride, 4, b4, b5, b6, b7); }
        if (taps > 2) { Put4<TV>(sums + 2 * stride, 0, c0, c1, c2, c3); Put4<TV>(sums + 2 * stride, 4, c4, c5, c6, c7); }
    }

    /// <summary>One vector of dz into the sums of up to three taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WideStep(int taps, Vector<float> x0, Vector<float> x1, Vector<float> x2, Vector<float> gv, ref Vector<float> a, ref Vector<float> b, ref Vector<float> c)
    {
        a = Vector.MultiplyAddEstimate(x0, gv, a);
        if (taps > 1) b = Vector.MultiplyAddEstimate(x1, gv, b);
        if (taps > 2) c = Vector.MultiplyAddEstimate(x2, gv, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumTaps<TV, TT>(float* image, int* offsets, int first, float* dz, float* sums, ConvShape s, int filters)
        where TV : struct, IVectorCount where TT : struct, IVectorCount
    {
        // a, b, c: the sums of taps first, first + 1, first + 2 (4 vectors each); with more than 4 vectors
        // per tap (one tap per pass; two or three go to SumWideTaps), b holds vectors 4..7 of tap `first`.
        // Each vector of dz is loaded and used by every tap before the next: twelve sums, three pixels and
        // one vector of dz fill the 16 registers of AVX2. (Loading dz's four vectors first needed a 17th,
        // and one sum went through memory at every position, which made the pass three times as slow.)
        int n = TV.Count, taps = TT.Count, last = filters - Lanes, pitch = s.Unpadded ? s.Width : s.PaddedWidth;
        int o0 = offsets[first], o1 = taps > 1 ? offsets[first + 1] : 0, o2 = taps > 2 ? offsets[first + 2] : 0;
        int outH = s.OutH, outW = s.OutW;
        long rowStep = (long)s.StrideH * pitch * s.Channels, step = (long)s.StrideW * s.Channels;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default,
            c0 = default, c1 = default, c2 = default, c3 = default;
        float* g = dz;
        for (int oy = 0; oy < outH; oy++)
        {
            float* x = image + oy * rowStep;
            for (int ox = 0; ox < outW; ox++, g += filters, x += step)
            {
                var x0 = new Vector<float>(x[o0]);
                if (n > 4)
                {
                    // One tap of 5 to 8 vectors: dz's vectors in the order the sums keep them, the last one overlapping.
                    a0 = Vector.MultiplyAddEstimate(x0, Vector.Load(g), a0);
                    a1 = Vector.MultiplyAddEstimate(x0, Vector.Load(g + Lanes), a1);
                    a2 = Vector.MultiplyAddEstimate(x0, Vector.Load(g + 2 * Lanes), a2);
                    a3 = Vector.MultiplyAddEstimate(x0, Vector.Load(g + 3 * Lanes), a3);
                    b0 = Vector.MultiplyAddEstimate(x0, Vector.Load(n == 5 ? g + last : g + 4 * Lanes), b0);
                    if (n > 5) b1 = Vector.MultiplyAddEstimate(x0, Vector.Load(n == 6 ? g + last : g + 5 * Lanes), b1);
                    if (n > 6) b2 = Vector.MultiplyAddEstimate(x0, Vector.Load(n == 7 ? g + last : g + 6 * Lanes), b2);
                    if (n > 7) b3 = Vector.MultiplyAddEstimate(x0, Vector.Load(g + last), b3);
                    continue;
                }
                var x1 = taps > 1 ? new Vector<float>(x[o1]) : default;
                var x2 = taps > 2 ? new Vector<float>(x[o2]) : default;
                // dz's vectors in the order the sums keep them: whole vectors, then the overlapping last one.
                var gv = Vector.Load(n == 1 ? g + last : g);
                a0 = Vector.MultiplyAddEstimate(x0, gv, a0);
                if (taps > 1) b0 = Vector.MultiplyAddEstimate(x1, gv, b0);
                if (taps > 2) c0 = Vector.MultiplyAddEstimate(x2, gv, c0);
                if (n < 2) continue;
                gv = Vector.Load(n == 2 ? g + last : g + Lanes);
                a1 = Vector.MultiplyAddEstimate(x0, gv, a1);
                if (taps > 1) b1 = Vector.MultiplyAddEstimate(x1, gv, b1);
                if (taps > 2) c1 = Vector.MultiplyAddEstimate(x2, gv, c1);
                if (n < 3) continue;
                gv = Vector.Load(n == 3 ? g + last : g + 2 * Lanes);
                a2 = Vector.MultiplyAddEstimate(x0, gv, a2);
                if (taps > 1) b2 = Vector.MultiplyAddEstimate(x1, gv, b2);
                if (taps > 2) c2 = Vector.MultiplyAddEstimate(x2, gv, c2);
                if (n < 4) continue;
                gv = Vector.Load(g + last);
                a3 = Vector.MultiplyAddEstimate(x0, gv, a3);
                if (taps > 1) b3 = Vector.MultiplyAddEstimate(x1, gv, b3);
                if (taps > 2) c3 = Vector.MultiplyAddEstimate(x2, gv, c3);
            }
        }
        int stride = n * Lanes;
        Put4<TV>(sums, 0, a0, a1, a2, a3);
        if (n > 4) { Put4<TV>(sums, 4, b0, b1, b2, b3); return; }
        if (taps > 1) Put4<TV>(sums + stride, 0, b0, b1, b2, b3);
        if (taps > 2) Put4<TV>(sums + 2 * stride, 0, c0, c1, c2, c3);
    }

    /// <summary>Vectors v0..v0+3 of one tap's sums (those below the count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put4<TV>(float* sums, int v0, Vector<float> s0, Vector<float> s1, Vector<float> s2, Vector<float> s3)
        where TV : struct, IVectorCount
    {
        int n = TV.Count;
        s0.Store(sums + v0 * Lanes);
        if (n > v0 + 1) s1.Store(sums + (v0 + 1) * Lanes);
        if (n > v0 + 2) s2.Store(sums + (v0 + 2) * Lanes);
        if (n > v0 + 3) s3.Store(sums + (v0 + 3) * Lanes);
    }

    /// <summary>
    /// The bias's sums: dz's rows added up, in vector order. Each vector's sum runs down the rows in order,
    /// but the vectors are summed side by side, so an addition waits only on its own vector's last one. (One
    /// vector down all the rows and then the next waited an addition's latency a row: for the course CNN's 32
    /// filters, as long as the nine taps' multiply-adds together.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per image per step: no waiting for the JIT's second tier
    private static void SumRows<TV>(float* dz, float* sums, int rows, int filters) where TV : struct, IVectorCount
    {
        int n = TV.Count, last = filters - Lanes;
        int g0 = n == 1 ? last : 0, g1 = n == 2 ? last : Lanes, g2 = n == 3 ? last : 2 * Lanes, g3 = n == 4 ? last : 3 * Lanes;
        int g4 = n == 5 ? last : 4 * Lanes, g5 = n == 6 ? last : 5 * Lanes, g6 = n == 7 ? last : 6 * Lanes;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int r = 0; r < rows; r++, dz += filters)
        {
            s0 += Vector.Load(dz + g0);
            if (n > 1) s1 += Vector.Load(dz + g1);
            if (n > 2) s2 += Vector.Load(dz + g2);
            if (n > 3) s3 += Vector.Load(dz + g3);
            if (n > 4) s4 += Vector.Load(dz + g4);
            if (n > 5) s5 += Vector.Load(dz + g5);
            if (n > 6) s6 += Vector.Load(dz + g6);
            if (n > 7) s7 += Vector.Load(dz + last);
        }
        Put4<TV>(sums, 0, s0, s1, s2, s3);
        if (n > 4) Put4<TV>(sums, 4, s4, s5, s6, s7);
    }

    /// <summary>
    /// Image <paramref name="b"/> where every window lies inside: the input itself when there is no padding,
    /// else a zero-padded copy in this thread's buffer. Fills <paramref name="offsets"/> with each tap's
    /// offset from a window's top-left corner, in the kernel's (ky, kx, channel) order.
    /// </summary>
    private static float* Image(float* input, in ConvShape s, int b, int* offsets)
    {
        float* image = input + (long)b * s.Height * s.Width * s.Channels;
        int pitch = s.Width;
        if (!s.Unpadded)
        {
            pitch = s.PaddedWidth;
            int length = s.PaddedHeight * pitch * s.Channels;
            float* p = Pinned(ref _image, length);
            new Span<float>(p, length).Clear();
            for (int y = 0; y < s.Height; y++)
                new ReadOnlySpan<float>(image + (long)y * s.Width * s.Channels, s.Width * s.Channels)
                    .CopyTo(new Span<float>(p + ((long)(y + s.PadTop) * pitch + s.PadLeft) * s.Channels, s.Width * s.Channels));
            image = p;
        }
        int t = 0;
        for (int ky = 0; ky < s.KernelH; ky++)
            for (int kx = 0; kx < s.KernelW; kx++)
                for (int ch = 0; ch < s.Channels; ch++)
                    offsets[t++] = (ky * pitch + kx) * s.Channels + ch;
        return image;
    }

    /// <summary>A row of filters back from vector order: whole vectors, then the last <see cref="Lanes"/> filters (written over the vector before).</summary>
    private static void FromVectorOrder(float* from, Span<float> row, int vectors)
    {
        for (int v = 0; v < vectors; v++)
            new ReadOnlySpan<float>(from + v * Lanes, Lanes).CopyTo(row.Slice(v == vectors - 1 ? row.Length - Lanes : v * Lanes, Lanes));
    }

    /// <summary>max(x, 0), lane by lane, as <see cref="Scalar.Relu"/>: -0 becomes +0, and NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Relu(Vector<float> x) => Vector.ConditionalSelect(Vector.LessThanOrEqual(x, Vector<float>.Zero), Vector<float>.Zero, x);   // NaN passes, as in ReluOperator

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p, int vector) => Vector.Load(p + vector * Vector<float>.Count);

    /// <summary>
    /// The kernel's rows and the bias (zeros for none) in vector order, the bias as row <paramref name="patch"/>,
    /// so the loops read each tap's filters as <paramref name="vectors"/> aligned loads; with a
    /// <paramref name="group"/> of fewer vectors, each group of that many (the last one what is left) has its
    /// own rows and bias, one after the other (<see cref="FilterGroup.PackedAt"/>).
    /// </summary>
    private static void PackKernel(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int patch, int filters, int vectors, float* packed, int group = int.MaxValue)
    {
        for (int first = 0; first < vectors; first += group)
        {
            var g = new FilterGroup(first, Math.Min(group, vectors - first), vectors, filters);
            float* to = packed + g.PackedAt(patch);
            int stride = g.Count * Lanes;
            for (int t = 0; t <= patch; t++, to += stride)
                for (int j = 0; j < g.Count; j++)
                {
                    if (t == patch && bias.IsEmpty) new Span<float>(to + j * Lanes, Lanes).Clear();
                    else (t == patch ? bias : kernel.Slice(t * filters, filters)).Slice(g.Filter(j), Lanes).CopyTo(new Span<float>(to + j * Lanes, Lanes));
                }
        }
    }

    /// <summary>Runs <paramref name="body"/> on the batch's images, shared among the cores when there is enough work to repay waking them.</summary>
    private static void ForImages<TBody>(in ConvShape s, int filters, TBody body) where TBody : struct, IRangeBody
    {
        if ((long)s.Batch * s.Positions * s.Patch * filters >= 1 << 16) ForkJoin.ForBalanced(s.Batch, 1, body);
        else body.Run(0, s.Batch);
    }

    /// <summary>
    /// This thread's buffer of at least <paramref name="length"/> floats, allocated pinned (where the GC never
    /// moves it) so that its address stays valid after this returns.
    /// </summary>
    private static float* Pinned(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < Math.Max(1, length)) buffer = GC.AllocateArray<float>(Math.Max(1, length), pinned: true);
        return (float*)Unsafe.AsPointer(ref buffer[0]);
    }

    /// <summary>
    /// As <see cref="Pinned"/>, at a multiple of 64 bytes: the packed kernel's rows are loaded a whole vector at
    /// a time, and a 512-bit load from an array's usual 16-byte alignment spans two cache lines every time (the
    /// course CNN's pooled convolution ran 2% to 4% slower so).
    /// </summary>
    private static float* AlignedPinned(ref float[]? buffer, int length)
    {
        const int pad = 64 / sizeof(float);
        float* p = Pinned(ref buffer, length + pad);
        return (float*)(((nint)p + 63) & ~(nint)63);
    }

    private static float[] Rent(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new float[length];
        return buffer;
    }

    /// <summary>The geometry, input and kernel sizes, and (unless <paramref name="name"/> is null) one value per output position and filter.</summary>
    private static void Check(ReadOnlySpan<float> input, in ConvShape s, ReadOnlySpan<float> kernel, int filters, ReadOnlySpan<float> perPosition, string? name)
    {
        if (!Takes(s.Patch, filters))
            throw new ArgumentException($"conv2d: the direct kernels take a patch of at most 32 and {Lanes} to {8 * Lanes} filters, got {s.Patch} and {filters}.");
        if (input.Length < (long)s.Batch * s.Height * s.Width * s.Channels)
            throw new ArgumentException($"conv2d: the input needs {s.Batch}x{s.Height}x{s.Width}x{s.Channels} elements, got {input.Length}.");
        if (kernel.Length < s.Patch * filters)
            throw new ArgumentException($"conv2d: the kernel needs {s.KernelH}x{s.KernelW}x{s.Channels}x{filters} elements, got {kernel.Length}.");
        if (name is not null && perPosition.Length < (long)s.Batch * s.Positions * filters)
            throw new ArgumentException($"conv2d: {name} needs {s.Batch}x{s.OutH}x{s.OutW}x{filters} elements, got {perPosition.Length}.");
    }

    /// <summary>A number of vectors known when the loop is compiled (one instantiation per count).</summary>
    private interface IVectorCount { static abstract int Count { get; } }
    private struct V1 : IVectorCount { public static int Count => 1; }
    private struct V2 : IVectorCount { public static int Count => 2; }
    private struct V3 : IVectorCount { public static int Count => 3; }
    private struct V4 : IVectorCount { public static int Count => 4; }
    private struct V5 : IVectorCount { public static int Count => 5; }
    private struct V6 : IVectorCount { public static int Count => 6; }
    private struct V7 : IVectorCount { public static int Count => 7; }
    private struct V8 : IVectorCount { public static int Count => 8; }
}
