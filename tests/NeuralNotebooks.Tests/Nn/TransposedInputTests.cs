using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>A dense layer handed the transpose of its input by the trainer's gather (<see cref="Batches.GatherWithTranspose"/>).</summary>
public class TransposedInputTests
{
    /// <summary>
    /// The weight gradient read from the transpose has the bits of the one read from the input, on mostly-zero pixels
    /// (the zero-skipping product, judged on the input either way) and on values without zeros, at the course MLP's
    /// first layer and an odd shape; the bias gradient too. The transpose is the layer's for one forward pass only.
    /// </summary>
    [Theory]
    [InlineData(200, 784, 100, 0.19)]
    [InlineData(200, 784, 100, 1.0)]
    [InlineData(37, 600, 45, 0.25)]
    public void A_weight_gradient_from_the_transpose_has_the_bits_of_one_from_the_input(int n, int inputs, int units, double nonzero)
    {
        var rng = new Rng(n + inputs + units);
        var values = rng.Uniform(new Shape(n, inputs), 0f, 1f).ToArray();
        var keep = rng.Uniform(new Shape(n * inputs), 0f, 1f).ToArray();
        for (int i = 0; i < values.Length; i++) if (keep[i] >= nonzero) values[i] = 0f;
        var x = new Tensor(values, n, inputs);
        var dy = rng.Uniform(new Shape(n, units), -1f, 1f);
        var transposed = new float[inputs * n];
        Transpose.IntoScalar(values, n, inputs, inputs, transposed, n);

        var plain = Layer(units, inputs);
        plain.Forward(x, training: true);
        plain.Backward(dy, needInputGradient: false);
        var given = Layer(units, inputs);
        given.NextInputTransposed = new Tensor(transposed, inputs, n);
        given.Forward(x, training: true);
        Assert.Null(given.NextInputTransposed);
        given.Backward(dy, needInputGradient: false);
        for (int g = 0; g < plain.Gradients.Count; g++)
            Assert.Equal(Bits(plain.Gradients[g]), Bits(given.Gradients[g]));
    }

    /// <summary>
    /// The layer does read the transpose it is given (here one of zeros, which no real batch would be: the gradient
    /// comes out zero), and only in the forward pass it was given for: the next one reads its input again.
    /// </summary>
    [Fact]
    public void The_transpose_is_read_for_the_next_batch_only()
    {
        const int n = 200, inputs = 784, units = 100;
        var rng = new Rng(3);
        var x = rng.Uniform(new Shape(n, inputs), 0f, 1f);
        var dy = rng.Uniform(new Shape(n, units), -1f, 1f);
        var layer = Layer(units, inputs);
        layer.NextInputTransposed = Tensor.Zeros(inputs, n);
        layer.Forward(x, training: true);
        layer.Backward(dy, needInputGradient: false);
        Assert.All(layer.Gradients[0].ToArray(), v => Assert.Equal(0f, v));

        var reference = Layer(units, inputs);
        reference.Forward(x, training: true);
        reference.Backward(dy, needInputGradient: false);
        layer.Forward(x, training: true);
        layer.Backward(dy, needInputGradient: false);
        Assert.Equal(Bits(reference.Gradients[0]), Bits(layer.Gradients[0]));
    }

    private static Dense Layer(int units, int inputs)
    {
        var dense = new Dense(units, activation: "sigmoid");
        dense.Build([inputs], new Rng(11));
        return dense;
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
