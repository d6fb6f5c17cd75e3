using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// Reductions: over all elements, or along one axis with or without keeping it (keepDims).
public sealed partial class Tensor
{
    /// <summary>The sum of all elements, as a scalar tensor.</summary>
    public Tensor Sum()
    {
        var self = this;
        return Scalar(Simd.Sum(data)).Record("sum", [this], g =>
        {
            var t = new float[self.Size];
            Array.Fill(t, g[0]);
            self.AccumulateGrad(t);
        });
    }

    /// <summary>
    /// <paramref name="dst"/> = the sum of the <paramref name="n"/> rows of <paramref name="inner"/> floats in
    /// <paramref name="rows"/>, pairwise: halves summed apart and then added, down to runs of
    /// <see cref="SumRun"/> rows added in turn, so the rounding error grows with log n rather than n. Row by
    /// row, a column of a million 0.1s had a mean of 0.10096 (PyTorch: 0.1000).
    /// </summary>
    private static void SumRows(ReadOnlySpan<float> rows, int n, int inner, Span<float> dst, ref float[]? scratch)
    {
        if (n <= SumRun)
        {
            // An empty axis sums to zeros, as PyTorch's does.
            if (n == 0) { dst.Clear(); return; }
            rows[..inner].CopyTo(dst);
            for (int k = 1; k < n; k++) Simd.Add(dst, rows.Slice(k * inner, inner), dst);
            return;
        }
        int half = n / 2;
        SumRows(rows[..(half * inner)], half, inner, dst, ref scratch);
        // Each level's right half needs its own buffer while deeper levels use theirs: one slice per level,
        // the level counted by halving up, as the right half (the larger) does.
        int depth = 0;
        for (int m = n; m > SumRun; m = (m + 1) / 2) depth++;
        if (scratch is null || scratch.Length < depth * inner) scratch = new float[(depth + 1) * inner];
        var right = scratch.AsSpan((depth - 1) * inner, inner);
        SumRows(rows[(half * inner)..], n - half, inner, right, ref scratch);
        Simd.Add(dst, right, dst);
    }

    /// <summary>Runs of at most this many rows are added in turn by <see cref="SumRows"/>.</summary>
    private const int SumRun = 32;

    /// <summary>The mean of all elements, as a scalar tensor.</summary>
    public Tensor Mean()
    {
        if (Size == 0) throw new InvalidOperationException($"mean: the tensor is empty (shape {Shape}).");
        return Sum().Divide(Size);
    }

    /// <summary>The sum along one axis; with <paramref name="keepDims"/> that axis stays with size 1.</summary>
    public Tensor Sum(int axis, bool keepDims = false)
    {
        var (outer, n, inner, outShape) = Split(axis, keepDims, "sum");
        var d = new float[outer * inner];
        float[]? scratch = null;
        for (int o = 0; o < outer; o++)
        {
            var dst = d.AsSpan(o * inner, inner);
            if (inner == 1) { dst[0] = Simd.Sum(data.AsSpan(o * n, n)); continue; }
            SumRows(data.AsSpan(o * n * inner, n * inner), n, inner, dst, ref scratch);
        }
        var self = this;
        return new Tensor(d, outShape).Record("sum", [this], g =>
        {
            var t = new float[self.Size];
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < n; k++)
                    g.AsSpan(o * inner, inner).CopyTo(t.AsSpan((o * n + k) * inner, inner));
            self.AccumulateGrad(t);
        });
    }

    /// <summary>The mean along one axis; with <paramref name="keepDims"/> that axis stays with size 1.</summary>
    public Tensor Mean(int axis, bool keepDims = false)
    {
        var (_, n, _, _) = SplitNonEmpty(axis, keepDims, "mean");
        return Sum(axis, keepDims).Divide(n);
    }

    /// <summary>The largest element, as a scalar tensor (the gradient goes to the first maximum).</summary>
    public Tensor Max()
    {
        if (Size == 0) throw new InvalidOperationException($"max: the tensor is empty (shape {Shape}).");
        int i = ArgMax();
        var self = this;
        return Scalar(data[i]).Record("max", [this], g =>
        {
            var t = new float[self.Size];
            t[i] = g[0];
            self.AccumulateGrad(t);
        });
    }

    /// <summary>The largest element along one axis (the gradient goes to the first maximum).</summary>
    public Tensor Max(int axis, bool keepDims = false)
    {
        var (outer, n, inner, outShape) = SplitNonEmpty(axis, keepDims, "max");
        var idx = ArgMaxIndices(outer, n, inner);
        var d = new float[idx.Length];
        for (int j = 0; j < idx.Length; j++) d[j] = data[idx[j]];
        var self = this;
        return new Tensor(d, outShape).Record("max", [this], g =>
        {
            var t = new float[self.Size];
            for (int j = 0; j < idx.Length; j++) t[idx[j]] += g[j];
            self.AccumulateGrad(t);
        });
    }

    /// <summary>The smallest element, as a scalar tensor (the gradient goes to the first minimum).</summary>
    public Tensor Min() => Size == 0 ? throw new InvalidOperationException($"min: the tensor is empty (shape {Shape}).") : Neg().Max().Neg();

    /// <summary>The smallest element along one axis (the gradient goes to the first minimum).</summary>
    public Tensor Min(int axis, bool keepDims = false)
    {
        // Checked here so that an error says "min", not the "max" it is computed with.
        SplitNonEmpty(axis, keepDims, "min");
        return Neg().Max(axis, keepDims).Neg();
    }

    /// <summary>The flat index of the first largest element.</summary>
    public int ArgMax()
    {
        if (Size == 0) throw new InvalidOperationException($"argmax: the tensor is empty (shape {Shape}).");
        return Simd.IndexOfMax(data);
    }

    /// <summary>
    /// The index of the largest element along one axis, as floats: for a batch of class scores
    /// (N, 10), <c>ArgMax(1)</c> gives the predicted class of each sample. Not differentiable.
    /// </summary>
    public Tensor ArgMax(int axis, bool keepDims = false)
    {
        var (outer, n, inner, outShape) = SplitNonEmpty(axis, keepDims, "argmax");
        var idx = ArgMaxIndices(outer, n, inner);
        var d = new float[idx.Length];
        for (int j = 0; j < idx.Length; j++) d[j] = idx[j] / inner % n;
        return new Tensor(d, outShape);
    }

    /// <summary>Flat positions of the first maximum of every (outer, inner) line along the middle axis.</summary>
    private int[] ArgMaxIndices(int outer, int n, int inner)
    {
        var idx = new int[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { idx[o] = o * n + Simd.IndexOfMax(data.AsSpan(o * n, n)); continue; }
            for (int i = 0; i < inner; i++)
            {
                int best = o * n * inner + i;
                for (int k = 1; k < n; k++)
                {
                    int p = (o * n + k) * inner + i;
                    if (data[p] > data[best] || (float.IsNaN(data[p]) && !float.IsNaN(data[best]))) best = p;
                }
                idx[o * inner + i] = best;
            }
        }
        return idx;
    }

    /// <summary><see cref="Split"/> for a reduction that has no value over an empty axis (mean, max, min, argmax).</summary>
    private (int outer, int n, int inner, Shape outShape) SplitNonEmpty(int axis, bool keepDims, string op)
    {
        var split = Split(axis, keepDims, op);
        if (split.n == 0) throw new InvalidOperationException($"{op}: axis {axis} of shape {Shape} is empty.");
        return split;
    }

    /// <summary>Views the shape as (outer, n, inner) around <paramref name="axis"/> and gives the reduced shape.</summary>
    private (int outer, int n, int inner, Shape outShape) Split(int axis, bool keepDims, string op)
    {
        if (Rank == 0) throw new InvalidOperationException($"{op}: a scalar has no axis {axis}.");
        int a = Shape.NormalizeAxis(axis);
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= Shape[i];
        for (int i = a + 1; i < Rank; i++) inner *= Shape[i];
        var dims = new List<int>(Shape);
        if (keepDims) dims[a] = 1; else dims.RemoveAt(a);
        return (outer, Shape[a], inner, new Shape(dims.ToArray()));
    }
}
