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
        for (int o = 0; o < outer; o++)
        {
            var dst = d.AsSpan(o * inner, inner);
            if (inner == 1) { dst[0] = Simd.Sum(data.AsSpan(o * n, n)); continue; }
            for (int k = 0; k < n; k++) Simd.Add(dst, data.AsSpan((o * n + k) * inner, inner), dst);
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
        if (Rank == 0) throw new InvalidOperationException($"mean: a scalar has no axis {axis}.");
        int n = Shape[Shape.NormalizeAxis(axis)];
        if (n == 0) throw new InvalidOperationException($"mean: axis {axis} of shape {Shape} is empty.");
        return Sum(axis, keepDims).Divide(n);
    }

    /// <summary>The largest element, as a scalar tensor (the gradient goes to the first maximum).</summary>
    public Tensor Max()
    {
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
        var (outer, n, inner, outShape) = Split(axis, keepDims, "max");
        if (n == 0) throw new InvalidOperationException($"max: axis {axis} of shape {Shape} is empty.");
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
    public Tensor Min() => Neg().Max().Neg();

    /// <summary>The smallest element along one axis (the gradient goes to the first minimum).</summary>
    public Tensor Min(int axis, bool keepDims = false) => Neg().Max(axis, keepDims).Neg();

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
        var (outer, n, inner, outShape) = Split(axis, keepDims, "argmax");
        if (n == 0) throw new InvalidOperationException($"argmax: axis {axis} of shape {Shape} is empty.");
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
