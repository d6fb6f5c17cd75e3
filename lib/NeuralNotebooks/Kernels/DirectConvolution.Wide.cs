using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The convolution max-pooled as it goes (<see cref="ForwardThroughMaxPool"/>) in 512-bit vectors, for 16 to
/// 32 filters and 2×2 windows of stride 2, where the processor runs 512-bit vectors and
/// <see cref="Vector{T}"/>, which the rest of this class is written in, is narrower (.NET makes it 256 bits
/// unless told otherwise). A processor that executes a 512-bit multiply-add at full width (Zen 5) does twice
/// the work per instruction: the course CNN's 28 filters are 2 vectors of 16 instead of 4 of 8.
/// Each lane computes what it computes in <see cref="Vector{T}"/> (each position's sum in tap order from its
/// bias, each window's maximum in the pooling's order with maxps, the same indices), so the bits are the same.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    private const int WideLanes = 16;

    /// <summary>Whether the pooled forward pass of <paramref name="filters"/> filters takes the 512-bit path.</summary>
    private static bool PoolsWide(PoolGeometry pool, int filters) =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Vector<float>.Count < WideLanes && filters >= WideLanes && filters <= 2 * WideLanes
        && pool.PoolHeight == 2 && pool.PoolWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2;

    /// <summary>
    /// The kernel's rows and the bias (zeros for none) as 1 or 2 vectors of 16 filters a row, the second
    /// holding the last 16 filters (overlapping the first when there are fewer than 32), the bias as row
    /// <paramref name="patch"/>.
    /// </summary>
    private static void PackKernelWide(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int patch, int filters, float* packed)
    {
        int vectors = filters > WideLanes ? 2 : 1, stride = vectors * WideLanes;
        for (int t = 0; t <= patch; t++)
        {
            float* row = packed + t * stride;
            if (t == patch && bias.IsEmpty)
            {
                new Span<float>(row, stride).Clear();
                continue;
            }
            var from = t == patch ? bias : kernel.Slice(t * filters, filters);
            from[..WideLanes].CopyTo(new Span<float>(row, WideLanes));
            if (vectors == 2) from[(filters - WideLanes)..].CopyTo(new Span<float>(row + WideLanes, WideLanes));
        }
    }

    private readonly struct ForwardPooledImagesWide(float* input, float* kernel, float* pooled, int* argmax, ConvShape s, int filters, PoolGeometry pool) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int* offsets = stackalloc int[s.Patch];
            int pitch = s.Unpadded ? s.Width : s.PaddedWidth;
            long right = (long)s.StrideW * s.Channels, down = (long)s.StrideH * pitch * s.Channels;
            // The pooled sizes are properties that divide: read once, not at every window.
            int outHeight = pool.OutHeight, outWidth = pool.OutWidth;
            for (int b = from; b < to; b++)
            {
                float* image = Image(input, s, b, offsets);
                var at = new PooledMaps(pooled + (long)b * pool.OutputSize, argmax is null ? null : argmax + (long)b * pool.OutputSize,
                    b * pool.InputSize, s.OutW * filters);
                bool two = filters > WideLanes;
                if (argmax is null && two) ForwardPooledWide<V2, Values>(image, offsets, kernel, s.Patch, right, down, filters, outHeight, outWidth, at);
                else if (argmax is null) ForwardPooledWide<V1, Values>(image, offsets, kernel, s.Patch, right, down, filters, outHeight, outWidth, at);
                else if (two) ForwardPooledWide<V2, WithIndices>(image, offsets, kernel, s.Patch, right, down, filters, outHeight, outWidth, at);
                else ForwardPooledWide<V1, WithIndices>(image, offsets, kernel, s.Patch, right, down, filters, outHeight, outWidth, at);
            }
        }
    }

    /// <summary>
    /// Where one image's pooled maps go: the maxima, their flat indices into the batch's feature maps when
    /// training (null in inference), the image's first index and the maps' row length.
    /// </summary>
    private readonly struct PooledMaps(float* values, int* indices, int mapBase, int mapRow)
    {
        public readonly float* Values = values;
        public readonly int* Indices = indices;
        public readonly int MapBase = mapBase, MapRow = mapRow;
    }

    /// <summary>Whether a pooled pass records where each maximum came from: fixed per instantiation, so that inference's loops carry nothing of it.</summary>
    private interface IPoolIndices { static abstract bool Kept { get; } }
    private readonly struct Values : IPoolIndices { public static bool Kept => false; }
    private readonly struct WithIndices : IPoolIndices { public static bool Kept => true; }

    /// <summary>
    /// One image's pooled maps, two windows side by side at a time (eight positions: 16 sums in flight with
    /// 2 vectors of filters) and a last odd window alone. The map's last row and column, when its size is
    /// odd, lie under no window and are not computed. The loops hold only the sums, the inputs and the
    /// kernel; the indices' vectors are made where a window is stored, and only when training. When they
    /// were live through the loops, with the pooled sizes (properties that divide) read at every window,
    /// the integer values spilled to the stack between the multiply-adds (docs/performance.md, 2026-12-04).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPooledWide<TV, TI>(float* image, int* offsets, float* kernel, int patch, long right, long down, int filters,
        int outHeight, int outWidth, PooledMaps at)
        where TV : struct, IVectorCount where TI : struct, IPoolIndices
    {
        int n = TV.Count, stride = n * WideLanes, last = filters - WideLanes;
        float* bias = kernel + (long)patch * stride;
        for (int py = 0; py < outHeight; py++)
        {
            float* top = image + 2 * py * down;
            int o = py * outWidth * filters, px = 0;
            // Window px: a, b (top row), c, d (bottom row); window px + 1: e, f, g, h.
            for (; px + 1 < outWidth; px += 2, top += 4 * right, o += 2 * filters)
            {
                Vector512<float> a0 = Vector512.Load(bias), a1 = n > 1 ? Vector512.Load(bias + WideLanes) : default;
                Vector512<float> b0 = a0, c0 = a0, d0 = a0, e0 = a0, f0 = a0, g0 = a0, h0 = a0;
                Vector512<float> b1 = a1, c1 = a1, d1 = a1, e1 = a1, f1 = a1, g1 = a1, h1 = a1;
                float* k = kernel;
                for (int t = 0; t < patch; t++, k += stride)
                {
                    float* x = top + offsets[t], y = x + down;
                    var xa = Vector512.Create(x[0]); var xb = Vector512.Create(x[right]);
                    var xe = Vector512.Create(x[2 * right]); var xf = Vector512.Create(x[3 * right]);
                    var xc = Vector512.Create(y[0]); var xd = Vector512.Create(y[right]);
                    var xg = Vector512.Create(y[2 * right]); var xh = Vector512.Create(y[3 * right]);
                    var kv = Vector512.Load(k);
                    a0 = Vector512.MultiplyAddEstimate(xa, kv, a0); b0 = Vector512.MultiplyAddEstimate(xb, kv, b0);
                    c0 = Vector512.MultiplyAddEstimate(xc, kv, c0); d0 = Vector512.MultiplyAddEstimate(xd, kv, d0);
                    e0 = Vector512.MultiplyAddEstimate(xe, kv, e0); f0 = Vector512.MultiplyAddEstimate(xf, kv, f0);
                    g0 = Vector512.MultiplyAddEstimate(xg, kv, g0); h0 = Vector512.MultiplyAddEstimate(xh, kv, h0);
                    if (n > 1)
                    {
                        kv = Vector512.Load(k + WideLanes);
                        a1 = Vector512.MultiplyAddEstimate(xa, kv, a1); b1 = Vector512.MultiplyAddEstimate(xb, kv, b1);
                        c1 = Vector512.MultiplyAddEstimate(xc, kv, c1); d1 = Vector512.MultiplyAddEstimate(xd, kv, d1);
                        e1 = Vector512.MultiplyAddEstimate(xe, kv, e1); f1 = Vector512.MultiplyAddEstimate(xf, kv, f1);
                        g1 = Vector512.MultiplyAddEstimate(xg, kv, g1); h1 = Vector512.MultiplyAddEstimate(xh, kv, h1);
                    }
                }
                PoolWide<TI>(a0, b0, c0, d0, at, o, 0, py, px, filters);
                PoolWide<TI>(e0, f0, g0, h0, at, o + filters, 0, py, px + 1, filters);
                if (n > 1)
                {
                    PoolWide<TI>(a1, b1, c1, d1, at, o, last, py, px, filters);
                    PoolWide<TI>(e1, f1, g1, h1, at, o + filters, last, py, px + 1, filters);
                }
            }
            if (px < outWidth)
            {
                Vector512<float> a0 = Vector512.Load(bias), a1 = n > 1 ? Vector512.Load(bias + WideLanes) : default;
                Vector512<float> b0 = a0, c0 = a0, d0 = a0, b1 = a1, c1 = a1, d1 = a1;
                float* k = kernel;
                for (int t = 0; t < patch; t++, k += stride)
                {
                    float* x = top + offsets[t], y = x + down;
                    var xa = Vector512.Create(x[0]); var xb = Vector512.Create(x[right]);
                    var xc = Vector512.Create(y[0]); var xd = Vector512.Create(y[right]);
                    var kv = Vector512.Load(k);
                    a0 = Vector512.MultiplyAddEstimate(xa, kv, a0); b0 = Vector512.MultiplyAddEstimate(xb, kv, b0);
                    c0 = Vector512.MultiplyAddEstimate(xc, kv, c0); d0 = Vector512.MultiplyAddEstimate(xd, kv, d0);
                    if (n > 1)
                    {
                        kv = Vector512.Load(k + WideLanes);
                        a1 = Vector512.MultiplyAddEstimate(xa, kv, a1); b1 = Vector512.MultiplyAddEstimate(xb, kv, b1);
                        c1 = Vector512.MultiplyAddEstimate(xc, kv, c1); d1 = Vector512.MultiplyAddEstimate(xd, kv, d1);
                    }
                }
                PoolWide<TI>(a0, b0, c0, d0, at, o, 0, py, px, filters);
                if (n > 1) PoolWide<TI>(a1, b1, c1, d1, at, o, last, py, px, filters);
            }
        }
    }

    /// <summary>A window's maximum in the pooling's order: maxps keeps its second operand unless the first is greater, as Pooling.Greater.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaxWide(Vector512<float> p00, Vector512<float> p01, Vector512<float> p10, Vector512<float> p11) =>
        Avx512F.Max(p11, Avx512F.Max(p10, Avx512F.Max(p01, p00)));

    /// <summary>
    /// A vector of 16 filters' maximum over window (<paramref name="py"/>, <paramref name="px"/>), stored at
    /// <paramref name="o"/> + filter <paramref name="ch"/>, with its flat index into the batch's feature maps
    /// when training: as <see cref="PoolWindow"/>, at 512 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolWide<TI>(Vector512<float> p00, Vector512<float> p01, Vector512<float> p10, Vector512<float> p11, PooledMaps at,
        int o, int ch, int py, int px, int filters)
        where TI : struct, IPoolIndices
    {
        if (!TI.Kept)
        {
            MaxWide(p00, p01, p10, p11).Store(at.Values + o + ch);
            return;
        }
        // The window's other positions in the maps, from its first, in the pooling's order: (0, 1), (1, 0), (1, 1).
        var best = p00;
        var where = Vector512<int>.Zero;
        KeepWide(p01, Vector512.Create(filters), ref best, ref where);
        KeepWide(p10, Vector512.Create(at.MapRow), ref best, ref where);
        KeepWide(p11, Vector512.Create(at.MapRow + filters), ref best, ref where);
        best.Store(at.Values + o + ch);
        int first = at.MapBase + 2 * py * at.MapRow + 2 * px * filters + ch;
        (where + Vector512.Create(first) + Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)).Store(at.Indices + o + ch);
    }

    /// <summary>One step of a window's running maximum, as <see cref="Pooling.Keep"/>: a greater value replaces it and records its offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeepWide(Vector512<float> v, Vector512<int> offset, ref Vector512<float> best, ref Vector512<int> where)
    {
        var greater = Vector512.GreaterThan(v, best);
        best = Vector512.ConditionalSelect(greater, v, best);
        where = Vector512.ConditionalSelect(greater.AsInt32(), offset, where);
    }
}
