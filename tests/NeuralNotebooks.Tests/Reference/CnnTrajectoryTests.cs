using System.Text.Json;

namespace NeuralNotebooks.Tests.Reference;

/// <summary>
/// End to end against PyTorch (data/reference/cnn_mnist.json): the course CNN, started from the same
/// weights (a SplitMix64 Glorot-uniform recipe both sides compute bit for bit), takes ten Adam steps
/// (Keras's epsilon placement) on the first 320 MNIST training images in file order, batch 32, dropout
/// off; the loss of every batch before its step must match PyTorch's run within the file's tolerance
/// (1e-4 relative: float32 sums in another order, compounded over ten steps).
/// </summary>
public class CnnTrajectoryTests
{
    private static float[] SplitMix64Uniform(ulong stream, int count, float limit)
    {
        var w = new float[count];
        for (int i = 0; i < count; i++)
        {
            ulong z = unchecked(((stream << 32) + (ulong)i + 1) * 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            long k = (long)(z >> 40);
            w[i] = (float)(k - (1 << 23)) / (1 << 23) * limit;
        }
        return w;
    }

    [Fact]
    public void Ten_adam_steps_reproduce_pytorchs_losses_step_by_step()
    {
        var c = PyTorchReference.Load("cnn_mnist")["course_cnn_mnist_10_adam_steps"];
        var init = c.Json.GetProperty("init");
        float[] Weights(string name)
        {
            var p = init.GetProperty(name);
            int count = p.GetProperty("shape").EnumerateArray().Aggregate(1, (a, d) => a * d.GetInt32());
            if (p.GetProperty("generator").GetString() == "zeros") return new float[count];
            var w = SplitMix64Uniform((ulong)p.GetProperty("stream").GetInt32(), count, p.GetProperty("limit").GetSingle());
            var check = p.GetProperty("check");
            Assert.Equal(check.GetProperty("first").EnumerateArray().Select(v => v.GetSingle()).ToArray(), w[..check.GetProperty("first").GetArrayLength()]);
            Assert.Equal(check.GetProperty("sum").GetDouble(), w.Sum(v => (double)v), 2);
            return w;
        }

        // Dropout is the identity in this run, so the model is built without it.
        var model = Models.CourseCnn(seed: 0, dropout: false);
        var opt = c.Json.GetProperty("optimizer");
        model.Compile(new Adam(opt.GetProperty("learning_rate").GetSingle(), opt.GetProperty("beta_1").GetSingle(),
            opt.GetProperty("beta_2").GetSingle(), opt.GetProperty("epsilon").GetSingle()), "sparse_categorical_crossentropy");
        var shapes = model.GetWeights().Select(w => w.Shape).ToList();
        model.SetWeights([
            new Tensor(Weights("conv_kernel"), shapes[0]), new Tensor(Weights("conv_bias"), shapes[1]),
            new Tensor(Weights("dense1_kernel"), shapes[2]), new Tensor(Weights("dense1_bias"), shapes[3]),
            new Tensor(Weights("dense2_kernel"), shapes[4]), new Tensor(Weights("dense2_bias"), shapes[5]),
        ]);

        var mnist = Mnist.Load(channels: true);
        var expected = c.Json.GetProperty("runs").GetProperty("keras_adam").GetProperty("train_loss").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var tol = c.Json.GetProperty("tol");
        float rtol = tol.GetProperty("loss_rtol").GetSingle(), atol = tol.GetProperty("loss_atol").GetSingle();
        for (int t = 0; t < expected.Length; t++)
        {
            var history = model.Fit(mnist.Train.Images.Slice(32 * t, 32), mnist.Train.Labels[(32 * t)..(32 * t + 32)], epochs: 1, batchSize: 32, shuffle: false, verbose: false);
            float loss = history["loss"][0];
            Assert.True(MathF.Abs(loss - expected[t]) <= atol + rtol * MathF.Abs(expected[t]), $"step {t}: loss {loss}, PyTorch {expected[t]}");
        }
    }
}
