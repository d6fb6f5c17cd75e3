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
    /// that read them next, the rest on the others. With <paramref name="sourceBytes"/>, bytes k such that
    /// every float of <paramref name="source"/> is k / 255f (<see cref="PixelBytes.Matching"/>), the samples
    /// are read from those bytes and turned into the same floats: a quarter of the memory to wait for.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static Tensor Gather(Tensor source, int[]? order, int start, int count, ref Tensor? buffer, int splitAt = 0, byte[]? sourceBytes = null)
    {
        int per = source.Size / source.Shape[0];
        var b = Layer.EnsureBatch(ref buffer, count, source.Shape.AsSpan()[1..]);
        var from = new Rows(source.data, sourceBytes, per);
        if (order is null)
        {
            if (sourceBytes is null) source.data.AsSpan(start * per, count * per).CopyTo(b.data);
            else PixelConversion.ToUnitFloats(sourceBytes.AsSpan(start * per, count * per), b.data);
        }
        else if ((long)count * per < SharedFloats) new ShuffledRows(from, order, start, b.data).Run(0, count);
        else if (splitAt > 0 && splitAt < per)
        {
            int bands = Math.Max(1, ForkJoin.Cores / 2);
            ForkJoin.For(2 * bands, 1, new ShuffledHalves(from, order, start, count, splitAt, bands, b.data));
        }
        else ForkJoin.For(count, 8, new ShuffledRows(from, order, start, b.data));
        return b;
    }

    /// <summary>Where a gather reads its samples: the floats, or the bytes they are k / 255f of when given; <paramref name="Per"/> values a sample.</summary>
    private readonly record struct Rows(float[] Floats, byte[]? Bytes, int Per);

    /// <summary>
    /// Samples [from, to) of a shuffled batch. Each lies somewhere in a dataset far larger than the caches,
    /// usually on a page the TLB does not hold either, so a plain copy waits on memory for every sample
    /// (MNIST, 200 samples of 3 KB: about 250 µs, a sixth of an MLP step). Two cores wait on two at a
    /// time, and each asks for the samples <see cref="Ahead"/> places further on while it copies this
    /// one: 90-190 µs, and the MLP trains 13-23% faster (same process, alternating).
    /// </summary>
    private readonly struct ShuffledRows(Rows source, int[] order, int start, float[] batch) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // once per batch: no waiting for the JIT's second tier
        public void Run(int from, int to) => Copy(source, order, start, 0, source.Per, from, to, batch);
    }

    /// <summary>
    /// Copies features [<paramref name="first"/>, <paramref name="first"/> + <paramref name="length"/>) of samples
    /// [from, to) of a shuffled batch, asking for each sample's <see cref="Ahead"/> places ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Copy(Rows source, int[] order, int start, int first, int length, int from, int to, float[] batch)
    {
        // The rows are asked for by their bytes in memory, a byte or a float a value.
        int per = source.Per, size = source.Bytes is null ? sizeof(float) : 1;
        fixed (float* floats = source.Floats)
        fixed (byte* bytes = source.Bytes)
        {
            byte* s = bytes != null ? bytes : (byte*)floats;
            for (int k = from; k < Math.Min(to, from + Ahead); k++) Prefetch.Lines(s + ((long)order[start + k] * per + first) * size, length * size);
            for (int k = from; k < to; k++)
            {
                if (k + Ahead < to) Prefetch.Lines(s + ((long)order[start + k + Ahead] * per + first) * size, length * size);
                int at = order[start + k] * per + first;
                var into = batch.AsSpan(k * per + first, length);
                if (source.Bytes is { } b) PixelConversion.ToUnitFloats(b.AsSpan(at, length), into);
                else source.Floats.AsSpan(at, length).CopyTo(into);
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
    private readonly struct ShuffledHalves(Rows source, int[] order, int start, int count, int splitAt, int bands, float[] batch) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int from, int to)
        {
            for (int q = from; q < to; q++)
            {
                int band = q % bands, first = q < bands ? 0 : splitAt, length = q < bands ? splitAt : source.Per - splitAt;
                Copy(source, order, start, first, length, band * count / bands, (band + 1) * count / bands, batch);
            }
        }
    }
}
