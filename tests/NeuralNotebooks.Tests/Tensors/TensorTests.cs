namespace NeuralNotebooks.Tests.Tensors;

public class CreationTests
{
    [Fact]
    public void Scalars_vectors_matrices_and_image_batches_have_rank_shape_and_dtype()
    {
        var s = Tensor.Scalar(3f);
        Assert.Equal(0, s.Rank);
        Assert.Equal("()", s.Shape.ToString());
        Assert.Equal(3f, s.Item());

        var v = Tensor.From(1f, 2f, 3f);
        Assert.Equal(1, v.Rank);
        Assert.Equal("(3,)", v.Shape.ToString());

        var m = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new Shape(2, 3), m.Shape);
        Assert.Equal(6f, m.Item(1, 2));

        var batch = Tensor.Zeros(32, 28, 28, 1);
        Assert.Equal(4, batch.Rank);
        Assert.Equal(DType.Float32, batch.DType);
        Assert.Equal(32 * 28 * 28, batch.Size);
    }

    [Fact]
    public void Nested_arrays_of_any_number_type_become_float_tensors()
    {
        var t = Tensor.FromArray(new[] { new[] { new[] { 1, 2 }, new[] { 3, 4 } }, new[] { new[] { 5, 6 }, new[] { 7, 8 } } });
        Assert.Equal(new Shape(2, 2, 2), t.Shape);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (float)i), t.ToArray());
        Assert.Equal(new Shape(2, 2), Tensor.FromArray(new double[,] { { 1.5, 2 }, { 3, 4 } }).Shape);
    }

    [Fact]
    public void Ragged_nested_arrays_are_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.From(new[] { new[] { 1f, 2f }, new[] { 3f } }));
        Assert.Contains("ragged", e.Message);
    }

    [Fact]
    public void Wrong_number_of_values_names_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => new Tensor(new float[5], 2, 3));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("5 values", e.Message);
    }

    [Fact]
    public void Full_ones_arange_linspace()
    {
        Assert.Equal([7f, 7f], Tensor.Full(new Shape(2), 7f).ToArray());
        Assert.Equal([1f, 1f, 1f], Tensor.Ones(3).ToArray());
        Assert.Equal([0f, 1f, 2f, 3f], Tensor.Arange(4).ToArray());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Tensor.Arange(1f, 3f, 0.5f).ToArray());
        Assert.Equal([-1f, 0f, 1f], Tensor.Linspace(-1f, 1f, 3).ToArray());
    }

    [Fact]
    public void A_seed_gives_the_same_numbers_every_time()
    {
        var a = Tensor.RandomNormal(new Shape(100), new Rng(42));
        var b = Tensor.RandomNormal(new Shape(100), new Rng(42));
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), Tensor.RandomNormal(new Shape(100), new Rng(43)).ToArray());
        // Pinned values, computed by an independent Python implementation of SplitMix64-seeded xoshiro128**:
        // the generator is ours, so these never change across machines or .NET versions.
        var rng = new Rng(1);
        Assert.Equal([264704485u, 1194741267u, 1678852802u], new[] { rng.NextUInt(), rng.NextUInt(), rng.NextUInt() });
    }

    [Fact]
    public void Normal_and_uniform_samples_have_the_right_moments()
    {
        var n = Tensor.RandomNormal(new Shape(100_000), new Rng(3), mean: 2f, std: 0.5f);
        float mean = n.Mean().Item();
        float std = MathF.Sqrt(((n - mean).Pow(2f)).Mean().Item());
        Assert.InRange(mean, 1.99f, 2.01f);
        Assert.InRange(std, 0.49f, 0.51f);
        var u = Tensor.RandomUniform(new Shape(100_000), new Rng(3), -1f, 1f);
        Assert.InRange(u.Mean().Item(), -0.01f, 0.01f);
        Assert.True(u.ToArray().All(v => v >= -1f && v < 1f));
    }

    [Fact]
    public void Permutation_contains_every_index_once()
    {
        var p = new Rng(5).Permutation(1000);
        Assert.Equal(Enumerable.Range(0, 1000), p.Order());
        Assert.NotEqual(Enumerable.Range(0, 1000), p);
    }
}

public class BroadcastingTests
{
    [Fact]
    public void Row_vector_broadcasts_over_rows()
    {
        var m = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var bias = Tensor.From(10f, 20f, 30f);
        Assert.Equal([11f, 22f, 33f, 14f, 25f, 36f], (m + bias).ToArray());
    }

    [Fact]
    public void Column_and_row_broadcast_to_a_grid()
    {
        var col = Tensor.From(new float[,] { { 1 }, { 2 } });
        var row = Tensor.From(10f, 20f, 30f);
        var g = col * row;
        Assert.Equal(new Shape(2, 3), g.Shape);
        Assert.Equal([10f, 20f, 30f, 20f, 40f, 60f], g.ToArray());
    }

    [Fact]
    public void Broadcast_matches_an_element_by_element_loop_in_4d()
    {
        var a = new Rng(1).Uniform(new Shape(2, 1, 4, 3));
        var b = new Rng(2).Uniform(new Shape(3, 1, 3));
        var c = a - b;
        Assert.Equal(new Shape(2, 3, 4, 3), c.Shape);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) for (int l = 0; l < 3; l++)
            Assert.Equal(a.Item(i, 0, k, l) - b.Item(j, 0, l), c.Item(i, j, k, l));
    }

    [Fact]
    public void A_size_one_axis_stretches_to_an_empty_one_as_in_PyTorch()
    {
        // torch.zeros(0) + torch.ones(1) is tensor([]); torch.zeros(2, 0) * torch.ones(2, 1) has shape (2, 0).
        Assert.Equal(new Shape(0), (Tensor.Zeros(0) + Tensor.Ones(1)).Shape);
        Assert.Equal(new Shape(2, 0), (Tensor.Zeros(2, 0) * Tensor.Ones(2, 1)).Shape);
        Assert.Equal(new Shape(0, 3), (Tensor.Ones(1, 3) - Tensor.Zeros(0, 1)).Shape);
        Assert.Equal(new Shape(2, 0), Broadcasting.Shapes(new Shape(1, 0), new Shape(2, 1)));
        // Its gradient sums over no elements: zeros of the operand's shape.
        var one = Tensor.Ones(1).RequireGrad();
        (Tensor.Zeros(0) * one).Sum().Backward();
        Assert.Equal([0f], one.Grad!.ToArray());
        // 0 and 2 are still incompatible.
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0) + Tensor.Zeros(2));
        Assert.Contains("(0,)", e.Message);
        Assert.Contains("(2,)", e.Message);
    }

    [Fact]
    public void Incompatible_shapes_name_the_op_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("add", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    [Fact]
    public void Scalar_operators_and_elementwise_functions()
    {
        var x = Tensor.From(1f, 4f, 9f);
        Assert.Equal([2f, 5f, 10f], (x + 1f).ToArray());
        Assert.Equal([-1f, 2f, 7f], (x - 2f).ToArray());
        Assert.Equal([1f, -2f, -7f], (2f - x).ToArray());
        Assert.Equal([0.5f, 2f, 4.5f], (x / 2f).ToArray());
        Assert.Equal([1f, 0.25f, 1f / 9f], (1f / x).ToArray());
        Assert.Equal([1f, 2f, 3f], x.Sqrt().ToArray());
        Assert.Equal([1f, 16f, 81f], x.Pow(2f).ToArray());
        Assert.Equal([2f, 4f, 5f], x.Clamp(2f, 5f).ToArray());
        Assert.Equal([3f, 4f, 9f], x.Maximum(3f).ToArray());
        Assert.Equal([1f, 3f, 3f], x.Minimum(3f).ToArray());
        Assert.Equal([1f, 2f], Tensor.From(-1f, 2f).Abs().ToArray());
        Assert.Equal(MathF.Log(4f), x.Log().Item(1), 6);
        Assert.Equal(MathF.Exp(1f), Tensor.From(1f).Exp().Item(0), 5);
    }
}

public class ReductionTests
{
    private static readonly Tensor M = Tensor.From(new float[,] { { 1, 5, 3 }, { 4, 2, 6 } });

    [Fact]
    public void Over_all_elements()
    {
        Assert.Equal(21f, M.Sum().Item());
        Assert.Equal(3.5f, M.Mean().Item());
        Assert.Equal(6f, M.Max().Item());
        Assert.Equal(5, M.ArgMax());
    }

    [Fact]
    public void A_reduction_over_an_axis_of_a_scalar_names_itself()
    {
        // Mean went through Sum and reported "sum: a scalar has no axis 0".
        Assert.Equal("mean: a scalar has no axis 0.", Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(3f).Mean(0)).Message);
        Assert.Equal("sum: a scalar has no axis 0.", Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(3f).Sum(0)).Message);
    }

    [Fact]
    public void Along_an_axis_with_and_without_keepdims()
    {
        Assert.Equal([5f, 7f, 9f], M.Sum(0).ToArray());
        Assert.Equal([9f, 12f], M.Sum(1).ToArray());
        Assert.Equal(new Shape(2, 1), M.Sum(1, keepDims: true).Shape);
        Assert.Equal([3f, 4f], M.Mean(-1).ToArray());
        Assert.Equal([4f, 5f, 6f], M.Max(0).ToArray());
        Assert.Equal([1f, 2f], M.ArgMax(1).ToArray());
        Assert.Equal([1f, 0f, 1f], M.ArgMax(0).ToArray());
        Assert.Equal(new Shape(1, 3), M.ArgMax(0, keepDims: true).Shape);
    }

    [Fact]
    public void Middle_axis_of_a_3d_tensor()
    {
        var t = Tensor.Arange(24).Reshape(2, 3, 4);
        var s = t.Sum(1);
        Assert.Equal(new Shape(2, 4), s.Shape);
        Assert.Equal(0f + 4 + 8, s.Item(0, 0));
        Assert.Equal(15f + 19 + 23, s.Item(1, 3));
        Assert.Equal([2f, 2f, 2f, 2f, 2f, 2f, 2f, 2f], t.ArgMax(1).ToArray());
    }

    [Fact]
    public void First_maximum_wins_ties()
    {
        Assert.Equal(1, Tensor.From(0f, 3f, 3f).ArgMax());
    }

    [Fact]
    public void Bad_axis_names_the_shape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M.Sum(2));
        Assert.Contains("(2, 3)", e.Message);
    }
}

public class MatMulTests
{
    [Fact]
    public void Two_by_two()
    {
        var a = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor.From(new float[,] { { 5, 6 }, { 7, 8 } });
        Assert.Equal([19f, 22f, 43f, 50f], a.MatMul(b).ToArray());
    }

    [Fact]
    public void Batched_3d_by_2d_equals_each_matrix_times_b()
    {
        var a = new Rng(1).Uniform(new Shape(3, 4, 5));
        var b = new Rng(2).Uniform(new Shape(5, 6));
        var c = a.MatMul(b);
        Assert.Equal(new Shape(3, 4, 6), c.Shape);
        for (int i = 0; i < 3; i++)
        {
            var ci = a[i].MatMul(b).ToArray();
            Assert.Equal(ci, c[i].ToArray());
        }
    }

    [Fact]
    public void Mismatched_inner_dimensions_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(64, 784).MatMul(Tensor.Zeros(100, 10)));
        Assert.StartsWith("matmul: cannot multiply (64x784) by (100x10)", e.Message);
    }

    [Fact]
    public void Large_product_matches_a_plain_loop()
    {
        var a = new Rng(3).Uniform(new Shape(67, 300), -1f, 1f);
        var b = new Rng(4).Uniform(new Shape(300, 45), -1f, 1f);
        var c = a.MatMul(b);
        for (int i = 0; i < 67; i += 11)
            for (int j = 0; j < 45; j += 7)
            {
                double s = 0;
                for (int k = 0; k < 300; k++) s += (double)a.Item(i, k) * b.Item(k, j);
                Assert.Equal(s, c.Item(i, j), 3);
            }
    }
}

public class ShapeOpsTests
{
    [Fact]
    public void Reshape_infers_one_dimension_and_shares_memory()
    {
        var t = Tensor.Arange(12);
        var r = t.Reshape(3, -1);
        Assert.Equal(new Shape(3, 4), r.Shape);
        t.AsSpan()[0] = 100f;
        Assert.Equal(100f, r.Item(0, 0));
        var e = Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
        Assert.Contains("(12,)", e.Message);
    }

    [Fact]
    public void Flatten_keeps_the_batch_axis_on_request()
    {
        var t = Tensor.Zeros(8, 28, 28, 1);
        Assert.Equal(new Shape(8 * 784), t.Flatten().Shape);
        Assert.Equal(new Shape(8, 784), t.Flatten(1).Shape);
    }

    [Fact]
    public void Transpose_swaps_rows_and_columns()
    {
        var t = Tensor.Arange(6).Reshape(2, 3).T;
        Assert.Equal(new Shape(3, 2), t.Shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.ToArray());
        var big = new Rng(1).Uniform(new Shape(70, 45));
        Assert.Equal(big.ToArray(), big.T.T.ToArray());
    }

    [Fact]
    public void Index_a_sample_and_slice_a_batch()
    {
        var t = Tensor.Arange(24).Reshape(4, 3, 2);
        Assert.Equal(new Shape(3, 2), t[1].Shape);
        Assert.Equal([6f, 7f, 8f, 9f, 10f, 11f], t[1].ToArray());
        Assert.Equal(t[3].ToArray(), t[-1].ToArray());
        Assert.Equal(new Shape(2, 3, 2), t[1..3].Shape);
        Assert.Equal(t[^1].ToArray(), t[^1..][0].ToArray());
        Assert.Throws<IndexOutOfRangeException>(() => t[4]);
    }

    [Fact]
    public void Concat_along_each_axis()
    {
        var a = Tensor.From(new float[,] { { 1, 2 } });
        var b = Tensor.From(new float[,] { { 3, 4 } });
        Assert.Equal([1f, 2f, 3f, 4f], Tensor.Concat([a, b]).ToArray());
        Assert.Equal(new Shape(2, 2), Tensor.Concat([a, b]).Shape);
        Assert.Equal(new Shape(1, 4), Tensor.Concat([a, b], axis: 1).Shape);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Concat([a, Tensor.Zeros(1, 3)]));
        Assert.Contains("(1, 3)", e.Message);
    }
}

public class FormatTests
{
    [Fact]
    public void Prints_like_pytorch_with_the_shape()
    {
        Assert.Equal("tensor([[1., 2.],\n        [3., 4.]], shape=(2, 2))", Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } }).ToString());
        Assert.Equal("tensor([0.5000, 0.2500], shape=(2,))", Tensor.From(0.5f, 0.25f).ToString());
        Assert.Equal("tensor(3., shape=())", Tensor.Scalar(3f).ToString());
    }

    [Fact]
    public void Small_values_print_in_scientific_notation_as_in_PyTorch()
    {
        // torch.tensor([1e-5, 2e-5]) prints tensor([1.0000e-05, 2.0000e-05]); these printed as 0.0000, 0.0000.
        Assert.Equal("tensor([1.0000e-05, 2.0000e-05], shape=(2,))", Tensor.From(1e-5f, 2e-5f).ToString());
        Assert.Equal("tensor([0.0000e+00, 3.0000e-05], shape=(2,))", Tensor.From(0f, 3e-5f).ToString());
        // The float nearest 1e-4 is just below it: PyTorch prints tensor([1.0000e-04, 5.0000e-01]); [2e-4, 0.1] in fixed point.
        Assert.Equal("tensor([1.0000e-04, 5.0000e-01], shape=(2,))", Tensor.From(1e-4f, 0.5f).ToString());
        Assert.Equal("tensor([0.0002, 0.1000], shape=(2,))", Tensor.From(2e-4f, 0.1f).ToString());
    }

    // repr(torch.tensor(values)) in PyTorch 1.13; these printed [100000., 1.], [1., 2000.], [0.0010, 1000.5000],
    // [nan,  1.]: whole numbers never switched to scientific for their span, fractions switched at 1e4, and
    // the width counted "nan".
    [Theory]
    [InlineData(new float[] { 100000f, 1f }, "[1.0000e+05, 1.0000e+00]")]
    [InlineData(new float[] { 1f, 2000f }, "[1.0000e+00, 2.0000e+03]")]
    [InlineData(new float[] { 1f, 1000f }, "[   1., 1000.]")]
    [InlineData(new float[] { 0.001f, 1000.5f }, "[1.0000e-03, 1.0005e+03]")]
    [InlineData(new float[] { 0.5f, 2000.5f }, "[5.0000e-01, 2.0005e+03]")]
    [InlineData(new float[] { 0.1f, 100f }, "[  0.1000, 100.0000]")]
    [InlineData(new float[] { 0.1f, 100.1f }, "[1.0000e-01, 1.0010e+02]")]
    [InlineData(new float[] { 1e9f, 1f }, "[1.0000e+09, 1.0000e+00]")]
    [InlineData(new float[] { float.NaN, 1f }, "[nan, 1.]")]
    [InlineData(new float[] { float.NegativeInfinity, 1f, 2f }, "[-inf, 1., 2.]")]
    [InlineData(new float[] { 0f, 0f }, "[0., 0.]")]
    [InlineData(new float[] { 0f, -5f }, "[ 0., -5.]")]
    [InlineData(new float[] { -0f, 1f }, "[-0., 1.]")]
    public void The_number_format_is_chosen_as_PyTorch_chooses_it(float[] values, string torch) =>
        Assert.Equal($"tensor({torch}, shape=({values.Length},))", Tensor.From(values).ToString());

    // repr(torch.tensor(values)) in PyTorch 1.13. These printed 4327.8260, [ 1060.0110, -1157.7070], 12345680.,
    // 6.9170e-02, 0.0313 and 4.1563e-05: a float's custom format rounded to 7 significant digits first, and ties
    // away from zero where Python rounds the exact value, ties to even.
    [Theory]
    [InlineData(new float[] { 4327.8262f }, "[4327.8262]")]
    [InlineData(new float[] { 1060.0107f, -1157.7065f }, "[ 1060.0107, -1157.7065]")]
    [InlineData(new float[] { 12345678f }, "[12345678.]")]
    [InlineData(new float[] { 0.0691695f, 1e-5f }, "[6.9169e-02, 1.0000e-05]")]
    [InlineData(new float[] { 0.03125f, 0.5f }, "[0.0312, 0.5000]")]
    [InlineData(new float[] { 4.15625e-5f, 1f }, "[4.1562e-05, 1.0000e+00]")]
    public void Printed_digits_are_those_PyTorch_prints(float[] values, string torch) =>
        Assert.Equal($"tensor({torch}, shape=({values.Length},))", Tensor.From(values).ToString());

    [Fact]
    public void A_summary_chooses_its_format_from_the_values_it_shows()
    {
        // repr(torch.arange(0., 2000.).reshape(2, 1000)): its corners span 1 to 1999. torch.arange(0., 1001.)
        // shows 1 to 1000 and stays in whole numbers.
        Assert.Equal("""
            tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,
                     9.9900e+02],
                    [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,
                     1.9990e+03]], shape=(2, 1000))
            """, Tensor.Arange(0, 2000).Reshape(2, 1000).ToString());
        Assert.Equal("tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.], shape=(1001,))", Tensor.Arange(0, 1001).ToString());
    }

    [Fact]
    public void Long_tensors_are_truncated()
    {
        // repr(torch.arange(0., 5000.)), and torch.zeros(3, 4, 1000) with a blank line between blocks.
        Assert.Equal("""
            tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.9970e+03, 4.9980e+03,
                    4.9990e+03], shape=(5000,))
            """, Tensor.Arange(5000).ToString());
        Assert.Equal("""
            tensor([[[0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.]],

                    [[0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.]],

                    [[0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.],
                     [0., 0., 0.,  ..., 0., 0., 0.]]], shape=(3, 4, 1000))
            """, Tensor.Zeros(3, 4, 1000).ToString());
        var m = Tensor.Zeros(100, 100).ToString();
        Assert.Contains("...", m);
        Assert.True(m.Split('\n').Length < 10);
    }

    [Fact]
    public void Long_rows_wrap_at_80_columns_as_in_PyTorch()
    {
        // repr(torch.arange(20.) / 3) and repr(torch.arange(9.) * 1.5): printed on one line of 190 characters, a
        // flattened 28×28 image on one of over 6,000. The shape goes on a line of its own when the last is full.
        var thirds = Tensor.From(Enumerable.Range(0, 20).Select(i => i / 3f).ToArray());
        Assert.Equal("""
            tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,
                    3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,
                    6.0000, 6.3333], shape=(20,))
            """, thirds.ToString());
        Assert.Equal("""
            tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,
                    12.0000], shape=(9,))
            """, Tensor.From(Enumerable.Range(0, 9).Select(i => i * 1.5f).ToArray()).ToString());
        Assert.Equal("""
            tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,
                    3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,
                    6.0000, 6.3333], shape=(20,), requires_grad=True)
            """, Tensor.From(Enumerable.Range(0, 20).Select(i => i / 3f).ToArray()).RequireGrad().ToString());
        var wide = Tensor.From(Enumerable.Range(0, 8).Select(i => i + 0.5f).ToArray()).ToString();
        Assert.True(wide.Split('\n').All(line => line.Length <= 80), wide);
        var pixels = Tensor.From(Enumerable.Range(0, 784).Select(i => i % 7 == 0 ? i / 784f : 0f).ToArray()).ToString();
        Assert.All(pixels.Split('\n'), line => Assert.True(line.Length <= 80, line));
    }

    [Fact]
    public void Shows_the_operation_that_made_a_tensor_needing_a_gradient()
    {
        var x = Tensor.From(1f, 2f).RequireGrad();
        Assert.EndsWith("requires_grad=True)", x.ToString());
        Assert.EndsWith("grad_fn=mul)", (x * 2f).ToString());
    }
}

public class TensorDisplayTests
{
    [Fact]
    public void A_notebook_shows_a_tensor_as_its_printed_values()
    {
        NeuralNotebooks.Display.IRichDisplay d = Tensor.From(1f, 2f);
        Assert.Equal("text/html", d.MimeType);
        Assert.Equal("<pre style=\"margin:0\">tensor([1., 2.], shape=(2,))</pre>", d.Render());
        var attribute = typeof(Tensor).GetCustomAttributes(true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        Assert.NotNull(attribute);
    }
}
