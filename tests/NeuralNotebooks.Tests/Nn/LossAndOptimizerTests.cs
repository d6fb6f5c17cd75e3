namespace NeuralNotebooks.Tests.Nn;

public class LossTests
{
    private static void CheckGradient(Loss loss, Tensor targets, Tensor predictions)
    {
        var g = loss.Gradient(targets, predictions).ToArray();
        var p = predictions.AsSpan();
        for (int i = 0; i < p.Length; i++)
        {
            float orig = p[i];
            p[i] = orig + 1e-3f; double up = loss.Compute(targets, predictions);
            p[i] = orig - 1e-3f; double down = loss.Compute(targets, predictions);
            p[i] = orig;
            double numeric = (up - down) / 2e-3;
            Assert.True(Math.Abs(numeric - g[i]) <= 2e-2 * Math.Max(1, Math.Abs(numeric)), $"{loss.Name}[{i}]: {g[i]} vs {numeric}");
        }
    }

    [Fact]
    public void Every_loss_matches_finite_differences()
    {
        var rng = new Rng(1);
        var probs = rng.Uniform(new Shape(4, 3), 0.1f, 0.9f);
        var oneHot = Tensor.OneHot([0, 2, 1, 1], 3);
        CheckGradient(new MeanSquaredError(), rng.Uniform(new Shape(4, 3)), rng.Uniform(new Shape(4, 3)));
        CheckGradient(new BinaryCrossentropy(), rng.Uniform(new Shape(4, 3)), probs);
        CheckGradient(new BinaryCrossentropy(fromLogits: true), rng.Uniform(new Shape(4, 3)), rng.Uniform(new Shape(4, 3), -2f, 2f));
        CheckGradient(new CategoricalCrossentropy(), oneHot, probs);
        CheckGradient(new CategoricalCrossentropy(fromLogits: true), oneHot, rng.Uniform(new Shape(4, 3), -2f, 2f));
        CheckGradient(new SparseCategoricalCrossentropy(), Tensor.From(0f, 2f, 1f, 1f), probs);
        CheckGradient(new SparseCategoricalCrossentropy(fromLogits: true), Tensor.From(0f, 2f, 1f, 1f), rng.Uniform(new Shape(4, 3), -2f, 2f));
    }

    [Fact]
    public void Mismatched_targets_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Compute(Tensor.Zeros(4, 2), Tensor.Zeros(4, 3)));
        Assert.Contains("(4, 2)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
    }

    [Fact]
    public void A_scalar_prediction_gets_the_losss_own_message()
    {
        // Was ArgumentOutOfRangeException "Axis 0 is out of range for shape ()" from the sparse loss.
        var e = Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Compute(Tensor.Scalar(1), Tensor.Scalar(0.5f)));
        Assert.Contains("sparse_categorical_crossentropy: targets of shape () do not fit predictions of shape ()", e.Message);
    }
}

public class OptimizerTests
{
    // Two steps on p = [1, -2] with gradients g1 = [0.5, -1], g2 = [0.1, 0.3], computed here from the documented formulas.
    private static readonly float[] G1 = [0.5f, -1f], G2 = [0.1f, 0.3f];

    private static float[] Run(Optimizer o)
    {
        var p = Tensor.From(1f, -2f);
        o.Step([p], [Tensor.From(G1)]);
        o.Step([p], [Tensor.From(G2)]);
        return p.ToArray();
    }

    [Fact]
    public void SGD_plain_momentum_and_nesterov()
    {
        Assert.Equal(new[] { 1 - 0.1f * 0.5f - 0.1f * 0.1f, -2 + 0.1f * 1f - 0.1f * 0.3f }, Run(new SGD(0.1f)));
        // v1 = -lr g1; p1 = p0 + v1; v2 = m v1 - lr g2; p2 = p1 + v2
        float[] Momentum(bool nesterov)
        {
            var p = new[] { 1.0, -2.0 };
            var v = new double[2];
            foreach (var g in new[] { G1, G2 })
                for (int i = 0; i < 2; i++)
                {
                    v[i] = 0.9 * v[i] - 0.1 * g[i];
                    p[i] += nesterov ? 0.9 * v[i] - 0.1 * g[i] : v[i];
                }
            return p.Select(d => (float)d).ToArray();
        }
        var m = Run(new SGD(0.1f, momentum: 0.9f));
        var n = Run(new SGD(0.1f, momentum: 0.9f, nesterov: true));
        for (int i = 0; i < 2; i++) { Assert.Equal(Momentum(false)[i], m[i], 5); Assert.Equal(Momentum(true)[i], n[i], 5); }
    }

    [Fact]
    public void RMSprop_keras_formula()
    {
        var p = new[] { 1.0, -2.0 };
        var v = new double[2];
        foreach (var g in new[] { G1, G2 })
            for (int i = 0; i < 2; i++) { v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i]; p[i] -= 0.01 * g[i] / Math.Sqrt(v[i] + 1e-7); }
        var r = Run(new RMSprop(0.01f));
        for (int i = 0; i < 2; i++) Assert.Equal(p[i], r[i], 5);
    }

    [Fact]
    public void Adam_keras_formula()
    {
        var p = new[] { 1.0, -2.0 };
        var m = new double[2]; var v = new double[2];
        int t = 0;
        foreach (var g in new[] { G1, G2 })
        {
            t++;
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 2; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i]; v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                p[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
        }
        var r = Run(new Adam(0.01f));
        for (int i = 0; i < 2; i++) Assert.Equal(p[i], r[i], 5);
    }

    [Fact]
    public void A_gradient_of_another_shape_is_refused_even_with_as_many_elements()
    {
        // As in PyTorch: a (2, 3) gradient does not belong to a (3, 2) parameter, though both hold six numbers.
        var p = Tensor.Zeros(3, 2);
        var first = Tensor.Zeros(2);
        var sgd = new SGD();
        var e = Assert.Throws<ArgumentException>(() => sgd.Step([first, p], [Tensor.Ones(2), Tensor.Ones(2, 3)]));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        // Nothing moved, not even the parameter before the mismatch.
        Assert.Equal(new float[6], p.ToArray());
        Assert.Equal(new float[2], first.ToArray());
        Assert.Equal(0, sgd.Iterations);
    }

    [Fact]
    public void Weight_decay_shrinks_parameters_before_the_update()
    {
        var p = Tensor.From(1f);
        new SGD(0.1f) { WeightDecay = 0.5f }.Step([p], [Tensor.From(0f)]);
        Assert.Equal(0.95f, p.Item(0), 6);
    }

    [Fact]
    public void Keras_defaults()
    {
        Assert.Equal(0.01f, new SGD().LearningRate);
        Assert.Equal((0.001f, 0.9f, 1e-7f), (new RMSprop().LearningRate, new RMSprop().Rho, new RMSprop().Epsilon));
        var a = new Adam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f), (a.LearningRate, a.Beta1, a.Beta2, a.Epsilon));
    }
}
