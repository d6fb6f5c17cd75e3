using TorchSharp;
using static TorchSharp.torch;

namespace NeuralNotebooks.Torch.Tests;

/// <summary>
/// Whole models, library against TorchSharp, from the same initial weights on the same batches:
/// every batch's loss and the weights after training must agree (float32 sums in another order
/// drift slowly, hence the relative tolerances).
/// </summary>
[Trait("Category", "TorchSharp")]
public class TrainingTests
{
    public TrainingTests() => Live.Require();

    static readonly Lazy<ImageDataset> Images = new(() => Mnist.Load(channels: true));

    [Fact]
    public void The_course_cnn_takes_the_same_first_adam_steps()
    {
        const int steps = 6, batch = 32;
        var model = new Sequential(seed: 3);
        model.Add(new Conv2D(28, kernelSize: (3, 3), inputShape: (28, 28, 1)));
        model.Add(new MaxPool2D((2, 2)));
        model.Add(new Flatten());
        model.Add(new Dense(128, activation: "relu"));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(new Adam(0.001f), "sparse_categorical_crossentropy");
        using var torchModel = new TorchCourseCnn(model.GetWeights());
        var adam = new KerasAdam(torchModel.parameters(), 0.001);

        var train = Images.Value.Train;
        for (int t = 0; t < steps; t++)
        {
            var x = train.Images.Slice(batch * t, batch);
            int[] y = train.Labels[(batch * t)..(batch * t + batch)];
            float ours = model.Fit(x, y, epochs: 1, batchSize: batch, shuffle: false, verbose: false)["loss"][0];

            adam.ZeroGrad();
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(torchModel.forward(x.ToTorch()), torch.tensor(y.Select(l => (long)l).ToArray()));
            loss.backward();
            // The gradients themselves, before Adam: Adam divides each by its running size, so a gradient off by a
            // constant factor (a convolution's times 1.2, tried) moves the weights by almost the same steps.
            var ourGradients = model.Layers.SelectMany(l => l.Gradients).ToList();
            var theirParameters = torchModel.parameters().ToList();
            Assert.Equal(theirParameters.Count, ourGradients.Count);
            for (int i = 0; i < ourGradients.Count; i++)
                Live.Close(ourGradients[i], theirParameters[i].grad!, 1e-3f, 1e-6f, $"step {t}, gradient of weight tensor {i}");
            adam.Step();
            float theirs = loss.item<float>();
            Assert.True(MathF.Abs(ours - theirs) <= 1e-4f * theirs + 1e-5f, $"step {t}: library loss {ours}, TorchSharp {theirs}");
        }
        var after = torchModel.GetWeights();
        var ourWeights = model.GetWeights();
        for (int i = 0; i < after.Count; i++)
        {
            float diff = TorchBridge.MaxAbsDifference(ourWeights[i], after[i].ToTorch());
            // Six Adam steps move a weight by up to ~6e-3; the two runs agree to about 2e-7.
            Assert.True(diff < 1e-6f, $"weight tensor {i} ({ourWeights[i].Shape}) differs by {diff} after {steps} steps");
        }
    }

    [Fact]
    public void An_mlp_with_sgd_follows_the_same_trajectory()
    {
        const int steps = 5, batch = 64;
        var model = new Sequential(seed: 5);
        model.Add(new Flatten());
        model.Add(new Dense(100, activation: "sigmoid"));
        model.Add(new Dense(10, activation: "softmax"));
        model.Build(28, 28, 1);
        model.Compile(new SGD(0.5f), "sparse_categorical_crossentropy");
        var w = model.GetWeights().Select(t => t.ToTorch(requiresGrad: true)).ToArray();

        var train = Images.Value.Train;
        for (int t = 0; t < steps; t++)
        {
            var x = train.Images.Slice(batch * t, batch);
            int[] y = train.Labels[(batch * t)..(batch * t + batch)];
            float ours = model.Fit(x, y, epochs: 1, batchSize: batch, shuffle: false, verbose: false)["loss"][0];

            using var scope = NewDisposeScope();
            var hidden = (x.ToTorch().reshape(batch, 784).matmul(w[0]) + w[1]).sigmoid();
            var loss = nn.functional.cross_entropy(hidden.matmul(w[2]) + w[3], torch.tensor(y.Select(l => (long)l).ToArray()));
            loss.backward();
            using (no_grad())
                foreach (var p in w) { p.add_(p.grad!, alpha: -0.5); p.grad!.zero_(); }
            float theirs = loss.item<float>();
            Assert.True(MathF.Abs(ours - theirs) <= 1e-4f * theirs + 1e-5f, $"step {t}: library loss {ours}, TorchSharp {theirs}");
        }
        var ourWeights = model.GetWeights();
        for (int i = 0; i < w.Length; i++)
            Assert.True(TorchBridge.MaxAbsDifference(ourWeights[i], w[i]) < 1e-5f, $"weight tensor {i} differs after {steps} steps");
    }

    [Fact]
    public void Comparing_tensors_of_different_shapes_names_both()
    {
        using var t = torch.zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => TorchBridge.MaxAbsDifference(Tensor.Zeros(3, 2), t));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void Equal_infinities_do_not_differ()
    {
        // inf - inf made the difference of a tensor and its own TorchSharp copy NaN; torch.allclose says equal.
        var x = Tensor.From(float.PositiveInfinity, float.NegativeInfinity, 1f);
        using var t = x.ToTorch();
        Assert.Equal(0f, TorchBridge.MaxAbsDifference(x, t));
        using var other = Tensor.From(float.PositiveInfinity, 1f, 1f).ToTorch();
        Assert.Equal(float.PositiveInfinity, TorchBridge.MaxAbsDifference(x, other));
    }

    [Fact]
    public void Tensors_round_trip_through_torchsharp()
    {
        var x = Live.Uniform(21, -1, 1, 2, 3, 4);
        using var t = x.ToTorch();
        Assert.Equal(new long[] { 2, 3, 4 }, t.shape);
        Assert.Equal(x.ToArray(), t.ToLibrary().ToArray());
        Assert.Equal(0f, TorchBridge.MaxAbsDifference(x, t));
    }

    [Fact]
    public void Empty_tensors_of_any_rank_round_trip_and_complex_ones_are_refused()
    {
        // torch.zeros(0, 3).ToLibrary() threw an ArgumentOutOfRangeException about a 'startingIndex'.
        using var empty = torch.zeros(0, 3);
        Assert.Equal(new Shape(0, 3), empty.ToLibrary().Shape);
        using var back = Tensor.Zeros(2, 0, 4).ToTorch();
        Assert.Equal(new Shape(2, 0, 4), back.ToLibrary().Shape);
        // A complex tensor lost its imaginary parts without a word.
        using var complex = torch.complex(torch.ones(2), torch.ones(2));
        Assert.Contains("imaginary", Assert.Throws<ArgumentException>(() => complex.ToLibrary()).Message);
    }
}
