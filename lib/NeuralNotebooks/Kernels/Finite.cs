using System.Runtime.CompilerServices;
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
    [MethodImpl(JitHints.PerBatch)]
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
