using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The kernel gradient through 2×2 max pooling (<see cref="KernelGradientThroughMaxPool"/>) in 512-bit
/// vectors, for a 3×3 kernel over one channel and 16 to 32 filters: the course CNN's first layer. The
/// other path routes each image's pooled gradient into a buffer (three quarters of it zeros), then walks
/// the image three times, three taps a pass, reading the buffer back each time. Here all nine taps' sums
/// (2 vectors of 16 filters each: 18 sums, and the bias's 2) stay in registers through one walk over the
/// positions, and each position's gradient is routed in registers: a filter's lane takes the pooled
/// gradient where its window's maximum lay at this position, and zero elsewhere, the values the buffer
/// would hold. Behind ReLU, a lane's gradient is also dropped where its window's maximum is zero or less,
/// as ReLU's backward pass drops it where the output at the recorded index (that maximum) is. Each sum
/// runs over the positions in the same order with the same multiply-adds, so the bits are the other path's.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    /// <summary>Whether the kernel gradient through this pooling takes the one-walk 512-bit path.</summary>
    private static bool GradientPoolsWide(in ConvShape s, PoolGeometry pool, int filters) =>
        s.KernelH == 3 && s.KernelW == 3 && s.Channels == 1 && PoolsWide(pool, filters);

    /// <summary>Whether a pass masks each lane's gradient by its window's maximum (behind ReLU): fixed per instantiation, so that the other loop carries nothing of it.</summary>
    private interface IReluMask { static abstract bool Masked { get; } }
    private readonly struct NoActivation : IReluMask { public static bool Masked => false; }
    private readonly struct BehindRelu : IReluMask { public static bool Masked => true; }

    /// <summary>The images' walks; <paramref name="maxima"/>, the pooled outputs behind ReLU, or null without an activation.</summary>
    private readonly struct PooledGradientImagesWide(float* input, float* dPooled, int* argmax, float* maxima, float* partials, ConvShape s, int filters,
        PoolGeometry pool) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int* offsets = stackalloc int[s.Patch];
            int perImage = (s.Patch + 1) * filters, outHeight = pool.OutHeight, outWidth = pool.OutWidth;
            for (int b = from; b < to; b++)
            {
                float* image = Image(input, s, b, offsets);
                long pooled = (long)b * pool.OutputSize;
                var at = new PooledMaps(dPooled + pooled, argmax + pooled, b * pool.InputSize, s.OutW * filters);
                float* sums = partials + (long)b * perImage, max = maxima is null ? null : maxima + pooled;
                bool two = filters > WideLanes;
                if (max is null && two) PooledGradientWide<V2, NoActivation>(image, s, at, max, outHeight, outWidth, filters, sums);
                else if (max is null) PooledGradientWide<V1, NoActivation>(image, s, at, max, outHeight, outWidth, filters, sums);
                else if (two) PooledGradientWide<V2, BehindRelu>(image, s, at, max, outHeight, outWidth, filters, sums);
                else PooledGradientWide<V1, BehindRelu>(image, s, at, max, outHeight, outWidth, filters, sums);
            }
        }
    }

    /// <summary>
    /// One image's kernel and bias sums, in filter order (tap after tap, then the bias), from its pooled
    /// gradient <c>at.Values</c> and the flat indices <c>at.Indices</c> its forward pass recorded (behind ReLU,
    /// masked where the pooled <paramref name="maxima"/> are zero or less). Positions are walked row by row
    /// as the routed buffer is; a position under no window (the map's last row or column, when its size is
    /// odd) has a zero gradient, as in that buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PooledGradientWide<TV, TM>(float* image, ConvShape s, PooledMaps at, float* maxima, int outHeight, int outWidth, int filters, float* sums)
        where TV : struct, IVectorCount where TM : struct, IReluMask
    {
        int n = TV.Count, last = filters - WideLanes, pitch = s.Unpadded ? s.Width : s.PaddedWidth;
        long down = (long)s.StrideH * pitch, right = s.StrideW;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // Taps (0,0) to (2,2) of filters 0-15 (a) and of the last 16 (b), and the bias's sums.
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default, b8 = default;
        Vector512<float> bias0 = default, bias1 = default;
        for (int y = 0; y < s.OutH; y++)
        {
            float* r0 = image + y * down, r1 = r0 + pitch, r2 = r1 + pitch;
            int py = y >> 1;
            // This row's positions' flat indices into the batch's maps (filter 0), from the row's first.
            int here = at.MapBase + y * at.MapRow;
            for (int x = 0; x < s.OutW; x++, r0 += right, r1 += right, r2 += right, here += filters)
            {
                Vector512<float> d0 = default, d1 = default;
                int px = x >> 1;
                if (py < outHeight && px < outWidth)
                {
                    // A lane's gradient lands here when its window's maximum was this position: its index here + filter.
                    int o = (py * outWidth + px) * filters;
                    var mine = Vector512.Create(here) + lanes;
                    var lands0 = Vector512.Equals(Vector512.Load(at.Indices + o), mine).AsSingle();
                    if (TM.Masked) lands0 = Vector512.AndNot(lands0, Vector512.LessThanOrEqual(Vector512.Load(maxima + o), Vector512<float>.Zero));
                    d0 = Vector512.ConditionalSelect(lands0, Vector512.Load(at.Values + o), default);
                    if (n > 1)
                    {
                        var lands1 = Vector512.Equals(Vector512.Load(at.Indices + o + last), mine + Vector512.Create(last)).AsSingle();
                        if (TM.Masked) lands1 = Vector512.AndNot(lands1, Vector512.LessThanOrEqual(Vector512.Load(maxima + o + last), Vector512<float>.Zero));
                        d1 = Vector512.ConditionalSelect(lands1, Vector512.Load(at.Values + o + last), default);
                    }
                }
                Tap<TV>(r0 + 0, d0, d1, ref a0, ref b0);
                Tap<TV>(r0 + 1, d0, d1, ref a1, ref b1);
                Tap<TV>(r0 + 2, d0, d1, ref a2, ref b2);
                Tap<TV>(r1 + 0, d0, d1, ref a3, ref b3);
                Tap<TV>(r1 + 1, d0, d1, ref a4, ref b4);
                Tap<TV>(r1 + 2, d0, d1, ref a5, ref b5);
                Tap<TV>(r2 + 0, d0, d1, ref a6, ref b6);
                Tap<TV>(r2 + 1, d0, d1, ref a7, ref b7);
                Tap<TV>(r2 + 2, d0, d1, ref a8, ref b8);
                bias0 += d0;
                if (n > 1) bias1 += d1;
            }
        }
        Put2<TV>(sums, a0, b0, last); Put2<TV>(sums + filters, a1, b1, last); Put2<TV>(sums + 2 * filters, a2, b2, last);
        Put2<TV>(sums + 3 * filters, a3, b3, last); Put2<TV>(sums + 4 * filters, a4, b4, last); Put2<TV>(sums + 5 * filters, a5, b5, last);
        Put2<TV>(sums + 6 * filters, a6, b6, last); Put2<TV>(sums + 7 * filters, a7, b7, last); Put2<TV>(sums + 8 * filters, a8, b8, last);
        Put2<TV>(sums + 9 * filters, bias0, bias1, last);
    }

    /// <summary>
    /// One tap's pixel times the position's gradient, into its sums of both vectors of filters. The pixel comes
    /// as its address, so the broadcast reads it straight from memory (given its value, the JIT loaded it into
    /// a register and broadcast it from there: nine more instructions a position).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tap<TV>(float* pixel, Vector512<float> d0, Vector512<float> d1, ref Vector512<float> a, ref Vector512<float> b)
        where TV : struct, IVectorCount
    {
        var p = Vector512.Create(*pixel);
        a = Vector512.MultiplyAddEstimate(p, d0, a);
        if (TV.Count > 1) b = Vector512.MultiplyAddEstimate(p, d1, b);
    }

    /// <summary>A row of sums in filter order: the first vector's 16 filters, then the last 16 (their overlap written twice, with the same values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put2<TV>(float* row, Vector512<float> first, Vector512<float> second, int last) where TV : struct, IVectorCount
    {
        first.Store(row);
        if (TV.Count > 1) second.Store(row + last);
    }
}
