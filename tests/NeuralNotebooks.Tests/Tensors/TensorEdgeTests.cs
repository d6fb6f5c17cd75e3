namespace NeuralNotebooks.Tests.Tensors;

public class TensorEdgeTests
{
    [Fact]
    public void A_range_outside_the_first_axis_names_the_shape_and_the_range()
    {
        var a = Tensor.Zeros(4, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => a[5..7]);
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("5..7", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[3..2]);
        Assert.Equal(2, a[^2..].Shape[0]);
        Assert.Equal(0, a[4..].Shape[0]);
    }

    [Fact]
    public void Softmax_of_a_row_with_plus_infinity_is_all_NaN_as_in_PyTorch()
    {
        // torch.softmax(torch.tensor([1., inf, 3.]), 0) is tensor([nan, nan, nan]) in PyTorch 1.13.
        var s = new Tensor([1f, float.PositiveInfinity, 3f], 3).Softmax().ToArray();
        Assert.All(s, v => Assert.True(float.IsNaN(v)));
        // -inf is a masked entry: probability 0, the others as without it (torch: [0.1192, 0.0000, 0.8808]).
        var m = new Tensor([1f, float.NegativeInfinity, 3f], 3).Softmax().ToArray();
        Assert.Equal(0f, m[1]);
        Assert.Equal(0.1192f, m[0], 4);
        Assert.Equal(0.8808f, m[2], 4);
        // Other rows are unaffected.
        var rows = new Tensor([1f, float.PositiveInfinity, 0f, 0f], 2, 2).Softmax().ToArray();
        Assert.True(float.IsNaN(rows[0]) && float.IsNaN(rows[1]));
        Assert.Equal([0.5f, 0.5f], rows[2..]);
    }
}
