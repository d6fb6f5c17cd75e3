using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>The two loops every training and inference path shares: gathering a batch, and counting correct predictions.</summary>
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

    /// <summary>
    /// How many rows of <paramref name="output"/> predict their target: the largest output against the class
    /// index (sparse) or the largest target; a single output is a probability compared with 0.5.
    /// </summary>
    public static int CountCorrect(Tensor output, Tensor target, bool sparse)
    {
        int n = output.Shape[0], width = output.Size / n, correct = 0;
        var p = output.data; var t = target.data;
        for (int s = 0; s < n; s++)
        {
            if (width == 1) { correct += (p[s] > 0.5f) == (t[s] > 0.5f) ? 1 : 0; continue; }
            int predicted = Simd.IndexOfMax(p.AsSpan(s * width, width));
            int truth = sparse ? (int)t[s] : Simd.IndexOfMax(t.AsSpan(s * width, width));
            if (predicted == truth) correct++;
        }
        return correct;
    }
}
