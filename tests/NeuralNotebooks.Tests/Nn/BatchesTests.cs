using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Nn;

public class BatchesTests
{
    /// <summary>
    /// A shuffled gather, small (on the calling thread) or large (shared among the cores), copies exactly the
    /// samples the order names, in its order, and nothing beyond the batch, for batch and sample sizes on
    /// either side of the part boundaries.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(200, 1)]
    [InlineData(7, 784)]
    [InlineData(9, 784)]
    [InlineData(17, 784)]
    [InlineData(32, 784)]
    [InlineData(200, 784)]
    [InlineData(33, 255)]
    [InlineData(1000, 3)]
    public void A_shuffled_gather_copies_the_ordered_samples(int count, int per)
    {
        int samples = count + 57;
        var source = new Rng(count * 31 + per).Uniform(new Shape(samples, per), -1f, 1f);
        var order = Enumerable.Range(0, samples).ToArray();
        new Random(count + per).Shuffle(order);
        int start = 50;
        count = Math.Min(count, samples - start);
        Tensor? buffer = null;
        var batch = Batches.Gather(source, order, start, count, ref buffer);
        Assert.Equal([count, per], batch.Shape.AsSpan().ToArray());
        for (int k = 0; k < count; k++)
            Assert.True(source.data.AsSpan(order[start + k] * per, per).SequenceEqual(batch.data.AsSpan(k * per, per)), $"sample {k} (source row {order[start + k]}) differs");
    }

    /// <summary>
    /// A shuffled batch cut by features (a first dense layer's split, each core copying its half of every
    /// sample) holds the same floats as one cut by samples, wherever the cut falls, shared or run alone; a cut
    /// at 0 or past the features is no cut.
    /// </summary>
    [Theory]
    [InlineData(200, 784, 392)]   // the course MLP's
    [InlineData(200, 784, 1)]
    [InlineData(200, 784, 783)]
    [InlineData(17, 784, 392)]    // 17 samples: bands of 8 and 9 on four cores
    [InlineData(33, 255, 100)]
    [InlineData(7, 784, 392)]     // too small to share: on the calling thread, by samples
    [InlineData(200, 784, 0)]
    [InlineData(200, 784, 784)]
    public void A_gather_cut_by_features_copies_what_one_cut_by_samples_does(int count, int per, int splitAt)
    {
        int samples = count + 40;
        var source = new Rng(count + per + splitAt).Uniform(new Shape(samples, per), -1f, 1f);
        var order = Enumerable.Range(0, samples).ToArray();
        new Random(count * per).Shuffle(order);
        Tensor? bySamples = null, byFeatures = null, alone = null;
        var expected = Batches.Gather(source, order, 30, count, ref bySamples).ToArray();
        Assert.Equal(expected, Batches.Gather(source, order, 30, count, ref byFeatures, splitAt).ToArray());
        ForkJoin.Alone = true;
        try { Assert.Equal(expected, Batches.Gather(source, order, 30, count, ref alone, splitAt).ToArray()); }
        finally { ForkJoin.Alone = false; }
    }

    /// <summary>
    /// Read from the bytes the floats were made of, every kind of gather (in stored order, shuffled on the calling
    /// thread, shared by samples, cut by features, alone on one core) gives the floats a gather of the floats gives.
    /// </summary>
    [Theory]
    [InlineData(200, 784, 392)]
    [InlineData(200, 784, 0)]
    [InlineData(7, 784, 392)]
    [InlineData(17, 784, 100)]
    [InlineData(33, 255, 0)]
    [InlineData(1, 1, 0)]
    public void A_gather_from_bytes_gives_the_floats_a_gather_from_floats_does(int count, int per, int splitAt)
    {
        int samples = count + 40;
        var bytes = new byte[samples * per];
        new Random(count + per).NextBytes(bytes);
        var floats = new float[bytes.Length];
        PixelConversion.ToUnitFloats(bytes, floats);
        var source = new Tensor(floats, samples, per);
        var order = Enumerable.Range(0, samples).ToArray();
        new Random(count * per).Shuffle(order);
        foreach (var o in new[] { order, null })
        {
            int start = o is null ? 11 : 30;
            Tensor? fromFloats = null, fromBytes = null, alone = null;
            var expected = Batches.Gather(source, o, start, count, ref fromFloats, splitAt).ToArray();
            Assert.Equal(expected, Batches.Gather(source, o, start, count, ref fromBytes, splitAt, bytes).ToArray());
            ForkJoin.Alone = true;
            try { Assert.Equal(expected, Batches.Gather(source, o, start, count, ref alone, splitAt, bytes).ToArray()); }
            finally { ForkJoin.Alone = false; }
        }
    }

    [Fact]
    public void A_gather_in_stored_order_copies_the_contiguous_samples()
    {
        var source = new Rng(3).Uniform(new Shape(40, 10), -1f, 1f);
        Tensor? buffer = null;
        var batch = Batches.Gather(source, null, 5, 20, ref buffer);
        Assert.True(source.data.AsSpan(50, 200).SequenceEqual(batch.data.AsSpan(0, 200)));
    }
}
