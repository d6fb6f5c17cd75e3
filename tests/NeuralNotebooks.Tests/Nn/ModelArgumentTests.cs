using NeuralNotebooks.Display;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>What building a model and choosing its optimizer refuse, and what a refusal leaves behind: nothing.</summary>
public class ModelArgumentTests
{
    [Fact]
    public void A_layer_that_does_not_fit_is_not_added_so_following_the_error_works()
    {
        // The failed Dense stayed in the model, unbuilt, and after adding the Flatten the error said so again.
        var model = new Sequential(seed: 1);
        model.Add(new Conv2D(2, (3, 3), inputShape: (6, 6, 1)));
        var e = Assert.Throws<ArgumentException>(() => model.Add(new Dense(4)));
        Assert.Contains("Flatten", e.Message);
        Assert.Single(model.Layers);
        model.Add(new Flatten());
        model.Add(new Dense(4, activation: "softmax"));
        Assert.Equal(["conv2d", "flatten", "dense"], model.Layers.Select(l => l.Name));
        model.Compile("adam", "sparse_categorical_crossentropy");
        model.Fit(Tensor.Zeros(3, 6, 6, 1), [0, 1, 2], verbose: false);
    }

    [Fact]
    public void A_layer_of_another_model_is_refused_and_that_model_keeps_its_weights()
    {
        // Adding it rebuilt it: the first model's trained weights were replaced by new random ones.
        var first = new Sequential(seed: 1);
        var shared = new Dense(3, activation: "relu", inputShape: 4);
        first.Add(shared);
        var kernel = shared.Kernel.ToArray();
        var second = new Sequential(seed: 2);
        second.Add(new Dense(4, inputShape: 4));
        var e = Assert.Throws<ArgumentException>(() => second.Add(shared));
        Assert.Contains("already belongs to the model", e.Message);
        Assert.Equal(kernel, shared.Kernel.ToArray());
        Assert.Equal("dense", shared.Name);
        Assert.Single(second.Layers);
    }

    private sealed class Dense_1() : Layer
    {
        protected override int[] OnBuild(int[] inputShape, Rng rng) => inputShape;
        public override Tensor Forward(Tensor x, bool training) => x;
        public override Tensor? Backward(Tensor dy, bool needInputGradient) => dy;
    }

    [Fact]
    public void Layer_names_are_unique_even_when_a_class_name_looks_like_a_numbered_one()
    {
        // dense, then a class whose Keras name is "dense_1", then another Dense was named dense_1 twice, and the
        // weights file written from that model could not be read back.
        var model = new Sequential(seed: 1);
        model.Add(new Dense(3, inputShape: 2));
        model.Add(new Dense_1());
        model.Add(new Dense(2));
        var names = model.Layers.Select(l => l.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        var path = TempFolder.File("unique.safetensors");
        model.SaveWeights(path);
        model.LoadWeights(path);
    }

    [Fact]
    public void An_unknown_kernel_initializer_is_refused_when_the_layer_is_made()
    {
        // It was found only when the layer was built, inside Add.
        var e = Assert.Throws<ArgumentException>(() => new Dense(4, kernelInitializer: "he-normal"));
        Assert.Contains("he_normal", e.Message);
        Assert.Throws<ArgumentException>(() => new Conv2D(2, (3, 3), kernelInitializer: "Glorot"));
        Assert.Equal("he_uniform", new Dense(4, kernelInitializer: "he_uniform").KernelInitializer);
    }

    [Fact]
    public void Dropout_refuses_a_rate_that_is_not_a_number()
    {
        // NaN passed "rate is < 0 or >= 1", and training then diverged with advice about the learning rate.
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(double.NaN)).ParamName);
    }

    [Fact]
    public void Dropout_refuses_a_rate_that_rounds_to_one()
    {
        // 0.99999999 is below 1 as a double but was stored as 1f: every input dropped, Rate reading 1.
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(0.99999999)).ParamName);
    }

    [Fact]
    public void A_layers_Forward_refuses_a_batch_of_another_sample_shape_naming_the_layer_and_both_shapes()
    {
        // Called directly, Dense computed a (2, 2) result from the first 6 of a (2, 4) batch's floats, Conv2D
        // convolved 2-channel images as 1-channel ones, and too narrow a batch failed inside the product
        // ("gemm: A needs 6 elements for 2x3, got 4").
        var dense = new Dense(2, inputShape: 3);
        dense.Build();
        var wide = Assert.Throws<ArgumentException>(() => dense.Forward(new Tensor(new float[8], 2, 4), training: false));
        Assert.Contains("Dense", wide.Message);
        Assert.Contains("(None, 3)", wide.Message);
        Assert.Contains("(2, 4)", wide.Message);
        Assert.Contains("(2, 2)", Assert.Throws<ArgumentException>(() => dense.Forward(new Tensor(new float[4], 2, 2), training: true)).Message);
        var conv = new Conv2D(8, (3, 3), inputShape: (5, 5, 1));
        conv.Build();
        Assert.Contains("(1, 5, 5, 2)", Assert.Throws<ArgumentException>(() => conv.Forward(new Tensor(new float[50], 1, 5, 5, 2), training: false)).Message);
        var pool = new MaxPool2D((2, 2));
        pool.Build([4, 4, 1], new Rng(0));
        Assert.Contains("(1, 4, 4, 2)", Assert.Throws<ArgumentException>(() => pool.Forward(new Tensor(new float[32], 1, 4, 4, 2), training: false)).Message);
    }

    [Theory]
    [InlineData("adam beta1 1")]
    [InlineData("adam beta2 -0.5")]
    [InlineData("adam epsilon -1")]
    [InlineData("rmsprop rho 1.5")]
    [InlineData("rmsprop epsilon -1")]
    [InlineData("sgd momentum 1.5")]
    [InlineData("sgd momentum -0.5")]
    [InlineData("sgd momentum NaN")]
    public void Optimizer_settings_outside_their_range_are_refused_naming_them(string setting)
    {
        // Adam(beta1: 1) and RMSprop(rho: 1.5) made NaN weights in the first batch; SGD(momentum: 1.5) trained without a word.
        var parts = setting.Split(' ');
        float v = float.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        Func<Optimizer> make = (parts[0], parts[1]) switch
        {
            ("adam", "beta1") => () => new Adam(beta1: v),
            ("adam", "beta2") => () => new Adam(beta2: v),
            ("adam", _) => () => new Adam(epsilon: v),
            ("rmsprop", "rho") => () => new RMSprop(rho: v),
            ("rmsprop", _) => () => new RMSprop(epsilon: v),
            _ => () => new SGD(momentum: v),
        };
        Assert.Equal(parts[1], Assert.Throws<ArgumentOutOfRangeException>(() => make()).ParamName);
    }

    [Fact]
    public void A_learning_rate_or_weight_decay_set_later_is_checked_as_in_the_constructor()
    {
        var adam = new Adam();
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -0.01f);
        Assert.Equal(0.001f, adam.LearningRate);
        adam.LearningRate = 0.01f;
        Assert.Equal(0.01f, adam.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD { WeightDecay = -5 });
        Assert.Equal(1f, new SGD(momentum: 1f).Momentum);   // Keras allows momentum 1
    }

    [Fact]
    public void Null_names_and_wrong_strides_are_named()
    {
        Assert.Throws<ArgumentNullException>(() => Optimizer.Get(null!));
        Assert.Throws<ArgumentNullException>(() => new Sequential().Compile((string)null!, "mse"));
        Assert.Throws<ArgumentNullException>(() => new Conv2D(2, (3, 3), padding: null!));
        Assert.Equal("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2D((2, 2), strides: (0, 1))).ParamName);
        Assert.Equal("poolSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2D((0, 2))).ParamName);
    }

    [Fact]
    public void A_file_based_app_shows_how_many_items_of_a_long_sequence_it_left_out()
    {
        // 30 items printed as [ 0, 1, ..., 19 ] with nothing to say that 10 were left out.
        Assert.Equal("[ " + string.Join(", ", Enumerable.Range(0, 20)) + ", ... (10 more) ]", FileBasedApp.List(Enumerable.Range(0, 30).ToArray()));
        Assert.Equal("[ 1, 2, 3 ]", FileBasedApp.List(new[] { 1, 2, 3 }));
        Assert.EndsWith(", 19, ... ]", FileBasedApp.List(Enumerable.Range(0, 1000)));   // not counted: it could be endless
    }

    [Fact]
    public void A_batch_size_below_1_is_refused_by_Fit_Evaluate_and_Predict_alike()
    {
        // Evaluate and Predict ignored it (they run 256 samples a batch or more whatever it says); Fit refused it.
        var model = new Sequential(seed: 1);
        model.Add(new Dense(2, activation: "softmax", inputShape: 3));
        model.Compile("sgd", "sparse_categorical_crossentropy");
        var x = Tensor.Zeros(4, 3);
        int[] y = [0, 1, 0, 1];
        Assert.Contains("Fit: batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 0, verbose: false)).Message);
        Assert.Contains("Evaluate: batchSize must be at least 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(x, y, batchSize: 0)).Message);
        Assert.Contains("Predict: batchSize must be at least 1, got -1", Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(x, batchSize: -1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictUpTo(x, 0, batchSize: 0));
        Assert.Equal(new Shape(4, 2), model.Predict(x, batchSize: 1).Shape);
    }

    [Fact]
    public void SetWeights_with_a_wrong_shape_leaves_the_model_unchanged()
    {
        // The tensors before the wrong one were already copied when it was refused: the first kernel was zeroed.
        var model = new Sequential(seed: 1);
        model.Add(new Dense(3, inputShape: 2));
        model.Add(new Dense(2));
        var before = model.GetWeights().Select(w => w.ToArray()).ToList();
        var e = Assert.Throws<ArgumentException>(() => model.SetWeights([Tensor.Zeros(2, 3), Tensor.Zeros(3), Tensor.Zeros(4, 2), Tensor.Zeros(2)]));
        Assert.Contains("weight 2 has shape (3, 2), got (4, 2)", e.Message);
        Assert.Equal(before, model.GetWeights().Select(w => w.ToArray()).ToList());
    }

    [Fact]
    public void LoadWeights_given_a_folder_says_so()
    {
        var folder = TempFolder.New();
        var model = new Sequential();
        model.Add(new Dense(3, inputShape: 2));
        var e = Assert.Throws<FileNotFoundException>(() => model.LoadWeights(folder));
        Assert.Contains("is a folder, not a weights file", e.Message);
    }

    [Fact]
    public void Predict_and_Evaluate_refuse_an_input_with_a_NaN_instead_of_giving_plausible_outputs()
    {
        // A NaN in the last pixel was dropped by max-pooling (not first in its window), one in the first turned to 0
        // by the dense layer's ReLU: the course CNN gave probabilities like 0.109, 0.078, ... and a loss of 2.65.
        var model = Models.CourseCnn(seed: 1);
        var pixels = new float[2 * 28 * 28];
        pixels[28 * 28 + 28 * 28 - 1] = float.NaN;
        var images = new Tensor(pixels, 2, 28, 28, 1);
        Assert.Contains("sample 1 of x holds NaN (at element 783)", Assert.Throws<ArgumentException>(() => model.Predict(images)).Message);
        Assert.Contains("Evaluate: sample 1", Assert.Throws<ArgumentException>(() => model.Evaluate(images, [3, 4])).Message);
        // In a later batch (this model's hold 1,024 images), read where it lies in the input: its index in the whole input.
        var many = new float[1100 * 28 * 28];
        many[1050 * 28 * 28 + 5] = float.NaN;
        Assert.Contains("Predict: sample 1050 of x holds NaN (at element 5)", Assert.Throws<ArgumentException>(() => model.Predict(new Tensor(many, 1100, 28, 28, 1))).Message);
        Assert.Contains("Evaluate: sample 1050 of x holds NaN", Assert.Throws<ArgumentException>(() => model.Evaluate(new Tensor(many, 1100, 28, 28, 1), new int[1100])).Message);
        pixels[28 * 28 + 28 * 28 - 1] = float.PositiveInfinity;
        Assert.Contains("Fit: sample 1 of validationData's X holds Infinity", Assert.Throws<ArgumentException>(
            () => model.Fit(Tensor.Zeros(2, 28, 28, 1), [1, 2], validationData: (images, [3, 4]), verbose: false)).Message);
    }
}
