using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The two shapes the blocked algorithm serves badly, both from convolutions as im2col products: a tiny
/// depth (each row of C from at most 16 rows of B) and a small result (at most 16 rows of C, summed over
/// thousands of steps). Each keeps a row of C in registers, up to <see cref="SmallColumns"/> floats: four
/// 512-bit vectors or eight of 256 or 128 bits; two rows at a time when a row is four vectors or fewer,
/// and in the small-depth product four at a time when it is one or two.
/// Written once over the vector operations of a width struct, as the micro-kernel is; each accumulator
/// takes its steps in the same order at every width and however the rows are grouped.
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>
    /// C[i,:] (+)= Σ_p A[i,p]·B[p,:] for k ≤ 16 and n ≤ 64: B (at most 16×64 floats) stays in L1, each
    /// row of C is built in up to four 512-bit (or eight 256- or 128-bit) accumulators and written once
    /// (two rows together when each needs four or fewer, four when each needs one or two).
    /// </summary>
    private static void SmallDepth(int m, int n, int k, float* a, bool transposeA, float* b, float* c, bool accumulate, bool parallel)
    {
        // B padded to whole vectors so the loop needs no masks; the padding columns are never stored.
        int vectors = (n + Lanes - 1) / Lanes, stride = vectors * Lanes;
        var padded = Rent(ref _small, k * stride);
        fixed (float* bp = padded)
        {
            for (int p = 0; p < k; p++)
                for (int j = 0; j < stride; j++) bp[p * stride + j] = j < n ? b[(long)p * n + j] : 0f;
            float* B = bp;
            if (parallel) Split(m, 1, new SmallDepthBand(m, n, k, a, transposeA, B, vectors, c, accumulate));
            else SmallDepthRows(0, m, m, n, k, a, transposeA, B, vectors, c, accumulate);
        }
    }

    /// <summary>Rows [from, to) of the small-depth product.</summary>
    private readonly struct SmallDepthBand(int m, int n, int k, float* a, bool transposeA, float* b, int vectors, float* c, bool accumulate) : IRangeBody
    {
        public void Run(int from, int to) => SmallDepthRows(from, to, m, n, k, a, transposeA, b, vectors, c, accumulate);
    }

    private static void SmallDepthRows(int from, int to, int m, int n, int k, float* a, bool transposeA, float* b, int vectors, float* c, bool accumulate)
    {
        if (vectors <= 2 && to - from >= 4)
        {
            // Rows of one or two vectors four at a time, all but the last few.
            int fours = from + (to - from) / 4 * 4;
            if (Vector512.IsHardwareAccelerated) SmallDepthFours<Width512, Vector512<float>>(from, fours, m, n, k, a, transposeA, b, vectors, c, accumulate);
            else if (Vector256.IsHardwareAccelerated) SmallDepthFours<Width256, Vector256<float>>(from, fours, m, n, k, a, transposeA, b, vectors, c, accumulate);
            else SmallDepthFours<Width128, Vector128<float>>(from, fours, m, n, k, a, transposeA, b, vectors, c, accumulate);
            from = fours;
        }
        if (Vector512.IsHardwareAccelerated) SmallDepthRows<Width512, Vector512<float>>(from, to, m, n, k, a, transposeA, b, vectors, c, accumulate);
        else if (Vector256.IsHardwareAccelerated) SmallDepthRows<Width256, Vector256<float>>(from, to, m, n, k, a, transposeA, b, vectors, c, accumulate);
        else SmallDepthRows<Width128, Vector128<float>>(from, to, m, n, k, a, transposeA, b, vectors, c, accumulate);
    }

    /// <summary>
    /// Rows [from, to) of the small-depth product in <typeparamref name="TW"/>'s vectors, from B padded to
    /// <paramref name="vectors"/> whole vectors a row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallDepthRows<TW, TV>(int from, int to, int m, int n, int k, float* a, bool transposeA, float* b, int vectors, float* c, bool accumulate)
        where TW : struct, IWidth<TV> where TV : struct
    {
        int stride = vectors * TW.Lanes;
        float* r = stackalloc float[64];
        var (row, step) = Steps(m, k, transposeA);
        int whole = WholeRows(n, stride, from, to, accumulate);
        for (int i = from; i < to; i++)
        {
            TV c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            float* ap = a + i * row, bp = b;
            if (vectors <= 4 && i + 1 < to)
            {
                // Two rows at a time. A row of 4 vectors or fewer alone is 4 chains of k dependent
                // multiply-adds or fewer, too few to hide their latency (500×28×9: 14 µs at 256 bits,
                // against 12 at 128 bits with 7 chains); each row's sums are the same either way.
                for (int p = 0; p < k; p++, ap += step, bp += stride)
                    PairStep<TW, TV>(TW.Broadcast(ap[0]), TW.Broadcast(ap[row]), bp, vectors, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                PutRow<TW, TV>(c + (long)i * n, n, vectors, r, accumulate, i + 1 < whole, c0, c1, c2, c3, default, default, default, default);
                PutRow<TW, TV>(c + (long)(i + 1) * n, n, vectors, r, accumulate, i + 1 < whole, c4, c5, c6, c7, default, default, default, default);
                i++;
                continue;
            }
            for (int p = 0; p < k; p++, ap += step, bp += stride)
                RowStep<TW, TV>(TW.Broadcast(*ap), bp, vectors, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            PutRow<TW, TV>(c + (long)i * n, n, vectors, r, accumulate, i < whole, c0, c1, c2, c3, c4, c5, c6, c7);
        }
    }

    /// <summary>
    /// Rows [from, to) of the small-depth product, a multiple of four rows of one or two vectors each, four
    /// rows at a time: 4 or 8 chains of multiply-adds instead of 2 or 4 in a pair, each vector of B loaded
    /// once for the four. A method of its own, called apart from the rows' loop: inside that loop, or even
    /// called from its start, it made the JIT compile the loop worse for the rows it does not take (0.82x
    /// to 0.93x at 256 bits, 0.89x to 0.91x at 128).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SmallDepthFours<TW, TV>(int from, int to, int m, int n, int k, float* a, bool transposeA, float* b, int vectors, float* c, bool accumulate)
        where TW : struct, IWidth<TV> where TV : struct
    {
        int stride = vectors * TW.Lanes;
        float* r = stackalloc float[64];
        var (row, step) = Steps(m, k, transposeA);
        long row2 = 2 * row, row3 = 3 * row;
        int whole = WholeRows(n, stride, from, to, accumulate);
        for (int i = from; i < to; i += 4)
        {
            TV c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            float* ap = a + i * row, bp = b;
            for (int p = 0; p < k; p++, ap += step, bp += stride)
            {
                var x0 = TW.Broadcast(ap[0]);
                var x1 = TW.Broadcast(ap[row]);
                var x2 = TW.Broadcast(ap[row2]);
                var x3 = TW.Broadcast(ap[row3]);
                var b0 = TW.Load(bp);
                c0 = TW.MultiplyAdd(x0, b0, c0); c2 = TW.MultiplyAdd(x1, b0, c2); c4 = TW.MultiplyAdd(x2, b0, c4); c6 = TW.MultiplyAdd(x3, b0, c6);
                if (vectors > 1)
                {
                    var b1 = TW.Load(bp + TW.Lanes);
                    c1 = TW.MultiplyAdd(x0, b1, c1); c3 = TW.MultiplyAdd(x1, b1, c3); c5 = TW.MultiplyAdd(x2, b1, c5); c7 = TW.MultiplyAdd(x3, b1, c7);
                }
            }
            bool whole4 = i + 3 < whole;   // and so are the three rows before it
            PutRow<TW, TV>(c + (long)i * n, n, vectors, r, accumulate, whole4, c0, c1, default, default, default, default, default, default);
            PutRow<TW, TV>(c + (long)(i + 1) * n, n, vectors, r, accumulate, whole4, c2, c3, default, default, default, default, default, default);
            PutRow<TW, TV>(c + (long)(i + 2) * n, n, vectors, r, accumulate, whole4, c4, c5, default, default, default, default, default, default);
            PutRow<TW, TV>(c + (long)(i + 3) * n, n, vectors, r, accumulate, whole4, c6, c7, default, default, default, default, default, default);
        }
    }

    /// <summary>
    /// The rows of C, from <paramref name="from"/> up to the one returned, that are written as whole vectors
    /// (<paramref name="stride"/> floats a row): all of them when <paramref name="n"/> is a whole number of
    /// vectors. Otherwise a whole-vector row runs into the next rows, which is allowed when C is overwritten,
    /// not added to, and what lands past the row falls in rows this loop writes after it, below
    /// <paramref name="to"/>: never past the band's last row, which may be another core's next row, or C's end.
    /// </summary>
    private static int WholeRows(int n, int stride, int from, int to, bool accumulate)
    {
        if (stride == n) return to;
        long room = (long)to * n - stride;   // where the last row that may run over can start, at most
        return accumulate || room < 0 ? from : Math.Max(from, (int)(room / n) + 1);
    }

    /// <summary>
    /// A row of C (n floats at <paramref name="ci"/>) from its first <paramref name="vectors"/> accumulators:
    /// whole vectors straight into C when <paramref name="whole"/> (see <see cref="WholeRows"/>), else
    /// through <paramref name="r"/> (64 floats) and its tail in smaller pieces. Rows of 28 floats all through
    /// <paramref name="r"/> made 21632×28×9 take half as long again as 21632×32×9 at 512 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutRow<TW, TV>(float* ci, int n, int vectors, float* r, bool accumulate, bool whole, TV c0, TV c1, TV c2, TV c3, TV c4, TV c5, TV c6, TV c7)
        where TW : struct, IWidth<TV> where TV : struct
    {
        // The most accumulators a row needs (4 of 16 floats, 8 of 8 or of 4) is a JIT-time constant, so
        // the tests of the unused ones are not compiled in.
        int lanes = TW.Lanes, most = RowVectors<TW, TV>();
        if (whole)
        {
            PutVector<TW, TV>(ci, c0, accumulate);
            if (vectors > 1) PutVector<TW, TV>(ci + 1 * lanes, c1, accumulate);
            if (vectors > 2) PutVector<TW, TV>(ci + 2 * lanes, c2, accumulate);
            if (vectors > 3) PutVector<TW, TV>(ci + 3 * lanes, c3, accumulate);
            if (most > 4 && vectors > 4) PutVector<TW, TV>(ci + 4 * lanes, c4, accumulate);
            if (most > 4 && vectors > 5) PutVector<TW, TV>(ci + 5 * lanes, c5, accumulate);
            if (most > 4 && vectors > 6) PutVector<TW, TV>(ci + 6 * lanes, c6, accumulate);
            if (most > 4 && vectors > 7) PutVector<TW, TV>(ci + 7 * lanes, c7, accumulate);
            return;
        }
        TW.Store(c0, r); TW.Store(c1, r + 1 * lanes); TW.Store(c2, r + 2 * lanes); TW.Store(c3, r + 3 * lanes);
        if (most > 4) { TW.Store(c4, r + 4 * lanes); TW.Store(c5, r + 5 * lanes); TW.Store(c6, r + 6 * lanes); TW.Store(c7, r + 7 * lanes); }
        CopyRow<TW, TV>(ci, r, n, accumulate);
    }

    /// <summary>
    /// C (m ≤ 16, n ≤ 64) (+)= Σ_p A[:,p] ⊗ B[p,:] over a long depth (a convolution's kernel gradient):
    /// a row of C at a time (two when each is four vectors or fewer), held in registers, streaming through
    /// B; the rows are shared by the cores.
    /// </summary>
    private static void SmallResult(int m, int n, int k, float* a, bool transposeA, float* b, float* c, bool accumulate, bool parallel)
    {
        if (parallel && m >= 2) Split(m, 1, new SmallResultBand(m, n, k, a, transposeA, b, c, accumulate));
        else SmallResultRows(0, m, m, n, k, a, transposeA, b, c, accumulate);
    }

    /// <summary>Rows [from, to) of the small-result product.</summary>
    private readonly struct SmallResultBand(int m, int n, int k, float* a, bool transposeA, float* b, float* c, bool accumulate) : IRangeBody
    {
        public void Run(int from, int to) => SmallResultRows(from, to, m, n, k, a, transposeA, b, c, accumulate);
    }

    private static void SmallResultRows(int from, int to, int m, int n, int k, float* a, bool transposeA, float* b, float* c, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated) SmallResultRows<Width512, Vector512<float>>(from, to, m, n, k, a, transposeA, b, c, accumulate);
        else if (Vector256.IsHardwareAccelerated) SmallResultRows<Width256, Vector256<float>>(from, to, m, n, k, a, transposeA, b, c, accumulate);
        else SmallResultRows<Width128, Vector128<float>>(from, to, m, n, k, a, transposeA, b, c, accumulate);
    }

    /// <summary>Rows [from, to) of the small-result product in <typeparamref name="TW"/>'s vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallResultRows<TW, TV>(int from, int to, int m, int n, int k, float* a, bool transposeA, float* b, float* c, bool accumulate)
        where TW : struct, IWidth<TV> where TV : struct
    {
        int lanes = TW.Lanes, most = RowVectors<TW, TV>(), width = most * lanes, vectors = (n + lanes - 1) / lanes;
        // The depth is walked in blocks of B small enough to stay in L1 while every row of C passes over
        // them; each row's accumulators live in registers within a block and in a small buffer between.
        const int Block = 64;
        float* acc = stackalloc float[16 * 64];
        float* padded = stackalloc float[Block * 64];
        new Span<float>(acc, 16 * width).Clear();
        // Whole-vector loads of a row of B read a little of the next row (those lanes are discarded);
        // the last rows, where that would run past the end of B, are read from a padded copy.
        int safe = k - (vectors * lanes - n + n - 1) / n;
        var (row, step) = Steps(m, k, transposeA);
        for (int p0 = 0; p0 < k; p0 += Block)
        {
            int p1 = Math.Min(k, p0 + Block);
            float* block = b + (long)p0 * n;
            long stride = n;
            if (p1 > safe)
            {
                // The block reaches the end of B: copy it into whole-vector rows.
                new Span<float>(padded, Block * width).Clear();
                for (int p = p0; p < p1; p++) new ReadOnlySpan<float>(b + (long)p * n, n).CopyTo(new Span<float>(padded + (p - p0) * width, n));
                block = padded;
                stride = width;
            }
            for (int i = from; i < to; i++)
            {
                float* ai = acc + (i - from) * width;
                if (vectors <= 4 && i + 1 < to)
                {
                    // Two rows at a time, as in the small-depth product: twice the chains, each row of B
                    // loaded once for both. The next row's sums lie width floats further.
                    float* aj = ai + width;
                    TV d0 = TW.Load(ai), d1 = TW.Load(ai + 1 * lanes), d2 = TW.Load(ai + 2 * lanes), d3 = TW.Load(ai + 3 * lanes);
                    TV e0 = TW.Load(aj), e1 = TW.Load(aj + 1 * lanes), e2 = TW.Load(aj + 2 * lanes), e3 = TW.Load(aj + 3 * lanes);
                    float* bq = block, aq = a + i * row + p0 * step;
                    for (int p = p0; p < p1; p++, aq += step, bq += stride)
                        PairStep<TW, TV>(TW.Broadcast(aq[0]), TW.Broadcast(aq[row]), bq, vectors, ref d0, ref d1, ref d2, ref d3, ref e0, ref e1, ref e2, ref e3);
                    TW.Store(d0, ai); TW.Store(d1, ai + 1 * lanes); TW.Store(d2, ai + 2 * lanes); TW.Store(d3, ai + 3 * lanes);
                    TW.Store(e0, aj); TW.Store(e1, aj + 1 * lanes); TW.Store(e2, aj + 2 * lanes); TW.Store(e3, aj + 3 * lanes);
                    i++;
                    continue;
                }
                TV c0 = TW.Load(ai), c1 = TW.Load(ai + 1 * lanes), c2 = TW.Load(ai + 2 * lanes), c3 = TW.Load(ai + 3 * lanes);
                TV c4 = default, c5 = default, c6 = default, c7 = default;
                if (most > 4) { c4 = TW.Load(ai + 4 * lanes); c5 = TW.Load(ai + 5 * lanes); c6 = TW.Load(ai + 6 * lanes); c7 = TW.Load(ai + 7 * lanes); }
                float* bp = block, ap = a + i * row + p0 * step;
                for (int p = p0; p < p1; p++, ap += step, bp += stride)
                    RowStep<TW, TV>(TW.Broadcast(*ap), bp, vectors, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                TW.Store(c0, ai); TW.Store(c1, ai + 1 * lanes); TW.Store(c2, ai + 2 * lanes); TW.Store(c3, ai + 3 * lanes);
                if (most > 4) { TW.Store(c4, ai + 4 * lanes); TW.Store(c5, ai + 5 * lanes); TW.Store(c6, ai + 6 * lanes); TW.Store(c7, ai + 7 * lanes); }
            }
        }
        for (int i = from; i < to; i++) CopyRow<TW, TV>(c + (long)i * n, acc + (i - from) * width, n, accumulate);
    }

    /// <summary>
    /// One depth step of a row of C: <paramref name="x"/> (a value of A, broadcast) times the first
    /// <paramref name="vectors"/> vectors of B's row at <paramref name="bp"/>, into the row's accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowStep<TW, TV>(TV x, float* bp, int vectors,
        ref TV c0, ref TV c1, ref TV c2, ref TV c3, ref TV c4, ref TV c5, ref TV c6, ref TV c7) where TW : struct, IWidth<TV> where TV : struct
    {
        int lanes = TW.Lanes;
        bool eight = RowVectors<TW, TV>() > 4;   // a JIT-time constant: with 4 at most, the last four tests are not compiled in
        c0 = TW.MultiplyAdd(x, TW.Load(bp), c0);
        if (vectors > 1) c1 = TW.MultiplyAdd(x, TW.Load(bp + 1 * lanes), c1);
        if (vectors > 2) c2 = TW.MultiplyAdd(x, TW.Load(bp + 2 * lanes), c2);
        if (vectors > 3) c3 = TW.MultiplyAdd(x, TW.Load(bp + 3 * lanes), c3);
        if (eight && vectors > 4) c4 = TW.MultiplyAdd(x, TW.Load(bp + 4 * lanes), c4);
        if (eight && vectors > 5) c5 = TW.MultiplyAdd(x, TW.Load(bp + 5 * lanes), c5);
        if (eight && vectors > 6) c6 = TW.MultiplyAdd(x, TW.Load(bp + 6 * lanes), c6);
        if (eight && vectors > 7) c7 = TW.MultiplyAdd(x, TW.Load(bp + 7 * lanes), c7);
    }

    /// <summary>
    /// One depth step of two rows of C: <paramref name="x"/> and <paramref name="y"/> (their values of A,
    /// broadcast) times the first <paramref name="vectors"/> (at most four) vectors of B's row, each vector
    /// loaded once for both rows. Two <see cref="RowStep"/>s would load it twice (the JIT folds each load
    /// into its multiply-add), and those loads, not the multiply-adds, bounded the pairs: they ran 1.15x to
    /// 1.30x slower at 512 bits on the Zen 4, up to 1.45x at 256.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairStep<TW, TV>(TV x, TV y, float* bp, int vectors,
        ref TV c0, ref TV c1, ref TV c2, ref TV c3, ref TV d0, ref TV d1, ref TV d2, ref TV d3) where TW : struct, IWidth<TV> where TV : struct
    {
        int lanes = TW.Lanes;
        var b0 = TW.Load(bp);
        c0 = TW.MultiplyAdd(x, b0, c0); d0 = TW.MultiplyAdd(y, b0, d0);
        if (vectors > 1) { var b1 = TW.Load(bp + 1 * lanes); c1 = TW.MultiplyAdd(x, b1, c1); d1 = TW.MultiplyAdd(y, b1, d1); }
        if (vectors > 2) { var b2 = TW.Load(bp + 2 * lanes); c2 = TW.MultiplyAdd(x, b2, c2); d2 = TW.MultiplyAdd(y, b2, d2); }
        if (vectors > 3) { var b3 = TW.Load(bp + 3 * lanes); c3 = TW.MultiplyAdd(x, b3, c3); d3 = TW.MultiplyAdd(y, b3, d3); }
    }

    /// <summary>
    /// How far apart A's values lie: from a row to the next (<c>Row</c>) and from a depth step to the next
    /// (<c>Step</c>), for A stored as m×k or, transposed, as k×m. The loops walk A with a pointer by these
    /// strides rather than choosing an index expression per value: with the choice inside the loop the JIT
    /// kept the flag and B's address on the stack and computed each index with a multiply, and those
    /// instructions, not the multiply-adds, bounded the loops (on the Zen 4 the pointer walk ran the same
    /// sums 1.1x to 1.8x faster at 512 bits, 1.1x to 1.7x at 256, 1.0x to 1.5x at 128).
    /// </summary>
    private static (long Row, long Step) Steps(int m, int k, bool transposeA) => transposeA ? (1, m) : (k, 1);

    /// <summary>Vectors of <typeparamref name="TW"/> in a row of <see cref="SmallColumns"/> floats: 4 of 16, 8 of 8, 8 of 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowVectors<TW, TV>() where TW : struct, IWidth<TV> where TV : struct => Math.Min(8, 64 / TW.Lanes);

    /// <summary>One vector into C, added to what is there when <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutVector<TW, TV>(float* c, TV v, bool accumulate) where TW : struct, IWidth<TV> where TV : struct =>
        TW.Store(accumulate ? TW.Add(v, TW.Load(c)) : v, c);

    /// <summary>c[j] (+)= r[j] for j &lt; n: whole vectors of <typeparamref name="TW"/>, then the tail in the widest pieces that fit (8, then 4 floats), then singles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow<TW, TV>(float* c, float* r, int n, bool accumulate) where TW : struct, IWidth<TV> where TV : struct
    {
        int j = 0;
        for (; j <= n - TW.Lanes; j += TW.Lanes) PutVector<TW, TV>(c + j, TW.Load(r + j), accumulate);
        if (TW.Lanes > 8 && j <= n - 8) { PutVector<Width256, Vector256<float>>(c + j, Vector256.Load(r + j), accumulate); j += 8; }
        if (TW.Lanes > 4 && j <= n - 4) { PutVector<Width128, Vector128<float>>(c + j, Vector128.Load(r + j), accumulate); j += 4; }
        for (; j < n; j++) c[j] = accumulate ? c[j] + r[j] : r[j];
    }
}
