using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Single-precision matrix multiplication, <c>C = op(A)·op(B)</c> (+ C), in the style of BLIS/GotoBLAS:
/// the operands are cut into blocks that fit the caches, each block is copied ("packed") into the
/// order the inner kernel reads it, and a register-tiled micro-kernel computes 6×NR tiles of C in 12
/// vector accumulators with fused multiply-adds: 6×32 with AVX-512, 6×16 with AVX2, 6×8 with 128-bit
/// vectors (SSE, Arm NEON). Large products are spread over all the cores. An A that is mostly zeros
/// (raw pixels) has its all-zero depth steps left out as it is packed (Gemm.ZeroSkipping.cs).
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>Rows of C per micro-tile: 6 rows × 2 vectors = 12 accumulators (of 16 or 32 vector registers).</summary>
    private const int MR = 6;
    /// <summary>Columns of C per micro-tile: two vectors of the widest accelerated width.</summary>
    private static readonly int NR = 2 * WidestVector.Lanes;
    /// <summary>Depth of a packed block: a 6×KC panel of A and a KC×NR panel of B stay in L1/L2.</summary>
    private const int KC = 256;
    /// <summary>Rows of A per packed block (a multiple of MR): MC×KC floats ≈ 96 KB sit in L2.</summary>
    private const int MC = 96;
    /// <summary>Columns of B per packed block (a multiple of NR): KC×NC floats ≈ 2 MB, shared by the cores.</summary>
    private const int NC = 2048;

    /// <summary>Floats per vector of the widest accelerated width.</summary>
    private static readonly int Lanes = WidestVector.Lanes;
    /// <summary>The widest C the small-depth and small-result paths hold in registers: 4 vectors of 16 or 8 of 8 or 4 floats.</summary>
    private static readonly int SmallColumns = Math.Min(64, 8 * Lanes);

    /// <summary>
    /// A row block read by at most this many panels of B is not packed (see RowBlock). At 16 (256 columns
    /// with AVX2) an SGEMM 256 ran 1.049 and 1.051 times as fast as with 8 (paired runs, one process);
    /// SGEMM 512 (32 panels) 1.018 read in place, within the noise; 1024 (64) 0.994. On a Zen 5 at 512 bits
    /// (SGEMM 256 split by columns, 4 panels a core), with A packed the product ran at 300-309 GFLOP/s
    /// against 353-367 read in place on two cores, 181-183 against 193-200 on one (same process, alternating).
    /// </summary>
    private const int DirectAPanels = 16;

    /// <summary>
    /// Up to this many rows of C, an untransposed B is read where it lies instead of packed. With so few
    /// rows each panel of B serves a few tiles, and packing it costs a pass over all of B (a dense layer's
    /// weights, 2.4 MB in the course CNN) for every product. Read in place, its rows n floats apart fall
    /// into a few sets of L1 and are fetched again for each tile; when this was first measured, on an
    /// earlier machine, that made packing faster at 32 rows, and the limit was one panel (MR). On a Zen 5
    /// (48 KB L1, 512-bit), in place against packed, two cores, three processes each alternating
    /// (throwaway harness): 12×128×4732 56-57 µs against 72-79,
    /// 16×128×4732 73-84 against 95-104, 24×64×2000 17-18 against 20-23, 32×128×4732 (the course CNN's
    /// dense layer at batch 32) 164-176 against 165-206; 32×100×784, 32×128×784, 32×512×512 and
    /// 40×128×2000 even. At 64 rows in place was slower (64×128×4732 289-299 against 276-283 µs). With
    /// 256-bit vectors (DOTNET_EnableAVX512=0) every shape above ran faster in place (32×128×4732 224-229
    /// against 255-298 µs, 32×512×512 98-99 against 122-128); with 128-bit ones, even or faster.
    /// </summary>
    private const int DirectBRows = 32;

    /// <summary>
    /// Up to this many rows, a deep product with a narrow B is split in depth rather than by rows (see
    /// Blocked): the course CNN's dense layer in training (32 rows), and at inference batches of 256 (see
    /// Sequential.MinInferenceBatch), where the 10k test images' Predict ran more than 1.1x slower split by
    /// rows. Its inference batches now hold 1,024 images, which are faster split by rows: split in depth,
    /// Predict ran 1.036x and 1.041x slower (same process, alternating, 2026-12-04).
    /// </summary>
    private const int DepthSplitRows = 256;

    /// <summary>Below this many multiply-adds the packing costs more than it saves.</summary>
    private const long SmallWork = 16 * 1024;
    /// <summary>
    /// Above this many multiply-adds (about 10 µs on one core) the cores share the work, unless the product
    /// is narrow (<see cref="SharesCores"/>). A training step runs its kernels back to back, so the other
    /// core's worker is usually still waiting for the next loop and a fork costs a microsecond or two.
    /// </summary>
    private const long ParallelWork = 1L << 17;

    /// <summary>A product with at most this many columns, or this deep, is narrow (see <see cref="SharesCores"/>).</summary>
    private const int NarrowSize = 32;

    /// <summary>
    /// Below this many multiply-adds a narrow product runs on one core: 2M with 512-bit vectors, 1M with
    /// 256-bit, 512K with 128-bit, the same time on one core. The MLP's output layer (200×10 by 100, and
    /// its gradients 100×10 by 200 and 200×100 by 10) took 9.6, 11.6 and 8.9 µs shared and 5.6, 6.2 and
    /// 4.2 on one core (the Zen 5, 512-bit, best of five rounds of 400 calls): each core's half is too
    /// small for what the split costs. Earlier, on the Zen 3, sharing them had made the MLP's
    /// epochs 4-19% faster; on the Zen 5, MLPClassifier fits and MLP epochs alternating in one process
    /// (7 to 10 of each) ran 1.055x, 1.059x and 1.047x as fast on one core, to the same bits.
    /// </summary>
    private static readonly long NarrowParallelWork = (1L << 21) * Lanes / 16;

    /// <summary>
    /// Whether an m×n×k product is shared among the cores: from <see cref="ParallelWork"/> multiply-adds, and
    /// a narrow one only from <see cref="NarrowParallelWork"/> (a depth split, whose sums depend on it, always).
    /// A choice by shape alone, so every run gives the same bits.
    /// </summary>
    internal static bool SharesCores(int m, int n, int k)
    {
        long work = (long)m * n * k;
        return work >= ParallelWork && (Math.Min(n, k) > NarrowSize || work >= NarrowParallelWork || DepthSplitFor(m, n, k) != 0);
    }

    [ThreadStatic] private static float[]? _packA;
    [ThreadStatic] private static float[]? _packB;
    [ThreadStatic] private static float[]? _tile;
    [ThreadStatic] private static float[]? _small;
    [ThreadStatic] private static float[]? _transposed;
    [ThreadStatic] private static float[]? _depthHalf;

    [MethodImpl(JitHints.PerBatch)]
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA,
        ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate) =>
        Multiply(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros: true);

    /// <summary>Rows and columns of the micro-kernel's tile of C on this machine (6 × two vectors).</summary>
    internal static (int Rows, int Columns) TileShape => (MR, NR);

    /// <summary>
    /// For the benchmarks: the micro-kernel alone, <paramref name="repeats"/> times on one tile, from A and B
    /// already packed (<paramref name="depth"/> steps of MR and of NR floats) into <paramref name="tile"/>
    /// (MR×NR, overwritten). Panels this small stay in L1, nothing is packed or split, so its rate per core
    /// is the most the machine's multiply-add units give this code: the ceiling of every product here.
    /// </summary>
    internal static void TileProduct(int depth, ReadOnlySpan<float> packedA, ReadOnlySpan<float> packedB, Span<float> tile, int repeats)
    {
        if (depth < 1 || packedA.Length < MR * depth || packedB.Length < NR * depth || tile.Length < MR * NR)
            throw new ArgumentException($"TileProduct: depth {depth} needs {MR * depth} floats of A (got {packedA.Length}), {NR * depth} of B (got {packedB.Length}) and a {MR}×{NR} tile (got {tile.Length}).");
        fixed (float* a = packedA, b = packedB, c = tile)
            for (int r = 0; r < repeats; r++) MicroKernel(depth, a, 1, MR, b, NR, c, NR, add: false);
    }

    /// <summary>
    /// For the tests: one MR×NR tile into <paramref name="tile"/> (row stride NR) from a panel of A whose rows
    /// lie <paramref name="rowA"/> floats apart and depth steps <paramref name="stepA"/> apart, and a packed
    /// panel of B, by the micro-kernel a product picks for that layout or, with <paramref name="general"/>,
    /// by the general one that takes any strides.
    /// </summary>
    internal static void TileProduct(int depth, ReadOnlySpan<float> a, long rowA, long stepA, ReadOnlySpan<float> b, Span<float> tile, bool general)
    {
        long reach = depth == 0 ? 0 : (MR - 1) * rowA + (depth - 1) * stepA + 1;
        if (depth < 0 || rowA < 1 || stepA < 1 || a.Length < reach || b.Length < (long)NR * depth || tile.Length < MR * NR)
            throw new ArgumentException($"TileProduct: depth {depth} with rows {rowA} and steps {stepA} apart needs {reach} floats of A (got {a.Length}), {NR * depth} of B (got {b.Length}) and a {MR}×{NR} tile (got {tile.Length}).");
        fixed (float* ap = a, bp = b, c = tile)
        {
            if (general) Kernel<Rows6>(depth, ap, rowA, stepA, bp, NR, c, NR, add: false);
            else MicroKernel(depth, ap, rowA, stepA, bp, NR, c, NR, add: false);
        }
    }

    /// <summary>
    /// The product; <paramref name="skipZeros"/> false keeps a mostly-zero A on the dense path (the
    /// twin tests compare the two) and multiplies every zero of A, so that 0·NaN and 0·∞ give NaN.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA,
        ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate, bool skipZeros) =>
        Multiply(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros, packedB: null);

    /// <summary>
    /// The product, reading B's panels from <paramref name="packedB"/> (B packed beforehand, see
    /// <see cref="PackedB"/>) wherever the blocked algorithm would pack B with the same depth blocks;
    /// the other paths read <paramref name="b"/>. Null: pack as usual. With <paramref name="splitDepth"/>, a
    /// product the blocked algorithm shares among the cores is split in depth at k / 2, whatever its shape
    /// (a dense layer's in training, see <see cref="InputSplitFor"/>).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA,
        ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate, bool skipZeros, PackedB? packedB, bool splitDepth = false,
        ReadOnlySpan<float> bCopy = default, int copyThread = 0)
    {
        Scalar.CheckGemm(m, n, k, a, b, c);
        if (packedB is not null && !packedB.Holds(b, k, n, transposeB))
            throw new ArgumentException($"Gemm: the packed B holds a {packedB.K}×{packedB.N} matrix{(packedB.TransposeB ? ", transposed," : "")} packed from another array than this {k}×{n} B.");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        long work = (long)m * n * k;
        if (!transposeB && k <= 16 && n <= SmallColumns && m >= 64)
        {
            // A convolution's im2col product: thousands of rows, a few columns, a tiny depth.
            fixed (float* pa = a, pb = b, pc = c) SmallDepth(m, n, k, pa, transposeA, pb, pc, accumulate, work >= ParallelWork);
            return;
        }
        if (!transposeB && m <= 16 && n <= SmallColumns && k >= 256)
        {
            // A convolution's kernel gradient: a small result summed over thousands of rows.
            fixed (float* pa = a, pb = b, pc = c) SmallResult(m, n, k, pa, transposeA, pb, pc, accumulate, work >= ParallelWork);
            return;
        }
        if (work < SmallWork)
        {
            Small(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros);
            return;
        }
        if (transposeB && m <= 64 && n >= 8 * m)
        {
            // A small batch times a wide transposed matrix (a dense layer's input gradient, dz·Wᵀ): packing
            // that B means gathering it one float at a time. The transposed product Cᵀ = B·op(A)ᵀ reads
            // the wide matrix untransposed and packs only the small one; turning its n×m result round
            // costs less than the gather it saves.
            var t = Rent(ref _transposed, m * n);
            fixed (float* pa = a, pb = b, pc = c, pt = t)
            {
                Blocked(n, m, k, pb, false, pa, !transposeA, pt, false, work >= ParallelWork, skipZeros: false, packed: null, packedSplit: 0);
                TransposeInto(pt, n, m, pc, accumulate);
            }
            return;
        }
        fixed (float* pa = a, pb = b, pc = c, packed = packedB?.Data, pcopy = bCopy)
            Blocked(m, n, k, pa, transposeA, pb, transposeB, pc, accumulate, SharesCores(m, n, k),
                skipZeros: skipZeros && MostlyZeros(pa, transposeA ? k : m, transposeA ? m : k), packed, packedB?.Split ?? 0, splitDepth,
                transposeB ? null : pcopy, copyThread);
    }

    /// <summary>
    /// The product C = op(A)·B, where thread <paramref name="copyThread"/> reads B from <paramref name="bCopy"/>,
    /// a copy of B it made itself (the same floats), wherever the product reads B in place: that thread's cache
    /// holds the copy, while B was written by another core. The same bits as reading B everywhere.
    /// </summary>
    internal static void MultiplyWithCopyOfB(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b,
        ReadOnlySpan<float> bCopy, int copyThread, Span<float> c, bool skipZeros)
    {
        if (bCopy.Length < k * n) throw new ArgumentException($"Gemm: the copy of B holds {bCopy.Length} floats, fewer than B's {k}×{n}.");
        Multiply(m, n, k, a, transposeA, b, false, c, accumulate: false, skipZeros, packedB: null, splitDepth: false, bCopy, copyThread);
    }

    /// <summary>Row-by-row: C[i,:] (+)= Σ_p A[i,p]·B[p,:], vectorized along the row of B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Small(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA,
        ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate, bool skipZeros)
    {
        ReadOnlySpan<float> rowsOfB = b;
        float[]? transposed = null;
        if (transposeB)
        {
            // B is stored n×k; make its k×n transpose once so every row below is contiguous.
            transposed = System.Buffers.ArrayPool<float>.Shared.Rent(k * n);
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                    transposed[p * n + j] = b[j * k + p];
            rowsOfB = transposed.AsSpan(0, k * n);
        }
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            if (!accumulate) row.Clear();
            for (int p = 0; p < k; p++)
            {
                float av = transposeA ? a[p * m + i] : a[i * k + p];
                if (av != 0f || !skipZeros) Simd.AddScaled(av, rowsOfB.Slice(p * n, n), row);
            }
        }
        if (transposed is not null) System.Buffers.ArrayPool<float>.Shared.Return(transposed);
    }

    /// <summary>
    /// The blocked product, shared among the cores when <paramref name="parallel"/>. <paramref name="packed"/>:
    /// B packed beforehand with its depth split at <paramref name="packedSplit"/> (see <see cref="PackedB"/>), or null.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    private static void Blocked(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB,
        float* c, bool accumulate, bool parallel, bool skipZeros, float* packed, int packedSplit, bool splitDepth = false,
        float* bCopy = null, int copyThread = 0)
    {
        if (!parallel)
        {
            Blocked(m, n, k, a, transposeA, b, transposeB, c, accumulate, 0, m, 0, n, 0, k, skipZeros, packed, packedSplit);
            return;
        }
        if (splitDepth || DepthSplitFor(m, n, k) != 0)
        {
            // A batch of up to 256 through a narrow, deep matrix (a dense layer after a convolution: 32×4732
            // by 4732×128 in training, 256 rows in inference): split by columns, each core would read all of
            // A for a few panels of B; split by rows, each would pack all of B. Split the depth in two
            // instead: each core reads half of A and half of B, and the second half's product is added at
            // the end (128 rows, same process, interleaved: 5-10% faster than the row split). Two equal
            // halves (4732 = 2366 + 2366, each cut into equal blocks by the blocked algorithm): whole blocks
            // of KC made them 2560 + 2172, so one core had 18% more to do. Always two halves, whatever the
            // core count, so the sums (and the trained weights) are the same on every machine. On four cores
            // or more, each half's columns are shared too, in bands of whole panels of B: a band's tiles are
            // the ones the whole half would compute, to the bit, and each core reads a 1/cores share of B.
            // Asked for (splitDepth), shallower products are split so too: a first dense layer's in training,
            // which keeps each core on its own half of the features from step to step (InputSplitFor).
            DepthSplit(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros, packed, packedSplit, DepthSplitBands(n, ForkJoin.Cores));
            return;
        }
        // Split C into bands of rows (tall products) or of columns (a small batch times a wide matrix), one
        // per core. Rows go through SharedRows: B packed once for all the cores, and a core that finishes
        // its band early helps with the others' (Gemm.SharedRows.cs; two forks, one if B is small).
        // Columns, and a B too large to pack whole, go through the fixed bands: each core runs the whole
        // blocked algorithm on its own with its own packing buffers, one fork per product.
        bool byRows = m >= 2 * MR * 4 && (m >= n || n < 2 * NR);
        // A squarish dense product with 4 to 16 panels of B is split by columns after all: each core packs its
        // own half of B and reads A in place, with no fork and no wait between packing B and using it. Shared,
        // the packing of a 256×256 B took a sixth of the product, its lines written by one core and read by
        // both. (Paired, same process, 512-bit: 128³ 1.62x, 192³ 1.45x, 256³ 1.13x and 1.32x, 384³ 1.19x,
        // 512³ 1.11x, 768³ and 1024³ even; AVX2: 128³ 1.24x, 256³ 1.07x; 128-bit: 128³ 1.03x, 256³, with 32
        // panels, 0.92x. A tall 4732×128×32 ran 0.77x and 2000×128×64 0.87x split by columns: m stays within 2n.)
        if (byRows && !skipZeros && n >= 4 * NR && n <= 16 * NR && m <= 2 * n) byRows = false;
        if (byRows && FitsSharedPacking(n, k))
        {
            SharedRows(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros, packedSplit == 0 ? packed : null, bCopy, copyThread);
            return;
        }
        if (byRows) Split(m, MR, new BlockedBand(m, n, k, a, transposeA, b, transposeB, c, accumulate, byRows: true, skipZeros, packed, packedSplit));
        else Split(n, NR, new BlockedBand(m, n, k, a, transposeA, b, transposeB, c, accumulate, byRows: false, skipZeros, packed, packedSplit));
    }

    /// <summary>
    /// Runs body on [0, count) cut into one contiguous range per core, each a whole number of grains
    /// (tiles) but the last; a range too small to share runs on the calling thread. The bodies are
    /// structs rather than lambdas so that a product allocates nothing (see <see cref="ForkJoin"/>).
    /// </summary>
    private static void Split<TBody>(int count, int grain, TBody body) where TBody : struct, IRangeBody =>
        ForkJoin.For(count, grain, body);

    /// <summary>The depth split (see <see cref="Blocked(int, int, int, float*, bool, float*, bool, float*, bool, bool, bool, float*, int, bool, float*, int)"/>), each half's columns in <paramref name="bands"/> bands.</summary>
    [MethodImpl(JitHints.PerBatch)]
    private static void DepthSplit(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB, float* c, bool accumulate, bool skipZeros,
        float* packed, int packedSplit, int bands)
    {
        var partial = Rent(ref _depthHalf, m * n);
        fixed (float* second = partial)
        {
            Split(2 * bands, 1, new DepthHalves(m, n, k, k / 2, bands, a, transposeA, b, transposeB, c, second, accumulate, skipZeros, packed, packedSplit));
            Simd.Add(new ReadOnlySpan<float>(c, m * n), new ReadOnlySpan<float>(second, m * n), new Span<float>(c, m * n));
        }
    }

    /// <summary>
    /// How many bands of columns each depth half is cut into on <paramref name="cores"/> cores: one per two
    /// cores, at most one per panel of B (an odd core is left out rather than given a band of its own: the
    /// halves would then be cut unevenly).
    /// </summary>
    internal static int DepthSplitBands(int n, int cores) => Math.Clamp(cores / 2, 1, (n + NR - 1) / NR);

    /// <summary>
    /// Part q of the depth split: band q % bands of the columns (whole panels of B), over depth [0, half)
    /// into C when q &lt; bands, over depth [half, k) into a separate buffer after that.
    /// </summary>
    private readonly struct DepthHalves(int m, int n, int k, int half, int bands, float* a, bool transposeA, float* b, bool transposeB, float* c, float* second, bool accumulate,
        bool skipZeros, float* packed, int packedSplit) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int panels = (n + NR - 1) / NR;
            for (int part = from; part < to; part++)
            {
                int band = part % bands;
                int colFrom = band * panels / bands * NR, colTo = Math.Min(n, (band + 1) * panels / bands * NR);
                if (part < bands) Blocked(m, n, k, a, transposeA, b, transposeB, c, accumulate, 0, m, colFrom, colTo, 0, half, skipZeros, packed, packedSplit);
                else Blocked(m, n, k, a, transposeA, b, transposeB, second, false, 0, m, colFrom, colTo, half, k, skipZeros, packed, packedSplit);
            }
        }
    }

    /// <summary>A band of rows (or of columns) [from, to) of C through the blocked algorithm.</summary>
    private readonly struct BlockedBand(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB, float* c, bool accumulate, bool byRows, bool skipZeros,
        float* packed, int packedSplit) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            if (byRows) Blocked(m, n, k, a, transposeA, b, transposeB, c, accumulate, from, to, 0, n, 0, k, skipZeros, packed, packedSplit);
            else Blocked(m, n, k, a, transposeA, b, transposeB, c, accumulate, 0, m, from, to, 0, k, skipZeros, packed, packedSplit);
        }
    }

    /// <summary>
    /// The depth of each block when a depth of <paramref name="length"/> is cut into blocks of one size, at
    /// most KC: 784 = 4 × 196 rather than 3 × 256 + 16, whose last block would load and store every tile of C
    /// for 16 steps of the kernel. Every path that packs B cuts its depth with this, so a B packed by one
    /// path (SharedRows, PackedB) is read by another with the same blocks.
    /// </summary>
    private static int DepthStep(int length)
    {
        int blocks = (length + KC - 1) / KC;
        return (length + blocks - 1) / blocks;
    }

    /// <summary>Where panel <paramref name="panel"/> of the depth block starting at <paramref name="pc"/> (<paramref name="kc"/> deep) lies in a whole packed B of <paramref name="panels"/> panels.</summary>
    private static float* PackedPanel(float* packed, int pc, int panels, int panel, int kc) =>
        packed + (long)pc * panels * NR + (long)panel * NR * kc;

    /// <summary>
    /// The blocked algorithm on rows [rowFrom, rowTo) and columns [colFrom, colTo) of C, over depth [depthFrom,
    /// depthTo); B's panels are read from <paramref name="packed"/> when it was packed with these depth blocks.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    private static void Blocked(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB,
        float* c, bool accumulate, int rowFrom, int rowTo, int colFrom, int colTo, int depthFrom, int depthTo, bool skipZeros,
        float* packed, int packedSplit)
    {
        if (rowTo <= rowFrom || colTo <= colFrom) return;
        bool prepacked = packed != null && PackedCovers(packedSplit, k, depthFrom, depthTo);
        int panelsAll = (n + NR - 1) / NR;
        for (int jc = colFrom; jc < colTo; jc += NC)
        {
            int nc = Math.Min(NC, colTo - jc);
            int panelsB = (nc + NR - 1) / NR;
            int depthStep = DepthStep(depthTo - depthFrom);
            for (int pc = depthFrom; pc < depthTo; pc += depthStep)
            {
                int kc = Math.Min(depthStep, depthTo - pc);
                bool add = accumulate || pc > depthFrom;
                var packB = prepacked ? null : Rent(ref _packB, panelsB * NR * kc);
                fixed (float* own = packB)
                {
                    float* bp = prepacked ? PackedPanel(packed, pc, panelsAll, jc / NR, kc) : own;
                    // A few panels of rows (see DirectBRows): an untransposed B is read in place rather than
                    // copied; only a partial last panel is packed. The zero-skipping kernel reads B in place
                    // whatever the rows (see Gemm.ZeroSkipping.cs).
                    float* direct = !prepacked && !transposeB && (rowTo - rowFrom <= DirectBRows || skipZeros) ? b : null;
                    if (!prepacked)
                    {
                        if (direct is null) PackB(b, transposeB, k, n, pc, kc, jc, nc, bp);
                        else if (nc % NR != 0) PackB(b, transposeB, k, n, pc, kc, jc + nc / NR * NR, nc % NR, bp + (long)(nc / NR) * NR * kc);
                    }
                    for (int ic = rowFrom; ic < rowTo; ic += MC)
                    {
                        if (skipZeros) RowBlockSkippingZeros(ic, Math.Min(MC, rowTo - ic), m, k, n, a, transposeA, pc, kc, jc, nc, bp, direct, c, add, panelsB);
                        else RowBlock(ic, Math.Min(MC, rowTo - ic), m, k, n, a, transposeA, pc, kc, jc, nc, bp, c, add, 0, panelsB, direct);
                    }
                }
            }
        }
    }

    /// <summary>
    /// c (cols×rows) (+)= tᵀ, t being rows×cols, in blocks of 64 rows of t, so each row of c is written 64
    /// floats at a time while the block's rows of t (cols floats each) stay in L1; large ones shared among the cores.
    /// </summary>
    private static void TransposeInto(float* t, int rows, int cols, float* c, bool accumulate)
    {
        var body = new TransposeBlocks(t, rows, cols, c, accumulate);
        if ((long)rows * cols >= 1 << 16) ForkJoin.For(rows, TransposeBlock, body);
        else body.Run(0, rows);
    }

    private const int TransposeBlock = 64;

    private readonly struct TransposeBlocks(float* t, int rows, int cols, float* c, bool accumulate) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            for (int j0 = from; j0 < to; j0 += TransposeBlock)
            {
                int j1 = Math.Min(to, j0 + TransposeBlock);
                for (int i = 0; i < cols; i++)
                {
                    float* ci = c + (long)i * rows, ti = t + i;
                    if (accumulate) for (int j = j0; j < j1; j++) ci[j] += ti[(long)j * cols];
                    else for (int j = j0; j < j1; j++) ci[j] = ti[(long)j * cols];
                }
            }
        }
    }

    private static T[] Rent<T>(ref T[]? buffer, int size) where T : unmanaged
    {
        if (buffer is null || buffer.Length < size) buffer = GC.AllocateUninitializedArray<T>(size, pinned: true);
        return buffer;
    }

    /// <summary>
    /// The valid mr×nr corner of an edge tile computed into a scratch tile (row stride NR), into (or onto) C.
    /// Compiled fully optimized from the first call, as the kernels are. Left to tiered compilation (and
    /// choosing between adding and copying per element), it made the MLP's 10-unit layer product
    /// (200×100 by 100×10, every tile an edge) take 19.2 µs on one core instead of 9.0 (10.5 with tiered
    /// compilation off), and it stayed that slow for as long as it was measured: whole MLP epochs ran
    /// 1.06x and 1.15x faster with this one, in 30 rounds taking turns with it in one process.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PutEdgeTile(float* tile, float* cTile, int mr, int nr, int n, bool add)
    {
        for (int r = 0; r < mr; r++, cTile += n, tile += NR)
        {
            if (add) for (int q = 0; q < nr; q++) cTile[q] += tile[q];
            else for (int q = 0; q < nr; q++) cTile[q] = tile[q];
        }
    }

    /// <summary>
    /// Multiplies rows ic..ic+mc of A (depth pc..pc+kc) by column panels [fromPanel, toPanel) of packed B.
    /// A is packed first unless only a few panels of B will read it: then each of its elements is used too
    /// few times to repay the copy, and the micro-kernel reads whole 6-row panels of A where they lie (only
    /// a partial last panel, which would read past A, is packed with its zero padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock(int ic, int mc, int m, int k, int n, float* a, bool transposeA, int pc, int kc,
        int jc, int nc, float* bp, float* c, bool add, int fromPanel, int toPanel, float* directB)
    {
        int panelsA = (mc + MR - 1) / MR;
        bool directA = toPanel - fromPanel <= DirectAPanels;
        var packA = Rent(ref _packA, panelsA * MR * kc);
        var tile = Rent(ref _tile, MR * NR);
        fixed (float* ap = packA, tp = tile)
        {
            if (!directA) PackA(a, transposeA, m, k, ic, mc, pc, kc, ap);
            else if (mc % MR != 0) PackA(a, transposeA, m, k, ic + mc / MR * MR, mc % MR, pc, kc, ap + (long)(mc / MR) * MR * kc);
            // Read in place, a panel's MR rows lie `rowA` floats apart and its depth steps `stepA` floats apart.
            long rowA = transposeA ? 1 : k, stepA = transposeA ? m : 1;
            for (int jp = fromPanel; jp < toPanel; jp++)
            {
                int j = jp * NR, nr = Math.Min(NR, nc - j);
                // A full panel of an untransposed B is read in place (row stride n) when B was not packed.
                bool inPlace = directB is not null && nr == NR;
                float* bPanel = inPlace ? directB + (long)pc * n + jc + j : bp + (long)jp * NR * kc;
                long bStride = inPlace ? n : NR;
                for (int ip = 0; ip < panelsA; ip++)
                {
                    int i = ip * MR, mr = Math.Min(MR, mc - i);
                    bool aInPlace = directA && mr == MR;
                    float* aPanel = aInPlace ? a + (ic + i) * (transposeA ? 1 : (long)k) + pc * (transposeA ? (long)m : 1) : ap + (long)ip * MR * kc;
                    long aRow = aInPlace ? rowA : 1, aStep = aInPlace ? stepA : MR;
                    float* cTile = c + (long)(ic + i) * n + jc + j;
                    if (mr == MR && nr == NR)
                        MicroKernel(kc, aPanel, aRow, aStep, bPanel, bStride, cTile, n, add);
                    else
                    {
                        // Edge tile: compute it into a scratch buffer, then copy the valid part. A last panel of
                        // at most half the width (units = 100: 6 panels of 16 and one of 4) needs one vector per row.
                        if (nr <= NR / 2) HalfKernel(kc, aPanel, aRow, aStep, bPanel, bStride, tp);
                        else if (mr < MR && aRow == 1 && aStep == MR) EdgeRows(mr, kc, aPanel, bPanel, bStride, tp);
                        else MicroKernel(kc, aPanel, aRow, aStep, bPanel, bStride, tp, NR, false);
                        PutEdgeTile(tp, cTile, mr, nr, n, add);
                    }
                }
            }
        }
    }

    /// <summary>Copies A[ic.., pc..] into panels of MR rows, stored column by column (MR floats per depth step), zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(float* a, bool transposeA, int m, int k, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += MR, dst += (long)MR * kc)
        {
            int mr = Math.Min(MR, mc - i0);
            if (transposeA)
            {
                // A is stored k×m: a panel's rows lie side by side in each stored row, read forwards.
                float* src = a + (long)pc * m + ic + i0, d = dst;
                for (int p = 0; p < kc; p++, src += m, d += MR)
                {
                    if (mr == MR) { d[0] = src[0]; d[1] = src[1]; d[2] = src[2]; d[3] = src[3]; d[4] = src[4]; d[5] = src[5]; continue; }
                    for (int r = 0; r < MR; r++) d[r] = r < mr ? src[r] : 0f;
                }
                continue;
            }
            // A is stored m×k: read the panel's rows side by side, each forwards.
            if (mr == MR)
            {
                float* s0 = a + (long)(ic + i0) * k + pc, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k, s4 = s3 + k, s5 = s4 + k, d = dst;
                for (int p = 0; p < kc; p++, d += MR) { d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p]; d[5] = s5[p]; }
                continue;
            }
            for (int r = 0; r < MR; r++)
            {
                float* src = a + (long)(ic + i0 + r) * k + pc, d = dst + r;
                for (int p = 0; p < kc; p++, d += MR) *d = r < mr ? src[p] : 0f;
            }
        }
    }

    /// <summary>Copies B[pc.., jc..] into panels of NR columns, stored row by row (NR floats per depth step), zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(float* b, bool transposeB, int k, int n, int pc, int kc, int jc, int nc, float* dst)
    {
        for (int j0 = 0; j0 < nc; j0 += NR, dst += (long)NR * kc)
        {
            int nr = Math.Min(NR, nc - j0);
            if (transposeB)
            {
                // B is stored n×k: each column of the panel is a stored row, read forwards.
                for (int q = 0; q < NR; q++)
                {
                    float* src = b + (long)(jc + j0 + q) * k + pc, d = dst + q;
                    if (q < nr) for (int p = 0; p < kc; p++, d += NR) *d = src[p];
                    else for (int p = 0; p < kc; p++, d += NR) *d = 0f;
                }
                continue;
            }
            float* row = b + (long)pc * n + jc + j0, e = dst;
            for (int p = 0; p < kc; p++, row += n, e += NR)
            {
                if (nr == NR) { CopyPanelRow(row, e); continue; }
                // A partial panel: its columns, then zeros (whole vectors, written over).
                ZeroPanelRow(e);
                for (int q = 0; q < nr; q++) e[q] = row[q];
            }
        }
    }

    /// <summary>Copies NR floats, two vectors of the widest accelerated width (a call to a general copy costs more than the copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPanelRow(float* from, float* to)
    {
        if (Vector512.IsHardwareAccelerated) { Vector512.Store(Vector512.Load(from), to); Vector512.Store(Vector512.Load(from + 16), to + 16); }
        else if (Vector256.IsHardwareAccelerated) { Vector256.Store(Vector256.Load(from), to); Vector256.Store(Vector256.Load(from + 8), to + 8); }
        else { Vector128.Store(Vector128.Load(from), to); Vector128.Store(Vector128.Load(from + 4), to + 4); }
    }

    /// <summary>Zeros NR floats, two vectors of the widest accelerated width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroPanelRow(float* to)
    {
        if (Vector512.IsHardwareAccelerated) { Vector512.Store(Vector512<float>.Zero, to); Vector512.Store(Vector512<float>.Zero, to + 16); }
        else if (Vector256.IsHardwareAccelerated) { Vector256.Store(Vector256<float>.Zero, to); Vector256.Store(Vector256<float>.Zero, to + 8); }
        else { Vector128.Store(Vector128<float>.Zero, to); Vector128.Store(Vector128<float>.Zero, to + 4); }
    }

    /// <summary>
    /// The micro-kernel of the widest accelerated width (a JIT-time choice: the others are not compiled in):
    /// the unrolled one compiled for A's layout when B is packed, else the general one (a B read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c, int ldc, bool add) =>
        MicroKernel<Rows6>(kc, a, rowA, stepA, b, ldb, c, ldc, add);

    /// <summary><see cref="MicroKernel(int, float*, long, long, float*, long, float*, int, bool)"/> for the first <typeparamref name="TR"/>'s count of a panel's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel<TR>(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c, int ldc, bool add) where TR : struct, ITileRows
    {
        PrefetchTile(c, ldc);
        if (ldb == NR && rowA == 1 && stepA == MR) Unrolled<PackedPanel, TR>(kc, a, rowA, stepA, b, c, ldc, add);
        else if (ldb == NR && stepA == 1) Unrolled<RowPanel, TR>(kc, a, rowA, stepA, b, c, ldc, add);
        else if (ldb == NR && rowA == 1) Unrolled<ColumnPanel, TR>(kc, a, rowA, stepA, b, c, ldc, add);
        else Kernel<TR>(kc, a, rowA, stepA, b, ldb, c, ldc, add);
    }

    /// <summary>
    /// The first <paramref name="rows"/> (1 to 5) rows of a tile into <paramref name="c"/> (row stride NR), from a
    /// partial last panel of A packed with its zero padding and a panel of B <paramref name="ldb"/> floats a step
    /// (NR when packed): the kernels compiled for that many rows, so that the padding is not multiplied. A batch
    /// of 32 rows is five panels and two rows, and through the full kernel those two cost a whole panel. Each
    /// row's sums are the full kernel's, step for step. On Arm, the full kernel that multiplies by lanes of A.
    /// </summary>
    private static void EdgeRows(int rows, int kc, float* a, float* b, long ldb, float* c)
    {
        if (AdvSimd.Arm64.IsSupported) MicroKernel(kc, a, 1, MR, b, ldb, c, NR, false);
        else if (rows == 1) MicroKernel<Rows1>(kc, a, 1, MR, b, ldb, c, NR, false);
        else if (rows == 2) MicroKernel<Rows2>(kc, a, 1, MR, b, ldb, c, NR, false);
        else if (rows == 3) MicroKernel<Rows3>(kc, a, 1, MR, b, ldb, c, NR, false);
        else if (rows == 4) MicroKernel<Rows4>(kc, a, 1, MR, b, ldb, c, NR, false);
        else MicroKernel<Rows5>(kc, a, 1, MR, b, ldb, c, NR, false);
    }

    /// <summary>The general micro-kernel (any strides) in the widest accelerated width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel<TR>(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c, int ldc, bool add) where TR : struct, ITileRows
    {
        if (Vector512.IsHardwareAccelerated) Kernel<Width512, Vector512<float>, TR>(kc, a, rowA, stepA, b, ldb, c, ldc, add);
        else if (Vector256.IsHardwareAccelerated) Kernel<Width256, Vector256<float>, TR>(kc, a, rowA, stepA, b, ldb, c, ldc, add);
        else Kernel<Width128, Vector128<float>, TR>(kc, a, rowA, stepA, b, ldb, c, ldc, add);
    }

    /// <summary>
    /// The unrolled micro-kernel for a packed B and a panel of A laid out as <typeparamref name="TA"/>, in the widest
    /// accelerated width (on Arm, for a whole panel, the one that multiplies by lanes of A).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unrolled<TA, TR>(int kc, float* a, long rowA, long stepA, float* b, float* c, int ldc, bool add)
        where TA : struct, IPanelLayout where TR : struct, ITileRows
    {
        if (Vector512.IsHardwareAccelerated) UnrolledKernel<Width512, Vector512<float>, TA, TR>(kc, a, rowA, stepA, b, c, ldc, add);
        else if (Vector256.IsHardwareAccelerated) UnrolledKernel<Width256, Vector256<float>, TA, TR>(kc, a, rowA, stepA, b, c, ldc, add);
        else if (AdvSimd.Arm64.IsSupported && TR.Rows == MR) ByElementKernel<TA>(kc, a, rowA, stepA, b, c, ldc, add);
        else UnrolledKernel<Width128, Vector128<float>, TA, TR>(kc, a, rowA, stepA, b, c, ldc, add);
    }

    /// <summary>
    /// The first NR/2 columns of a 6×NR tile into <paramref name="c"/> (row stride NR), from a panel of B
    /// of which only the first vector per row is read. Six rows give six accumulators, too few to hide
    /// the fused multiply-add's latency, so even and odd depth steps go to separate accumulators, added
    /// at the end: twelve chains, as in the full kernel, for half its work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HalfKernel(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c)
    {
        if (Vector512.IsHardwareAccelerated) HalfKernel<Width512, Vector512<float>>(kc, a, rowA, stepA, b, ldb, c);
        else if (Vector256.IsHardwareAccelerated) HalfKernel<Width256, Vector256<float>>(kc, a, rowA, stepA, b, ldb, c);
        else HalfKernel<Width128, Vector128<float>>(kc, a, rowA, stepA, b, ldb, c);
    }

    /// <summary>The half-width kernel, written once over the vector operations of <typeparamref name="TW"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HalfKernel<TW, TV>(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c)
        where TW : struct, IWidth<TV> where TV : struct
    {
        TV e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default;
        TV o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default;
        float* a3 = a + 3 * rowA;
        long rowA2 = 2 * rowA;
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 2 * stepA, a3 += 2 * stepA, b += 2 * ldb)
        {
            HalfStep<TW, TV>(0, a, a + rowA, a + rowA2, a3, a3 + rowA, a3 + rowA2, TW.Load(b), ref e0, ref e1, ref e2, ref e3, ref e4, ref e5);
            float* ao = a + stepA, ao3 = a3 + stepA;
            HalfStep<TW, TV>(0, ao, ao + rowA, ao + rowA2, ao3, ao3 + rowA, ao3 + rowA2, TW.Load(b + ldb), ref o0, ref o1, ref o2, ref o3, ref o4, ref o5);
        }
        if (p < kc) HalfStep<TW, TV>(0, a, a + rowA, a + rowA2, a3, a3 + rowA, a3 + rowA2, TW.Load(b), ref e0, ref e1, ref e2, ref e3, ref e4, ref e5);
        PutHalfTile<TW, TV>(c, e0, e1, e2, e3, e4, e5, o0, o1, o2, o3, o4, o5);
    }

    /// <summary>
    /// One depth step of a half-width kernel, as <see cref="Step"/> is of the full one: one vector of B,
    /// six broadcasts of A (row r at a_r[<paramref name="i"/>]), six multiply-adds. Callers pass pointers
    /// the JIT folds into each load's address (a pointer plus a row stride or a constant; rows 3-5 through
    /// a second pointer), so that every broadcast stays a single addressed load. The zero-skipping kernel's
    /// loops compiled to the same instructions as with the step written out in them; the dense one's to one
    /// fewer per pair of steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HalfStep<TW, TV>(long i, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, TV b,
        ref TV s0, ref TV s1, ref TV s2, ref TV s3, ref TV s4, ref TV s5)
        where TW : struct, IWidth<TV> where TV : struct
    {
        s0 = TW.MultiplyAdd(TW.Broadcast(a0[i]), b, s0);
        s1 = TW.MultiplyAdd(TW.Broadcast(a1[i]), b, s1);
        s2 = TW.MultiplyAdd(TW.Broadcast(a2[i]), b, s2);
        s3 = TW.MultiplyAdd(TW.Broadcast(a3[i]), b, s3);
        s4 = TW.MultiplyAdd(TW.Broadcast(a4[i]), b, s4);
        s5 = TW.MultiplyAdd(TW.Broadcast(a5[i]), b, s5);
    }

    /// <summary>A half-width tile's even and odd sums, added, into <paramref name="c"/> (row stride NR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutHalfTile<TW, TV>(float* c, TV e0, TV e1, TV e2, TV e3, TV e4, TV e5, TV o0, TV o1, TV o2, TV o3, TV o4, TV o5)
        where TW : struct, IWidth<TV> where TV : struct
    {
        TW.Store(TW.Add(e0, o0), c); TW.Store(TW.Add(e1, o1), c + NR); TW.Store(TW.Add(e2, o2), c + 2 * NR);
        TW.Store(TW.Add(e3, o3), c + 3 * NR); TW.Store(TW.Add(e4, o4), c + 4 * NR); TW.Store(TW.Add(e5, o5), c + 5 * NR);
    }

    /// <summary>
    /// Asks for the tile's rows of C to be brought into L1 while the kernel runs its depth loop, which
    /// needs none of them: the adds and stores at its end then find them there. A large C (SGEMM 1024: 4 MB,
    /// rows 4 KB apart) otherwise costs a miss per row at the end of every tile, and 1024×1024 ran 20-30%
    /// slower (same process, alternating).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc)
    {
        for (int r = 0; r < MR; r++, c += ldc) Prefetch.Lines(c, NR);
    }

    /// <summary>
    /// The micro-kernel, written once over the vector operations of <typeparamref name="TW"/>: a 6×2V tile
    /// of C (V floats per vector: 6×32 with AVX-512, 6×16 with AVX2, 6×8 with SSE or NEON) from a 6×kc
    /// panel of A and a kc×2V panel of B. Twelve independent accumulators hide the fused multiply-add's
    /// 4-cycle latency on both FMA pipes. The JIT compiles one copy per width with the same instructions
    /// as a hand-written one (the 256-bit listing was compared line by line). For a partial last panel of A,
    /// only <typeparamref name="TR"/>'s count of its rows (<see cref="EdgeRows(int, int, float*, float*, long, float*)"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TW, TV, TR>(int kc, float* a, long rowA, long stepA, float* b, long ldb, float* c, int ldc, bool add)
        where TW : struct, IWidth<TV> where TV : struct where TR : struct, ITileRows
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int lanes = TW.Lanes;
        // Rows 3-5 through a second pointer keep every broadcast a single addressed load.
        float* a3 = a + 3 * rowA;
        long rowA2 = 2 * rowA;
        for (int p = 0; p < kc; p++, a += stepA, a3 += stepA, b += ldb)
        {
            var b0 = TW.Load(b);
            var b1 = TW.Load(b + lanes);
            var x = TW.Broadcast(a[0]);
            c00 = TW.MultiplyAdd(x, b0, c00); c01 = TW.MultiplyAdd(x, b1, c01);
            if (TR.Rows < 2) continue;
            x = TW.Broadcast(a[rowA]);
            c10 = TW.MultiplyAdd(x, b0, c10); c11 = TW.MultiplyAdd(x, b1, c11);
            if (TR.Rows < 3) continue;
            x = TW.Broadcast(a[rowA2]);
            c20 = TW.MultiplyAdd(x, b0, c20); c21 = TW.MultiplyAdd(x, b1, c21);
            if (TR.Rows < 4) continue;
            x = TW.Broadcast(a3[0]);
            c30 = TW.MultiplyAdd(x, b0, c30); c31 = TW.MultiplyAdd(x, b1, c31);
            if (TR.Rows < 5) continue;
            x = TW.Broadcast(a3[rowA]);
            c40 = TW.MultiplyAdd(x, b0, c40); c41 = TW.MultiplyAdd(x, b1, c41);
            if (TR.Rows < 6) continue;
            x = TW.Broadcast(a3[rowA2]);
            c50 = TW.MultiplyAdd(x, b0, c50); c51 = TW.MultiplyAdd(x, b1, c51);
        }
        PutRows<TW, TV, TR>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>A 6×2V tile's twelve accumulators into C, row by row: the end of both full micro-kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutTile<TW, TV>(float* c, int ldc, bool add, TV c00, TV c01, TV c10, TV c11, TV c20, TV c21,
        TV c30, TV c31, TV c40, TV c41, TV c50, TV c51) where TW : struct, IWidth<TV> where TV : struct =>
        PutRows<TW, TV, Rows6>(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);

    /// <summary>The first <typeparamref name="TR"/>'s count of a tile's rows into C, row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutRows<TW, TV, TR>(float* c, int ldc, bool add, TV c00, TV c01, TV c10, TV c11, TV c20, TV c21,
        TV c30, TV c31, TV c40, TV c41, TV c50, TV c51) where TW : struct, IWidth<TV> where TV : struct where TR : struct, ITileRows
    {
        PutPair<TW, TV>(c, c00, c01, add);
        if (TR.Rows > 1) PutPair<TW, TV>(c + ldc, c10, c11, add);
        if (TR.Rows > 2) PutPair<TW, TV>(c + 2 * ldc, c20, c21, add);
        if (TR.Rows > 3) PutPair<TW, TV>(c + 3 * ldc, c30, c31, add);
        if (TR.Rows > 4) PutPair<TW, TV>(c + 4 * ldc, c40, c41, add);
        if (TR.Rows > 5) PutPair<TW, TV>(c + 5 * ldc, c50, c51, add);
    }

    /// <summary>Two vectors of a tile's row into C, added to what is there when <paramref name="add"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutPair<TW, TV>(float* c, TV lo, TV hi, bool add) where TW : struct, IWidth<TV> where TV : struct
    {
        if (add)
        {
            lo = TW.Add(lo, TW.Load(c));
            hi = TW.Add(hi, TW.Load(c + TW.Lanes));
        }
        TW.Store(lo, c);
        TW.Store(hi, c + TW.Lanes);
    }
}
