using System.Runtime.CompilerServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The row-split product as two balanced loops rather than one fixed band of rows per core. Cut into
/// fixed bands, each core packed all of B for its own band, and the product ended when the slower core
/// did; on a 2-core VM whose cores slow down in turn, that wait is often the longer part. Here the cores
/// first pack B once between them, into one buffer, a few panels of one depth block at a time; then
/// they share out the rows of C with <see cref="ForkJoin.ForBalanced"/>: each core runs its own part
/// (the rows the fixed cut gave it) from the front and, once that is done, takes the others' last chunks,
/// so a core that falls behind is helped (CNN training epochs 1.09x and 1.11x the fixed bands', paired;
/// a lone SGEMM within the noise). Each core mostly computes the rows the fixed cut gave it, so the next
/// kernel of a training step (Adam, cut the same way) finds them in its own cache: claimed from one
/// shared counter instead, the chunks alternated between the cores and CNN epochs ran 4% to 11% slower.
/// A range of rows goes through the whole depth before its core takes the next, so no two cores ever add
/// into the same rows of C and nobody waits for anybody between depth blocks. The ranges start at
/// multiples of MR, and each element of C is summed over the same depth blocks in the same order
/// whichever core computes it: the result is the one-core product's to the bit, however the chunks fall.
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>The most floats of packed B the shared path holds at once (64 MB); a larger B keeps the per-core bands.</summary>
    private const long SharedPackLimit = 16L << 20;
    /// <summary>Panels of B packed per index of the packing loop: 64 columns with AVX2, a few microseconds of copying.</summary>
    private const int PanelsPerPiece = 4;

    /// <summary>The least of B a core packs in a parallel loop (128 KB): a few microseconds of copying, about what sharing it out costs.</summary>
    private const long PackGrainFloats = 32 * 1024;

    [ThreadStatic] private static float[]? _sharedB;

    /// <summary>
    /// A partial last panel of a B the zero-skipping kernel reads in place, packed by each core for itself
    /// (see <see cref="OwnEdgePanel"/>), and the product it was packed for.
    /// </summary>
    [ThreadStatic] private static float[]? _edgeB;
    [ThreadStatic] private static long _edgeProduct;
    /// <summary>Numbers the products that pack such a panel, so that a core packs it once per product.</summary>
    private static long _edgeProducts;

    /// <summary>Whether B (k×n, packed whole) is small enough for <see cref="SharedRows"/>.</summary>
    private static bool FitsSharedPacking(int n, int k) => (long)(n + NR - 1) / NR * NR * k <= SharedPackLimit;

    /// <summary>For the tests: the row-split product, whatever the shape (Multiply picks it for tall products only).</summary>
    internal static void MultiplySharedRows(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b,
        bool transposeB, Span<float> c, bool accumulate, bool skipZeros)
    {
        Scalar.CheckGemm(m, n, k, a, b, c);
        if (m == 0 || n == 0 || k == 0) throw new ArgumentException("the shared row split needs a nonempty product");
        fixed (float* pa = a, pb = b, pc = c) SharedRows(m, n, k, pa, transposeA, pb, transposeB, pc, accumulate, skipZeros, prepacked: null);
    }

    /// <summary>For the tests: the depth split in halves (whatever the shape), each half's columns in <paramref name="bands"/> bands, as on 2 × bands cores.</summary>
    internal static void MultiplyDepthSplit(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, bool skipZeros, int bands)
    {
        Scalar.CheckGemm(m, n, k, a, b, c);
        if (m == 0 || n == 0 || k < 2) throw new ArgumentException("the depth split needs a nonempty product at least two deep");
        fixed (float* pa = a, pb = b, pc = c) DepthSplit(m, n, k, pa, false, pb, false, pc, accumulate, skipZeros, packed: null, packedSplit: 0, bands);
    }

    /// <summary>For the tests: the blocked product on the calling thread alone, the reference the parallel splits must match to the bit.</summary>
    internal static void MultiplyOnOneCore(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b,
        bool transposeB, Span<float> c, bool accumulate, bool skipZeros)
    {
        Scalar.CheckGemm(m, n, k, a, b, c);
        fixed (float* pa = a, pb = b, pc = c) Blocked(m, n, k, pa, transposeA, pb, transposeB, pc, accumulate, parallel: false, skipZeros, packed: null, packedSplit: 0);
    }

    /// <summary>
    /// C (+)= op(A)·op(B) on every core: B packed once between them (or already, whole, at <paramref name="prepacked"/>),
    /// then the rows of C shared out.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    private static void SharedRows(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB,
        float* c, bool accumulate, bool skipZeros, float* prepacked, float* bCopy = null, int copyThread = 0)
    {
        int panelsA = (m + MR - 1) / MR, panelsB = (n + NR - 1) / NR;
        // The same depth blocks as the one-core product.
        int blocks = (k + KC - 1) / KC, depthStep = DepthStep(k);
        int piecesPerBlock = (panelsB + PanelsPerPiece - 1) / PanelsPerPiece;
        // The zero-skipping kernel reads an untransposed B's whole panels in place (RowBlockSkippingZeros):
        // only a partial last panel is packed, by each core for itself (OwnEdgePanel), so B needs no shared buffer.
        bool inPlace = prepacked == null && skipZeros && !transposeB;
        var packed = prepacked != null || inPlace ? null : Rent(ref _sharedB, panelsB * NR * k);
        fixed (float* own = packed)
        {
            float* bp = prepacked != null ? prepacked : own;
            long edgeProduct = inPlace && n % NR != 0 ? Interlocked.Increment(ref _edgeProducts) : 0;
            if (!inPlace && prepacked == null)
            {
                // The loop's return is the wait: no row starts before all of B is packed. A small B (under
                // two grains) is packed on the calling thread alone, without a fork.
                int grain = (int)Math.Max(1, PackGrainFloats / ((long)PanelsPerPiece * NR * depthStep));
                ForkJoin.ForBalanced(blocks * piecesPerBlock, grain, new PackShared(n, k, b, transposeB, bp, panelsB, piecesPerBlock, depthStep));
            }
            ForkJoin.ForBalanced(panelsA, 1, new SharedRowPanels(m, n, k, a, transposeA, c, accumulate, skipZeros, bp, inPlace ? b : null, panelsB, depthStep, edgeProduct,
                inPlace ? bCopy : null, copyThread));
        }
    }

    /// <summary>
    /// The partial last panel of B (k×n, untransposed, n not a multiple of NR), every depth block of it
    /// (block pc at pc·NR floats), packed into this thread's own buffer once for product
    /// <paramref name="product"/>. Packed once on the calling thread for both cores, it took about 14 µs
    /// of the MLP's 200×784 by 784×100 forward product (about 110 µs), with the other core waiting:
    /// presumably because each of its lines, read by both cores in one product, had to be taken back
    /// from the other core's cache before it could be written in the next. Packed by each core into its
    /// own buffer, that product ran 8% to 11% faster and the weight gradient 784×200ᵀ by 200×100 4% to 5%
    /// (old and new alternating product by product, three processes).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    private static float[] OwnEdgePanel(float* b, int k, int n, int depthStep, long product)
    {
        var edge = Rent(ref _edgeB, NR * k);
        if (_edgeProduct == product) return edge;
        fixed (float* e = edge)
            for (int pc = 0; pc < k; pc += depthStep)
                PackB(b, transposeB: false, k, n, pc, Math.Min(depthStep, k - pc), n / NR * NR, n % NR, e + (long)pc * NR);
        _edgeProduct = product;
        return edge;
    }

    /// <summary>
    /// Pieces [from, to) of B's packing, PanelsPerPiece panels of one depth block each: depth block by depth
    /// block, block b's panels starting where the blocks before it end (pc·panelsB·NR floats in).
    /// </summary>
    private readonly struct PackShared(int n, int k, float* b, bool transposeB, float* packed, int panelsB, int piecesPerBlock, int depthStep) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            for (int u = from; u < to; u++)
            {
                int pc = u / piecesPerBlock * depthStep, kc = Math.Min(depthStep, k - pc);
                int firstPanel = u % piecesPerBlock * PanelsPerPiece;
                int jc = firstPanel * NR, nc = Math.Min(PanelsPerPiece * NR, n - jc);
                PackB(b, transposeB, k, n, pc, kc, jc, nc, PackedPanel(packed, pc, panelsB, firstPanel, kc));
            }
        }
    }

    /// <summary>
    /// Panels [from, to) of A's rows (MR each) through every depth block, in blocks of at most MC rows as
    /// even as they come (a range of 17 panels is 9 + 8, not 16 + 1).
    /// </summary>
    private readonly struct SharedRowPanels(int m, int n, int k, float* a, bool transposeA, float* c, bool accumulate, bool skipZeros,
        float* packed, float* bInPlace, int panelsB, int depthStep, long edgeProduct, float* bCopy, int copyThread) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            // The thread that made a copy of B reads its own (see MultiplyWithCopyOfB).
            float* bRead = bCopy != null && Environment.CurrentManagedThreadId == copyThread ? bCopy : bInPlace;
            var edge = edgeProduct != 0 ? OwnEdgePanel(bRead, k, n, depthStep, edgeProduct) : null;
            fixed (float* e = edge)
            {
                int rowBlocks = (to - from + MC / MR - 1) / (MC / MR), perBlock = (to - from + rowBlocks - 1) / rowBlocks;
                for (int p = from; p < to; p += perBlock)
                {
                    int ic = p * MR, mc = Math.Min(Math.Min(to, p + perBlock) * MR, m) - ic;
                    for (int pc = 0; pc < k; pc += depthStep)
                    {
                        int kc = Math.Min(depthStep, k - pc);
                        bool add = accumulate || pc > 0;
                        float* bp = packed == null ? null : PackedPanel(packed, pc, panelsB, 0, kc);   // null: B read in place
                        if (skipZeros) RowBlockSkippingZeros(ic, mc, m, k, n, a, transposeA, pc, kc, 0, n, bp, bRead, c, add, panelsB, e == null ? null : e + (long)pc * NR);
                        else RowBlock(ic, mc, m, k, n, a, transposeA, pc, kc, 0, n, bp, c, add, 0, panelsB, null);
                    }
                }
            }
        }
    }
}
