using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The blocked product for an A that is mostly zeros, as a first dense layer's input is when it is raw
/// pixels: four in five of MNIST's are 0, and the border of every digit is 0 in every image. A panel of
/// A is packed without its depth steps whose six values are all zero, with the positions of the steps
/// it keeps, and the micro-kernel reads the rows of B those positions name. A step skipped would have
/// added six products 0·B[p,j] to sums that stay the same, so the result is the dense product's to the
/// bit, but in a half-width last panel (whose even and odd steps are summed apart, so which steps are
/// even changes), for the sign of a zero sum, and for an infinity or NaN in B (which 0·B would have
/// spread). The course MLP's two 784×100 products keep 44% and 34% of their steps.
/// An untransposed B is not packed: the kernel reads its whole panels where they lie (the rows a panel
/// keeps are scattered over B anyway), and only a partial last panel, whose vector loads would run past
/// B's columns, is packed. The MLP's products at batch 200, packed and in place alternating in one
/// process (medians of 40 runs of 50 products, three processes): forward 144 → 129, 152 → 141 and
/// 143 → 134 µs, weight gradient 112 → 101, 119 → 109 and 114 → 105 µs.
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>
    /// At most this share of nonzeros in A (percent) takes the zero-skipping path; raw MNIST pixels are
    /// 19% nonzero. With 30% of its values nonzero at random, a 6-row panel has an all-zero step only
    /// 12% of the time (0.7⁶), too rarely to repay packing A, which the dense path may read in place.
    /// </summary>
    private const int SkipZerosMaxDensityPercent = 30;
    /// <summary>Stored rows of A whose nonzeros are counted to decide, spread evenly over A.</summary>
    private const int SkipZerosSampleRows = 8;

    [ThreadStatic] private static int[]? _steps;
    [ThreadStatic] private static int[]? _stepCounts;

    /// <summary>
    /// Whether A, stored <paramref name="rows"/>×<paramref name="cols"/>, has few enough nonzeros to skip
    /// its zeros, judged from a few of its rows: the choice depends on A's values only, never on timing.
    /// </summary>
    internal static bool MostlyZeros(ReadOnlySpan<float> a, int rows, int cols)
    {
        if (a.Length < (long)rows * cols) throw new ArgumentException($"A holds {a.Length} floats; {rows}×{cols} needs {(long)rows * cols}.");
        fixed (float* pa = a) return MostlyZeros(pa, rows, cols);
    }

    [MethodImpl(JitHints.PerBatch)]
    private static bool MostlyZeros(float* a, int rows, int cols)
    {
        int sampled = Math.Min(rows, SkipZerosSampleRows);
        long nonzeros = 0;
        for (int s = 0; s < sampled; s++) nonzeros += CountNonZeros(a + (long)s * rows / sampled * cols, cols);
        return nonzeros * 100 <= (long)SkipZerosMaxDensityPercent * sampled * cols;
    }

    [MethodImpl(JitHints.PerBatch)]
    private static int CountNonZeros(float* x, int length)
    {
        int count = 0, j = 0;
        if (Vector128.IsHardwareAccelerated)
            for (; j <= length - 4; j += 4)
                count += System.Numerics.BitOperations.PopCount(~Vector128.Equals(Vector128.Load(x + j), Vector128<float>.Zero).ExtractMostSignificantBits() & 0xF);
        for (; j < length; j++) if (x[j] != 0f) count++;
        return count;
    }

    /// <summary>
    /// <see cref="RowBlock"/> for a mostly-zero A: each 6-row panel of A is packed without its all-zero
    /// depth steps, and every tile of the block multiplies only the steps its panel kept. A partial last
    /// panel of B is read from <paramref name="edgePanel"/> when given, else from its place in <paramref name="bp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlockSkippingZeros(int ic, int mc, int m, int k, int n, float* a, bool transposeA, int pc, int kc,
        int jc, int nc, float* bp, float* bInPlace, float* c, bool add, int panelsB, float* edgePanel = null)
    {
        int panelsA = (mc + MR - 1) / MR;
        // Eight floats of slack: the vector packing stores a step's six values as eight (see PackAPanelSkippingZeros).
        var packA = Rent(ref _packA, panelsA * MR * kc + 8);
        var steps = Rent(ref _steps, panelsA * kc);
        var counts = Rent(ref _stepCounts, panelsA);
        var tile = Rent(ref _tile, MR * NR);
        fixed (float* ap = packA, tp = tile)
        fixed (int* sp = steps, cp = counts)
        {
            for (int ip = 0; ip < panelsA; ip++)
            {
                int i = ip * MR;
                cp[ip] = PackAPanelSkippingZeros(a, transposeA, m, k, ic + i, Math.Min(MR, mc - i), pc, kc, ap + (long)ip * MR * kc, sp + (long)ip * kc);
            }
            for (int jp = 0; jp < panelsB; jp++)
            {
                int j = jp * NR, nr = Math.Min(NR, nc - j);
                // A whole panel of an untransposed B may be read where B lies, its steps n floats apart;
                // a partial one is always packed (a vector load past its last column would leave the array).
                bool inPlace = bInPlace != null && nr == NR;
                float* bPanel = inPlace ? bInPlace + (long)pc * n + jc + j : nr < NR && edgePanel != null ? edgePanel : bp + (long)jp * NR * kc;
                long stepB = inPlace ? n : NR;
                for (int ip = 0; ip < panelsA; ip++)
                {
                    int i = ip * MR, mr = Math.Min(MR, mc - i);
                    float* aPanel = ap + (long)ip * MR * kc;
                    int* kept = sp + (long)ip * kc;
                    float* cTile = c + (long)(ic + i) * n + jc + j;
                    if (mr == MR && nr == NR)
                    {
                        KeptStepsKernel(cp[ip], aPanel, kept, bPanel, stepB, cTile, n, add);
                        continue;
                    }
                    if (nr <= NR / 2) KeptStepsHalfKernel(cp[ip], aPanel, kept, bPanel, stepB, tp);
                    else KeptStepsKernel(cp[ip], aPanel, kept, bPanel, stepB, tp, NR, false);
                    PutEdgeTile(tp, cTile, mr, nr, n, add);
                }
            }
        }
    }

    /// <summary>
    /// Packs rows [row, row + mr) of A over depth [pc, pc + kc) as <see cref="PackA"/> does (MR floats per
    /// step, zero rows below mr), leaving out the steps whose values are all zero; writes the depth step
    /// (p, from pc) of each step kept, and returns how many were kept. The kernels find a step's row of B
    /// at p times B's step: NR in a packed panel, n in B read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackAPanelSkippingZeros(float* a, bool transposeA, int m, int k, int row, int mr, int pc, int kc, float* dst, int* kept)
    {
        // Where A is stored m×k a panel's rows are k floats apart and its steps adjacent; stored k×m, the reverse.
        long rowStride = transposeA ? 1 : k, stepStride = transposeA ? m : 1;
        // The values are moved as their bits: a step is all zero (either sign) when its bits, sign bits
        // aside, are all clear. Every step is written where the next kept one goes and counted only if
        // kept, so there is no branch to mispredict (about half the course's steps are kept).
        uint* src = (uint*)a + (transposeA ? (long)pc * m + row : (long)row * k + pc);
        uint* d = (uint*)dst;
        int count = 0;
        if (mr == MR)
        {
            if (transposeA && Vector128.IsHardwareAccelerated)
            {
                // Stored k×m (a weight gradient's xᵀ), a step's six values lie side by side: two overlapping
                // 4-float vectors (0-3 and 2-5) move them and test them, in place of six loads and stores
                // (the MLP's weight-gradient product, 784×100 over a batch of 200: 197-249 → 160-210 µs, old and
                // new alternating in one process).
                var magnitude = Vector128.Create(0x7FFF_FFFFu);
                for (int p = 0; p < kc; p++, src += stepStride)
                {
                    var lo = Vector128.Load(src);
                    var hi = Vector128.Load(src + 2);
                    uint* e = d + count * MR;
                    lo.Store(e);
                    hi.Store(e + 2);
                    kept[count] = p;
                    count += ((lo | hi) & magnitude) == Vector128<uint>.Zero ? 0 : 1;
                }
                return count;
            }
            int first = 0;
            if (!transposeA && Avx.IsSupported)
            {
                count = PackEightStepsAtATime(src, k, kc, d, kept, out first);
                src += first;
            }
            for (int p = first; p < kc; p++, src += stepStride)
            {
                uint v0 = src[0], v1 = src[rowStride], v2 = src[2 * rowStride], v3 = src[3 * rowStride], v4 = src[4 * rowStride], v5 = src[5 * rowStride];
                uint* e = d + count * MR;
                e[0] = v0; e[1] = v1; e[2] = v2; e[3] = v3; e[4] = v4; e[5] = v5;
                kept[count] = p;
                count += ((v0 | v1 | v2 | v3 | v4 | v5) & 0x7FFF_FFFF) != 0 ? 1 : 0;
            }
            return count;
        }
        for (int p = 0; p < kc; p++, src += stepStride)
        {
            uint bits = 0;
            uint* e = d + count * MR;
            for (int r = 0; r < MR; r++)
            {
                uint v = r < mr ? src[r * rowStride] : 0u;
                e[r] = v;
                bits |= v;
            }
            kept[count] = p;
            count += (bits & 0x7FFF_FFFF) != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>
    /// The first kc / 8 · 8 steps of a full 6-row panel of A stored m×k (rows k floats apart), eight steps
    /// at a time: six 8-float loads, one test of all eight steps, and an in-register transpose (AVX) whose
    /// eight results each hold a step's six values and two zeros. Each is stored whole where the next kept
    /// step goes, so its two zeros are overwritten by that step (the buffer has eight floats of slack), in
    /// place of six loads and six stores per step (the MLP's forward product, 200×100 over 784 on an MNIST
    /// batch, old and new alternating in one process: 241 → 212 and 222 → 195 µs). Returns how many steps were
    /// kept, and in <paramref name="packed"/> how many it went through (the caller packs the rest).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackEightStepsAtATime(uint* src, int k, int kc, uint* dst, int* kept, out int packed)
    {
        float* s = (float*)src, d = (float*)dst;
        var magnitude = Vector256.Create(0x7FFF_FFFFu).AsSingle();
        var zero = Vector256<float>.Zero;
        int count = 0, p = 0;
        for (; p + 8 <= kc; p += 8, s += 8)
        {
            var r0 = Avx.LoadVector256(s);
            var r1 = Avx.LoadVector256(s + k);
            var r2 = Avx.LoadVector256(s + 2 * k);
            var r3 = Avx.LoadVector256(s + 3 * k);
            var r4 = Avx.LoadVector256(s + 4 * k);
            var r5 = Avx.LoadVector256(s + 5 * k);
            // Bit j set when step p + j has a value other than ±0 (a NaN or subnormal counts as nonzero).
            var any = Avx.And(Avx.Or(Avx.Or(Avx.Or(r0, r1), Avx.Or(r2, r3)), Avx.Or(r4, r5)), magnitude);
            int nonzero = Avx.MoveMask(Avx.CompareNotEqual(any, zero));
            // t0 = [r0p0 r1p0 r0p1 r1p1 | r0p4 r1p4 r0p5 r1p5] and so on; then rows 0-3 and rows 4-5 of each
            // step side by side; then each step's two halves joined across the 128-bit lanes.
            var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
            var a0 = Avx.Shuffle(t0, t2, 0x44); var a1 = Avx.Shuffle(t0, t2, 0xEE);
            var a2 = Avx.Shuffle(t1, t3, 0x44); var a3 = Avx.Shuffle(t1, t3, 0xEE);
            var b0 = Avx.Shuffle(t4, zero, 0x44); var b1 = Avx.Shuffle(t4, zero, 0xEE);
            var b2 = Avx.Shuffle(t5, zero, 0x44); var b3 = Avx.Shuffle(t5, zero, 0xEE);
            count = PutStep(Avx.Permute2x128(a0, b0, 0x20), d, kept, count, p, nonzero);
            count = PutStep(Avx.Permute2x128(a1, b1, 0x20), d, kept, count, p + 1, nonzero >> 1);
            count = PutStep(Avx.Permute2x128(a2, b2, 0x20), d, kept, count, p + 2, nonzero >> 2);
            count = PutStep(Avx.Permute2x128(a3, b3, 0x20), d, kept, count, p + 3, nonzero >> 3);
            count = PutStep(Avx.Permute2x128(a0, b0, 0x31), d, kept, count, p + 4, nonzero >> 4);
            count = PutStep(Avx.Permute2x128(a1, b1, 0x31), d, kept, count, p + 5, nonzero >> 5);
            count = PutStep(Avx.Permute2x128(a2, b2, 0x31), d, kept, count, p + 6, nonzero >> 6);
            count = PutStep(Avx.Permute2x128(a3, b3, 0x31), d, kept, count, p + 7, nonzero >> 7);
        }
        packed = p;
        return count;
    }

    /// <summary>Stores one step's values (six and two zeros) where the next kept step goes; counts it if bit 0 of <paramref name="nonzero"/> says so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PutStep(Vector256<float> step, float* d, int* kept, int count, int p, int nonzero)
    {
        Avx.Store(d + count * MR, step);
        kept[count] = p;
        return count + (nonzero & 1);
    }

    /// <summary>The full micro-kernel over the kept steps only, in the widest accelerated width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptStepsKernel(int count, float* a, int* kept, float* b, long stepB, float* c, int ldc, bool add)
    {
        PrefetchTile(c, ldc);
        if (Vector512.IsHardwareAccelerated) KeptStepsKernel<Width512, Vector512<float>>(count, a, kept, b, stepB, c, ldc, add);
        else if (Vector256.IsHardwareAccelerated) KeptStepsKernel<Width256, Vector256<float>>(count, a, kept, b, stepB, c, ldc, add);
        else KeptStepsKernel<Width128, Vector128<float>>(count, a, kept, b, stepB, c, ldc, add);
    }

    /// <summary>
    /// A 6×NR tile of C (two vectors per row, twelve accumulators, as the dense micro-kernel) from a
    /// packed panel of A of <paramref name="count"/> steps and the rows of B they name (<paramref name="stepB"/> floats apart).
    /// Its accumulators take the steps in the order of the one-step loop it replaced, to the bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeptStepsKernel<TW, TV>(int count, float* a, int* kept, float* b, long stepB, float* c, int ldc, bool add)
        where TW : struct, IWidth<TV> where TV : struct
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Four steps a pass, as the dense kernel's (UnrolledKernel): A's offsets are constants in each load.
        int* end4 = kept + (count & ~3), end = kept + count;
        for (; kept < end4; kept += 4, a += 4 * MR)
        {
            long b0 = kept[0] * stepB, b1 = kept[1] * stepB, b2 = kept[2] * stepB, b3 = kept[3] * stepB;
            Step<TW, TV, PackedPanel>(0, a, a, a, a, a, a, b, b0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TW, TV, PackedPanel>(1, a, a, a, a, a, a, b, b1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TW, TV, PackedPanel>(2, a, a, a, a, a, a, b, b2, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TW, TV, PackedPanel>(3, a, a, a, a, a, a, b, b3, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; kept < end; kept++, a += MR)
        {
            long b0 = kept[0] * stepB;
            Step<TW, TV, PackedPanel>(0, a, a, a, a, a, a, b, b0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        PutTile<TW, TV>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>The half-width kernel (<see cref="HalfKernel"/>) over the kept steps only, into a tile of row stride NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptStepsHalfKernel(int count, float* a, int* kept, float* b, long stepB, float* c)
    {
        if (Vector512.IsHardwareAccelerated) KeptStepsHalfKernel<Width512, Vector512<float>>(count, a, kept, b, stepB, c);
        else if (Vector256.IsHardwareAccelerated) KeptStepsHalfKernel<Width256, Vector256<float>>(count, a, kept, b, stepB, c);
        else KeptStepsHalfKernel<Width128, Vector128<float>>(count, a, kept, b, stepB, c);
    }

    /// <summary>One vector per row; even and odd kept steps in separate accumulators to hide the multiply-add's latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeptStepsHalfKernel<TW, TV>(int count, float* a, int* kept, float* b, long stepB, float* c)
        where TW : struct, IWidth<TV> where TV : struct
    {
        TV e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default;
        TV o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default;
        int t = 0;
        for (; t + 1 < count; t += 2, a += 2 * MR)
        {
            TV be = TW.Load(b + kept[t] * stepB), bo = TW.Load(b + kept[t + 1] * stepB);
            e0 = TW.MultiplyAdd(TW.Broadcast(a[0]), be, e0); o0 = TW.MultiplyAdd(TW.Broadcast(a[MR]), bo, o0);
            e1 = TW.MultiplyAdd(TW.Broadcast(a[1]), be, e1); o1 = TW.MultiplyAdd(TW.Broadcast(a[MR + 1]), bo, o1);
            e2 = TW.MultiplyAdd(TW.Broadcast(a[2]), be, e2); o2 = TW.MultiplyAdd(TW.Broadcast(a[MR + 2]), bo, o2);
            e3 = TW.MultiplyAdd(TW.Broadcast(a[3]), be, e3); o3 = TW.MultiplyAdd(TW.Broadcast(a[MR + 3]), bo, o3);
            e4 = TW.MultiplyAdd(TW.Broadcast(a[4]), be, e4); o4 = TW.MultiplyAdd(TW.Broadcast(a[MR + 4]), bo, o4);
            e5 = TW.MultiplyAdd(TW.Broadcast(a[5]), be, e5); o5 = TW.MultiplyAdd(TW.Broadcast(a[MR + 5]), bo, o5);
        }
        if (t < count)
        {
            TV be = TW.Load(b + kept[t] * stepB);
            e0 = TW.MultiplyAdd(TW.Broadcast(a[0]), be, e0);
            e1 = TW.MultiplyAdd(TW.Broadcast(a[1]), be, e1);
            e2 = TW.MultiplyAdd(TW.Broadcast(a[2]), be, e2);
            e3 = TW.MultiplyAdd(TW.Broadcast(a[3]), be, e3);
            e4 = TW.MultiplyAdd(TW.Broadcast(a[4]), be, e4);
            e5 = TW.MultiplyAdd(TW.Broadcast(a[5]), be, e5);
        }
        TW.Store(TW.Add(e0, o0), c); TW.Store(TW.Add(e1, o1), c + NR); TW.Store(TW.Add(e2, o2), c + 2 * NR);
        TW.Store(TW.Add(e3, o3), c + 3 * NR); TW.Store(TW.Add(e4, o4), c + 4 * NR); TW.Store(TW.Add(e5, o5), c + 5 * NR);
    }
}
