namespace NeuralNotebooks.Tests.Nn;

/// <summary>The buffers a layer reuses from batch to batch (Layer.Ensure*): made once per batch size, never shared.</summary>
public class LayerBufferTests
{
    /// <summary>
    /// The batch sizes of a Fit epoch with a smaller last batch and a validation set with one of its own:
    /// each size's buffer comes back once it has been made, and no two sizes get the same buffer.
    /// </summary>
    [Fact]
    public void Four_batch_sizes_in_turn_get_back_their_own_tensors_and_arrays()
    {
        int[] sizes = [32, 16, 256, 112];
        Tensor? t = null;
        float[]? a = null;
        var tensors = new Dictionary<int, Tensor>();
        var arrays = new Dictionary<int, float[]>();
        for (int round = 0; round < 3; round++)
            foreach (int n in sizes)
            {
                var tensor = Layer.EnsureBatch(ref t, n, [13, 13, 28]);
                var array = Layer.EnsureArray(ref a, n * 4732);
                Assert.Equal(n, tensor.Shape[0]);
                Assert.Equal(n * 4732, array.Length);
                Assert.Same(tensor, t);
                Assert.Same(array, a);
                if (round == 0)
                {
                    tensors[n] = tensor;
                    arrays[n] = array;
                }
                Assert.Same(tensors[n], tensor);
                Assert.Same(arrays[n], array);
            }
        Assert.Equal(sizes.Length, tensors.Values.Distinct().Count());
        Assert.Equal(sizes.Length, arrays.Values.Distinct().Count());
    }

    /// <summary>A fifth size lets the oldest go: a buffer keeps three spares, not every shape it ever had.</summary>
    [Fact]
    public void A_fifth_batch_size_lets_the_size_used_longest_ago_go()
    {
        Tensor? t = null;
        var first = Layer.EnsureBatch(ref t, 1, [3]);
        foreach (int n in new[] { 2, 3, 4 }) Layer.EnsureBatch(ref t, n, [3]);
        Assert.Same(first, Layer.EnsureBatch(ref t, 1, [3]));
        foreach (int n in new[] { 2, 3, 4, 5 }) Layer.EnsureBatch(ref t, n, [3]);
        Assert.NotSame(first, Layer.EnsureBatch(ref t, 1, [3]));
    }
}
