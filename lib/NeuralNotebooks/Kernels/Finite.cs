using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Finds the first value that is NaN, infinite or larger in magnitude than a limit, to catch diverging
/// training in the batch where it starts. <see cref="IndexOfNonFinite"/> is vectorized;
/// <see cref="IndexOfNonFiniteScalar"/> is its twin.
/// </summary>
public static class Finite
{
    /// <summary>
    /// Copies <paramref name="x"/> into <paramref name="copy"/> and returns the index of the first x[i] not
    /// within ±<paramref name="limit"/> (or -1): the check of a training step's weights and the backup for
    /// the next step in one read of them. The copy is complete only when the result is -1.
    /// </summary>
    internal static int CopyFindingNonFiniteScalar(ReadOnlySpan<float> x, Span<float> copy, float limit)
    {
        if (copy.Length < x.Length) throw new ArgumentException($"copy: {x.Length} values do not fit in {copy.Length}.");
        x.CopyTo(copy);
        return IndexOfNonFiniteScalar(x, limit);
    }

    /// <inheritdoc cref="CopyFindingNonFiniteScalar"/>
    internal static unsafe int CopyFindingNonFinite(ReadOnlySpan<float> x, Span<float> copy, float limit)
    {
        if (copy.Length < x.Length) throw new ArgumentException($"copy: {x.Length} values do not fit in {copy.Length}.");
        fixed (float* px = x, pc = copy)
        {
            if (x.Length < 1 << 16) return CopyRange(px, pc, 0, x.Length, limit);
            // Large weights (a dense layer's 600k): shared among the cores, each part's first bad index kept apart.
            int parts = ForkJoin.Parts(x.Length, 1024, out int size);
            int* firsts = stackalloc int[parts];
            ForkJoin.For(x.Length, 1024, new CopyParts(px, pc, limit, size, firsts));
            for (int t = 0; t < parts; t++)
                if (firsts[t] >= 0) return firsts[t];
            return -1;
        }
    }

    private readonly unsafe struct CopyParts(float* x, float* copy, float limit, int size, int* firsts) : IRangeBody
    {
        public void Run(int from, int to) => firsts[from / size] = CopyRange(x, copy, from, to, limit);
    }

    /// <summary>
    /// The copy is written with non-temporal stores: it is read back only if a later step fails, so there is
    /// no point in first fetching its old contents into the cache (as an ordinary store must) only to evict
    /// the weights the next step needs. Those stores want aligned addresses, so the copy's first floats up
    /// to a vector boundary are stored one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per weight per step: unoptimized, its vector calls are real calls
    private static unsafe int CopyRange(float* x, float* copy, int from, int to, float limit)
    {
        int lanes = Vector<float>.Count, i = from;
        var bound = new Vector<float>(limit);
        for (; i < to && ((nuint)(copy + i) & (nuint)(lanes * sizeof(float) - 1)) != 0; i++)
        {
            copy[i] = x[i];
            if (!(MathF.Abs(x[i]) <= limit)) return i;
        }
        // |x| <= limit is false for NaN as well as for large values; the check is made once per four vectors.
        for (; i <= to - 4 * lanes; i += 4 * lanes)
        {
            var a = Vector.Load(x + i); var b = Vector.Load(x + i + lanes); var c = Vector.Load(x + i + 2 * lanes); var d = Vector.Load(x + i + 3 * lanes);
            Vector.StoreAlignedNonTemporal(a, copy + i); Vector.StoreAlignedNonTemporal(b, copy + i + lanes);
            Vector.StoreAlignedNonTemporal(c, copy + i + 2 * lanes); Vector.StoreAlignedNonTemporal(d, copy + i + 3 * lanes);
            var fine = Vector.LessThanOrEqual(Vector.Abs(a), bound) & Vector.LessThanOrEqual(Vector.Abs(b), bound)
                & Vector.LessThanOrEqual(Vector.Abs(c), bound) & Vector.LessThanOrEqual(Vector.Abs(d), bound);
            if (!Vector.EqualsAll(fine, new Vector<int>(-1))) return i + IndexOfNonFiniteScalar(new ReadOnlySpan<float>(x + i, 4 * lanes), limit);
        }
        for (; i < to; i++)
        {
            copy[i] = x[i];
            if (!(MathF.Abs(x[i]) <= limit)) return i;
        }
        return -1;
    }

    /// <summary>
    /// The index of the first x[i] that is not within ±<paramref name="limit"/> (NaN and ±∞ never are), or -1
    /// if there is none. The default limit accepts every finite float.
    /// </summary>
    public static int IndexOfNonFiniteScalar(ReadOnlySpan<float> x, float limit = float.MaxValue)
    {
        for (int i = 0; i < x.Length; i++)
            if (!(MathF.Abs(x[i]) <= limit)) return i;
        return -1;
    }

    /// <inheritdoc cref="IndexOfNonFiniteScalar"/>
    public static int IndexOfNonFinite(ReadOnlySpan<float> x, float limit = float.MaxValue)
    {
        int i = 0;
        // |x| <= limit is false for NaN as well as for large values: one comparison per vector.
        if (Vector512.IsHardwareAccelerated)
        {
            var bound = Vector512.Create(limit);
            for (; i <= x.Length - 16; i += 16)
                if (!Vector512.LessThanOrEqualAll(Vector512.Abs(Vector512.Create(x.Slice(i, 16))), bound))
                    return i + IndexOfNonFiniteScalar(x.Slice(i, 16), limit);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var bound = Vector256.Create(limit);
            for (; i <= x.Length - 8; i += 8)
                if (!Vector256.LessThanOrEqualAll(Vector256.Abs(Vector256.Create(x.Slice(i, 8))), bound))
                    return i + IndexOfNonFiniteScalar(x.Slice(i, 8), limit);
        }
        for (; i < x.Length; i++)
            if (!(MathF.Abs(x[i]) <= limit)) return i;
        return -1;
    }
}
