using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The blocked product for an A that is mostly zeros, as a first dense layer's input is when it is raw
/// pixels: four in five of MNIST's are 0, and the border of every digit is 0 in every image. For each
/// 6-row panel of A the positions of its depth steps with a value other than ±0 are listed, and the
/// micro-kernel multiplies those steps only, reading A's six values where A lies and B's row at each
/// position. A step skipped would have added six products 0·B[p,j] to sums that stay the same, so the
/// result is the dense product's to the bit, but in a half-width last panel (whose even and odd steps are
/// summed apart, so which steps are even changes), for the sign of a zero sum, and for an infinity or NaN
/// in B (which 0·B would have spread). The course MLP's two 784×100 products keep 44% and 34% of their steps.
/// Until 2026-12-04 each panel's kept steps were copied into a packed panel first; listing them only, the
/// products ran 1.06x-1.10x as fast (forward and weight gradient, on one core and on two, real MNIST
/// batches, old and new alternating in one process).
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
    /// 12% of the time (0.7⁶), too rarely to repay listing the kept steps and reading B's rows by them.
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
    /// <see cref="RowBlock"/> for a mostly-zero A: for each 6-row panel of A the positions of its depth steps
    /// that are not all zero are listed, and every tile of the block multiplies only those steps. A partial last
    /// panel of B is read from <paramref name="edgePanel"/> when given, else from its place in <paramref name="bp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlockSkippingZeros(int ic, int mc, int m, int k, int n, float* a, bool transposeA, int pc, int kc,
        int jc, int nc, float* bp, float* bInPlace, float* c, bool add, int panelsB, float* edgePanel = null)
    {
        int panelsA = (mc + MR - 1) / MR;
        // Only a partial panel (the last of A's rows, at most one per block) is copied.
        var packA = Rent(ref _packA, MR * kc);
        var steps = Rent(ref _steps, panelsA * kc);
        var counts = Rent(ref _stepCounts, panelsA);
        var tile = Rent(ref _tile, MR * NR);
        fixed (float* ap = packA, tp = tile)
        fixed (int* sp = steps, cp = counts)
        {
            for (int ip = 0; ip < panelsA; ip++)
            {
                int i = ip * MR, mr = Math.Min(MR, mc - i);
                cp[ip] = mr == MR ? FindKeptSteps(a, transposeA, m, k, ic + i, pc, kc, sp + (long)ip * kc)
                    : PackPartialPanel(a, transposeA, m, k, ic + i, mr, pc, kc, ap, sp + (long)ip * kc);
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
                    int* kept = sp + (long)ip * kc;
                    float* cTile = c + (long)(ic + i) * n + jc + j;
                    // A whole panel is read where A lies (row 0 at depth step pc: stored m×k its rows are k floats
                    // apart, stored k×m its steps m); a partial one from its copy, whose steps lie MR floats apart
                    // with their values side by side, as a panel of A stored k×m does. Its tile goes through the
                    // buffer, whose rows past A's are dropped.
                    bool whole = mr == MR, columns = !whole || transposeA;
                    float* aPanel = !whole ? ap : transposeA ? a + (long)pc * m + ic + i : a + (long)(ic + i) * k + pc;
                    long ld = !whole ? MR : transposeA ? m : k;
                    if (whole && nr == NR)
                    {
                        KeptStepsKernel(cp[ip], aPanel, columns, ld, kept, bPanel, stepB, cTile, n, add);
                        continue;
                    }
                    if (nr <= NR / 2) KeptStepsHalfKernel(cp[ip], aPanel, columns, ld, kept, bPanel, stepB, tp);
                    else if (!whole) KeptStepsEdge(mr, cp[ip], aPanel, ld, kept, bPanel, stepB, tp);
                    else KeptStepsKernel(cp[ip], aPanel, columns, ld, kept, bPanel, stepB, tp, NR, false);
                    PutEdgeTile(tp, cTile, mr, nr, n, add);
                }
            }
        }
    }

    /// <summary>
    /// The depth steps (p, from pc) of the full panel of rows [row, row + MR) of A over depth [pc, pc + kc)
    /// that hold a value other than ±0, written in order to <paramref name="kept"/>; returns how many. The
    /// kernels then read the panel where A lies, at those steps only. Until this was written every panel was
    /// packed (its kept steps' values copied; <see cref="PackPartialPanel"/> still copies a partial one,
    /// every step), and the copying took a quarter of the MLP's forward product and a third of its weight
    /// gradient on one core (a profile of the two products alone, 200×100×784 and 784×100×200, on an MNIST batch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FindKeptSteps(float* a, bool transposeA, int m, int k, int row, int pc, int kc, int* kept)
    {
        int count = 0;
        if (transposeA)
        {
            // Stored k×m (a weight gradient's xᵀ), a step's six values lie side by side: two overlapping
            // 4-float vectors (0-3 and 2-5) test them. Every step is written where the next kept one goes
            // and counted only if kept, so there is no branch to mispredict.
            uint* step = (uint*)a + (long)pc * m + row;
            if (Vector128.IsHardwareAccelerated)
            {
                var magnitude = Vector128.Create(0x7FFF_FFFFu);
                for (int p = 0; p < kc; p++, step += m)
                {
                    kept[count] = p;
                    count += ((Vector128.Load(step) | Vector128.Load(step + 2)) & magnitude) == Vector128<uint>.Zero ? 0 : 1;
                }
                return count;
            }
            for (int p = 0; p < kc; p++, step += m)
            {
                kept[count] = p;
                count += ((step[0] | step[1] | step[2] | step[3] | step[4] | step[5]) & 0x7FFF_FFFF) != 0 ? 1 : 0;
            }
            return count;
        }
        // Stored m×k, the six rows are k floats apart and each row's steps adjacent: eight steps are tested at
        // once, and a group of eight all-zero steps (the border of every digit) is passed over whole.
        uint* r0 = (uint*)a + (long)row * k + pc, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k, r4 = r3 + k, r5 = r4 + k;
        int q = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            // Sixteen steps at once, the kept ones packed to the front of a vector of step numbers (vpcompressd)
            // and stored whole: the next kept steps are written over the rest, and no more than q steps are
            // kept before step q, so the store stays within the list. One store for sixteen steps, where
            // PutKeptSteps stores each of eight: the MLP's forward product ran 1.07x-1.09x as fast on one core
            // and 1.08x-1.10x on two (real MNIST batches, old and new builds in turns), the same steps.
            var magnitude = Vector512.Create(0x7FFF_FFFFu);
            var numbers = Vector512<int>.Indices;
            for (; q + 16 <= kc; q += 16)
            {
                var any = (Vector512.Load(r0 + q) | Vector512.Load(r1 + q) | Vector512.Load(r2 + q) | Vector512.Load(r3 + q) | Vector512.Load(r4 + q) | Vector512.Load(r5 + q)) & magnitude;
                var nonzero = Vector512.GreaterThan(any.AsInt32(), Vector512<int>.Zero);
                uint bits = (uint)nonzero.ExtractMostSignificantBits();
                if (bits == 0) continue;
                Avx512F.Compress(Vector512<int>.Zero, nonzero, numbers + Vector512.Create(q)).Store(kept + count);
                count += BitOperations.PopCount(bits);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitude = Vector256.Create(0x7FFF_FFFFu);
            for (; q + 8 <= kc; q += 8)
            {
                var any = (Vector256.Load(r0 + q) | Vector256.Load(r1 + q) | Vector256.Load(r2 + q) | Vector256.Load(r3 + q) | Vector256.Load(r4 + q) | Vector256.Load(r5 + q)) & magnitude;
                uint zero = Vector256.Equals(any, Vector256<uint>.Zero).ExtractMostSignificantBits();
                if (zero != 0xFF) count = PutKeptSteps(~zero, q, 8, kept, count);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var magnitude = Vector128.Create(0x7FFF_FFFFu);
            for (; q + 4 <= kc; q += 4)
            {
                var any = (Vector128.Load(r0 + q) | Vector128.Load(r1 + q) | Vector128.Load(r2 + q) | Vector128.Load(r3 + q) | Vector128.Load(r4 + q) | Vector128.Load(r5 + q)) & magnitude;
                uint zero = Vector128.Equals(any, Vector128<uint>.Zero).ExtractMostSignificantBits();
                if (zero != 0xF) count = PutKeptSteps(~zero, q, 4, kept, count);
            }
        }
        for (; q < kc; q++)
        {
            kept[count] = q;
            count += ((r0[q] | r1[q] | r2[q] | r3[q] | r4[q] | r5[q]) & 0x7FFF_FFFF) != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>Writes steps first..first+width whose bit is set in <paramref name="nonzero"/> after the <paramref name="count"/> kept so far, without a branch per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PutKeptSteps(uint nonzero, int first, int width, int* kept, int count)
    {
        for (int j = 0; j < width; j++)
        {
            kept[count] = first + j;
            count += (int)(nonzero >> j) & 1;
        }
        return count;
    }

    /// <summary>
    /// For a partial panel (A's last rows, mr &lt; MR), which read in place would run past A: copies rows
    /// [row, row + mr) of A over depth [pc, pc + kc), MR floats a step (zeros below mr), every step at p·MR,
    /// and writes the depth step (p, from pc) of each step whose values are not all zero; returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackPartialPanel(float* a, bool transposeA, int m, int k, int row, int mr, int pc, int kc, float* dst, int* kept)
    {
        // Where A is stored m×k a panel's rows are k floats apart and its steps adjacent; stored k×m, the reverse.
        long rowStride = transposeA ? 1 : k, stepStride = transposeA ? m : 1;
        // The values are moved as their bits: a step is all zero (either sign) when its bits, sign bits
        // aside, are all clear. Every step is written where the next kept one goes and counted only if kept.
        uint* src = (uint*)a + (transposeA ? (long)pc * m + row : (long)row * k + pc);
        uint* d = (uint*)dst;
        int count = 0;
        for (int p = 0; p < kc; p++, src += stepStride, d += MR)
        {
            uint bits = 0;
            for (int r = 0; r < MR; r++)
            {
                uint v = r < mr ? src[r * rowStride] : 0u;
                d[r] = v;
                bits |= v;
            }
            kept[count] = p;
            count += (bits & 0x7FFF_FFFF) != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>
    /// A 6×NR tile of C (two vectors per row, twelve accumulators, as the dense micro-kernel) over the
    /// <paramref name="count"/> kept steps of a panel of A (<paramref name="a"/>: row 0 at the panel's first depth
    /// step) and the rows of B they name (<paramref name="stepB"/> floats apart), in the widest accelerated width.
    /// A panel of rows (<paramref name="columns"/> false) has its rows <paramref name="ld"/> floats apart; a panel
    /// of columns has each step's six values side by side, its steps <paramref name="ld"/> apart. Each
    /// accumulator takes the kept steps in order, as the dense product's one-step loop does: the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptStepsKernel(int count, float* a, bool columns, long ld, int* kept, float* b, long stepB, float* c, int ldc, bool add) =>
        KeptStepsKernel<Rows6>(count, a, columns, ld, kept, b, stepB, c, ldc, add);

    /// <summary><see cref="KeptStepsKernel(int, float*, bool, long, int*, float*, long, float*, int, bool)"/> for the first <typeparamref name="TR"/>'s count of the panel's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptStepsKernel<TR>(int count, float* a, bool columns, long ld, int* kept, float* b, long stepB, float* c, int ldc, bool add)
        where TR : struct, ITileRows
    {
        PrefetchTile(c, ldc);
        if (columns)
        {
            if (Vector512.IsHardwareAccelerated) KeptStepsInPlace<Width512, Vector512<float>, ColumnPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
            else if (Vector256.IsHardwareAccelerated) KeptStepsInPlace<Width256, Vector256<float>, ColumnPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
            else KeptStepsInPlace<Width128, Vector128<float>, ColumnPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
        }
        else if (Vector512.IsHardwareAccelerated) KeptStepsInPlace<Width512, Vector512<float>, RowPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
        else if (Vector256.IsHardwareAccelerated) KeptStepsInPlace<Width256, Vector256<float>, RowPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
        else KeptStepsInPlace<Width128, Vector128<float>, RowPanel, TR>(count, a, ld, kept, b, stepB, c, ldc, add);
    }

    /// <summary>
    /// The first <paramref name="rows"/> (1 to 5) rows of a tile into <paramref name="c"/> (row stride NR), from a
    /// partial panel's copy (each step's values side by side, <paramref name="ld"/> apart): the kernel compiled for
    /// that many rows, as <see cref="EdgeRows(int, int, float*, float*, long, float*)"/> for the dense product.
    /// </summary>
    private static void KeptStepsEdge(int rows, int count, float* a, long ld, int* kept, float* b, long stepB, float* c)
    {
        if (rows == 1) KeptStepsKernel<Rows1>(count, a, true, ld, kept, b, stepB, c, NR, false);
        else if (rows == 2) KeptStepsKernel<Rows2>(count, a, true, ld, kept, b, stepB, c, NR, false);
        else if (rows == 3) KeptStepsKernel<Rows3>(count, a, true, ld, kept, b, stepB, c, NR, false);
        else if (rows == 4) KeptStepsKernel<Rows4>(count, a, true, ld, kept, b, stepB, c, NR, false);
        else KeptStepsKernel<Rows5>(count, a, true, ld, kept, b, stepB, c, NR, false);
    }

    /// <summary>The twelve accumulators of <see cref="KeptStepsKernel"/>, four kept steps a pass (<see cref="InPlaceStep"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeptStepsInPlace<TW, TV, TA, TR>(int count, float* a, long ld, int* kept, float* b, long stepB, float* c, int ldc, bool add)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout where TR : struct, ITileRows
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // A pointer per row of a panel of rows (the JIT drops them for a panel of columns).
        float* a1 = a + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld;
        int* end4 = kept + (count & ~3), end = kept + count;
        for (; kept < end4; kept += 4)
        {
            InPlaceStep<TW, TV, TA, TR>(kept[0], a, a1, a2, a3, a4, a5, ld, b, stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            InPlaceStep<TW, TV, TA, TR>(kept[1], a, a1, a2, a3, a4, a5, ld, b, stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            InPlaceStep<TW, TV, TA, TR>(kept[2], a, a1, a2, a3, a4, a5, ld, b, stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            InPlaceStep<TW, TV, TA, TR>(kept[3], a, a1, a2, a3, a4, a5, ld, b, stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; kept < end; kept++)
            InPlaceStep<TW, TV, TA, TR>(kept[0], a, a1, a2, a3, a4, a5, ld, b, stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        PutRows<TW, TV, TR>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>
    /// Depth step <paramref name="p"/> of a panel (where A lies, or a partial panel's copy) through the dense
    /// kernels' <see cref="Step"/>: a panel of rows reads row r at a_r[p]; a panel of columns has the step's
    /// six values side by side at p·ld, which Step reads as a packed panel's step 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InPlaceStep<TW, TV, TA, TR>(long p, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long ld, float* b, long stepB,
        ref TV c00, ref TV c01, ref TV c10, ref TV c11, ref TV c20, ref TV c21, ref TV c30, ref TV c31, ref TV c40, ref TV c41, ref TV c50, ref TV c51)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout where TR : struct, ITileRows
    {
        if (TA.Kind == PanelKind.Rows)
            Step<TW, TV, RowPanel, TR>((int)p, a0, a1, a2, a3, a4, a5, b, p * stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        else
        {
            float* q = a0 + p * ld;
            Step<TW, TV, PackedPanel, TR>(0, q, q, q, q, q, q, b, p * stepB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
    }

    /// <summary>The half-width kernel (<see cref="HalfKernel"/>) over the kept steps of a panel laid out as <see cref="KeptStepsKernel"/>'s, into a tile of row stride NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptStepsHalfKernel(int count, float* a, bool columns, long ld, int* kept, float* b, long stepB, float* c)
    {
        if (columns)
        {
            if (Vector512.IsHardwareAccelerated) KeptStepsHalfInPlace<Width512, Vector512<float>, ColumnPanel>(count, a, ld, kept, b, stepB, c);
            else if (Vector256.IsHardwareAccelerated) KeptStepsHalfInPlace<Width256, Vector256<float>, ColumnPanel>(count, a, ld, kept, b, stepB, c);
            else KeptStepsHalfInPlace<Width128, Vector128<float>, ColumnPanel>(count, a, ld, kept, b, stepB, c);
        }
        else if (Vector512.IsHardwareAccelerated) KeptStepsHalfInPlace<Width512, Vector512<float>, RowPanel>(count, a, ld, kept, b, stepB, c);
        else if (Vector256.IsHardwareAccelerated) KeptStepsHalfInPlace<Width256, Vector256<float>, RowPanel>(count, a, ld, kept, b, stepB, c);
        else KeptStepsHalfInPlace<Width128, Vector128<float>, RowPanel>(count, a, ld, kept, b, stepB, c);
    }

    /// <summary>One vector per row; even and odd kept steps in separate accumulators to hide the multiply-add's latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeptStepsHalfInPlace<TW, TV, TA>(int count, float* a, long ld, int* kept, float* b, long stepB, float* c)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout
    {
        TV e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default;
        TV o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default;
        float* a1 = a + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld;
        int t = 0;
        for (; t + 1 < count; t += 2)
        {
            KeptHalfStep<TW, TV, TA>(kept[t], a, a1, a2, a3, a4, a5, ld, b, stepB, ref e0, ref e1, ref e2, ref e3, ref e4, ref e5);
            KeptHalfStep<TW, TV, TA>(kept[t + 1], a, a1, a2, a3, a4, a5, ld, b, stepB, ref o0, ref o1, ref o2, ref o3, ref o4, ref o5);
        }
        if (t < count) KeptHalfStep<TW, TV, TA>(kept[t], a, a1, a2, a3, a4, a5, ld, b, stepB, ref e0, ref e1, ref e2, ref e3, ref e4, ref e5);
        PutHalfTile<TW, TV>(c, e0, e1, e2, e3, e4, e5, o0, o1, o2, o3, o4, o5);
    }

    /// <summary>
    /// Kept step <paramref name="p"/> of a panel where A lies through the dense kernel's <see cref="HalfStep"/>:
    /// a panel of rows reads row r at a_r[p]; a panel of columns has the step's six values side by side at p·ld.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeptHalfStep<TW, TV, TA>(long p, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long ld, float* b, long stepB,
        ref TV s0, ref TV s1, ref TV s2, ref TV s3, ref TV s4, ref TV s5)
        where TW : struct, IWidth<TV> where TV : struct where TA : struct, IPanelLayout
    {
        var bv = TW.Load(b + p * stepB);
        if (TA.Kind == PanelKind.Rows) HalfStep<TW, TV>(p, a0, a1, a2, a3, a4, a5, bv, ref s0, ref s1, ref s2, ref s3, ref s4, ref s5);
        else
        {
            float* q = a0 + p * ld;
            HalfStep<TW, TV>(0, q, q + 1, q + 2, q + 3, q + 4, q + 5, bv, ref s0, ref s1, ref s2, ref s3, ref s4, ref s5);
        }
    }
}
