namespace NeuralNotebooks.Tests.Tensors;

/// <summary>Creation and indexing against PyTorch 1.13, where they gave a different answer or none.</summary>
public class CreationAndIndexingTests
{
    [Theory]
    // torch.arange(start, end, step): its length and last element (PyTorch 1.13).
    [InlineData(0f, 0.3f, 0.1f, 3, 0.2f)]
    [InlineData(0f, 1f, 0.01f, 100, 0.99f)]
    [InlineData(0f, 1.1f, 0.1f, 11, 1.0f)]
    [InlineData(1f, 2.2f, 0.2f, 7, 2.2f)]   // torch's own rounding includes 2.2 here, and so do we
    [InlineData(-1f, 1f, 0.1f, 20, 0.9f)]
    [InlineData(0f, 5f, 0.7f, 8, 4.9f)]
    [InlineData(5f, 0f, -1f, 5, 1f)]
    [InlineData(0.3f, 3f, 0.3f, 10, 3f)]    // these three had one number fewer than torch's
    [InlineData(1f, 1.3f, 0.1f, 4, 1.3f)]
    [InlineData(0.7f, 1.3f, 0.1f, 7, 1.3f)]
    public void Arange_has_torch_arange_s_length_and_values(float start, float stop, float step, int length, float last)
    {
        // From the floats, 0.1f being a little above 0.1, arange(0, 0.3, 0.1) was [0, 0.1, 0.2, 0.3].
        var a = Tensor.Arange(start, stop, step).ToArray();
        Assert.Equal(length, a.Length);
        Assert.Equal(last, a[^1], 6);
        Assert.Equal(start, a[0]);
    }

    [Fact]
    public void Arange_with_a_computed_step_stops_before_stop()
    {
        // torch.arange(0, float(np.float32(np.pi)), float(np.float32(np.pi) / 8)) has 8 numbers ending at 2.7488937;
        // from 7-digit decimals the count was 9, ending on π itself. Likewise 1/3, 1/9, 1/7 of [0, 1): 3, 9, 7 (was 4, 10, 8).
        var a = Tensor.Arange(0f, MathF.PI, MathF.PI / 8).ToArray();
        Assert.Equal(8, a.Length);
        Assert.Equal(2.7488937f, a[^1], 6);
        Assert.Equal(3, Tensor.Arange(0f, 1f, 1f / 3).Size);
        Assert.Equal(9, Tensor.Arange(0f, 1f, 1f / 9).Size);
        Assert.Equal(7, Tensor.Arange(0f, 1f, 1f / 7).Size);
    }

    [Fact]
    public void Arange_refuses_a_step_that_never_gets_there_and_a_length_no_tensor_holds()
    {
        // torch: "upper bound and larger bound inconsistent with step sign"; here it was an empty tensor.
        Assert.Contains("never gets from 0 to 5", Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 5f, -1f)).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(-1));
        Assert.Contains("more than one tensor can hold", Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 1e10f)).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, float.PositiveInfinity));
        Assert.Equal(0, Tensor.Arange(2f, 2f, 1f).Size);
        Assert.Equal([0f, 1f, 2f], Tensor.Arange(3).ToArray());
    }

    [Fact]
    public void Linspace_ends_exactly_on_stop_as_torch_linspace_does()
    {
        // torch.linspace(0.1, 1, 10)[-1] is 1.0; the formula left 0.99999994.
        Assert.Equal(1f, Tensor.Linspace(0.1f, 1f, 10).ToArray()[^1]);
        Assert.Equal(0.7f, Tensor.Linspace(0f, 0.7f, 100).ToArray()[^1]);
        Assert.Equal([3f], Tensor.Linspace(3f, 9f, 1).ToArray());
        Assert.Equal(2f, Tensor.Linspace(-5f, 5f, 201).ToArray()[140]);
    }

    [Fact]
    public void An_index_from_the_end_past_the_first_sample_is_out_of_range()
    {
        // t[^6] of 5 samples became index -1, read as the last sample.
        var t = Tensor.Arange(5);
        Assert.Contains("^6 is out of range", Assert.Throws<IndexOutOfRangeException>(() => t[^6]).Message);
        Assert.Contains("^0 is out of range", Assert.Throws<IndexOutOfRangeException>(() => t[^0]).Message);
        Assert.Equal(0f, t[^5].Item());
        Assert.Equal(4f, t[^1].Item());
    }

    [Fact]
    public void Writing_into_a_tensor_that_requires_grad_is_refused_outside_NoGrad()
    {
        // The backward pass reads the values when it runs: x.Grad came out [10, 4] instead of [2, 4].
        var x = Tensor.From(1f, 2f).RequireGrad();
        var y = (x * x).Sum();
        Assert.Contains("NoGrad", Assert.Throws<InvalidOperationException>(() => x.SetItem(5f, 0)).Message);
        y.Backward();
        Assert.Equal([2f, 4f], x.Grad!.ToArray());
        using (Tensor.NoGrad()) x.SetItem(5f, 0);
        Assert.Equal(5f, x.Item(0));
    }

    [Fact]
    public void Nested_arrays_with_a_row_never_filled_are_refused()
    {
        // new float[3][] became tensor([0, 0, 0]); a null first row said "found an array where a number was expected".
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Tensor.From(new float[3][])).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Tensor.From([null!, [1f, 2f]])).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Tensor.From([[1f, 2f], null!])).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new object?[] { 1f, null })).Message);
    }
}
