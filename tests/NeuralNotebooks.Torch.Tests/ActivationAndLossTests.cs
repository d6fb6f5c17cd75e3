using TorchSharp;
using static TorchSharp.torch;

namespace NeuralNotebooks.Torch.Tests;

/// <summary>Activations (values and derivatives) and Keras losses (values and gradients) against TorchSharp.</summary>
[Trait("Category", "TorchSharp")]
public class ActivationAndLossTests
{
    public ActivationAndLossTests() => Live.Require();

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("arctan")]
    [InlineData("relu")]
    [InlineData("leaky_relu")]
    public void Activation_values_and_derivatives(string name)
    {
        // Awkward lengths and values from deep saturation to zero; not 0 itself, ReLU's kink, where the derivative is a convention.
        var z = Live.Uniform(11, -12, 12, 3, 1023);
        Assert.DoesNotContain(0f, z.ToArray());
        var f = NeuralNotebooks.Activations.Get(name);
        using var tz = z.ToTorch(true);
        using var ty = name switch
        {
            "sigmoid" => tz.sigmoid(),
            "tanh" => tz.tanh(),
            "arctan" => tz.atan(),
            "relu" => tz.relu(),
            _ => nn.functional.leaky_relu(tz, 0.3),
        };
        Live.Close(f.Forward(z), ty, 2e-6f, 1e-7f, name);
        ty.sum().backward();
        // 1 - y² in saturation cancels: one ulp of y near 1 (6e-8) moves the derivative by ~1.2e-7.
        Live.Close(f.Derivative(z), tz.grad!, 2e-6f, 3e-7f, $"{name}'");
    }

    [Fact]
    public void Mean_squared_error()
    {
        var p = Live.Uniform(12, -2, 2, 8, 3);
        var y = Live.Uniform(13, -2, 2, 8, 3);
        using var tp = p.ToTorch(true);
        using var loss = nn.functional.mse_loss(tp, y.ToTorch());
        loss.backward();
        var mse = new MeanSquaredError();
        Assert.Equal(loss.item<float>(), mse.Compute(y, p), 5);
        Live.Close(mse.Gradient(y, p), tp.grad!, 1e-5f, 1e-7f, "mse gradient");
    }

    [Fact]
    public void Binary_crossentropy_on_probabilities()
    {
        var p = Live.Uniform(14, 0.02f, 0.98f, 16, 1);
        var y = new Tensor(Enumerable.Range(0, 16).Select(i => (float)(i % 2)).ToArray(), 16, 1);
        using var tp = p.ToTorch(true);
        using var loss = nn.functional.binary_cross_entropy(tp, y.ToTorch());
        loss.backward();
        var bce = new BinaryCrossentropy();
        Assert.Equal(loss.item<float>(), bce.Compute(y, p), 5);
        Live.Close(bce.Gradient(y, p), tp.grad!, 1e-4f, 1e-6f, "bce gradient");
    }

    [Fact]
    public void Sparse_and_categorical_crossentropy_from_softmax_probabilities()
    {
        var logits = Live.Uniform(15, -3, 3, 32, 10);
        int[] labels = Enumerable.Range(0, 32).Select(i => i * 7 % 10).ToArray();
        var probabilities = logits.Softmax();
        using var tlogits = logits.ToTorch(true);
        using var tlabels = torch.tensor(labels.Select(l => (long)l).ToArray());
        using var loss = nn.functional.cross_entropy(tlogits, tlabels);
        loss.backward();

        var sparse = new SparseCategoricalCrossentropy();
        var labelTensor = new Tensor(labels.Select(l => (float)l).ToArray(), 32);
        Assert.Equal(loss.item<float>(), sparse.Compute(labelTensor, probabilities), 5);
        var oneHot = new Tensor(labels.SelectMany(l => Enumerable.Range(0, 10).Select(c => c == l ? 1f : 0f)).ToArray(), 32, 10);
        Assert.Equal(loss.item<float>(), new CategoricalCrossentropy().Compute(oneHot, probabilities), 5);
        // From logits the gradient is (softmax - onehot)/N, which is TorchSharp's cross_entropy gradient.
        var fromLogits = new SparseCategoricalCrossentropy(fromLogits: true);
        Assert.Equal(loss.item<float>(), fromLogits.Compute(labelTensor, logits), 5);
        Live.Close(fromLogits.Gradient(labelTensor, logits), tlogits.grad!, 1e-5f, 1e-7f, "cross-entropy gradient");
    }

    [Fact]
    public void Sparse_and_categorical_crossentropy_gradients_on_probabilities_that_do_not_sum_to_1()
    {
        // Keras divides probabilities by their row's sum before the log (q = p / Σp), so a row that does not sum to 1
        // gets a gradient in every column, not only the true class's: TorchSharp differentiates the same formula.
        var p = Live.Uniform(16, 0.05f, 1f, 32, 10);
        int[] labels = Enumerable.Range(0, 32).Select(i => i * 3 % 10).ToArray();
        var labelTensor = new Tensor(labels.Select(l => (float)l).ToArray(), 32);
        var soft = Live.Uniform(17, 0f, 1f, 32, 10);
        foreach (var (name, loss, targets) in new (string, Loss, Tensor)[]
        {
            ("sparse", new SparseCategoricalCrossentropy(), labelTensor),
            ("categorical, one-hot", new CategoricalCrossentropy(), Tensor.OneHot(labels, 10)),
            ("categorical, soft targets", new CategoricalCrossentropy(), soft),
        })
        {
            using var scope = NewDisposeScope();
            var tp = p.ToTorch(true);
            var ty = name == "sparse" ? nn.functional.one_hot(torch.tensor(labels.Select(l => (long)l).ToArray()), 10).to(float32) : targets.ToTorch();
            var tloss = -(ty * (tp / tp.sum(-1, keepdim: true)).log()).sum(-1).mean();
            tloss.backward();
            Assert.Equal(tloss.item<float>(), loss.Compute(targets, p), 5);
            Live.Close(loss.Gradient(targets, p), tp.grad!, 1e-5f, 1e-7f, $"{name} gradient");
        }
    }
}
