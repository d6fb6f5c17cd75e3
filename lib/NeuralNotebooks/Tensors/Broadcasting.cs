using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// NumPy/PyTorch broadcasting: align shapes from the right; two dimensions are compatible when
/// they are equal or one of them is 1; the result takes the other (so a 1 stretches to 0 as to any size).
/// (2, 3) with (3,) gives (2, 3); (2, 0) with (2, 1) gives (2, 0).
/// </summary>
public static class Broadcasting
{
    /// <summary>The shape two operands broadcast to, or an error naming the op and both shapes.</summary>
    public static Shape Shapes(Shape a, Shape b, string op = "broadcast")
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {a} and {b} cannot be broadcast together: dimension {da} does not match {db} " +
                    $"(axis {i - rank} counted from the right; sizes must be equal or one of them 1).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>Row-major strides of <paramref name="s"/> as seen from <paramref name="target"/>: 0 on broadcast axes.</summary>
    internal static int[] StridesIn(Shape s, Shape target)
    {
        int rank = target.Rank, offset = rank - s.Rank;
        var strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int d = i < offset ? 1 : s[i - offset];
            strides[i] = d == 1 && target[i] != 1 ? 0 : stride;
            stride *= d;
        }
        return strides;
    }

    /// <summary>
    /// Calls <paramref name="row"/> once per innermost row of <paramref name="outShape"/> with the
    /// offsets of that row in each operand and the row's strides in the operands (1, or 0 when broadcast).
    /// </summary>
    internal static void ForEachRow(Shape outShape, int[] sa, int[] sb, RowAction row)
    {
        int rank = outShape.Rank;
        if (rank == 0) { row(0, 0, 0, 1, 0, 0); return; }
        int n = outShape[rank - 1];
        int rows = n == 0 ? 0 : outShape.Size / n;
        var index = new int[rank];
        int offA = 0, offB = 0;
        for (int r = 0; r < rows; r++)
        {
            row(r * n, offA, offB, n, sa[rank - 1], sb[rank - 1]);
            // Advance the multi-index over the leading axes, updating the operand offsets.
            for (int ax = rank - 2; ax >= 0; ax--)
            {
                index[ax]++;
                offA += sa[ax]; offB += sb[ax];
                if (index[ax] < outShape[ax]) break;
                offA -= sa[ax] * index[ax]; offB -= sb[ax] * index[ax];
                index[ax] = 0;
            }
        }
    }

    internal delegate void RowAction(int outOffset, int offsetA, int offsetB, int length, int strideA, int strideB);

    /// <summary>Sums a gradient of shape <paramref name="from"/> over the axes that were broadcast to reach it from <paramref name="to"/>.</summary>
    internal static float[] SumTo(float[] g, Shape from, Shape to)
    {
        var result = new float[to.Size];
        var st = StridesIn(to, from);
        var zero = new int[from.Rank];
        ForEachRow(from, st, zero, (outOff, offT, _, n, strideT, _) =>
        {
            var src = g.AsSpan(outOff, n);
            if (strideT == 1) Simd.Add(result.AsSpan(offT, n), src, result.AsSpan(offT, n));
            else result[offT] += Simd.Sum(src);
        });
        return result;
    }
}
