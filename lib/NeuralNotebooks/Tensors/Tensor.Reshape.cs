using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// Changing the shape, picking samples and batches, joining tensors.
public sealed partial class Tensor
{
    /// <summary>
    /// The same elements in a new shape (one dimension may be -1: it is inferred). Shares memory
    /// with this tensor, like PyTorch's <c>view</c>.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var dims = (int[])shape.Clone();
        int infer = Array.IndexOf(dims, -1);
        if (infer >= 0)
        {
            if (Array.IndexOf(dims, -1, infer + 1) >= 0) throw new ArgumentException($"reshape: only one dimension can be -1, got {Fmt(dims)}.");
            long known = 1;
            for (int i = 0; i < dims.Length; i++) if (i != infer) known *= dims[i];
            if (known == 0 || Size % known != 0)
                throw new ArgumentException($"reshape: cannot reshape {Shape} ({Size} elements) into {Fmt(dims)}.");
            dims[infer] = (int)(Size / known);
        }
        var target = new Shape(dims);
        if (target.Size != Size) throw new ArgumentException($"reshape: cannot reshape {Shape} ({Size} elements) into {target} ({target.Size} elements).");
        var self = this;
        return new Tensor(data, target).Record("reshape", [this], g => self.AccumulateGrad(g));
    }

    private static string Fmt(int[] dims) => $"({string.Join(", ", dims)})";

    /// <summary>
    /// Flattens the axes from <paramref name="startAxis"/> on into one: <c>Flatten()</c> gives a vector,
    /// <c>Flatten(1)</c> turns a batch (N, 28, 28) into (N, 784). Shares memory with this tensor, as <see cref="Reshape"/> does.
    /// </summary>
    public Tensor Flatten(int startAxis = 0)
    {
        if (Rank == 0) return Reshape(1);
        int a = Shape.NormalizeAxis(startAxis);
        var dims = new int[a + 1];
        for (int i = 0; i < a; i++) dims[i] = Shape[i];
        dims[a] = -1;
        int rest = 1;
        for (int i = a; i < Rank; i++) rest *= Shape[i];
        dims[a] = rest;
        return Reshape(dims);
    }

    /// <summary>The transpose of a matrix: rows become columns.</summary>
    public Tensor Transpose()
    {
        if (Rank != 2) throw new InvalidOperationException($"transpose: needs a matrix (rank 2), got shape {Shape}.");
        int m = Shape[0], n = Shape[1];
        var r = new Tensor(TransposeData(data, m, n), n, m);
        var self = this;
        return r.Record("transpose", [this], g => self.AccumulateGrad(TransposeData(g, n, m)));
    }

    /// <summary>The transpose of a matrix (PyTorch's <c>x.T</c>).</summary>
    public Tensor T => Transpose();

    private static float[] TransposeData(float[] src, int m, int n)
    {
        var d = new float[src.Length];
        // Blocked so both reads and writes stay in cache for large matrices.
        const int B = 32;
        for (int i0 = 0; i0 < m; i0 += B)
            for (int j0 = 0; j0 < n; j0 += B)
                for (int i = i0; i < Math.Min(i0 + B, m); i++)
                    for (int j = j0; j < Math.Min(j0 + B, n); j++)
                        d[j * m + i] = src[i * n + j];
        return d;
    }

    /// <summary>One sample along the first axis (negative counts from the end): <c>images[0]</c> is the first image. A copy: unlike PyTorch's view, writing into it leaves this tensor as it was.</summary>
    [System.Runtime.CompilerServices.IndexerName("Samples")]
    public Tensor this[int index]
    {
        get
        {
            if (Rank == 0) throw new InvalidOperationException("index: a scalar has no axis to index.");
            int n = Shape[0];
            int i = index < 0 ? index + n : index;
            if (i < 0 || i >= n) throw new IndexOutOfRangeException($"index: {index} is out of range for the first axis of shape {Shape} (size {n}).");
            var rest = Shape.ToArray()[1..];
            int len = new Shape(rest).Size;
            return Gather(i * len, len, rest, "index");
        }
    }

    /// <summary>One sample counted from either end: <c>images[^1]</c> is the last image (a copy, as <c>this[int]</c>).</summary>
    [System.Runtime.CompilerServices.IndexerName("Samples")]
    public Tensor this[Index index]
    {
        get
        {
            if (Rank == 0) throw new InvalidOperationException("index: a scalar has no axis to index.");
            // Checked here: passed on as an int, ^6 of 5 samples became -1, which this[int] reads as the last sample.
            int i = index.GetOffset(Shape[0]);
            if (i < 0 || i >= Shape[0]) throw new IndexOutOfRangeException($"index: {index} is out of range for the first axis of shape {Shape} (size {Shape[0]}).");
            return this[i];
        }
    }

    /// <summary>A range of samples along the first axis: <c>x[..100]</c>, <c>x[100..200]</c>, <c>x[^10..]</c>. A copy: unlike PyTorch's view, writing into it leaves this tensor as it was.</summary>
    [System.Runtime.CompilerServices.IndexerName("Samples")]
    public Tensor this[Range range]
    {
        get
        {
            if (Rank == 0) throw new InvalidOperationException("slice: a scalar has no axis to slice.");
            int n = Shape[0], start = range.Start.GetOffset(n), end = range.End.GetOffset(n);
            if (start < 0 || end > n || start > end)
                throw new ArgumentOutOfRangeException(nameof(range), $"slice: the range [{range}] (rows {start}..{end}) is outside the first axis of shape {Shape} (size {n}).");
            return Slice(start, end - start);
        }
    }

    /// <summary><paramref name="count"/> samples along the first axis starting at <paramref name="start"/> (a copy).</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0) throw new InvalidOperationException("slice: a scalar has no axis to slice.");
        int n = Shape[0];
        if (start < 0 || count < 0 || start + count > n)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice: rows {start}..{start + count} are outside the first axis of shape {Shape} (size {n}).");
        var dims = Shape.ToArray();
        int row = n == 0 ? 0 : Size / n;
        dims[0] = count;
        return Gather(start * row, count * row, dims, "slice");
    }

    private Tensor Gather(int offset, int length, int[] shape, string op)
    {
        var r = new Tensor(data.AsSpan(offset, length).ToArray(), shape);
        var self = this;
        return r.Record(op, [this], g =>
        {
            var full = new float[self.Size];
            g.AsSpan().CopyTo(full.AsSpan(offset, length));
            self.AccumulateGrad(full);
        });
    }

    /// <summary>Joins tensors along an axis; all other dimensions must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("concat: needs at least one tensor.");
        var first = tensors[0].Shape;
        if (first.Rank == 0) throw new ArgumentException("concat: cannot join scalars; reshape them to (1,) first.");
        int ax = first.NormalizeAxis(axis);
        var dims = first.ToArray();
        dims[ax] = 0;
        foreach (var t in tensors)
        {
            bool ok = t.Rank == first.Rank;
            for (int i = 0; ok && i < first.Rank; i++) ok = i == ax || t.Shape[i] == first[i];
            if (!ok) throw new ArgumentException($"concat: shapes {first} and {t.Shape} do not match outside axis {ax}.");
            dims[ax] += t.Shape[ax];
        }
        var outShape = new Shape(dims);
        var d = HugePages.UninitializedArray(outShape.Size);   // every element is copied in below
        int outer = 1;
        for (int i = 0; i < ax; i++) outer *= first[i];
        int outRow = outer == 0 ? 0 : d.Length / outer;
        int col = 0;
        var cols = new int[tensors.Count];
        for (int k = 0; k < tensors.Count; k++)
        {
            var t = tensors[k];
            int row = outer == 0 ? 0 : t.Size / outer;
            cols[k] = col;
            for (int o = 0; o < outer; o++) t.data.AsSpan(o * row, row).CopyTo(d.AsSpan(o * outRow + col, row));
            col += row;
        }
        var parents = tensors.ToArray();
        return new Tensor(d, outShape).Record("concat", parents, g =>
        {
            for (int k = 0; k < parents.Length; k++)
            {
                var t = parents[k];
                if (!t.RequiresGrad) continue;
                int row = outer == 0 ? 0 : t.Size / outer;
                var gt = new float[t.Size];
                for (int o = 0; o < outer; o++) g.AsSpan(o * outRow + cols[k], row).CopyTo(gt.AsSpan(o * row, row));
                t.AccumulateGrad(gt);
            }
        });
    }

    /// <summary>The value of a tensor with exactly one element (PyTorch's <c>.item()</c>).</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"item: only a tensor with one element can be converted to a number; this one has shape {Shape}.");
        return data[0];
    }

    /// <summary>The element at a full index, one number per axis (NumPy's <c>a.item(i, j)</c>).</summary>
    public float Item(params int[] index) => data[FlatIndex(index)];

    /// <summary>
    /// Sets the element at a full index, one number per axis. A backward pass through an operation that used
    /// the old value (through this tensor or another that shares its memory) is then refused, as in PyTorch.
    /// </summary>
    public void SetItem(float value, params int[] index)
    {
        // As PyTorch refuses an in-place change of a leaf that requires grad: the backward pass reads the values
        // when it runs, so x.SetItem(5, 0) after y = (x * x).Sum() made y.Backward() give x.Grad [10, 4], not [2, 4].
        if (RequiresGrad && GradMode.Enabled)
            throw new InvalidOperationException("SetItem: this tensor requires grad, and the gradients of what was computed from it would use the new value. Change it inside using (Tensor.NoGrad()) { ... }, as with PyTorch's torch.no_grad(), before computing from it or after the backward pass.");
        data[FlatIndex(index)] = value;
        Changed();
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"item: shape {Shape} needs {Rank} indices, got {index.Length}.");
        int flat = 0;
        for (int i = 0; i < Rank; i++)
        {
            int n = Shape[i], k = index[i] < 0 ? index[i] + n : index[i];
            if (k < 0 || k >= n) throw new IndexOutOfRangeException($"item: index {index[i]} is out of range for axis {i} of shape {Shape} (size {n}).");
            flat = flat * n + k;
        }
        return flat;
    }
}
