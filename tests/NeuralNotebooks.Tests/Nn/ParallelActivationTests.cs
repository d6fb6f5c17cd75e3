namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// A layer whose output holds 32,768 floats or more applies its activation, and the activation's backward
/// pass, on every core in bands of whole rows: each element must come out as the activation alone gives it
/// on one thread, whatever the bands.
/// </summary>
public class ParallelActivationTests
{
    [Theory]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("arctan")]   // its backward pass reads the input, which the layer keeps
    [InlineData("relu")]
    [InlineData("leaky_relu")]
    [InlineData("softmax")]  // a whole row at a time
    public void A_large_layer_s_activation_is_the_activation_of_its_weighted_sum_to_the_bit(string activation)
    {
        const int Rows = 331, Inputs = 30, Units = 100;   // 33,100 outputs, an odd number of rows
        var x = new Rng(3).Uniform(new Shape(Rows, Inputs), -1f, 1f);
        var layer = new Dense(Units, activation);
        layer.Build([Inputs], new Rng(7));
        var weightedSum = new Dense(Units);
        weightedSum.Build([Inputs], new Rng(7));   // the same weights: the same seed draws them
        Assert.Equal(layer.Kernel.AsSpan().ToArray(), weightedSum.Kernel.AsSpan().ToArray());

        var z = weightedSum.Forward(x, training: true);
        var y = layer.Forward(x, training: true);
        var f = Activations.Get(activation);
        var expected = z.AsSpan().ToArray();
        f.ForwardInPlace(expected, Units);
        AssertSameBits(expected, y.AsSpan().ToArray(), "forward");

        var dy = new Rng(5).Uniform(new Shape(Rows, Units), -1f, 1f);
        var dz = new float[Rows * Units];
        f.Backward(z.AsSpan(), y.AsSpan(), dy.AsSpan(), dz, Units);
        var dxExpected = weightedSum.Backward(new Tensor(dz, Rows, Units), needInputGradient: true)!;
        var dx = layer.Backward(dy, needInputGradient: true)!;
        AssertSameBits(dxExpected.AsSpan().ToArray(), dx.AsSpan().ToArray(), "input gradient");
        for (int g = 0; g < layer.Gradients.Count; g++)
            AssertSameBits(weightedSum.Gradients[g].AsSpan().ToArray(), layer.Gradients[g].AsSpan().ToArray(), $"gradient {g}");
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the activation on one thread gives {expected[i]:R}");
    }
}
