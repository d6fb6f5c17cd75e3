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

    [Fact]
    public void Sums_and_means_of_long_axes_keep_their_accuracy()
    {
        // torch.full((1_000_000, 4), 0.1).mean(0) is 0.1000; added row by row in float it was 0.10096.
        Assert.InRange(Tensor.Full(new Shape(1_000_000, 4), 0.1f).Mean(0).ToArray()[0], 0.09999f, 0.10001f);
        Assert.InRange(Tensor.Full(new Shape(1_000_000, 4), 0.1f).Sum(0).ToArray()[3], 99_999f, 100_001f);
        // All elements: 64 float lanes summed 40M times 0.1 to 4.0238e6 (PyTorch: 3999996).
        Assert.InRange(Tensor.Full(new Shape(40_000_000), 0.1f).Sum().Item(), 3_999_900f, 4_000_100f);
        // Odd lengths take every path of the pairwise sum: against a sum in double.
        var rng = new Rng(4);
        foreach (int n in new[] { 1, 2, 31, 32, 33, 64, 65, 97, 1000, 4097 })
        {
            var x = rng.Uniform(new Shape(n, 3), -1f, 1f);
            var sum = x.Sum(0).ToArray();
            var values = x.ToArray();
            for (int j = 0; j < 3; j++)
            {
                double expected = 0;
                for (int i = 0; i < n; i++) expected += values[i * 3 + j];
                Assert.Equal(expected, sum[j], 4);
            }
        }
    }

    [Fact]
    public void An_empty_axis_sums_to_zeros()
    {
        // torch.zeros(0, 3).sum(0) is [0, 0, 0]; the pairwise sum read a first row that was not there.
        Assert.Equal(new[] { 0f, 0f, 0f }, Tensor.Zeros(0, 3).Sum(0).ToArray());
    }

    [Fact]
    public void Max_and_Min_of_an_empty_tensor_name_themselves()
    {
        // Both said "argmax: the tensor is empty".
        Assert.StartsWith("max: the tensor is empty", Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(0).Max()).Message);
        Assert.StartsWith("min: the tensor is empty", Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(0).Min()).Message);
    }

    [Fact]
    public void Min_along_an_axis_names_itself_in_its_errors()
    {
        // Both said "max: ...", the operation Min is computed with.
        Assert.StartsWith("min: axis 1", Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 0).Min(1)).Message);
        Assert.StartsWith("min: a scalar", Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(1f).Min(0)).Message);
    }

    [Fact]
    public void MatMul_spreads_NaN_and_infinity_of_B_through_zeros_of_A_as_PyTorch_does()
    {
        // torch.tensor([[0., 1.]]) @ torch.tensor([[nan, 0.], [1., 1.]]) is [[nan, 1.]], and 0·inf is nan; the
        // kernel skipped A's zeros and gave [[1, 1]]. torch.zeros(64, 64) @ torch.full((64, 64), nan) is all nan
        // (the blocked path, which skips the zero steps of a mostly-zero A).
        var a = Tensor.From(new float[,] { { 0, 1 } });
        var nan = a.MatMul(Tensor.From(new float[,] { { float.NaN, 0 }, { 1, 1 } })).ToArray();
        Assert.True(float.IsNaN(nan[0]) && nan[1] == 1, string.Join(", ", nan));
        Assert.True(float.IsNaN(a.MatMul(Tensor.From(new float[,] { { float.PositiveInfinity, 0 }, { 1, 1 } })).ToArray()[0]));
        Assert.All(Tensor.Zeros(64, 64).MatMul(Tensor.Full(new Shape(64, 64), float.NaN)).ToArray(), v => Assert.True(float.IsNaN(v)));
        // The gradient of A through a B holding NaN: dA = dC·Bᵀ, with dC all ones.
        var x = Tensor.From(new float[,] { { 0, 1 } }).RequireGrad();
        x.MatMul(Tensor.From(new float[,] { { float.NaN, 0 }, { 1, 1 } })).Sum().Backward();
        Assert.True(float.IsNaN(x.Grad!.ToArray()[0]));
    }

    [Fact]
    public void A_shape_whose_element_count_overflows_is_refused()
    {
        // 65536⁴ = 2⁶⁴ wrapped to 0 in a long: Zeros made a "tensor" of that shape with no elements, and Reshape
        // of an empty tensor accepted it. PyTorch: "Storage size calculation overflowed".
        Assert.Throws<InvalidOperationException>(() => new Shape(65536, 65536, 65536, 65536).Size);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(1 << 21, 1 << 21, 1 << 21));
        Assert.ThrowsAny<Exception>(() => Tensor.Zeros(0).Reshape(65536, 65536, 65536, 65536));
        Assert.Equal(0, new Shape(0, 1 << 30, 1 << 30).Size);
    }
}
