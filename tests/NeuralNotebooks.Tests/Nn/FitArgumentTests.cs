namespace NeuralNotebooks.Tests.Nn;

/// <summary>What Fit and Evaluate take and refuse: targets that do not fit the model's output, validation splits, layers that do not fit their input.</summary>
public class FitArgumentTests
{
    private static Sequential Model(string loss, int units = 3, string activation = "softmax")
    {
        var model = new Sequential(seed: 1);
        model.Add(new Dense(8, activation: "relu", inputShape: 4));
        model.Add(new Dense(units, activation: activation));
        model.Compile(new SGD(), loss, ["accuracy"]);
        return model;
    }

    private static Tensor X(int n) => new Rng(2).Uniform(new Shape(n, 4), -1f, 1f);

    private static int[] Labels(int n) => Enumerable.Range(0, n).Select(i => i % 3).ToArray();

    [Theory]
    [InlineData("mse", 2)]                            // narrower rows: the loss read past the end of the targets
    [InlineData("mse", 6)]                            // wider rows: it trained on targets out of step with the samples
    [InlineData("categorical_crossentropy", 4)]
    public void Targets_of_another_width_are_refused_naming_both_shapes(string loss, int width)
    {
        var model = Model(loss);
        var y = Tensor.Zeros(10, width);
        foreach (var call in new Action[] { () => model.Fit(X(10), y, verbose: false), () => model.Evaluate(X(10), y) })
        {
            var e = Assert.Throws<ArgumentException>(call);
            Assert.Contains($"(10, {width})", e.Message);
            Assert.Contains("(10, 3)", e.Message);
            Assert.Contains("3 values per sample", e.Message);
        }
    }

    [Fact]
    public void One_hot_targets_for_a_sparse_loss_are_refused()
    {
        // A common slip: the labels one-hot encoded for sparse_categorical_crossentropy. It used to train,
        // reading class indices out of the flattened one-hot rows.
        var model = Model("sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(X(10), Tensor.OneHot(Labels(10), 3), verbose: false));
        Assert.Contains("(10, 3)", e.Message);
        Assert.Contains("one class index per sample", e.Message);
        // A validation set is checked before the first epoch, not after it.
        var v = Assert.Throws<ArgumentException>(() => model.Fit(X(10), Labels(10), validationData: (X(4), [0, 1]), verbose: false));
        Assert.Contains("validationData", v.Message);
    }

    [Fact]
    public void A_column_of_targets_fits_a_one_unit_output_either_way()
    {
        var model = Model("binary_crossentropy", units: 1, activation: "sigmoid");
        var flat = new Tensor(Enumerable.Range(0, 10).Select(i => (float)(i % 2)).ToArray(), 10);
        var column = new Tensor(flat.ToArray(), 10, 1);
        Assert.Equal(model.Evaluate(X(10), flat), model.Evaluate(X(10), column));
        model.Fit(X(10), flat, verbose: false);
    }

    [Fact]
    public void A_validation_split_trains_on_the_first_floor_n_times_one_minus_split_as_Keras()
    {
        // Keras: split_at = floor(10 * (1 - 0.25)) = 7, so the last 3 samples validate (it held out 2).
        var x = X(10);
        var y = Labels(10);
        var model = Model("sparse_categorical_crossentropy");
        var history = model.Fit(x, y, epochs: 1, validationSplit: 0.25, shuffle: false, verbose: false);
        Assert.Equal(model.Evaluate(x[7..], y[7..]).Loss, history["val_loss"][0]);
    }

    /// <summary>
    /// The split's training samples are read where they lie in x, not copied out: the same loss curves and
    /// weights, to the bit, as a fit given the two parts as separate tensors, shuffled or not.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_validation_split_trains_the_bits_of_the_parts_given_apart(bool shuffle)
    {
        var x = X(40);
        var y = Labels(40);
        var split = Model("sparse_categorical_crossentropy");
        var apart = Model("sparse_categorical_crossentropy");
        var h1 = split.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.25, shuffle: shuffle, verbose: false);
        var h2 = apart.Fit(x[..30], y[..30], epochs: 3, batchSize: 8, validationData: (x[30..], y[30..]), shuffle: shuffle, verbose: false);
        Assert.Equal(h2["loss"], h1["loss"]);
        Assert.Equal(h2["val_loss"], h1["val_loss"]);
        for (int i = 0; i < split.GetWeights().Count; i++) Assert.Equal(apart.GetWeights()[i].ToArray(), split.GetWeights()[i].ToArray());
    }

    [Fact]
    public void A_small_split_still_validates_on_one_sample_and_one_that_leaves_nothing_to_train_on_is_refused()
    {
        // 3 samples with validationSplit 0.1 held out (int)0.3 = 0 samples, and every val_loss was NaN;
        // Keras trains on floor(2.7) = 2 and validates on the last one.
        var x = X(3);
        int[] y = [0, 1, 2];
        var model = Model("sparse_categorical_crossentropy");
        var history = model.Fit(x, y, epochs: 1, validationSplit: 0.1, shuffle: false, verbose: false);
        Assert.Equal(model.Evaluate(x[2..], y[2..]).Loss, history["val_loss"][0]);
        Assert.True(float.IsFinite(history["val_loss"][0]));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(X(1), [0], validationSplit: 0.5, verbose: false));
        Assert.Contains("0.5", e.Message);
        Assert.Contains("of 1 samples leaves 0 to train on", e.Message);
        // A split so small that 1 - split rounds to 1 leaves nothing to validate on.
        Assert.Contains("1 to validate on", Assert.Throws<ArgumentException>(() => model.Fit(X(1), [0], validationSplit: 0.5, verbose: false)).Message);
        Assert.Contains("0 to validate on", Assert.Throws<ArgumentException>(() => model.Fit(X(3), y, validationSplit: 1e-17, verbose: false)).Message);
    }

    [Fact]
    public void Validation_data_given_take_precedence_over_a_split_as_in_Keras()
    {
        var x = X(12);
        var y = Labels(12);
        var (vx, vy) = (new Rng(5).Uniform(new Shape(5, 4), -1f, 1f), new[] { 2, 1, 0, 2, 1 });
        var model = Model("sparse_categorical_crossentropy");
        var history = model.Fit(x, y, epochs: 1, validationData: (vx, vy), validationSplit: 0.5, shuffle: false, verbose: false);
        Assert.Equal(model.Evaluate(vx, vy).Loss, history["val_loss"][0]);
    }

    [Fact]
    public void No_samples_to_train_validate_or_evaluate_on_is_an_error_not_a_NaN()
    {
        // Each gave a loss of 0/0: NaN in the history (whose chart then refused to draw) or in the evaluation.
        var model = Model("sparse_categorical_crossentropy");
        Assert.Contains("no samples to train on", Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(0, 4), Array.Empty<int>(), verbose: false)).Message);
        Assert.Contains("no samples to validate on", Assert.Throws<ArgumentException>(() => model.Fit(X(6), Labels(6), validationData: (Tensor.Zeros(0, 4), Array.Empty<int>()), verbose: false)).Message);
        Assert.Contains("no samples to evaluate on", Assert.Throws<ArgumentException>(() => model.Evaluate(Tensor.Zeros(0, 4), Array.Empty<int>())).Message);
    }

    [Theory]
    [InlineData(2, 3, 2)]   // a 3×3 kernel of stride 2 on a 2×2 image: C#'s division toward zero made it fit once
    [InlineData(1, 2, 3)]
    public void A_window_larger_than_the_image_does_not_fit_whatever_the_stride(int size, int window, int stride)
    {
        Assert.Equal(0, Conv2D.OutputSize(size, window, stride, "valid"));
        var conv = Assert.Throws<ArgumentException>(() => new Sequential().Add(new Conv2D(1, (window, window), strides: (stride, stride), inputShape: (size, size, 1))));
        Assert.Contains("does not fit", conv.Message);
        var pool = Assert.Throws<ArgumentException>(() => new Sequential([new MaxPool2D((window, window), (stride, stride))]).Predict(Tensor.Zeros(1, size, size, 1)));
        Assert.Contains("does not fit", pool.Message);
    }
}
