namespace NeuralNotebooks;

/// <summary>The loop every training and inference path shares: gathering a batch of samples into a reused buffer.</summary>
internal static class Batches
{
    /// <summary>Copies samples order[start..start+count) (or start.. in order when null) into a reused batch buffer.</summary>
    public static Tensor Gather(Tensor source, int[]? order, int start, int count, ref Tensor? buffer)
    {
        int per = source.Size / source.Shape[0];
        var b = Layer.EnsureBatch(ref buffer, count, source.Shape.AsSpan()[1..]);
        if (order is null) source.data.AsSpan(start * per, count * per).CopyTo(b.data);
        else
            for (int k = 0; k < count; k++)
                source.data.AsSpan(order[start + k] * per, per).CopyTo(b.data.AsSpan(k * per, per));
        return b;
    }
}
