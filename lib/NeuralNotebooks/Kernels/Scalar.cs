using System.Runtime.CompilerServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The plain scalar reference for every kernel: one loop, one element at a time, easy to read.
/// <see cref="Simd"/> has the same methods with the same signatures, vectorized; the tests
/// check each SIMD kernel against its twin here.
/// </summary>
/// <remarks>
/// Conventions shared by all kernels: spans are read from index 0; element-wise kernels
/// process <c>x.Length</c> elements and require every other span to be at least that long;
/// <c>destination</c> may be the same memory as an input (in-place).
/// </remarks>
public static class Scalar
{
    // ---- element-wise, two tensors of the same length ----

    /// <summary><c>destination[i] = x[i] + y[i]</c>.</summary>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] + y[i];
    }

    /// <summary><c>destination[i] = x[i] - y[i]</c>.</summary>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] - y[i];
    }

    /// <summary><c>destination[i] = x[i] * y[i]</c>.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] * y[i];
    }

    /// <summary><c>destination[i] = x[i] / y[i]</c>.</summary>
    public static void Divide(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] / y[i];
    }

    /// <summary><c>destination[i] = max(x[i], y[i])</c>.</summary>
    public static void Max(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Max(x[i], y[i]);
    }

    /// <summary><c>destination[i] = min(x[i], y[i])</c>.</summary>
    public static void Min(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(x, y, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Min(x[i], y[i]);
    }

    // ---- element-wise, a tensor and a scalar ----

    /// <summary><c>destination[i] = x[i] + y</c>.</summary>
    public static void Add(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] + y;
    }

    /// <summary><c>destination[i] = x[i] - y</c>.</summary>
    public static void Subtract(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] - y;
    }

    /// <summary><c>destination[i] = x - y[i]</c>.</summary>
    public static void Subtract(float x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(y, destination);
        for (int i = 0; i < y.Length; i++) destination[i] = x - y[i];
    }

    /// <summary><c>destination[i] = x[i] * y</c>.</summary>
    public static void Multiply(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] * y;
    }

    /// <summary><c>destination[i] = x[i] / y</c>.</summary>
    public static void Divide(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] / y;
    }

    /// <summary><c>destination[i] = x / y[i]</c>.</summary>
    public static void Divide(float x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckInto(y, destination);
        for (int i = 0; i < y.Length; i++) destination[i] = x / y[i];
    }

    /// <summary><c>destination[i] = max(x[i], y)</c>.</summary>
    public static void Max(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Max(x[i], y);
    }

    /// <summary><c>destination[i] = min(x[i], y)</c>.</summary>
    public static void Min(ReadOnlySpan<float> x, float y, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Min(x[i], y);
    }

    /// <summary><c>destination[i] = x[i] ^ exponent</c>.</summary>
    public static void Pow(ReadOnlySpan<float> x, float exponent, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Pow(x[i], exponent);
    }

    /// <summary><c>destination[i] = min(max(x[i], min), max)</c>.</summary>
    public static void Clamp(ReadOnlySpan<float> x, float min, float max, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Min(MathF.Max(x[i], min), max);
    }

    /// <summary><c>y[i] += alpha * x[i]</c> (BLAS's axpy): gradient accumulation, SGD steps.</summary>
    public static void AddScaled(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        CheckInto(x, y);
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    // ---- element-wise, one tensor ----

    /// <summary><c>destination[i] = -x[i]</c>.</summary>
    public static void Negate(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = -x[i];
    }

    /// <summary><c>destination[i] = |x[i]|</c>.</summary>
    public static void Abs(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Abs(x[i]);
    }

    /// <summary><c>destination[i] = e^x[i]</c>.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Exp(x[i]);
    }

    /// <summary><c>destination[i] = ln x[i]</c>.</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Log(x[i]);
    }

    /// <summary><c>destination[i] = sqrt(x[i])</c>.</summary>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Sqrt(x[i]);
    }

    /// <summary>The logistic sigmoid, <c>1 / (1 + e^-x)</c>.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = 1f / (1f + MathF.Exp(-x[i]));
    }

    /// <summary>The hyperbolic tangent.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Tanh(x[i]);
    }

    /// <summary>The arc tangent.</summary>
    public static void Atan(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = MathF.Atan(x[i]);
    }

    /// <summary>The rectified linear unit, <c>max(x, 0)</c>; NaN stays NaN, as in PyTorch.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] <= 0f ? 0f : x[i];
    }

    /// <summary>Leaky ReLU: <c>x</c> where positive, <c>alpha * x</c> elsewhere.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float alpha, Span<float> destination)
    {
        CheckInto(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] > 0f ? x[i] : alpha * x[i];
    }

    // ---- backward passes of the activations (fused: the chain rule in one loop) ----

    /// <summary><c>dx = dy * y * (1 - y)</c>, where <c>y</c> is the sigmoid's output.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckInto(y, dy, dx);
        for (int i = 0; i < y.Length; i++) dx[i] = dy[i] * y[i] * (1f - y[i]);
    }

    /// <summary><c>dx = dy * (1 - y²)</c>, where <c>y</c> is tanh's output.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckInto(y, dy, dx);
        for (int i = 0; i < y.Length; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
    }

    /// <summary><c>dx = dy / (1 + x²)</c>, where <c>x</c> is the arc tangent's input.</summary>
    public static void AtanBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckInto(x, dy, dx);
        for (int i = 0; i < x.Length; i++) dx[i] = dy[i] / (1f + x[i] * x[i]);
    }

    /// <summary><c>dx = 0</c> where <c>x ≤ 0</c>, else <c>dy</c> (<c>x</c> may be ReLU's input or output; NaN passes <c>dy</c>, as in PyTorch).</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckInto(x, dy, dx);
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] <= 0f ? 0f : dy[i];
    }

    /// <summary><c>dx = dy</c> where <c>x &gt; 0</c>, else <c>alpha * dy</c>.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckInto(x, dy, dx);
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : alpha * dy[i];
    }

    // ---- reductions ----

    /// <summary>The sum of the elements (0 for an empty span).</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        // Accumulate in double so the reference is more accurate than any float kernel.
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i];
        return (float)s;
    }

    /// <summary>The sum of the squares of the elements.</summary>
    public static float SumOfSquares(ReadOnlySpan<float> x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += (double)x[i] * x[i];
        return (float)s;
    }

    /// <summary>The dot product <c>Σ x[i] * y[i]</c>.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Check(x, y);
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += (double)x[i] * y[i];
        return (float)s;
    }

    /// <summary>The largest element; NaN if any element is NaN; throws on an empty span.</summary>
    public static float Max(ReadOnlySpan<float> x)
    {
        NotEmpty(x);
        float m = x[0];
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) return float.NaN;
            if (x[i] > m) m = x[i];
        }
        return m;
    }

    /// <summary>The smallest element; NaN if any element is NaN; throws on an empty span.</summary>
    public static float Min(ReadOnlySpan<float> x)
    {
        NotEmpty(x);
        float m = x[0];
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) return float.NaN;
            if (x[i] < m) m = x[i];
        }
        return m;
    }

    /// <summary>The index of the first largest element (the first NaN if any); throws on an empty span.</summary>
    public static int IndexOfMax(ReadOnlySpan<float> x)
    {
        NotEmpty(x);
        int best = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) return i;
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    // ---- rows ----

    /// <summary>Softmax of one row, computed stably as <c>e^(x - max) / Σ e^(x - max)</c>.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        if (x.Length == 0) return;
        float max = Max(x);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) { destination[i] = MathF.Exp(x[i] - max); sum += destination[i]; }
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < x.Length; i++) destination[i] *= inv;
    }

    /// <summary>
    /// Softmax of each row of <paramref name="width"/> floats (<see cref="Softmax"/> row by row): a layer's
    /// outputs, one row per sample.
    /// </summary>
    public static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> destination, int width)
    {
        CheckRows(x.Length, width);
        CheckInto(x, destination);
        for (int o = 0; o < x.Length; o += width) Softmax(x.Slice(o, width), destination.Slice(o, width));
    }

    /// <summary>The sum of the rows of <paramref name="width"/> floats: <c>sums[c] = Σ_r x[r, c]</c>, each column added in row order.</summary>
    public static void SumRows(ReadOnlySpan<float> x, int width, Span<float> sums)
    {
        CheckRows(x.Length, width);
        if (sums.Length < width) throw new ArgumentException($"Rows of {width} floats need {width} sums, got room for {sums.Length}.");
        for (int c = 0; c < width; c++)
        {
            float s = 0;
            for (int o = c; o < x.Length; o += width) s += x[o];
            sums[c] = s;
        }
    }

    internal static void CheckRows(int length, int width)
    {
        if (length != 0 && (width <= 0 || length % width != 0)) throw new ArgumentException($"{length} floats are not a whole number of rows of {width}.");
    }

    /// <summary>Log-softmax of one row: <c>x - max - ln Σ e^(x - max)</c>, without forming the softmax.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckInto(x, destination);
        if (x.Length == 0) return;
        float max = Max(x);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - max);
        float logSum = (float)Math.Log(sum);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] - max - logSum;
    }

    // ---- matrix multiplication ----

    /// <summary>
    /// <c>C = op(A) · op(B)</c> (or <c>C += ...</c> when <paramref name="accumulate"/>), all row-major and
    /// densely packed: op(A) is m×k (A is stored k×m when <paramref name="transposeA"/>), op(B) is k×n
    /// (B is stored n×k when <paramref name="transposeB"/>), C is m×n.
    /// </summary>
    public static void Gemm(int m, int n, int k,
        ReadOnlySpan<float> a, bool transposeA,
        ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, bool accumulate = false)
    {
        CheckGemm(m, n, k, a, b, c);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * m + i] : a[i * k + p];
                    float bv = transposeB ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = accumulate ? c[i * n + j] + s : s;
            }
    }

    // ---- convolution helpers, NHWC layout (batch, height, width, channels) ----

    /// <summary>
    /// Unfolds image patches into rows so a convolution becomes one matrix product. Row
    /// <c>(b, oy, ox)</c> of <paramref name="columns"/> (shape (batch·outH·outW, kernelH·kernelW·channels))
    /// holds the kernelH×kernelW×channels window whose top-left corner is
    /// <c>(oy·strideH - padTop, ox·strideW - padLeft)</c>; positions outside the image are 0.
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> input, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW,
        Span<float> columns)
    {
        int rowLength = kernelH * kernelW * channels;
        CheckConv(input, batch, height, width, channels, outH, outW, columns, rowLength);
        int row = 0;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++, row++)
                {
                    int col = row * rowLength;
                    for (int ky = 0; ky < kernelH; ky++)
                        for (int kx = 0; kx < kernelW; kx++)
                        {
                            int iy = oy * strideH - padTop + ky, ix = ox * strideW - padLeft + kx;
                            bool inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                            for (int ch = 0; ch < channels; ch++, col++)
                                columns[col] = inside ? input[((b * height + iy) * width + ix) * channels + ch] : 0f;
                        }
                }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: adds every column entry back to the input position it
    /// came from (entries from padding are dropped). Used for the gradient of a convolution with
    /// respect to its input. <paramref name="input"/> is accumulated into, not overwritten.
    /// </summary>
    public static void Col2Im(ReadOnlySpan<float> columns, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW,
        Span<float> input)
    {
        int rowLength = kernelH * kernelW * channels;
        CheckConv(input, batch, height, width, channels, outH, outW, columns, rowLength);
        int row = 0;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++, row++)
                {
                    int col = row * rowLength;
                    for (int ky = 0; ky < kernelH; ky++)
                        for (int kx = 0; kx < kernelW; kx++)
                        {
                            int iy = oy * strideH - padTop + ky, ix = ox * strideW - padLeft + kx;
                            bool inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                            for (int ch = 0; ch < channels; ch++, col++)
                                if (inside) input[((b * height + iy) * width + ix) * channels + ch] += columns[col];
                        }
                }
    }

    // ---- argument checks shared with Simd ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (y.Length < x.Length) Fail(x.Length, y.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z)
    {
        if (y.Length < x.Length) Fail(x.Length, y.Length);
        if (z.Length < x.Length) Fail(x.Length, z.Length);
    }

    /// <summary>
    /// The checks of an element-wise kernel that writes <paramref name="destination"/>: it is at least as
    /// long as the input, and it either is the input (in place, the same first element) or does not
    /// overlap it. A destination that starts a few elements after its input would overwrite inputs not
    /// yet read, and the vector loops read several ahead, so the results would depend on the vector
    /// width; TensorPrimitives refuses the same spans.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckInto(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length) Fail(x.Length, destination.Length);
        if (x.Overlaps(destination, out int offset) && offset != 0) FailOverlap(offset);
    }

    /// <inheritdoc cref="CheckInto(ReadOnlySpan{float}, Span{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckInto(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        Check(x, y, destination);
        if (x.Overlaps(destination, out int offset) && offset != 0) FailOverlap(offset);
        if (y.Overlaps(destination, out offset) && offset != 0) FailOverlap(offset);
    }

    internal static void NotEmpty(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) throw new ArgumentException("The reduction needs at least one element; the input is empty.");
    }

    internal static void CheckGemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"gemm: negative size m={m}, n={n}, k={k}.");
        if (a.Length < (long)m * k) throw new ArgumentException($"gemm: A needs {(long)m * k} elements for {m}x{k}, got {a.Length}.");
        if (b.Length < (long)k * n) throw new ArgumentException($"gemm: B needs {(long)k * n} elements for {k}x{n}, got {b.Length}.");
        if (c.Length < (long)m * n) throw new ArgumentException($"gemm: C needs {(long)m * n} elements for {m}x{n}, got {c.Length}.");
    }

    internal static void CheckConv(ReadOnlySpan<float> input, int batch, int height, int width, int channels,
        int outH, int outW, ReadOnlySpan<float> columns, int rowLength)
    {
        if (input.Length < (long)batch * height * width * channels)
            throw new ArgumentException($"im2col: the input needs {batch}x{height}x{width}x{channels} elements, got {input.Length}.");
        if (columns.Length < (long)batch * outH * outW * rowLength)
            throw new ArgumentException($"im2col: the columns need {batch * outH * outW}x{rowLength} elements, got {columns.Length}.");
    }

    private static void FailOverlap(int offset) =>
        throw new ArgumentException($"The destination starts {Math.Abs(offset)} element(s) {(offset > 0 ? "after" : "before")} an input it overlaps: " +
            "it must either be that input itself (in place) or not overlap it.");

    private static void Fail(int expected, int actual) =>
        throw new ArgumentException($"Span lengths differ: the input has {expected} elements but another operand has only {actual}.");
}
