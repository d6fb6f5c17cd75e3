using System.Runtime.CompilerServices;

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
        float max = Reductions.Max(x);
        Subtract(x, max, destination);
        Exp(destination, destination);
        Multiply(destination, 1f / Sum(destination), destination);
    }

    /// <inheritdoc cref="Scalar.LogSoftmax"/>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        Scalar.CheckInto(x, destination);
        if (x.IsEmpty) return;
        float max = Reductions.Max(x);
        // Σ e^(x - max) in one pass, summed in float vectors (the twin sums in double).
        float logSum = MathF.Log(Loops.SumOf(x, x, new ShiftedExpOperator(max)));
        Subtract(x, max, destination);
        Subtract(destination, logSum, destination);
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
