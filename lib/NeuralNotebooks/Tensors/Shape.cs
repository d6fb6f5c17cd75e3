using System.Collections;

namespace NeuralNotebooks;

/// <summary>
/// The size of a tensor along each axis, e.g. <c>(60000, 28, 28)</c> for a batch of MNIST images.
/// A rank-0 tensor (a scalar) has the empty shape <c>()</c>.
/// </summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape from its dimensions; every dimension must be zero or more.</summary>
    public Shape(params int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"A shape cannot have a negative dimension: ({string.Join(", ", dims)}).");
        _dims = (int[])dims.Clone();
    }

    private int[] Dims => _dims ?? [];

    /// <summary>The number of axes: 0 for a scalar, 1 for a vector, 2 for a matrix...</summary>
    public int Rank => Dims.Length;

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar).</summary>
    public int Size
    {
        get
        {
            // Checked as it grows: a long wraps too (65536⁴ = 2⁶⁴ read as 0 elements). An empty axis empties the
            // shape whatever the others' sizes.
            if (Array.IndexOf(Dims, 0) >= 0) return 0;
            long n = 1;
            foreach (var d in Dims)
            {
                n *= d;
                if (n > int.MaxValue) throw new InvalidOperationException($"Shape {this} has more than {int.MaxValue} elements.");
            }
            return (int)n;
        }
    }

    /// <summary>The dimension of one axis; negative axes count from the end, like Python.</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis)];

    /// <inheritdoc/>
    public int Count => Rank;

    /// <summary>Turns a possibly negative axis into 0..Rank-1, or throws naming the shape.</summary>
    public int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this} (rank {Rank}).");
        return a;
    }

    /// <summary>A copy of the dimensions as an array.</summary>
    public int[] ToArray() => (int[])Dims.Clone();

    /// <summary>Reads the dimensions without copying.</summary>
    public ReadOnlySpan<int> AsSpan() => Dims;

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Shapes are equal when they have the same dimensions in the same order.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Shapes differ when any dimension or the rank differs.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Lets an <c>int[]</c> stand wherever a shape is expected.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Python-style text: <c>(2, 3)</c>, <c>(5,)</c> for a vector, <c>()</c> for a scalar.</summary>
    public override string ToString() => Rank == 1 ? $"({Dims[0]},)" : $"({string.Join(", ", Dims)})";

    /// <summary>Compact text used in error messages about matrices: <c>64x784</c>.</summary>
    internal string ToX() => Rank == 0 ? "scalar" : string.Join("x", Dims);
}
