using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Finds the first value that is not a finite number (NaN or ±∞), to catch diverging training in the
/// batch where it starts. <see cref="IndexOfNonFinite"/> is vectorized; <see cref="IndexOfNonFiniteScalar"/> is its twin.
/// </summary>
public static class Finite
{
    /// <summary>The index of the first NaN or infinity in <paramref name="x"/>, or -1 if every value is finite.</summary>
    public static int IndexOfNonFiniteScalar(ReadOnlySpan<float> x)
    {
        for (int i = 0; i < x.Length; i++)
            if (!float.IsFinite(x[i])) return i;
        return -1;
    }

    /// <inheritdoc cref="IndexOfNonFiniteScalar"/>
    public static int IndexOfNonFinite(ReadOnlySpan<float> x)
    {
        int i = 0;
        // x - x is 0 for a finite x and NaN for NaN or ±∞: one subtraction and one comparison per vector.
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - 16; i += 16)
            {
                var v = Vector512.Create(x.Slice(i, 16));
                if (!Vector512.EqualsAll(v - v, Vector512<float>.Zero)) return i + IndexOfNonFiniteScalar(x.Slice(i, 16));
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= x.Length - 8; i += 8)
            {
                var v = Vector256.Create(x.Slice(i, 8));
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero)) return i + IndexOfNonFiniteScalar(x.Slice(i, 8));
            }
        for (; i < x.Length; i++)
            if (!float.IsFinite(x[i])) return i;
        return -1;
    }
}
