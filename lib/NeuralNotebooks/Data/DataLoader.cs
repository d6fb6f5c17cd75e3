using System.Collections;

namespace NeuralNotebooks;

/// <summary>
/// Mini-batches of a dataset, like PyTorch's <c>DataLoader</c>: every <c>foreach</c> is one epoch,
/// reshuffled (from a seeded generator, so the sequence of epochs is the same on every run) when
/// <c>shuffle</c> is on. Only one batch is copied at a time, never the whole dataset.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor X, int[] Y)>
{
    private readonly Tensor _x;
    private readonly int[] _y;
    private readonly Rng _rng;

    /// <summary>Batches of <paramref name="batchSize"/> samples of <paramref name="x"/> (first axis) with their labels.</summary>
    public DataLoader(Tensor x, int[] y, int batchSize = 32, bool shuffle = true, int seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank == 0 || x.Shape[0] != y.Length)
            throw new ArgumentException($"DataLoader: {(x.Rank == 0 ? "a scalar" : $"{x.Shape[0]} samples")} in x {x.Shape} but {y.Length} labels.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"The batch size must be positive, got {batchSize}.");
        _x = x; _y = y; BatchSize = batchSize; Shuffle = shuffle; DropLast = dropLast;
        _rng = new Rng(seed);
    }

    /// <summary>Samples per batch (the last batch may be smaller unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }
    /// <summary>Whether an incomplete last batch is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>The number of samples.</summary>
    public int Count => _y.Length;
    /// <summary>The number of batches per epoch.</summary>
    public int BatchCount => DropLast ? Count / BatchSize : Batches.Count(Count, BatchSize);

    /// <summary>One epoch of batches.</summary>
    public IEnumerator<(Tensor X, int[] Y)> GetEnumerator()
    {
        int n = Count;
        int[] order = Shuffle ? _rng.Permutation(n) : Enumerable.Range(0, n).ToArray();
        int per = n == 0 ? 0 : _x.Size / n;
        var dims = _x.Shape.ToArray();
        for (int b = 0; b < BatchCount; b++)
        {
            int start = b * BatchSize, size = Math.Min(BatchSize, n - start);
            var pixels = new float[size * per];
            var labels = new int[size];
            for (int k = 0; k < size; k++)
            {
                int i = order[start + k];
                _x.data.AsSpan(i * per, per).CopyTo(pixels.AsSpan(k * per, per));
                labels[k] = _y[i];
            }
            dims[0] = size;
            yield return (new Tensor(pixels, dims), labels);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"DataLoader({Count} samples, batch size {BatchSize}, {BatchCount} batches{(Shuffle ? ", shuffled" : "")})";
}
