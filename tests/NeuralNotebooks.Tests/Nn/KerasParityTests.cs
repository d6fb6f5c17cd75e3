using System.Globalization;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>Losses, accuracy and optimizer state as Keras (or, where Keras is silent, PyTorch) has them.</summary>
public class KerasParityTests
{
    [Fact]
    public void Cross_entropy_on_probabilities_divides_each_row_by_its_sum_as_Keras_does()
    {
        // TensorFlow's documented example of SparseCategoricalCrossentropy prints "Loss: 0.3239": (-log 0.9 - log(0.89 / 1.99)
        // - log 0.94) / 3 = 0.32398, its second row summing to 1.99 (unnormalised, the mean was 0.0946). Its categorical
        // example, rows summing to 1: 0.10536, 0.11653, 0.06188.
        var p = Tensor.From(new float[,] { { 0.9f, 0.05f, 0.05f }, { 0.5f, 0.89f, 0.6f }, { 0.05f, 0.01f, 0.94f } });
        Assert.Equal(0.32398f, new SparseCategoricalCrossentropy().Compute(Tensor.From(0f, 1f, 2f), p), 4);
        var b = Tensor.From(new float[,] { { 0.9f, 0.05f, 0.05f }, { 0.05f, 0.89f, 0.06f }, { 0.05f, 0.01f, 0.94f } });
        Assert.Equal((0.10536f + 0.11653f + 0.06188f) / 3, new CategoricalCrossentropy().Compute(Tensor.OneHot([0, 1, 2], 3), b), 5);
        // Three sigmoids at 0.5: -log(1/3), where -log 0.5 was taken.
        var half = Tensor.From(new float[,] { { 0.5f, 0.5f, 0.5f } });
        Assert.Equal(1.0986123f, new CategoricalCrossentropy().Compute(Tensor.OneHot([0], 3), half), 5);
        Assert.Equal(1.0986123f, new SparseCategoricalCrossentropy().Compute(Tensor.From(0f), half), 5);
        // An all-zero row is clipped throughout: a finite loss and no gradient, not 0/0.
        var zeros = Tensor.Zeros(1, 3);
        Assert.True(float.IsFinite(new CategoricalCrossentropy().Compute(Tensor.OneHot([1], 3), zeros)));
        Assert.All(new CategoricalCrossentropy().Gradient(Tensor.OneHot([1], 3), zeros).ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Normalised_cross_entropy_gradients_match_finite_differences_with_soft_targets_and_clipped_values()
    {
        var rng = new Rng(7);
        var p = rng.Uniform(new Shape(5, 4), 0.05f, 1.5f);   // rows far from summing to 1
        var soft = rng.Uniform(new Shape(5, 4));
        foreach (var (loss, targets) in new (Loss, Tensor)[] { (new CategoricalCrossentropy(), soft), (new SparseCategoricalCrossentropy(), Tensor.From(0f, 3f, 1f, 2f, 2f)) })
        {
            var g = loss.Gradient(targets, p).ToArray();
            FiniteDifferences.Check(p.AsSpan(), g, () => loss.Compute(targets, p), loss.Name, h: 1e-3f);
        }

        // Clipped values: finite differences would step out of the clip, so the gradient is checked by hand. With
        // S = Σp = 2 and the middle value clipped (1e-9 / 2 < ε), ∂L/∂p_j = (Σ of y inside the clip - y_j / q_j) / S
        // where q_j is inside, and (0.2 + 0.3) / S where it is not: the clipped value gets no 1 / q_j term.
        var y = Tensor.From(new float[,] { { 0.2f, 0.5f, 0.3f } });
        var partly = new CategoricalCrossentropy().Gradient(y, Tensor.From(new float[,] { { 1f, 1e-9f, 1f } })).ToArray();
        Assert.Equal([0.05f, 0.25f, -0.05f], partly, (a, b) => MathF.Abs(a - b) < 1e-6f);
        // Every value clipped (q = 1, 0, 0): the loss is flat there, and so is its gradient.
        Assert.All(new CategoricalCrossentropy().Gradient(y, Tensor.From(new float[,] { { 2f, 0f, 0f } })).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Accuracy_of_one_logit_output_divides_the_classes_at_0()
    {
        // Logits 0.2 and 0.4 are probabilities 0.55 and 0.60, class 1; compared with 0.5 they were class 0.
        var m = new Sequential(seed: 1);
        m.Add(new Dense(1, inputShape: 1));
        m.Compile(new SGD(), new BinaryCrossentropy(fromLogits: true), ["accuracy"]);
        m.SetWeights([Tensor.From(new float[,] { { 1f } }), Tensor.From(0f)]);
        var x = Tensor.From(new float[,] { { 0.2f }, { 0.4f }, { -0.3f }, { 0.9f } });
        Assert.Equal(1f, m.Evaluate(x, [1, 1, 0, 1]).Accuracy);
        m.Compile(new SGD(), new BinaryCrossentropy(), ["accuracy"]);   // read as probabilities: 0.2 and 0.4 are class 0
        Assert.Equal(0.5f, m.Evaluate(x, [1, 1, 0, 1]).Accuracy);
    }

    [Fact]
    public void A_softmax_over_one_unit_and_a_categorical_loss_over_one_output_are_refused()
    {
        var x = new Rng(1).Uniform(new Shape(8, 4));
        int[] y = [0, 1, 0, 1, 0, 1, 0, 1];
        var softmax = new Sequential(seed: 1);
        softmax.Add(new Dense(1, "softmax", inputShape: 4));
        softmax.Compile(new Adam(), "binary_crossentropy", ["accuracy"]);
        Assert.Contains("softmax over one unit", Assert.Throws<InvalidOperationException>(() => softmax.Fit(x, y, verbose: false)).Message);
        var separate = new Sequential(seed: 1);
        separate.Add(new Dense(1, inputShape: 4));
        separate.Add(new Softmax());
        separate.Compile(new Adam(), "mse");
        Assert.Throws<InvalidOperationException>(() => separate.Evaluate(x, y));
        foreach (var loss in new[] { "categorical_crossentropy", "sparse_categorical_crossentropy" })
        {
            var sigmoid = new Sequential(seed: 1);
            sigmoid.Add(new Dense(1, "sigmoid", inputShape: 4));
            sigmoid.Compile(new Adam(), loss, ["accuracy"]);
            Assert.Contains($"{loss} needs one output per class", Assert.Throws<InvalidOperationException>(() => sigmoid.Fit(x, y, verbose: false)).Message);
        }
    }

    [Fact]
    public void Evaluate_checks_targets_as_Fit_does_naming_the_sample_in_the_data()
    {
        var x = new Rng(1).Uniform(new Shape(300, 4));
        int[] y = Enumerable.Range(0, 300).Select(i => i % 3).ToArray();
        y[299] = 7;
        var m = new Sequential(seed: 1);
        m.Add(new Dense(3, "softmax", inputShape: 4));
        m.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        Assert.Contains("sample 299", Assert.ThrowsAny<ArgumentException>(() => m.Evaluate(x, y)).Message);   // was "sample 43", its place in a batch of 256
        var oneHot = Tensor.OneHot(Enumerable.Range(0, 300).Select(i => i % 3).ToArray(), 3);
        oneHot.AsSpan()[299 * 3] = 5f;
        m.Compile(new Adam(), "categorical_crossentropy", ["accuracy"]);
        Assert.Contains("sample 299", Assert.ThrowsAny<ArgumentException>(() => m.Evaluate(x, oneHot)).Message);   // returned a loss of 1.206
    }

    [Fact]
    public void A_bad_validation_target_is_named_by_its_index_in_the_data_or_as_validation_data()
    {
        var x = new Rng(2).Uniform(new Shape(100, 4), -1f, 1f);
        int[] y = Enumerable.Range(0, 100).Select(i => i % 3).ToArray();
        y[95] = 7;   // in the last 20%, the validation split
        var m = new Sequential(seed: 1);
        m.Add(new Dense(3, "softmax", inputShape: 4));
        m.Compile(new SGD(), "sparse_categorical_crossentropy", ["accuracy"]);
        var split = Assert.Throws<ArgumentException>(() => m.Fit(x, y, validationSplit: 0.2, verbose: false)).Message;
        Assert.Contains("sample 95 is 7", split);   // was "sample 15", its place in the split
        int[] good = Enumerable.Range(0, 100).Select(i => i % 3).ToArray(), yVal = [.. good];
        yVal[15] = 7;
        var given = Assert.Throws<ArgumentException>(() => m.Fit(x, good, validationData: (x, yVal), verbose: false)).Message;
        Assert.Contains("sample 15 of validationData's Y is 7", given);   // read as y[15]
    }

    [Fact]
    public void Adam_counts_steps_per_weight_so_a_new_weight_starts_its_bias_correction_at_1()
    {
        // torch.optim.Adam keeps 'step' per parameter: the new one's first step is lr·sign(g), -0.01. With one count
        // for the whole optimizer it was -0.025153 after 1,000 steps of another weight.
        var adam = new Adam(0.01f);
        var old = Tensor.From(0f);
        for (int i = 0; i < 1000; i++) adam.Step([old], [Tensor.From(1f)]);
        var fresh = Tensor.From(0f);
        adam.Step([fresh], [Tensor.From(1f)]);
        Assert.Equal(-0.01f, fresh.Item(0), 5);
        Assert.Equal(1001, adam.Iterations);
    }

    [Fact]
    public void A_second_model_compiled_with_a_used_Adam_trains_as_with_a_fresh_one()
    {
        var x = new Rng(3).Uniform(new Shape(64, 4), -1f, 1f);
        int[] y = Enumerable.Range(0, 64).Select(i => i % 2).ToArray();
        static Sequential Make() { var m = new Sequential(seed: 1); m.Add(new Dense(2, "softmax", inputShape: 4)); return m; }
        var shared = new Adam(0.01f);
        var first = Make(); first.Compile(shared, "sparse_categorical_crossentropy");
        first.Fit(x, y, epochs: 20, batchSize: 8, shuffle: false, verbose: false);
        var second = Make(); second.Compile(shared, "sparse_categorical_crossentropy");
        second.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: false);
        var reference = Make(); reference.Compile(new Adam(0.01f), "sparse_categorical_crossentropy");
        reference.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: false);
        Assert.Equal(reference.GetWeights()[0].ToArray(), second.GetWeights()[0].ToArray());
    }
}
