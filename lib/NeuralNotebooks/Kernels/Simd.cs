namespace NeuralNotebooks.Kernels;

/// <summary>
/// The vectorized kernels, one per method of <see cref="Scalar"/> with the same signature.
/// (Forwards to the scalar reference until the SIMD implementations land.)
/// </summary>
public static class Simd
{
    /// <summary>See the scalar twin.</summary>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Add(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Subtract(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Multiply(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Divide(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Max(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Max(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Min(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Min(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Add(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Add(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Subtract(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Subtract(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Subtract(float x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Subtract(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Multiply(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Multiply(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Divide(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Divide(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Divide(float x, ReadOnlySpan<float> y, Span<float> destination) => Scalar.Divide(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Max(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Max(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Min(ReadOnlySpan<float> x, float y, Span<float> destination) => Scalar.Min(x, y, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Pow(ReadOnlySpan<float> x, float exponent, Span<float> destination) => Scalar.Pow(x, exponent, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Clamp(ReadOnlySpan<float> x, float min, float max, Span<float> destination) => Scalar.Clamp(x, min, max, destination);
    /// <summary>See the scalar twin.</summary>
    public static void AddScaled(float alpha, ReadOnlySpan<float> x, Span<float> y) => Scalar.AddScaled(alpha, x, y);
    /// <summary>See the scalar twin.</summary>
    public static void Negate(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Negate(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Abs(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Abs(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Exp(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Log(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Sqrt(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Sigmoid(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Tanh(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Atan(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Atan(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Relu(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float alpha, Span<float> destination) => Scalar.LeakyRelu(x, alpha, destination);
    /// <summary>See the scalar twin.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.SigmoidBackward(y, dy, dx);
    /// <summary>See the scalar twin.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.TanhBackward(y, dy, dx);
    /// <summary>See the scalar twin.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.ReluBackward(x, dy, dx);
    /// <summary>See the scalar twin.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.LeakyReluBackward(x, alpha, dy, dx);
    /// <summary>See the scalar twin.</summary>
    public static float Sum(ReadOnlySpan<float> x) => Scalar.Sum(x);
    /// <summary>See the scalar twin.</summary>
    public static float SumOfSquares(ReadOnlySpan<float> x) => Scalar.SumOfSquares(x);
    /// <summary>See the scalar twin.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Scalar.Dot(x, y);
    /// <summary>See the scalar twin.</summary>
    public static float Max(ReadOnlySpan<float> x) => Scalar.Max(x);
    /// <summary>See the scalar twin.</summary>
    public static float Min(ReadOnlySpan<float> x) => Scalar.Min(x);
    /// <summary>See the scalar twin.</summary>
    public static int IndexOfMax(ReadOnlySpan<float> x) => Scalar.IndexOfMax(x);
    /// <summary>See the scalar twin.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> destination) => Scalar.Softmax(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> destination) => Scalar.LogSoftmax(x, destination);
    /// <summary>See the scalar twin.</summary>
    public static void Gemm(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate = false) => Kernels.Gemm.Multiply(m, n, k, a, transposeA, b, transposeB, c, accumulate);
    /// <summary>See the scalar twin.</summary>
    public static void Im2Col(ReadOnlySpan<float> input, int batch, int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> columns) => Scalar.Im2Col(input, batch, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, columns);
    /// <summary>See the scalar twin.</summary>
    public static void Col2Im(ReadOnlySpan<float> columns, int batch, int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW, Span<float> input) => Scalar.Col2Im(columns, batch, height, width, channels, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW, input);
}
