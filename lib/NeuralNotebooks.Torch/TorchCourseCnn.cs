using TorchSharp;
using static TorchSharp.torch;
using LibTensor = NeuralNotebooks.Tensor;

namespace NeuralNotebooks.Torch;

/// <summary>
/// The course CNN (Conv2D 28 3x3 → MaxPool 2x2 → Flatten → Dense 128 ReLU → Dense 10) as a
/// TorchSharp module that holds its weights in the library's (Keras's) layouts, so it can start
/// from exactly the weights of a library model: kernel (3, 3, 1, 28) as height, width, in, out;
/// dense kernels as (in, out). Images go in as (N, 28, 28, 1) like the library's, and the pooled
/// maps are flattened in height, width, channel order as Keras does, so every weight means the same
/// thing on both sides. Dropout is left out (it is the identity for these comparisons).
/// </summary>
public sealed class TorchCourseCnn : nn.Module<torch.Tensor, torch.Tensor>
{
    readonly TorchSharp.Modules.Parameter convKernel, convBias, dense1Kernel, dense1Bias, dense2Kernel, dense2Bias;

    /// <summary>Copies the six weight tensors of a library model built as the course CNN (conv, dense 128, dense 10).</summary>
    public TorchCourseCnn(IReadOnlyList<LibTensor> weights) : base(nameof(TorchCourseCnn))
    {
        if (weights.Count != 6)
            throw new ArgumentException($"The course CNN has 6 weight tensors (conv kernel and bias, two dense kernels and biases); got {weights.Count}.");
        TorchSharp.Modules.Parameter P(int i) => new(weights[i].ToTorch());
        convKernel = P(0); convBias = P(1); dense1Kernel = P(2); dense1Bias = P(3); dense2Kernel = P(4); dense2Bias = P(5);
        RegisterComponents();
    }

    /// <summary>Logits, before the softmax: (N, 10) for images (N, 28, 28, 1).</summary>
    public override torch.Tensor forward(torch.Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = images.permute(0, 3, 1, 2);                              // NHWC -> NCHW
        var y = nn.functional.conv2d(x, convKernel.permute(3, 2, 0, 1), convBias);
        y = nn.functional.max_pool2d(y, 2);
        y = y.permute(0, 2, 3, 1).flatten(1);                            // Keras flattens h, w, c
        y = nn.functional.relu(y.matmul(dense1Kernel) + dense1Bias);
        return (y.matmul(dense2Kernel) + dense2Bias).MoveToOuterDisposeScope();
    }

    /// <summary>The weights in the library's order and layouts.</summary>
    public IReadOnlyList<LibTensor> GetWeights() =>
        new[] { convKernel, convBias, dense1Kernel, dense1Bias, dense2Kernel, dense2Bias }.Select(p => p.ToLibrary()).ToList();
}

/// <summary>
/// Adam as Keras and the library write it, on TorchSharp parameters:
/// p -= lr·√(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε). torch.optim.Adam puts ε after the bias correction
/// (√v̂ + ε), which differs by ε·(1 - √(1-β₂ᵗ)) in the denominator; writing the update out keeps
/// both sides on the same formula so their trajectories can be compared step by step.
/// </summary>
public sealed class KerasAdam(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
{
    readonly List<(TorchSharp.Modules.Parameter P, torch.Tensor M, torch.Tensor V)> state =
        parameters.Select(p => (p, zeros_like(p), zeros_like(p))).ToList();
    int t;

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void Step()
    {
        t++;
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
        using var noGrad = no_grad();
        foreach (var (p, m, v) in state)
        {
            using var g = p.grad ?? throw new InvalidOperationException("A parameter has no gradient; call backward() first.");
            m.mul_(beta1).add_(g, alpha: 1 - beta1);
            v.mul_(beta2).addcmul_(g, g, value: 1 - beta2);
            using var denominator = v.sqrt().add_(epsilon);
            p.addcdiv_(m, denominator, value: -alpha);
        }
    }

    /// <summary>Clears the gradients before the next backward pass.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _, _) in state) p.grad?.zero_();
    }
}
