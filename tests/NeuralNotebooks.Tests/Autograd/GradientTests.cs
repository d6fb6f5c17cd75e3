namespace NeuralNotebooks.Tests.Autograd;

public class GradientTests
{
    private static Tensor R(int seed, params int[] shape) => new Rng(seed).Uniform(shape, -1f, 1f);
    private static Tensor Pos(int seed, params int[] shape) => new Rng(seed).Uniform(shape, 0.5f, 2f);

    [Fact] public void Add_broadcast() => GradCheck.Check(t => t[0] + t[1], R(1, 2, 3), R(2, 3));
    [Fact] public void Add_broadcast_middle_axis() => GradCheck.Check(t => t[0] + t[1], R(1, 2, 3, 4), R(2, 3, 1));
    [Fact] public void Sub_broadcast() => GradCheck.Check(t => t[0] - t[1], R(1, 4, 1), R(2, 1, 5));
    [Fact] public void Mul_broadcast() => GradCheck.Check(t => t[0] * t[1], R(1, 3, 4), R(2, 3, 1));
    [Fact] public void Div_broadcast() => GradCheck.Check(t => t[0] / t[1], R(1, 3, 4), Pos(2, 4));
    [Fact] public void Maximum() => GradCheck.Check(t => Tensor.Maximum(t[0], t[1]), R(1, 3, 4), R(2, 4));
    [Fact] public void Minimum() => GradCheck.Check(t => Tensor.Minimum(t[0], t[1]), R(1, 3, 4), R(2, 3, 4));
    [Fact] public void Scalar_operands() => GradCheck.Check(t => (2f - t[0]) * 3f / 4f + 1f, R(1, 5));
    [Fact] public void Scalar_divided_by_tensor() => GradCheck.Check(t => 2f / t[0], Pos(1, 5));
    [Fact] public void Neg() => GradCheck.Check(t => -t[0], R(1, 5));
    [Fact] public void Pow() => GradCheck.Check(t => t[0].Pow(2.5f), Pos(1, 6));
    [Fact] public void Pow_integer_negative_base() => GradCheck.Check(t => t[0].Pow(3f), R(1, 6));
    [Fact] public void Exp() => GradCheck.Check(t => t[0].Exp(), R(1, 6));
    [Fact] public void Log() => GradCheck.Check(t => t[0].Log(), Pos(1, 6));
    [Fact] public void Sqrt() => GradCheck.Check(t => t[0].Sqrt(), Pos(1, 6));
    [Fact] public void Abs() => GradCheck.Check(t => t[0].Abs(), R(1, 6));
    [Fact] public void Clamp() => GradCheck.Check(t => t[0].Clamp(-0.5f, 0.5f), R(3, 8));
    [Fact] public void Max_with_scalar() => GradCheck.Check(t => t[0].Maximum(0.1f), R(4, 8));
    [Fact] public void Min_with_scalar() => GradCheck.Check(t => t[0].Minimum(0.1f), R(4, 8));
    [Fact] public void Sigmoid() => GradCheck.Check(t => t[0].Sigmoid(), R(1, 6));
    [Fact] public void Tanh() => GradCheck.Check(t => t[0].Tanh(), R(1, 6));
    [Fact] public void Atan() => GradCheck.Check(t => t[0].Atan(), R(1, 6));
    [Fact] public void Relu() => GradCheck.Check(t => t[0].Relu(), R(5, 6));
    [Fact] public void LeakyRelu() => GradCheck.Check(t => t[0].LeakyRelu(0.2f), R(5, 6));
    [Fact] public void Softmax() => GradCheck.Check(t => t[0].Softmax(), R(1, 3, 5));
    [Fact] public void LogSoftmax() => GradCheck.Check(t => t[0].LogSoftmax(), R(1, 3, 5));
    [Fact] public void Sum_all() => GradCheck.Check(t => t[0].Sum(), R(1, 3, 4));
    [Fact] public void Mean_all() => GradCheck.Check(t => t[0].Mean(), R(1, 3, 4));
    [Fact] public void Sum_axis() => GradCheck.Check(t => t[0].Sum(1), R(1, 2, 3, 4));
    [Fact] public void Sum_axis_keepdims() => GradCheck.Check(t => t[0].Sum(-1, keepDims: true), R(1, 2, 3, 4));
    [Fact] public void Mean_axis() => GradCheck.Check(t => t[0].Mean(0), R(1, 3, 4));
    [Fact] public void Max_all() => GradCheck.Check(t => t[0].Max(), R(1, 3, 4));
    [Fact] public void Max_axis() => GradCheck.Check(t => t[0].Max(1, keepDims: true), R(1, 3, 4, 2));
    [Fact] public void MatMul() => GradCheck.Check(t => t[0].MatMul(t[1]), R(1, 3, 4), R(2, 4, 5));
    [Fact] public void MatMul_batched() => GradCheck.Check(t => t[0].MatMul(t[1]), R(1, 2, 3, 4), R(2, 4, 5));
    [Fact] public void Transpose() => GradCheck.Check(t => t[0].T * t[1], R(1, 3, 4), R(2, 4, 3));
    [Fact] public void Reshape_and_flatten() => GradCheck.Check(t => t[0].Reshape(4, -1).Flatten() * t[1], R(1, 2, 2, 3), R(2, 12));
    [Fact] public void Index_and_slice() => GradCheck.Check(t => t[0][1] + t[0][..2].Sum(0), R(1, 4, 3));
    [Fact] public void Concat() => GradCheck.Check(t => Tensor.Concat([t[0], t[1]], axis: 1), R(1, 2, 3), R(2, 2, 2));

    [Fact]
    public void Gradients_accumulate_over_uses_and_backward_calls()
    {
        var x = Tensor.From(1f, 2f).RequireGrad();
        (x * x + x).Sum().Backward(); // d/dx = 2x + 1
        Assert.Equal([3f, 5f], x.Grad!.ToArray());
        (x * 2f).Sum().Backward();
        Assert.Equal([5f, 7f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void A_second_backward_through_a_shared_tensor_counts_each_pass_once()
    {
        // PyTorch: h = x*3; h.sum().backward(retain_graph=True); (h*h).sum().backward() leaves x.grad = [21, 39].
        var x = Tensor.From(1f, 2f).RequireGrad();
        var h = x * 3f;
        h.Sum().Backward();
        Assert.Equal([3f, 3f], x.Grad!.ToArray());
        (h * h).Sum().Backward();
        Assert.Equal([21f, 39f], x.Grad!.ToArray());
        Assert.Equal([6f, 12f], h.Grad!.ToArray());   // the last pass's d(Σh²)/dh = 2h

        // The same scalar backward twice: each pass adds 2 to every leaf's gradient, once.
        var w = Tensor.From(1f, 1f, 1f).RequireGrad();
        var y = (w * 2f).Sum();
        y.Backward();
        y.Backward();
        Assert.Equal([4f, 4f, 4f], w.Grad!.ToArray());
    }

    [Fact]
    public void Pow_zero_has_gradient_zero_even_at_zero()
    {
        // d(x⁰)/dx = 0 everywhere; p·x^(p-1) would be 0·∞ = NaN at x = 0 (PyTorch gives [0, 0] too).
        var x = Tensor.From(0f, 2f).RequireGrad();
        x.Pow(0f).Sum().Backward();
        Assert.Equal([0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void Diamond_graph_visits_each_node_once()
    {
        var x = Tensor.Scalar(3f).RequireGrad();
        var y = x * 2f;
        var z = y * y + y; // dz/dx = (2y + 1)·2 = 26
        z.Backward();
        Assert.Equal(26f, x.Grad!.Item());
    }

    [Fact]
    public void NoGrad_records_nothing()
    {
        var x = Tensor.From(1f, 2f).RequireGrad();
        Tensor y;
        using (Tensor.NoGrad()) y = x * 2f;
        Assert.False(y.RequiresGrad);
        Assert.True((x * 2f).RequiresGrad);
    }

    [Fact]
    public void Backward_needs_a_scalar_and_says_so()
    {
        var x = Tensor.From(1f, 2f).RequireGrad();
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.Contains("(2,)", e.Message);
    }

    [Fact]
    public void Detach_cuts_the_graph()
    {
        var x = Tensor.From(1f, 2f).RequireGrad();
        var y = (x.Detach() * x).Sum();
        y.Backward();
        Assert.Equal([1f, 2f], x.Grad!.ToArray());
    }

    [Fact]
    public void A_NoGrad_scope_around_an_await_ends_where_the_code_resumes()
    {
        // The scope was a thread-static counter: disposed on the pool thread the await resumed on, it left
        // that thread at -1, recording off there for good.
        bool recorded = false;
        var t = new Thread(() =>
        {
            async Task Body()
            {
                using (Tensor.NoGrad()) await Task.Delay(20).ConfigureAwait(false);
                recorded = (Tensor.From(1f).RequireGrad() * 2f).RequiresGrad;
            }
            Body().GetAwaiter().GetResult();
        });
        t.Start(); t.Join();
        Assert.True(recorded);
    }

    [Fact]
    public void Relu_keeps_NaN_and_passes_its_gradient_as_PyTorch_does()
    {
        // torch.relu([nan, -0., 1., -1.]) is [nan, -0., 1., 0.] with gradient [1, 0, 1, 0]; NaN became 0 here.
        var x = Tensor.From(float.NaN, -0f, 1f, -1f).RequireGrad();
        var y = x.Relu();
        Assert.True(float.IsNaN(y.ToArray()[0]));
        Assert.Equal(new[] { 0f, 1f, 0f }, y.ToArray()[1..]);
        y.Sum().Backward();
        Assert.Equal(new[] { 1f, 0f, 1f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void A_value_changed_after_an_operation_used_it_is_refused_by_backward_as_in_PyTorch()
    {
        // Each of these gave w.Grad [10, 4] without a word; PyTorch raises "modified by an inplace operation".
        void Refused(Action<Tensor, Tensor> change)
        {
            var w = Tensor.From(1f, 2f).RequireGrad();
            var x = Tensor.From(3f, 4f);
            var y = (w * w * x).Sum();
            change(w, x);
            Assert.Contains("changed by SetItem", Assert.Throws<InvalidOperationException>(() => y.Backward()).Message);
            Assert.Null(w.Grad);
        }
        Refused((w, _) => w.Detach().SetItem(5f, 0));                       // through an alias that shares its memory
        Refused((w, _) => { using (Tensor.NoGrad()) w.SetItem(5f, 0); });   // inside NoGrad
        Refused((_, x) => x.SetItem(10f, 0));                               // an input that needs no gradient
        // Changed before the graph is built, or after its backward pass, all is well.
        var v = Tensor.From(1f, 2f).RequireGrad();
        using (Tensor.NoGrad()) v.SetItem(5f, 0);
        (v * v).Sum().Backward();
        Assert.Equal(new[] { 10f, 4f }, v.Grad!.ToArray());
    }
}
