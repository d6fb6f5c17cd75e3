using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The vectorized kernels: the same methods, with the same signatures, as <see cref="Scalar"/>. Each
/// runs on the widest vectors the CPU has (512 bits with AVX-512, 256 with AVX2, 128 with SSE or Arm
/// NEON), then finishes the last few elements one by one; the tests compare every kernel with its scalar twin. Only
/// matrix products go to <see cref="Kernels.Gemm"/>, and powers other than whole ones from -4 to 4 call the scalar twin.
/// </summary>
public static class Simd
{
    // ---- element-wise, two tensors of the same length ----

    /// <inheritdoc cref="Scalar.Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(AddOperator));
    /// <inheritdoc cref="Scalar.Subtract(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(SubtractOperator));
    /// <inheritdoc cref="Scalar.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(MultiplyOperator));
    /// <inheritdoc cref="Scalar.Divide(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(DivideOperator));
    /// <inheritdoc cref="Scalar.Max(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Max(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(MaxOperator));
    /// <inheritdoc cref="Scalar.Min(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Min(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Zip(x, y, destination, default(MinOperator));

    // ---- element-wise, a tensor and a scalar ----

    /// <inheritdoc cref="Scalar.Add(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Add(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<AddOperator>(default, y));
    /// <inheritdoc cref="Scalar.Subtract(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Subtract(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<SubtractOperator>(default, y));
    /// <inheritdoc cref="Scalar.Subtract(float, ReadOnlySpan{float}, Span{float})"/>
    public static void Subtract(float x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Map(y, destination, new ScalarWith<SubtractOperator>(default, x));
    /// <inheritdoc cref="Scalar.Multiply(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Multiply(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<MultiplyOperator>(default, y));
    /// <inheritdoc cref="Scalar.Divide(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Divide(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<DivideOperator>(default, y));
    /// <inheritdoc cref="Scalar.Divide(float, ReadOnlySpan{float}, Span{float})"/>
    public static void Divide(float x, ReadOnlySpan<float> y, Span<float> destination) => Loops.Map(y, destination, new ScalarWith<DivideOperator>(default, x));
    /// <inheritdoc cref="Scalar.Max(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Max(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<MaxOperator>(default, y));
    /// <inheritdoc cref="Scalar.Min(ReadOnlySpan{float}, float, Span{float})"/>
    public static void Min(ReadOnlySpan<float> x, float y, Span<float> destination) => Loops.Map(x, destination, new WithScalar<MinOperator>(default, y));
    /// <inheritdoc cref="Scalar.Pow"/>
    public static void Pow(ReadOnlySpan<float> x, float exponent, Span<float> destination)
    {
        // Whole exponents from -4 to 4 (squares, cubes, reciprocals: the ones training uses) are
        // vectorized; any other exponent goes element by element through MathF.Pow.
        if (SmallPowerOperator.Handles(exponent)) Loops.Map(x, destination, new SmallPowerOperator(exponent));
        else Scalar.Pow(x, exponent, destination);
    }
    /// <inheritdoc cref="Scalar.Clamp"/>
    public static void Clamp(ReadOnlySpan<float> x, float min, float max, Span<float> destination) => Loops.Map(x, destination, new ClampOperator(min, max));
    /// <inheritdoc cref="Scalar.AddScaled"/>
    public static void AddScaled(float alpha, ReadOnlySpan<float> x, Span<float> y) => Loops.Zip(x, y, y, new ScaledAddOperator(alpha));

    // ---- element-wise, one tensor ----

    /// <inheritdoc cref="Scalar.Negate"/>
    public static void Negate(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(NegateOperator));
    /// <inheritdoc cref="Scalar.Abs"/>
    public static void Abs(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(AbsOperator));
    /// <inheritdoc cref="Scalar.Exp"/>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(ExpOperator));
    /// <inheritdoc cref="Scalar.Log"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Log(ReadOnlySpan<float> x, Span<float> destination)
    {
        Scalar.CheckInto(x, destination);
        // Chunk by chunk, small enough to stay in L1: a chunk of positive normal floats (the usual
        // input) takes the short formula (TryMap), a chunk with any other value the full one.
        for (int start = 0; start < x.Length; start += LogChunk)
        {
            int n = Math.Min(LogChunk, x.Length - start);
            var chunk = x.Slice(start, n);
            var target = destination.Slice(start, n);
            if (!NormalLogOperator.TryMap(chunk, target)) Loops.Map(chunk, target, default(LogOperator));
        }
    }

    /// <summary>Values per chunk of <see cref="Log"/>: 16 KB, half of a core's L1 data cache.</summary>
    private const int LogChunk = 4096;

    /// <inheritdoc cref="Scalar.Sqrt"/>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(SqrtOperator));
    /// <inheritdoc cref="Scalar.Sigmoid"/>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(SigmoidOperator));
    /// <inheritdoc cref="Scalar.Tanh"/>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(TanhOperator));
    /// <inheritdoc cref="Scalar.Atan"/>
    public static void Atan(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(AtanOperator));
    /// <inheritdoc cref="Scalar.Relu"/>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination) => Loops.Map(x, destination, default(ReluOperator));
    /// <inheritdoc cref="Scalar.LeakyRelu"/>
    public static void LeakyRelu(ReadOnlySpan<float> x, float alpha, Span<float> destination) => Loops.Map(x, destination, new LeakyReluOperator(alpha));

    // ---- backward passes of the activations ----

    /// <inheritdoc cref="Scalar.SigmoidBackward"/>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Loops.Zip(y, dy, dx, default(SigmoidBackwardOperator));
    /// <inheritdoc cref="Scalar.TanhBackward"/>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Loops.Zip(y, dy, dx, default(TanhBackwardOperator));
    /// <inheritdoc cref="Scalar.AtanBackward"/>
    public static void AtanBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Loops.Zip(x, dy, dx, default(AtanBackwardOperator));
    /// <inheritdoc cref="Scalar.ReluBackward"/>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Loops.Zip(x, dy, dx, default(ReluBackwardOperator));
    /// <inheritdoc cref="Scalar.LeakyReluBackward"/>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> dy, Span<float> dx) => Loops.Zip(x, dy, dx, new LeakyReluBackwardOperator(alpha));

    // ---- reductions ----

    /// <inheritdoc cref="Scalar.Sum"/>
    public static float Sum(ReadOnlySpan<float> x) => Loops.SumOf(x, x, default(FirstOperator));
    /// <inheritdoc cref="Scalar.SumOfSquares"/>
    public static float SumOfSquares(ReadOnlySpan<float> x) => Loops.SumOf(x, x, default(MultiplyOperator));
    /// <inheritdoc cref="Scalar.Dot"/>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Loops.SumOf(x, y, default(MultiplyOperator));
    /// <inheritdoc cref="Scalar.Max(ReadOnlySpan{float})"/>
    public static float Max(ReadOnlySpan<float> x) => Reductions.Max(x);
    /// <inheritdoc cref="Scalar.Min(ReadOnlySpan{float})"/>
    public static float Min(ReadOnlySpan<float> x) => Reductions.Min(x);
    /// <inheritdoc cref="Scalar.IndexOfMax"/>
    public static int IndexOfMax(ReadOnlySpan<float> x) => Reductions.IndexOfMax(x);

    // ---- rows ----

    /// <inheritdoc cref="Scalar.Softmax"/>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        Scalar.CheckInto(x, destination);
        if (x.IsEmpty) return;
        // Only the first x.Length: a longer destination's tail is the caller's, and summing it spoiled the row.
        var d = destination[..x.Length];
        float max = Reductions.Max(x);
        Subtract(x, max, d);
        Exp(d, d);
        Multiply(d, 1f / Sum(d), d);
    }

    /// <summary>Rows this short or shorter take <see cref="SoftmaxRows"/>'s block passes; longer ones <see cref="Softmax"/> each.</summary>
    private const int ShortRow = 32;

    /// <inheritdoc cref="Scalar.SoftmaxRows"/>
    /// <remarks>
    /// Short rows (a classifier's 10 outputs) are done in three passes over the whole block, with one
    /// exponential for all of it: row by row, the calls and the scalar tails of the vector loops cost
    /// about 150 ns a row of 10 (a batch of 200 rows measured alone: 30.7 µs row by row, 9.4 µs in
    /// block passes). Each row is shifted by its own maximum first, and its sum is taken in double, as
    /// the twin's.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per batch: no waiting for the JIT's second tier
    public static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> destination, int width)
    {
        Scalar.CheckRows(x.Length, width);
        Scalar.CheckInto(x, destination);
        if (width > ShortRow)
        {
            for (int o = 0; o < x.Length; o += width) Softmax(x.Slice(o, width), destination.Slice(o, width));
            return;
        }
        var d = destination[..x.Length];
        for (int o = 0; o < x.Length; o += width)
        {
            // MathF.Max returns NaN if either is NaN, so a row holding one comes out all NaN, as the twin's.
            float max = x[o];
            for (int i = 1; i < width; i++) max = MathF.Max(max, x[o + i]);
            for (int i = 0; i < width; i++) d[o + i] = x[o + i] - max;
        }
        Exp(d, d);
        for (int o = 0; o < d.Length; o += width)
        {
            double sum = 0;
            for (int i = 0; i < width; i++) sum += d[o + i];
            float inverse = (float)(1.0 / sum);
            for (int i = 0; i < width; i++) d[o + i] *= inverse;
        }
    }

    /// <inheritdoc cref="Scalar.SumRows"/>
    /// <remarks>
    /// Four vectors of columns at a time down all the rows (four sums in flight), then the next four:
    /// each column is added in row order, as in the twin, so the sums are its bits. (A 200×100 bias
    /// gradient measured alone: 8.3 µs adding row after row into the sums, one call each; 1.7 µs.)
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per layer per step: no waiting for the JIT's second tier
    public static void SumRows(ReadOnlySpan<float> x, int width, Span<float> sums)
    {
        Scalar.CheckRows(x.Length, width);
        if (sums.Length < width) throw new ArgumentException($"Rows of {width} floats need {width} sums, got room for {sums.Length}.");
        int lanes = Vector<float>.Count, c = 0;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        if (Vector.IsHardwareAccelerated)
        {
            for (; c <= width - 4 * lanes; c += 4 * lanes)
            {
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int o = c; o < x.Length; o += width)
                {
                    ref float row = ref Unsafe.Add(ref x0, o);
                    s0 += Vector.LoadUnsafe(ref row);
                    s1 += Vector.LoadUnsafe(ref row, (nuint)lanes);
                    s2 += Vector.LoadUnsafe(ref row, (nuint)(2 * lanes));
                    s3 += Vector.LoadUnsafe(ref row, (nuint)(3 * lanes));
                }
                s0.CopyTo(sums[c..]); s1.CopyTo(sums[(c + lanes)..]); s2.CopyTo(sums[(c + 2 * lanes)..]); s3.CopyTo(sums[(c + 3 * lanes)..]);
            }
            for (; c <= width - lanes; c += lanes)
            {
                Vector<float> s0 = default;
                for (int o = c; o < x.Length; o += width) s0 += Vector.LoadUnsafe(ref Unsafe.Add(ref x0, o));
                s0.CopyTo(sums[c..]);
            }
        }
        for (; c < width; c++)
        {
            float s0 = 0;
            for (int o = c; o < x.Length; o += width) s0 += Unsafe.Add(ref x0, o);
            sums[c] = s0;
        }
    }

    /// <inheritdoc cref="Scalar.LogSoftmax"/>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        Scalar.CheckInto(x, destination);
        if (x.IsEmpty) return;
        float max = Reductions.Max(x);
        // Σ e^(x - max) in one pass, summed in float vectors (the twin sums in double).
        float logSum = MathF.Log(Loops.SumOf(x, x, new ShiftedExpOperator(max)));
        var d = destination[..x.Length];   // as in Softmax: the tail of a longer destination is left alone
        Subtract(x, max, d);
        Subtract(d, logSum, d);
    }

    // ---- matrix multiplication and convolution ----

    /// <inheritdoc cref="Scalar.Gemm"/>
    public static void Gemm(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate = false) =>
        Kernels.Gemm.Multiply(m, n, k, a, transposeA, b, transposeB, c, accumulate);

    /// <inheritdoc cref="Scalar.Im2Col"/>
    public static void Im2Col(ReadOnlySpan<float> input, int batch, int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> columns) =>
        Convolution.Im2Col(input, batch, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, columns);

    /// <inheritdoc cref="Scalar.Col2Im"/>
    public static void Col2Im(ReadOnlySpan<float> columns, int batch, int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> input) =>
        Convolution.Col2Im(columns, batch, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, input);
}

/// <summary>x (the first operand), so that a sum reuses the two-operand reduction loop.</summary>
internal readonly struct FirstOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x;
    public System.Runtime.Intrinsics.Vector512<float> Invoke(System.Runtime.Intrinsics.Vector512<float> x, System.Runtime.Intrinsics.Vector512<float> y) => x;
    public System.Runtime.Intrinsics.Vector256<float> Invoke(System.Runtime.Intrinsics.Vector256<float> x, System.Runtime.Intrinsics.Vector256<float> y) => x;
    public System.Runtime.Intrinsics.Vector128<float> Invoke(System.Runtime.Intrinsics.Vector128<float> x, System.Runtime.Intrinsics.Vector128<float> y) => x;
}
