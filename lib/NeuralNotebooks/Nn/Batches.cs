using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>The loop every training and inference path shares: gathering a batch of samples into a reused buffer.</summary>
internal static class Batches
{
    /// <summary>How many samples ahead of the one being copied a shuffled gather asks for.</summary>
    private const int Ahead = 8;
    /// <summary>A shuffled gather of fewer floats than this (labels, tiny batches) runs on the calling thread: sharing it would cost more than it saves.</summary>
    private const int SharedFloats = 8192;

    /// <summary>
    /// How many batches of <paramref name="batchSize"/> hold <paramref name="samples"/>, the last perhaps partial. Not
    /// (samples + batchSize - 1) / batchSize, which overflowed for a batch size near int.MaxValue (0 or -1 batches).
    /// </summary>
    public static int Count(int samples, int batchSize) => samples / batchSize + (samples % batchSize == 0 ? 0 : 1);

    /// <summary>
    /// Copies samples order[start..start+count) (or start.. in order when null) into a reused batch buffer.
    /// With <paramref name="splitAt"/> (a first layer's <see cref="Layer.InputSplit"/>), a shuffled batch is
    /// shared out by features rather than by samples: features [0, splitAt) of every sample on the cores
    /// that read them next, the rest on the others.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static Tensor Gather(Tensor source, int[]? order, int start, int count, ref Tensor? buffer, int splitAt = 0)
    {
        Tensor? unused = null;
        return GatherInto(source, order, start, count, ref buffer, splitAt, ref unused, transpose: false).Batch;
    }

    /// <summary>
    /// <see cref="Gather(Tensor, int[], int, int, ref Tensor, int)"/>, and where the batch is gathered shuffled and cut
    /// by features (the path a first dense layer's split takes), its transpose too, features × samples, into
    /// <paramref name="transposed"/>: each core writes the transpose of the features it copies, 16 samples at a
    /// time, while they are still in its cache. A dense layer's weight gradient xᵀ·dz reads it row by row (see
    /// <see cref="Transpose"/>). <c>Transposed</c> is null where the batch was gathered another way.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static (Tensor Batch, Tensor? Transposed) GatherWithTranspose(Tensor source, int[]? order, int start, int count, ref Tensor? buffer, ref Tensor? transposed, int splitAt) =>
        GatherInto(source, order, start, count, ref buffer, splitAt, ref transposed, transpose: true);

    [MethodImpl(JitHints.PerBatch)]
    private static (Tensor Batch, Tensor? Transposed) GatherInto(Tensor source, int[]? order, int start, int count, ref Tensor? buffer, int splitAt, ref Tensor? transposed, bool transpose)
    {
        int per = source.Size / source.Shape[0];
        var b = Layer.EnsureBatch(ref buffer, count, source.Shape.AsSpan()[1..]);
        if (order is null) source.data.AsSpan(start * per, count * per).CopyTo(b.data);
        else if ((long)count * per < SharedFloats) new ShuffledRows(source.data, order, start, per, b.data).Run(0, count);
        else if (splitAt > 0 && splitAt < per)
        {
            var t = transpose ? Layer.EnsureBatch(ref transposed, per, [count]) : null;
            int bands = Math.Max(1, ForkJoin.Cores / 2);
            ForkJoin.For(2 * bands, 1, new ShuffledHalves(source.data, order, start, count, per, splitAt, bands, b.data, t?.data));
            return (b, t);
        }
        else ForkJoin.For(count, 8, new ShuffledRows(source.data, order, start, per, b.data));
        return (b, null);
    }

    /// <summary>
    /// Samples [from, to) of a shuffled batch. Each lies somewhere in a dataset far larger than the caches,
    /// usually on a page the TLB does not hold either, so a plain copy waits on memory for every sample
    /// (MNIST, 200 samples of 3 KB: about 250 µs, a sixth of an MLP step). Two cores wait on two at a
    /// time, and each asks for the samples <see cref="Ahead"/> places further on while it copies this
    /// one: 90-190 µs, and the MLP trains 13-23% faster (same process, alternating).
    /// </summary>
    private readonly struct ShuffledRows(float[] source, int[] order, int start, int per, float[] batch) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per batch: no waiting for the JIT's second tier
        public void Run(int from, int to) => Copy(source, order, start, per, 0, per, from, to, batch);
    }

    /// <summary>
    /// Copies features [<paramref name="first"/>, <paramref name="first"/> + <paramref name="length"/>) of samples
    /// [from, to) of a shuffled batch, asking for each sample's <see cref="Ahead"/> places ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Copy(float[] source, int[] order, int start, int per, int first, int length, int from, int to, float[] batch)
    {
        fixed (float* s = source)
        {
            for (int k = from; k < Math.Min(to, from + Ahead); k++) Prefetch.Lines(s + (long)order[start + k] * per + first, length);
            for (int k = from; k < to; k++) CopySample(s, source, order, start, per, first, length, k, to, batch);
        }
    }

    /// <summary>Copies sample k's features [first, first + length), asking for the sample <see cref="Ahead"/> places on (before <paramref name="to"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopySample(float* s, float[] source, int[] order, int start, int per, int first, int length, int k, int to, float[] batch)
    {
        if (k + Ahead < to) Prefetch.Lines(s + (long)order[start + k + Ahead] * per + first, length);
        source.AsSpan(order[start + k] * per + first, length).CopyTo(batch.AsSpan(k * per + first, length));
    }

    /// <summary>Samples turned round at a time by <see cref="CopyTransposing"/>: 16 floats, one cache line of each feature's row of the transpose.</summary>
    private const int TransposedSamples = 16;

    /// <summary>
    /// <see cref="Copy"/>, and the transpose of what it copies into <paramref name="transposed"/> (features × <paramref name="count"/>):
    /// every <see cref="TransposedSamples"/> samples, once copied, are turned round from the batch, where they are still in L1.
    /// Each feature's line of the transpose is asked for just before: each is written whole by one block, and without
    /// asking, every store waited for its line (the course MLP's transpose alone, one core: 36 µs a batch against 18 to 22
    /// with the lines asked for; five-epoch MLPClassifier fits 1.006x against 1.030x to 1.053x with them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyTransposing(float[] source, int[] order, int start, int per, int first, int length, int from, int to, float[] batch, float[] transposed, int count)
    {
        fixed (float* s = source, b = batch, t = transposed)
        {
            for (int k = from; k < Math.Min(to, from + Ahead); k++) Prefetch.Lines(s + (long)order[start + k] * per + first, length);
            for (int k0 = from; k0 < to; k0 += TransposedSamples)
            {
                int k1 = Math.Min(to, k0 + TransposedSamples);
                for (int k = k0; k < k1; k++) CopySample(s, source, order, start, per, first, length, k, to, batch);
                float* columns = t + (long)first * count + k0;
                Prefetch.Column(columns, length, count);
                Transpose.Into(b + (long)k0 * per + first, k1 - k0, length, per, columns, count);
            }
        }
    }

    /// <summary>
    /// Part q of a shuffled batch cut by features: features [0, splitAt) when q &lt; bands, else the rest, of
    /// band q % bands of the samples. A first dense layer whose product is split in depth reads the first
    /// features on one core and the others on another (on two cores; on more, each half's columns are shared too):
    /// cut by samples, each core's product read half its features from the other core's cache, and its weight
    /// gradient, cut by features, read the other core's samples.
    /// </summary>
    private readonly struct ShuffledHalves(float[] source, int[] order, int start, int count, int per, int splitAt, int bands, float[] batch, float[]? transposed) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            for (int q = from; q < to; q++)
            {
                int band = q % bands, first = q < bands ? 0 : splitAt, length = q < bands ? splitAt : per - splitAt;
                int firstSample = band * count / bands, endSample = (band + 1) * count / bands;
                if (transposed is null) Copy(source, order, start, per, first, length, firstSample, endSample, batch);
                else CopyTransposing(source, order, start, per, first, length, firstSample, endSample, batch, transposed, count);
            }
        }
    }
}
