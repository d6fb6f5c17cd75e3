namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// Each layer's hand-written backward pass against central finite differences of
/// L = Σ forward(x) ⊙ w (w fixed and random), for the input and for every weight.
/// </summary>
public class LayerGradientTests
{
    internal static void Check(Layer layer, int[] batchShape, int seed = 1, float h = FiniteDifferences.Step, float tol = FiniteDifferences.Tolerance,
        bool firstLayer = false)
    {
        var rng = new Rng(seed);
        layer.Build(batchShape[1..], rng);
        var x = rng.Uniform(new Shape(batchShape), -1f, 1f);
        var y = layer.Forward(x, training: true);
        var w = rng.Uniform(y.Shape, -1f, 1f);
        // A first layer is asked for no input gradient, which lets some layers take another path.
        var dx = layer.Backward(w, needInputGradient: !firstLayer)?.ToArray();
        var grads = layer.Gradients.Select(g => g.ToArray()).ToList();
        double L() => FiniteDifferences.Weighted(layer.Forward(x, training: true).AsSpan(), w.AsSpan());

        string name = layer.GetType().Name;
        if (firstLayer) Assert.Null(dx);
        else FiniteDifferences.Check(x.AsSpan(), dx, L, $"{name} input", h, tol);
        for (int k = 0; k < layer.Weights.Count; k++) FiniteDifferences.Check(layer.Weights[k].AsSpan(), grads[k], L, $"{name} {layer.WeightNames[k]}", h, tol);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("relu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("arctan")]
    [InlineData("leaky_relu")]
    [InlineData("softmax")]
    public void Dense(string? activation) => Check(new Dense(4, activation), [3, 5]);

    [Theory]
    [InlineData("valid", 1, 1)]
    [InlineData("same", 1, 1)]
    [InlineData("same", 2, 3)]
    [InlineData("valid", 2, 2)]
    [InlineData("same", 1, 4)]   // a 36-tap patch: through im2col and the blocked product, not the direct kernels
    public void Conv2D(string padding, int stride, int channels) =>
        Check(new Conv2D(3, (3, 3), strides: (stride, stride), padding: padding, activation: "tanh"), [2, 6, 5, channels]);

    [Theory]
    [InlineData("relu", "same")]
    [InlineData("relu", "valid")]
    [InlineData("tanh", "same")]
    [InlineData(null, "valid")]
    public void Conv2D_as_a_first_layer_on_the_direct_kernels(string? activation, string padding)
    {
        // 9 filters: past one vector of 8 (or two of 4), so the last vector overlaps. As a first layer with
        // ReLU the activation's backward is folded into the kernel gradient; the others run it apart.
        // A ReLU input that a step carries across zero would make the finite difference wrong, not the
        // gradient, so the seed is the first whose weighted sums (the same draws as Check's, without the
        // activation) all lie clear of zero by more than a step can move them.
        int[] shape = [1, 4, 5, 1];
        int seed = Enumerable.Range(1, 500).First(sd =>
        {
            var rng = new Rng(sd);
            var linear = new Conv2D(9, (3, 3), padding: padding);
            linear.Build(shape[1..], rng);
            var z = linear.Forward(rng.Uniform(new Shape(shape), -1f, 1f), training: false).ToArray();
            return z.All(v => MathF.Abs(v) > 3e-3f);
        });
        Check(new Conv2D(9, (3, 3), padding: padding, activation: activation), shape, seed, h: 1e-3f, firstLayer: true);
        Assert.True(NeuralNotebooks.Kernels.DirectConvolution.Takes(9, 9));
    }

    [Theory]
    [InlineData(28, 28, 28, null)]   // the course CNN's first two layers
    [InlineData(28, 28, 28, "relu")]
    [InlineData(7, 9, 9, "relu")]
    [InlineData(7, 9, 9, null)]
    public void A_first_Conv2D_and_MaxPool2D_backward_as_one_give_the_gradients_of_each_in_turn(int h, int w, int filters, string? activation)
    {
        var rng = new Rng(4);
        var conv = new Conv2D(filters, (3, 3), activation: activation);
        var pool = new MaxPool2D((2, 2));
        conv.Build([h, w, 1], rng);
        pool.Build(conv.OutputShape, rng);
        Assert.True(conv.BackwardFusesWith(pool));
        var x = rng.Uniform(new Shape(3, h, w, 1), -1f, 1f);
        var dPooled = rng.Uniform(pool.Forward(conv.Forward(x, training: true), training: true).Shape, -1f, 1f);

        Assert.Null(conv.Backward(pool.Backward(dPooled, needInputGradient: true)!, needInputGradient: false));
        var apart = conv.Gradients.Select(g => g.ToArray()).ToList();
        foreach (var g in conv.Gradients) g.data.AsSpan().Fill(float.NaN);
        conv.BackwardThroughPool(pool, dPooled);
        Assert.Equal(apart[0], conv.Gradients[0].ToArray());
        Assert.Equal(apart[1], conv.Gradients[1].ToArray());
    }

    [Fact]
    public void Conv2D_and_MaxPool2D_backward_as_one_only_where_the_kernels_take_it()
    {
        var rng = new Rng(1);
        var tanh = new Conv2D(8, (3, 3), activation: "tanh");
        var pool = new MaxPool2D((2, 2));
        tanh.Build([8, 8, 1], rng);
        pool.Build(tanh.OutputShape, rng);
        Assert.False(tanh.BackwardFusesWith(pool));   // only ReLU is folded in
        var narrow = new Conv2D(3, (3, 3), activation: "relu");
        var pool3 = new MaxPool2D((2, 2));
        narrow.Build([8, 8, 1], rng);
        pool3.Build(narrow.OutputShape, rng);
        Assert.False(narrow.BackwardFusesWith(pool3));   // fewer filters than a vector: im2col
        var overlapping = new MaxPool2D((3, 3), strides: (2, 2));
        var relu = new Conv2D(8, (3, 3), activation: "relu");
        relu.Build([9, 9, 1], rng);
        overlapping.Build(relu.OutputShape, rng);
        Assert.False(relu.BackwardFusesWith(overlapping));
    }

    [Fact]
    public void MaxPool2D_even_and_odd_sizes()
    {
        // A smaller step: two values of a window within h of each other trade places as the step moves one
        // (at h = 1e-2, inputs 90 and 93 of one window, 0.9468 and 0.9382, did: 90's difference read -0.165 against
        // the gradient's -0.178).
        Check(new MaxPool2D((2, 2)), [2, 4, 4, 3], seed: 3, h: 1e-3f);
        Check(new MaxPool2D((2, 2)), [1, 5, 7, 2], seed: 4, h: 1e-3f);
    }

    [Fact]
    public void MaxPool2D_backward_after_an_inference_pass_is_an_error_not_a_stale_gradient()
    {
        var pool = new MaxPool2D((2, 2));
        var x = new Rng(5).Uniform(new Shape(2, 4, 4, 3), -1f, 1f);
        pool.Build([4, 4, 3], new Rng(0));
        var y = pool.Forward(x, training: false);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Backward(y, needInputGradient: true));
        Assert.Contains("training: true", e.Message);
        pool.Forward(x, training: true);
        Assert.NotNull(pool.Backward(y, needInputGradient: true));
    }

    [Fact]
    public void Flatten() => Check(new Flatten(), [2, 3, 2, 2]);

    [Fact]
    public void Activation_layers()
    {
        Check(new ReLU(), [3, 4], seed: 5);
        Check(new LeakyReLU(0.2f), [3, 4], seed: 6);
        Check(new Softmax(), [3, 4]);
        Check(new Sigmoid(), [3, 4]);
        Check(new Tanh(), [3, 4]);
        Check(new Activation("arctan"), [3, 4]);
    }

    [Fact]
    public void Dropout_in_training_with_a_fixed_mask_and_identity_at_inference()
    {
        var d = new Dropout(0.5);
        d.Build([1000], new Rng(1));
        var x = Tensor.Ones(1, 1000);
        var y = d.Forward(x, training: true).ToArray();
        Assert.All(y, v => Assert.True(v == 0f || v == 2f));
        Assert.InRange(y.Count(v => v == 0f), 400, 600);
        var dx = d.Backward(Tensor.Ones(1, 1000), true)!.ToArray();
        Assert.Equal(y, dx);
        Assert.Equal(x.ToArray(), d.Forward(x, training: false).ToArray());
    }

    [Fact]
    public void Dense_backward_equals_autograd()
    {
        var dense = new Dense(5, "tanh");
        dense.Build([4], new Rng(2));
        var x = new Rng(3).Uniform(new Shape(3, 4), -1f, 1f);
        var dy = new Rng(4).Uniform(new Shape(3, 5), -1f, 1f);
        dense.Forward(x, true);
        var dx = dense.Backward(dy, true)!;
        var xa = x.Detach().RequireGrad(); var wa = dense.Kernel.Detach().RequireGrad(); var ba = dense.Bias.Detach().RequireGrad();
        ((xa.MatMul(wa) + ba).Tanh() * dy).Sum().Backward();
        Assert.True(ReferenceCase.MaxAbsDifference(xa.Grad!, dx) < 1e-5f);
        Assert.True(ReferenceCase.MaxAbsDifference(wa.Grad!, dense.Gradients[0]) < 1e-5f);
        Assert.True(ReferenceCase.MaxAbsDifference(ba.Grad!, dense.Gradients[1]) < 1e-5f);
    }

    [Fact]
    public void Activation_derivatives_match_finite_differences()
    {
        var z = Tensor.Linspace(-3f, 3f, 13) + 0.05f;
        foreach (var name in new[] { "sigmoid", "tanh", "arctan", "relu", "leaky_relu", "linear" })
        {
            var f = Activations.Get(name);
            var d = f.Derivative(z).ToArray();
            var up = f.Forward(z + 1e-3f).ToArray(); var down = f.Forward(z - 1e-3f).ToArray();
            for (int i = 0; i < d.Length; i++) Assert.Equal((up[i] - down[i]) / 2e-3f, d[i], 2);
        }
    }

    [Fact]
    public void Leaky_relu_refuses_a_negative_slope_as_Keras_does()
    {
        // Its backward pass tells z > 0 from the output's sign, which a negative slope would flip.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(-0.5f));
        Assert.Contains("-0.5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReluActivation(float.NaN));
        Assert.Equal(0f, new LeakyReluActivation(0f).Slope);
    }

    [Fact]
    public void Unknown_activation_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Activations.Get("swishy"));
        Assert.Contains("relu", e.Message);
    }
}
