namespace NeuralNotebooks.Tests.Nn;

/// <summary>The loss decides when it fuses with the last activation; the fused gradient equals the two-step one.</summary>
public class FusedGradientTests
{
    [Fact]
    public void Each_loss_says_which_activation_it_fuses_with()
    {
        Assert.True(new SparseCategoricalCrossentropy().FusesWith(new SoftmaxActivation()));
        Assert.True(new CategoricalCrossentropy().FusesWith(new SoftmaxActivation()));
        Assert.True(new BinaryCrossentropy().FusesWith(new SigmoidActivation()));
        Assert.False(new SparseCategoricalCrossentropy(fromLogits: true).FusesWith(new SoftmaxActivation()));
        Assert.False(new BinaryCrossentropy().FusesWith(new SoftmaxActivation()));
        Assert.False(new MeanSquaredError().FusesWith(new SigmoidActivation()));
    }

    [Theory]
    [InlineData("sparse_categorical_crossentropy", "softmax", 4)]
    [InlineData("categorical_crossentropy", "softmax", 4)]
    [InlineData("binary_crossentropy", "sigmoid", 1)]
    public void The_fused_gradient_equals_the_loss_gradient_through_the_activation(string lossName, string activation, int width)
    {
        const int N = 5;
        var loss = Loss.Get(lossName);
        var f = Activations.Get(activation);
        var z = new Rng(1).Uniform(new Shape(N, width), -2f, 2f);
        var p = f.Forward(z);
        var labels = new[] { 0, 1, 0, 1, 0 }.Select(v => width == 1 ? v : (v * 3 + 1) % width).ToArray();
        var target = loss.SparseTargets ? new Tensor(labels.Select(v => (float)v).ToArray(), N)
            : width == 1 ? new Tensor(labels.Select(v => (float)v).ToArray(), N, 1) : Tensor.OneHot(labels, width);

        var dp = loss.Gradient(target, p);
        var twoStep = new float[N * width];
        f.Backward(z.AsSpan(), p.AsSpan(), dp.AsSpan(), twoStep, width);
        var fused = new float[N * width];
        loss.FusedGradient(p.AsSpan(), target.AsSpan(), N, width, fused);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(twoStep[i], fused[i], 5);
    }

    [Fact]
    public void Unknown_names_list_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Loss.Get("hinge"));
        foreach (var name in Loss.Names) Assert.Contains(name, e.Message);
        Assert.Contains("adam", Assert.Throws<ArgumentException>(() => Optimizer.Get("adagrad")).Message);
    }
}
