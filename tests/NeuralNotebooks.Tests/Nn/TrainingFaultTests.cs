namespace NeuralNotebooks.Tests.Nn;

/// <summary>Training and inference under bad input: divergence, targets the loss cannot take, concurrent calls.</summary>
public class TrainingFaultTests
{
    private static Tensor Images(int n, int seed) => new Rng(seed).Uniform(new Shape(n, 784), 0f, 1f);

    private static int[] Labels(int n, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => (int)(rng.NextUInt() % 10)).ToArray();
    }

    private static Sequential Mlp(Optimizer optimizer, int seed = 3, string loss = "sparse_categorical_crossentropy", int outputs = 10, string output = "softmax")
    {
        var model = new Sequential(seed);
        model.Add(new Dense(64, activation: "relu", inputShape: 784));
        model.Add(new Dense(outputs, activation: output));
        model.Compile(optimizer, loss, ["accuracy"]);
        return model;
    }

    private static float[][] Snapshot(Sequential m) => m.GetWeights().Select(w => w.ToArray()).ToArray();

    /// <summary>The weights of a same-seed model trained, without shuffling, on the batches before the one that failed.</summary>
    private static float[][] WeightsBeforeBatch(Func<Sequential> make, Tensor x, int[] y, int batchSize, int batch)
    {
        var m = make();
        int samples = (batch - 1) * batchSize;
        if (samples > 0) m.Fit(x[..samples], y[..samples], epochs: 1, batchSize: batchSize, shuffle: false, verbose: false);
        return Snapshot(m);
    }

    [Fact]
    public void A_huge_learning_rate_stops_in_the_batch_where_a_value_first_becomes_non_finite_keeping_the_weights_from_before()
    {
        var x = Images(640, 1); var y = Labels(640, 2);
        var model = Mlp(new SGD(1e6f));
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 3, batchSize: 32, shuffle: false, verbose: false));
        Assert.Equal((1, 2), (e.Epoch, e.Batch));
        Assert.Contains("beyond", e.Message);
        Assert.NotNull(e.Layer);
        Assert.Contains($"batch {e.Batch}", e.Message);
        var kept = Snapshot(model);
        Assert.All(kept, w => Assert.All(w, v => Assert.True(float.IsFinite(v))));
        var expected = WeightsBeforeBatch(() => Mlp(new SGD(1e6f)), x, y, 32, e.Batch);
        for (int i = 0; i < kept.Length; i++) Assert.Equal(expected[i], kept[i]);
    }

    [Fact]
    public void A_NaN_pixel_stops_Adam_in_its_batch_naming_the_input_and_keeping_the_weights()
    {
        var x = Images(128, 3); var y = Labels(128, 4);
        x.AsSpan()[40 * 784 + 300] = float.NaN;   // sample 40: the second batch of 32
        var model = Mlp(new Adam());
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 2, batchSize: 32, shuffle: false, verbose: false));
        Assert.Equal((1, 2), (e.Epoch, e.Batch));
        // ReLU passes the NaN on, as in PyTorch, so the loss is NaN and the search for its source ends at the
        // input (when ReLU turned NaN into 0, the weight the gradient reached was named instead).
        Assert.Equal("the input", e.Layer);
        Assert.Contains("the input holds NaN in sample 40", e.Message);
        var kept = Snapshot(model);
        var expected = WeightsBeforeBatch(() => Mlp(new Adam()), x, y, 32, 2);
        for (int i = 0; i < kept.Length; i++) Assert.Equal(expected[i], kept[i]);
    }

    [Fact]
    public void Labels_out_of_range_are_reported_with_the_real_sample_index_before_any_update()
    {
        var x = Images(2000, 5); var y = Labels(2000, 6);
        y[1500] = 10;
        var model = Mlp(new Adam());
        var before = Snapshot(model);
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, batchSize: 32, verbose: false));
        Assert.Contains("sample 1500", e.Message);
        Assert.Contains("0..9", e.Message);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void Binary_crossentropy_rejects_targets_outside_0_1()
    {
        var x = Images(64, 7); var y = Labels(64, 8);
        var model = Mlp(new Adam(), loss: "binary_crossentropy", outputs: 1, output: "sigmoid");
        var before = Snapshot(model);
        int first = Array.FindIndex(y, v => v > 1);
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, batchSize: 16, verbose: false));
        Assert.Contains($"sample {first}", e.Message);
        Assert.Contains("[0, 1]", e.Message);
        Assert.Equal(before, Snapshot(model));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(2.5f, "whole number")]
    [InlineData(-1f, "0..9")]
    public void Sparse_crossentropy_rejects_NaN_fractional_and_negative_labels(float label, string why)
    {
        var x = Images(50, 9);
        var t = Labels(50, 10).Select(v => (float)v).ToArray();
        t[37] = label;
        var model = Mlp(new Adam());
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, new Tensor(t, 50), epochs: 1, batchSize: 16, verbose: false));
        Assert.Contains("sample 37", e.Message);
        Assert.Contains(why, e.Message);
        // The loss on its own refuses a NaN label too, rather than reading it as class 0.
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparseCategoricalCrossentropy().Compute(new Tensor([label], 1), Tensor.Full(new Shape(1, 10), 0.1f)));
    }

    [Fact]
    public void Predict_and_Evaluate_from_many_threads_give_the_sequential_results()
    {
        var x = Images(600, 11); var y = Labels(600, 12);
        var model = Mlp(new Adam());
        model.Fit(x, y, epochs: 1, batchSize: 32, verbose: false);
        var expected = model.Predict(x).ToArray();
        var expectedEval = model.Evaluate(x, y);
        var predictions = new float[16][];
        var evaluations = new Evaluation[16];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (i % 2 == 0) predictions[i] = model.Predict(x).ToArray();
            else evaluations[i] = model.Evaluate(x, y);
        });
        for (int i = 0; i < 16; i += 2) Assert.Equal(expected, predictions[i]);
        for (int i = 1; i < 16; i += 2) Assert.Equal(expectedEval, evaluations[i]);
    }

    [Fact]
    public void MLPClassifier_predictions_from_many_threads_give_the_sequential_result()
    {
        var x = Images(300, 13); var y = Labels(300, 14);
        var clf = new MLPClassifier(hiddenLayerSizes: [16], maxIter: 2, randomState: 1).Fit(x, y);
        var expected = clf.PredictProba(x).ToArray();
        var results = new float[8][];
        Parallel.For(0, 8, i => results[i] = clf.PredictProba(x).ToArray());
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
