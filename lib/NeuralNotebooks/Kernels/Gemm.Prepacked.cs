using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// A B packed once for many products: a dense layer's weights through the batches of one Predict or
/// Evaluate. Each product of a batch would otherwise pack them again (the course CNN's 4732×128 kernel,
/// 2.4 MB, once per 256 images). The panels are laid out as the blocked algorithm packs them, depth
/// block after depth block (block pc starts pc·panels·NR floats in, its panel j j·NR·kc floats further),
/// cut into the depth blocks the product for <see cref="Rows"/> rows uses: so a product that reads them
/// multiplies the same numbers in the same order as one that packs its own, to the bit.
/// </summary>
internal sealed class PackedB
{
    private float[] _data = [];
    private float[]? _source;

    /// <summary>B's depth (its rows, or its columns when transposed) and width.</summary>
    public int K { get; private set; }
    /// <summary>B's width: the product's columns.</summary>
    public int N { get; private set; }
    /// <summary>Whether B is stored N×K.</summary>
    public bool TransposeB { get; private set; }
    /// <summary>The product rows the depth blocks were cut for.</summary>
    public int Rows { get; private set; }
    /// <summary>Where the depth is split in two halves, each cut into its own blocks; 0 when it is cut whole.</summary>
    internal int Split { get; private set; }
    internal float[] Data => _data;

    /// <summary>Packs <paramref name="b"/> (K×N, or N×K when transposed) for products of <paramref name="rows"/> rows, reusing the buffer.</summary>
    [MethodImpl(JitHints.PerBatch)]
    public unsafe void Pack(float[] b, int k, int n, bool transposeB, int rows)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (k <= 0 || n <= 0 || rows <= 0 || b.Length < (long)k * n)
            throw new ArgumentException($"PackedB: B of {b.Length} floats cannot be {k}×{n}, for {rows} rows.");
        K = k; N = n; TransposeB = transposeB; Rows = rows; _source = b;
        Split = Gemm.DepthSplitFor(rows, n, k);
        long size = Gemm.PackedSize(n, k);
        if (_data.Length < size) _data = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
        fixed (float* pb = b, dst = _data)
        {
            if (Split == 0) Gemm.PackDepthRange(pb, transposeB, k, n, 0, k, dst);
            else
            {
                Gemm.PackDepthRange(pb, transposeB, k, n, 0, Split, dst);
                Gemm.PackDepthRange(pb, transposeB, k, n, Split, k, dst);
            }
        }
    }

    /// <summary>Whether this holds <paramref name="b"/> packed for a k×n product (the same array, from its first float).</summary>
    public bool Holds(ReadOnlySpan<float> b, int k, int n, bool transposeB) =>
        _source is not null && k == K && n == N && transposeB == TransposeB &&
        Unsafe.AreSame(ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetArrayDataReference(_source));
}

internal static unsafe partial class Gemm
{
    /// <summary>Where <see cref="Blocked(int, int, int, float*, bool, float*, bool, float*, bool, bool, bool, float*, int, bool, float*, int)"/> splits the depth of an m×n×k product in two (see there), or 0.</summary>
    internal static int DepthSplitFor(int m, int n, int k) =>
        (long)m * n * k >= ParallelWork && m <= DepthSplitRows && n <= 8 * NR && k >= 4 * KC ? k / 2 : 0;

    /// <summary>
    /// Where a dense layer's product in training, an m×n×k product of its input and its kernel, splits the
    /// depth in two (asked for with <see cref="Multiply(int, int, int, ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, bool, bool, PackedB?, bool, ReadOnlySpan{float}, int)"/>'s
    /// splitDepth), or 0: where <see cref="DepthSplitFor"/> splits it, and also from half that depth (512)
    /// for a product that goes through the blocked algorithm on every core (more than 16 rows, more than
    /// <see cref="NarrowSize"/> columns). Split so, a first layer's product, its weight gradient (cut by its
    /// rows, the features) and the optimizer's pass over its kernel (cut in halves) give each core the same
    /// half of the features, and the trainer gathers each core's half of the batch on it (see
    /// <see cref="NeuralNotebooks.Layer.InputSplit"/>): the course MLP's 784×100 kernel and its half of every
    /// batch stay in one core's cache from step to step. Before, the product was cut by samples, so each core
    /// read the half of the kernel the other core's optimizer had written, and the weight gradient, cut by
    /// features, read the samples the other core had gathered. On the Zen 4 VM, processes of three one-epoch
    /// MLP fits with every batch shared, the two builds taking turns: medians 579k and 614.5k samples/s
    /// (1.06x) in a fast phase, and in minutes when the link between the cores was slow 236k to 305k against
    /// 267k to 401k (most of them 322k to 377k); five-epoch MLPClassifier fits 549.5k and 581.5k.
    /// </summary>
    internal static int InputSplitFor(int m, int n, int k) =>
        DepthSplitFor(m, n, k) is var split and not 0 ? split
        : (long)m * n * k >= ParallelWork && m > 16 && m <= DepthSplitRows && n > NarrowSize && n <= 8 * NR && k >= 2 * KC ? k / 2 : 0;

    /// <summary>Floats of a whole packed B: its panels of NR columns (the last zero-padded) over the whole depth.</summary>
    internal static long PackedSize(int n, int k) => (long)(n + NR - 1) / NR * NR * k;

    /// <summary>Packs depth [from, to) of B, cut into blocks as the blocked algorithm cuts it, into the whole-B layout at <paramref name="dst"/>.</summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static void PackDepthRange(float* b, bool transposeB, int k, int n, int from, int to, float* dst)
    {
        int panels = (n + NR - 1) / NR, depthStep = DepthStep(to - from);
        for (int pc = from; pc < to; pc += depthStep)
        {
            int kc = Math.Min(depthStep, to - pc);
            for (int jc = 0; jc < n; jc += NC)
                PackB(b, transposeB, k, n, pc, kc, jc, Math.Min(NC, n - jc), PackedPanel(dst, pc, panels, jc / NR, kc));
        }
    }

    /// <summary>
    /// Whether a product over depth [from, to) finds its blocks in a B packed with the depth split at
    /// <paramref name="split"/> (0: not split): the same range, so the same blocks.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    private static bool PackedCovers(int split, int k, int from, int to) =>
        split == 0 ? from == 0 && to == k : (from == 0 && to == split) || (from == split && to == k);
}
