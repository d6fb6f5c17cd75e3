using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// The matrix product, on the library's packed GEMM kernel.
public sealed partial class Tensor
{
    /// <summary>
    /// The matrix product: (m, k) by (k, n) gives (m, n); a batch (b, m, k) by (k, n) gives (b, m, n).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The inner dimensions differ, or a shape is not one of those above (a vector of k values must first be
    /// reshaped to (1, k) or (k, 1), where PyTorch's matmul takes it as it is); the message names both shapes.
    /// </exception>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var a = this; var b = other;
        if (a.Rank is not (2 or 3) || b.Rank != 2 || a.Shape[-1] != b.Shape[0])
            throw new ArgumentException($"matmul: cannot multiply ({a.Shape.ToX()}) by ({b.Shape.ToX()})" +
                (a.Rank is 2 or 3 && b.Rank == 2 ? $": the inner dimensions {a.Shape[-1]} and {b.Shape[0]} differ." : ": supported are (m x k) or (batch x m x k) by (k x n)."));
        int k = b.Shape[0], n = b.Shape[1], m = a.Size / Math.Max(k, 1);
        if (k == 0) m = a.Rank == 2 ? a.Shape[0] : a.Shape[0] * a.Shape[1];
        var outDims = a.Shape.ToArray();
        outDims[^1] = n;
        var c = new float[m * n];
        // The kernel skips zeros of its first operand, which would turn 0·NaN and 0·∞ into 0 where PyTorch
        // gives NaN (diverged weights would look finite wherever an input is 0): skipped only when the
        // second operand is finite.
        // (B cannot change before the backward pass: Backward refuses a tensor written after use.)
        bool finiteB = Finite.IndexOfNonFinite(b.data.AsSpan(0, k * n)) < 0;
        Gemm.Multiply(m, n, k, a.data, false, b.data, false, c, accumulate: false, skipZeros: finiteB);
        return new Tensor(c, outDims).Record("matmul", [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                var ga = new float[a.Size];
                Gemm.Multiply(m, k, n, g, false, b.data, true, ga, accumulate: false, skipZeros: finiteB); // dA = dC · Bᵀ
                a.AccumulateGrad(ga);
            }
            if (b.RequiresGrad)
            {
                var gb = new float[b.Size];
                Gemm.Multiply(k, n, m, a.data, true, g, false, gb, accumulate: false, skipZeros: Finite.IndexOfNonFinite(g.AsSpan(0, m * n)) < 0); // dB = Aᵀ · dC
                b.AccumulateGrad(gb);
            }
        });
    }

    /// <summary>The matrix product of two tensors; see <see cref="MatMul(Tensor)"/>.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => a.MatMul(b);
}
