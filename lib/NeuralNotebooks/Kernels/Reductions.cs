using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The largest and smallest element and the index of the largest, vectorized. The vector maximum
/// (MaxNative) neither propagates NaN nor orders -0 and +0, so NaN is tracked on the side and the
/// answer is read back from the data: the scalar twins return the first largest element, and the
/// first NaN wins.
/// </summary>
internal static class Reductions
{
    /// <summary>
    /// Σx² (an L2 penalty's), summed as two halves added in double, each half on the core that Adam's pass over a
    /// tensor this long updates it on: the halves are cut as that pass cuts x on two cores, at a whole number of
    /// 16-float cache lines. Summed on one core, the half another core had just written crossed between their
    /// caches: the MLPClassifier's 784×100 kernel, 157 KB of it every batch. Always two halves, on one core or on
    /// many, so the sum is the same on every machine; under <see cref="AdamKernel.SharedFloats"/>, where Adam's pass runs on one core, one pass.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static unsafe double SumOfSquaresInHalves(ReadOnlySpan<float> x)
    {
        if (x.Length < AdamKernel.SharedFloats) return Simd.SumOfSquares(x);
        int half = ForkJoin.PartSize(x.Length, AdamKernel.GrainFloats, 2);
        double* sums = stackalloc double[2];
        fixed (float* p = x) ForkJoin.For(2, 1, new SquaredHalves(p, x.Length, half, sums));
        return sums[0] + sums[1];
    }

    private readonly unsafe struct SquaredHalves(float* x, int length, int half, double* sums) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int q = from; q < to; q++)
                sums[q] = q == 0 ? Simd.SumOfSquares(new ReadOnlySpan<float>(x, half)) : Simd.SumOfSquares(new ReadOnlySpan<float>(x + half, length - half));
        }
    }

    /// <summary>The first largest element, or NaN; as <see cref="Scalar.Max(ReadOnlySpan{float})"/>.</summary>
    public static float Max(ReadOnlySpan<float> x)
    {
        Scalar.NotEmpty(x);
        float m = Extreme(x, default(MaxNativeOperator), out bool nan);
        if (nan) return float.NaN;
        // Only zeros have two signs for one value; the twin keeps the first.
        return m == 0 ? x[IndexOf(x, 0f)] : m;
    }

    /// <summary>The first smallest element, or NaN; as <see cref="Scalar.Min(ReadOnlySpan{float})"/>.</summary>
    public static float Min(ReadOnlySpan<float> x)
    {
        Scalar.NotEmpty(x);
        float m = Extreme(x, default(MinNativeOperator), out bool nan);
        if (nan) return float.NaN;
        return m == 0 ? x[IndexOf(x, 0f)] : m;
    }

    /// <summary>The index of the first largest element, or of the first NaN; as <see cref="Scalar.IndexOfMax"/>.</summary>
    public static int IndexOfMax(ReadOnlySpan<float> x)
    {
        Scalar.NotEmpty(x);
        // Two passes (the maximum, then where it first occurs): each is a plain vector loop.
        float m = Extreme(x, default(MaxNativeOperator), out bool nan);
        return IndexOf(x, nan ? float.NaN : m);
    }

    /// <summary>Max or min of every element by <paramref name="op"/>; <paramref name="nan"/> says whether any element is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Extreme<T>(ReadOnlySpan<float> x, T op, out bool nan) where T : struct, IBinaryOperator
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512.LoadUnsafe(ref xr);
            var unordered = ~Vector512.Equals(acc, acc);
            for (int i = 16; i < n; i += 16)
            {
                // The last step overlaps the one before it: harmless for a maximum, and no scalar tail.
                var v = Vector512.LoadUnsafe(ref xr, (nuint)Math.Min(i, n - 16));
                acc = op.Invoke(acc, v);
                unordered |= ~Vector512.Equals(v, v);
            }
            nan = unordered != Vector512<float>.Zero;
            for (int j = 1; j < 16; j++) acc = op.Invoke(acc, Vector512.Create(acc.GetElement(j)));
            return acc.GetElement(0);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256.LoadUnsafe(ref xr);
            var unordered = ~Vector256.Equals(acc, acc);
            for (int i = 8; i < n; i += 8)
            {
                // The last step overlaps the one before it: harmless for a maximum, and no scalar tail.
                var v = Vector256.LoadUnsafe(ref xr, (nuint)Math.Min(i, n - 8));
                acc = op.Invoke(acc, v);
                unordered |= ~Vector256.Equals(v, v);
            }
            nan = unordered != Vector256<float>.Zero;
            for (int j = 1; j < 8; j++) acc = op.Invoke(acc, Vector256.Create(acc.GetElement(j)));
            return acc.GetElement(0);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var acc = Vector128.LoadUnsafe(ref xr);
            var unordered = ~Vector128.Equals(acc, acc);
            for (int i = 4; i < n; i += 4)
            {
                // The last step overlaps the one before it: harmless for a maximum, and no scalar tail.
                var v = Vector128.LoadUnsafe(ref xr, (nuint)Math.Min(i, n - 4));
                acc = op.Invoke(acc, v);
                unordered |= ~Vector128.Equals(v, v);
            }
            nan = unordered != Vector128<float>.Zero;
            for (int j = 1; j < 4; j++) acc = op.Invoke(acc, Vector128.Create(acc.GetElement(j)));
            return acc.GetElement(0);
        }
        float best = x[0];
        nan = false;
        for (int i = 0; i < n; i++)
        {
            if (float.IsNaN(x[i])) { nan = true; return float.NaN; }
            best = op.Invoke(best, x[i]);
        }
        return best;
    }

    /// <summary>The index of the first element equal to <paramref name="value"/> (the first NaN for NaN), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int IndexOf(ReadOnlySpan<float> x, float value)
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var target = Vector512.Create(value);
            for (int i = 0; i < n; i += 16)
            {
                int at = Math.Min(i, n - 16);   // the last vector overlaps the previous one, whose elements did not match
                var v = Vector512.LoadUnsafe(ref xr, (nuint)at);
                var hit = float.IsNaN(value) ? ~Vector512.Equals(v, v) : Vector512.Equals(v, target);
                ulong bits = Vector512.ExtractMostSignificantBits(hit);
                if (bits != 0) return at + BitOperations.TrailingZeroCount(bits);
            }
            return -1;
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var target = Vector256.Create(value);
            for (int i = 0; i < n; i += 8)
            {
                int at = Math.Min(i, n - 8);   // the last vector overlaps the previous one, whose elements did not match
                var v = Vector256.LoadUnsafe(ref xr, (nuint)at);
                var hit = float.IsNaN(value) ? ~Vector256.Equals(v, v) : Vector256.Equals(v, target);
                ulong bits = Vector256.ExtractMostSignificantBits(hit);
                if (bits != 0) return at + BitOperations.TrailingZeroCount(bits);
            }
            return -1;
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var target = Vector128.Create(value);
            for (int i = 0; i < n; i += 4)
            {
                int at = Math.Min(i, n - 4);   // the last vector overlaps the previous one, whose elements did not match
                var v = Vector128.LoadUnsafe(ref xr, (nuint)at);
                var hit = float.IsNaN(value) ? ~Vector128.Equals(v, v) : Vector128.Equals(v, target);
                ulong bits = Vector128.ExtractMostSignificantBits(hit);
                if (bits != 0) return at + BitOperations.TrailingZeroCount(bits);
            }
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (float.IsNaN(value) ? float.IsNaN(x[i]) : x[i] == value) return i;
        return -1;
    }
}

/// <summary>The hardware maximum: no NaN propagation, either zero for ±0 (callers handle both).</summary>
internal readonly struct MaxNativeOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x > y ? x : y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.MaxNative(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.MaxNative(x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.MaxNative(x, y);
}

/// <summary>The hardware minimum, as <see cref="MaxNativeOperator"/>.</summary>
internal readonly struct MinNativeOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x < y ? x : y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.MinNative(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.MinNative(x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.MinNative(x, y);
}

/// <summary>e^(x - shift), ignoring its second operand, so that Σ e^(x - max) reuses the two-operand reduction loop.</summary>
internal readonly struct ShiftedExpOperator(float shift) : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Exp(x - shift);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => default(ExpOperator).Invoke(x - Vector512.Create(shift));
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => default(ExpOperator).Invoke(x - Vector256.Create(shift));
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => default(ExpOperator).Invoke(x - Vector128.Create(shift));
}
