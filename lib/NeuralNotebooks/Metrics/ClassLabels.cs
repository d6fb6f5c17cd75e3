using System.Globalization;
using System.Collections;
using System.Runtime.CompilerServices;

namespace NeuralNotebooks;

/// <summary>
/// A vector of class labels, one per sample, as the <see cref="Metrics"/> functions take them.
/// </summary>
/// <remarks>
/// You rarely name this type: an <c>int[]</c>, a <c>byte[]</c> (MNIST labels), a
/// <c>List&lt;int&gt;</c>, a collection expression such as <c>[0, 1, 2]</c> or a
/// <see cref="Tensor"/> converts to it implicitly. A tensor is read as follows:
/// <list type="bullet">
/// <item>shape (N,) or (N, 1): class indices stored as floats (for example the result of
/// <c>ArgMax(1)</c>); each value must be a whole number;</item>
/// <item>shape (N, C) with C &gt; 1: one row of scores per sample (logits, probabilities or a
/// one-hot encoding); the predicted class is the row's arg-max, the first one on ties.</item>
/// </list>
/// A single sigmoid output of shape (N, 1) holds probabilities, not classes: threshold it first.
/// </remarks>
[CollectionBuilder(typeof(ClassLabels), nameof(Create))]
public readonly struct ClassLabels : IReadOnlyList<int>
{
    private readonly int[]? _values;

    /// <summary>Copies the labels from any sequence of integers.</summary>
    public ClassLabels(IEnumerable<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _values = labels.ToArray();
    }

    private ClassLabels(int[] owned) => _values = owned;

    /// <summary>Builds labels from a span; used by collection expressions such as <c>[0, 1, 2]</c>.</summary>
    public static ClassLabels Create(ReadOnlySpan<int> labels) => new(labels.ToArray());

    /// <summary>Reads labels from a tensor: class indices of shape (N,) or (N, 1), or scores of shape (N, C) which are arg-maxed.</summary>
    /// <exception cref="ArgumentException">The tensor has another rank, or an index is not a whole non-negative number.</exception>
    public static ClassLabels FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank == 2 && tensor.Shape[1] > 1)
            return FromIndices(tensor.ArgMax(1).ToArray(), tensor.Shape);
        if (tensor.Rank == 1 || (tensor.Rank == 2 && tensor.Shape[1] == 1))
            return FromIndices(tensor.ToArray(), tensor.Shape);
        throw new ArgumentException(
            $"Labels must be a tensor of class indices (N,) or of class scores (N, C); got shape {tensor.Shape}.",
            nameof(tensor));
    }

    private static ClassLabels FromIndices(float[] data, Shape shape)
    {
        var result = new int[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (!float.IsFinite(v) || v != MathF.Floor(v) || v < 0 || v > int.MaxValue)
            {
                string hint = shape.Rank == 2
                    ? " A (N, 1) tensor of probabilities from one sigmoid output must be thresholded first, e.g. to 0 or 1 at 0.5."
                    : "";
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Labels tensor of shape {shape} holds {v} at position {i}; class indices must be whole non-negative numbers.{hint}"));
            }
            result[i] = (int)v;
        }
        return new ClassLabels(result);
    }

    /// <summary>Copies an array of labels.</summary>
    public static implicit operator ClassLabels(int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new ClassLabels((int[])labels.Clone());
    }

    /// <summary>Copies an array of byte labels (the IDX format stores MNIST labels as bytes).</summary>
    public static implicit operator ClassLabels(byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new ClassLabels(Array.ConvertAll(labels, b => (int)b));
    }

    /// <summary>Copies a list of labels.</summary>
    public static implicit operator ClassLabels(List<int> labels) => new((IEnumerable<int>)labels);

    /// <summary>Reads labels from a tensor; see <see cref="FromTensor"/>.</summary>
    public static implicit operator ClassLabels(Tensor tensor) => FromTensor(tensor);

    /// <summary>The number of samples.</summary>
    public int Count => _values?.Length ?? 0;

    /// <summary>The label of sample <paramref name="index"/>.</summary>
    public int this[int index] => (_values ?? [])[index];

    /// <summary>The labels as a new array.</summary>
    public int[] ToArray() => _values is null ? [] : (int[])_values.Clone();

    internal ReadOnlySpan<int> AsSpan() => _values;

    /// <summary>Enumerates the labels in sample order.</summary>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_values ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The labels in brackets, for example <c>[0, 2, 1]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", (_values ?? []).Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
}
