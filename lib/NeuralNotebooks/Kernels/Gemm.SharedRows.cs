using System.Runtime.CompilerServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The row-split product shared out by claims rather than cut into one fixed band per core. Cut into
/// fixed bands, each core packed all of B for its own band, and the product ended when the slower core
/// did; on a 2-core VM whose cores slow down in turn, that wait is often the longer part. Here the
/// cores pack B once between them, into one buffer, then each takes chunks of rows from the front of
/// its own band and, once that is done, from the back of the others' bands, so a core that falls
/// behind is helped (CNN training epochs 1.09x and 1.11x the fixed bands', paired; a lone SGEMM within
/// the noise). Each core mostly computes the rows the fixed cut gave it, so the next kernel of a
/// training step (Adam, cut the same way) finds them in its own cache: claimed from one shared counter
/// instead, the chunks alternated between the cores and CNN epochs ran 4% to 11% slower. A chunk goes
/// through the whole depth before its core takes the next, so no two cores ever add into the same rows
/// of C and nobody waits for anybody between depth blocks. The chunks start at multiples of MR, like
/// the bands did, and each element of C is summed over the same blocks in the same order whichever core
/// computes it: the result is the banded product's to the bit, however the chunks fall.
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>The most floats of packed B the shared path holds at once (64 MB); a larger B keeps the per-core bands.</summary>
    private const long SharedPackLimit = 16L << 20;
    /// <summary>Panels of B packed per claim: 64 columns with AVX2, a few microseconds of copying.</summary>
    private const int PanelsPerClaim = 4;
    /// <summary>Chunks of rows per core at most: enough that the last chunk taken is a small part of the product.</summary>
    private const int ChunksPerCore = 4;

    [ThreadStatic] private static float[]? _sharedB;
    [ThreadStatic] private static int[]? _claims;

    /// <summary>Whether B (k×n, packed whole) is small enough for <see cref="SharedRows"/>.</summary>
    private static bool FitsSharedPacking(int n, int k) => (long)(n + NR - 1) / NR * NR * k <= SharedPackLimit;

    /// <summary>How the tests run the cores' shares of <see cref="SharedRows"/>; the product itself always uses <see cref="ForkJoin"/>.</summary>
    internal enum Sharing
    {
        /// <summary>On the thread pool, as any parallel kernel.</summary>
        ForkJoin,
        /// <summary>One after the other on the calling thread, the last core's first: it takes every chunk, its own band's and the others'.</summary>
        LastCoreFirst,
        /// <summary>Each on a thread of its own, started together.</summary>
        Threads,
    }

    /// <summary>
    /// For the tests: the row-split product with its rows shared among <paramref name="cores"/> shares, run
    /// as <paramref name="how"/> says, so that every order of claiming can be compared with every other.
    /// </summary>
    internal static void MultiplySharedRows(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b,
        bool transposeB, Span<float> c, bool accumulate, bool skipZeros, int cores, Sharing how)
    {
        Scalar.CheckGemm(m, n, k, a, b, c);
        if (m == 0 || n == 0 || k == 0) throw new ArgumentException("the shared row split needs a nonempty product");
        fixed (float* pa = a, pb = b, pc = c) SharedRows(m, n, k, pa, transposeA, pb, transposeB, pc, accumulate, skipZeros, cores, how);
    }

    /// <summary>
    /// C (+)= op(A)·op(B) shared among <paramref name="cores"/> cores: B packed once between them, rows of C
    /// claimed a chunk at a time.
    /// </summary>
    private static void SharedRows(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB,
        float* c, bool accumulate, bool skipZeros, int cores, Sharing how)
    {
        int panelsA = (m + MR - 1) / MR, panelsB = (n + NR - 1) / NR;
        int chunkPanels = Math.Clamp((panelsA + ChunksPerCore * cores - 1) / (ChunksPerCore * cores), 1, MC / MR);
        // The same depth blocks as the banded product: of one size, at most KC (see Blocked).
        int blocks = (k + KC - 1) / KC, depthStep = (k + blocks - 1) / blocks;
        var packed = Rent(ref _sharedB, panelsB * NR * k);
        // B's claims and B's finished claims, then each core's band of row chunks as (next, end), each on a cache line of its own.
        var claims = Rent(ref _claims, (2 + cores) * ClaimStride);
        int chunkRows = chunkPanels * MR, chunks = (m + chunkRows - 1) / chunkRows;
        fixed (float* bp = packed)
        fixed (int* cp = claims)
        {
            cp[0] = cp[ClaimStride] = 0;
            for (int t = 0; t < cores; t++)
                *(long*)(cp + (2 + t) * ClaimStride) = ChunkBand.Of((int)((long)chunks * t / cores), (int)((long)chunks * (t + 1) / cores));
            var plan = new SharedPlan(m, n, k, a, transposeA, b, transposeB, c, accumulate, skipZeros,
                bp, cp, cores, panelsB, (panelsB + PanelsPerClaim - 1) / PanelsPerClaim, depthStep, blocks, chunkRows);
            if (how == Sharing.ForkJoin) ForkJoin.For(cores, 1, plan);
            else if (how == Sharing.LastCoreFirst)
                for (int t = cores - 1; t >= 0; t--) plan.Run(t, t + 1);
            else OnThreads(plan, cores);
        }
    }

    /// <summary>Each share on a thread of its own (a method apart: a lambda capturing the plan in SharedRows would allocate on every product).</summary>
    private static void OnThreads(SharedPlan plan, int cores)
    {
        var threads = Enumerable.Range(0, cores).Select(t => new Thread(() => plan.Run(t, t + 1))).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
    }

    /// <summary>Ints between two counters: 64 bytes, so that the cores' claims do not bounce one cache line between them.</summary>
    private const int ClaimStride = 16;

    /// <summary>
    /// One core's share of <see cref="SharedRows"/>: whatever it can claim. A core that arrives late finds
    /// the work claimed and leaves; one that arrives alone does all of it (a busy thread pool, or a
    /// product inside another parallel loop), so no core ever waits for one that has not started.
    /// </summary>
    private readonly struct SharedPlan(int m, int n, int k, float* a, bool transposeA, float* b, bool transposeB,
        float* c, bool accumulate, bool skipZeros, float* packed, int* claims, int cores, int panelsB, int claimsPerBlock,
        int depthStep, int blocks, int chunkRows) : IRangeBody
    {
        /// <summary>Part t of the loop (one per core) is core t's share: its band first.</summary>
        public void Run(int from, int to)
        {
            for (int t = from; t < to; t++) Take(t);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Take(int own)
        {
            // 1. Pack B: depth block by depth block, PanelsPerClaim panels per claim, block b's panels
            //    starting where the blocks before it end (pc·panelsB·NR floats in).
            int packClaims = blocks * claimsPerBlock;
            int* packNext = claims, packDone = claims + ClaimStride;
            for (int u; (u = Interlocked.Increment(ref *packNext) - 1) < packClaims;)
            {
                int pc = u / claimsPerBlock * depthStep, kc = Math.Min(depthStep, k - pc);
                int firstPanel = u % claimsPerBlock * PanelsPerClaim;
                int jc = firstPanel * NR, nc = Math.Min(PanelsPerClaim * NR, n - jc);
                PackB(b, transposeB, k, n, pc, kc, jc, nc, packed + (long)pc * panelsB * NR + (long)firstPanel * NR * kc);
                Interlocked.Increment(ref *packDone);
            }
            // Every claim of B is being packed by a core that is running: wait for the last to finish.
            var spin = new SpinWait();
            while (Volatile.Read(ref *packDone) < packClaims) spin.SpinOnce(sleep1Threshold: -1);

            // 2. Rows of C, a chunk at a time, each through every depth block: the own band's from its
            //    front, then the other bands' from their backs.
            for (int t = 0; t < cores; t++)
            {
                long* band = (long*)(claims + (2 + (own + t) % cores) * ClaimStride);
                for (int r; (r = ChunkBand.Take(ref *band, fromBack: t > 0)) >= 0;)
                    Chunk(r);
            }
        }

        /// <summary>The row chunk r through every depth block.</summary>
        private void Chunk(int r)
        {
            int ic = r * chunkRows, mc = Math.Min(chunkRows, m - ic);
            for (int pc = 0; pc < k; pc += depthStep)
            {
                int kc = Math.Min(depthStep, k - pc);
                bool add = accumulate || pc > 0;
                float* bp = packed + (long)pc * panelsB * NR;
                if (skipZeros) RowBlockSkippingZeros(ic, mc, m, k, n, a, transposeA, pc, kc, 0, n, bp, c, add, panelsB);
                else RowBlock(ic, mc, m, k, n, a, transposeA, pc, kc, 0, n, bp, c, add, 0, panelsB, null);
            }
        }
    }
}
