namespace NeuralNotebooks.Tests.Nn;

public class SequentialTests
{
    private static Sequential CourseCnn(int seed = 1) => Models.CourseCnn(seed);

    [Fact]
    public void Summary_prints_the_parameter_counts_keras_prints_for_the_course_cnn()
    {
        var s = CourseCnn().Summary();
        Assert.Equal([280L, 0, 0, 605_824, 0, 1_290], s.Rows.Select(r => r.Parameters));
        Assert.Equal(607_394, s.TotalParameters);
        var text = s.ToString();
        Assert.Contains("conv2d (Conv2D)             (None, 26, 26, 28)        280", text);
        Assert.Contains("dense (Dense)               (None, 128)               605,824", text);
        Assert.Contains("Total params: 607,394", text);
        Assert.Contains("(None, 4732)", text);
    }

    [Fact]
    public void An_mlp_learns_xor()
    {
        var x = Tensor.From(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        int[] y = [0, 1, 1, 0];
        var model = new Sequential(seed: 3);
        model.Add(new Dense(8, activation: "tanh", inputShape: 2));
        model.Add(new Dense(2, activation: "softmax"));
        model.Compile(optimizer: new Adam(0.05f), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(x, y, epochs: 300, batchSize: 4, verbose: false);
        Assert.Equal(1f, model.Evaluate(x, y).Accuracy);
        Assert.True(history["loss"][^1] < 0.05f, $"final loss {history["loss"][^1]}");
    }

    [Fact]
    public void A_cnn_overfits_a_small_batch()
    {
        var rng = new Rng(5);
        var x = rng.Uniform(new Shape(16, 8, 8, 1));
        var y = Enumerable.Range(0, 16).Select(_ => rng.NextInt(4)).ToArray();
        var model = new Sequential(seed: 2);
        model.Add(new Conv2D(8, (3, 3), padding: "same", activation: "relu", inputShape: (8, 8, 1)));
        model.Add(new MaxPool2D());
        model.Add(new Flatten());
        model.Add(new Dense(4, activation: "softmax"));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(x, y, epochs: 150, batchSize: 16, verbose: false);
        Assert.Equal(1f, model.Evaluate(x, y).Accuracy);
    }

    [Fact]
    public void The_course_cnn_pooled_as_it_goes_predicts_what_its_layers_give_one_by_one()
    {
        // Predict computes the first convolution and the pooling as one pass; calling the layers one by
        // one does not. Both must give the same bits, and the convolution's own maps stay available.
        var m = Mnist.Load(channels: true);
        var x = m.Test.Images[..40];
        var model = CourseCnn(seed: 3);
        var predicted = model.Predict(x).ToArray();
        Tensor h = x;
        foreach (var layer in model.Layers) h = layer.Forward(h, training: false);
        Assert.Equal(h.ToArray(), predicted);

        var maps = model.Layers[0].Forward(x, training: false).ToArray();
        Assert.Equal(maps, model.PredictUpTo(x, 0).ToArray());
        Assert.Equal(model.Layers[1].Forward(model.Layers[0].Forward(x, training: false), training: false).ToArray(), model.PredictUpTo(x, 1).ToArray());
    }

    [Fact]
    public void Predict_over_many_batches_gives_the_bits_of_its_batches_run_layer_by_layer()
    {
        // Over several inference batches (of 1,024 for this model, the last one short) the dense layers pack
        // their weights once, not per batch; each batch must come out as its layers give it one by one, and a
        // change of the weights between two calls must show in the next.
        var m = Mnist.Load(channels: true);
        const int n = 2100, batch = 1024;
        var x = m.Test.Images[..n];
        var model = CourseCnn(seed: 4);
        float[] ByLayers()
        {
            var all = new List<float>();
            for (int start = 0; start < n; start += batch)
            {
                Tensor h = x[start..Math.Min(n, start + batch)];
                foreach (var layer in model.Layers) h = layer.Forward(h, training: false);
                all.AddRange(h.ToArray());
            }
            return all.ToArray();
        }
        Assert.Equal(ByLayers(), model.Predict(x).ToArray());
        var dense = model.Layers.OfType<Dense>().First();
        var kernel = dense.Kernel.AsSpan();
        for (int i = 0; i < kernel.Length; i += 3) kernel[i] = -kernel[i];
        var expected = ByLayers();
        Assert.Equal(expected, model.Predict(x).ToArray());
        var (loss, _) = model.Evaluate(x, m.Test.Labels[..n]);
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void Inference_batches_grow_to_1024_samples_only_behind_a_pooled_convolution_and_while_their_widest_output_fits_in_32_MB()
    {
        var cnn = CourseCnn();
        int last = cnn.Layers.Count - 1;
        // The course CNN pools as it convolves, reading its samples in place: its widest output is the pooled
        // 13×13×28, 4,732 floats an image.
        Assert.Equal(1024, cnn.InferenceBatch(32, last));
        Assert.Equal(1024, cnn.InferenceBatch(1, last));
        Assert.Equal(5000, cnn.InferenceBatch(5000, last));   // a larger batch asked for is kept
        // Up to the convolution alone its maps are written, from a copy of each batch: 256.
        Assert.Equal(256, cnn.InferenceBatch(32, 0));
        // Behind the pooled convolution, a dense layer of 8,192 units (floats an image) fits 1,024 in 32 MB,
        // one of 16,384 fits 512, one of 65,536 would fit 128: no fewer than 256.
        Assert.Equal(1024, WithDense(8192).InferenceBatch(32, 3));
        Assert.Equal(512, WithDense(16384).InferenceBatch(32, 3));
        Assert.Equal(256, WithDense(65536).InferenceBatch(32, 3));
        // An MLP's batches are copied out of its input: 256.
        var mlp = new Sequential(seed: 1);
        mlp.Add(new Dense(100, activation: "sigmoid", inputShape: 784));
        mlp.Add(new Dense(10, activation: "softmax"));
        Assert.Equal(256, mlp.InferenceBatch(32, 1));

        static Sequential WithDense(int units)
        {
            var model = new Sequential(seed: 1);
            model.Add(new Conv2D(16, kernelSize: (3, 3), inputShape: (10, 10, 1)));
            model.Add(new MaxPool2D((2, 2)));
            model.Add(new Flatten());
            model.Add(new Dense(units));
            return model;
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_after_training()
    {
        var m = Mnist.Load(channels: true);
        float[] Train()
        {
            var model = CourseCnn(seed: 7);
            model.Fit(m.Train.Images[..256], m.Train.Labels[..256], epochs: 1, batchSize: 32, verbose: false);
            return model.GetWeights().SelectMany(w => w.ToArray()).ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Theory]
    [InlineData(96, 1)]    // three steps: training ends on the second array of each weight
    [InlineData(64, 2)]    // four
    public void Fit_leaves_the_weights_in_the_arrays_they_started_in_so_views_of_them_follow(int samples, int epochs)
    {
        var m = Mnist.Load();
        var x = m.Train.Images[..samples].Reshape(-1, 784);
        var model = new Sequential(seed: 5);
        model.Add(new Dense(16, activation: "relu", inputShape: 784));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy");
        var kernel = model.Layers.OfType<Dense>().First().Kernel;
        var array = kernel.data;
        var view = kernel.Reshape(-1);
        var before = kernel.ToArray();
        var seen = new List<float[]>();
        model.Fit(x, m.Train.Labels[..samples], epochs: epochs, batchSize: 32, shuffle: false, verbose: false,
            onEpochEnd: _ => seen.Add(view.ToArray()));
        Assert.Same(array, kernel.data);
        Assert.NotEqual(before, kernel.ToArray());
        Assert.Equal(kernel.ToArray(), view.ToArray());
        Assert.Equal(kernel.ToArray(), seen[^1]);
        Assert.Equal(epochs, seen.Count);
        // The same weights as steps taken one by one, each batch a Fit of its own.
        var stepwise = new Sequential(seed: 5);
        stepwise.Add(new Dense(16, activation: "relu", inputShape: 784));
        stepwise.Add(new Dense(10, activation: "softmax"));
        stepwise.Compile(new Adam(), "sparse_categorical_crossentropy");
        for (int e = 0; e < epochs; e++)
            for (int start = 0; start < samples; start += 32)
                stepwise.Fit(x[start..(start + 32)], m.Train.Labels[start..(start + 32)], epochs: 1, batchSize: 32, shuffle: false, verbose: false);
        for (int i = 0; i < model.GetWeights().Count; i++) Assert.Equal(stepwise.GetWeights()[i].ToArray(), model.GetWeights()[i].ToArray());
    }

    [Fact]
    public void Save_and_load_round_trip_and_mismatches_are_explained()
    {
        var model = CourseCnn(seed: 4);
        var path = TempFolder.File("cnn.safetensors");
        model.SaveWeights(path);
        var other = CourseCnn(seed: 9);
        Assert.NotEqual(model.GetWeights()[0].ToArray(), other.GetWeights()[0].ToArray());
        other.LoadWeights(path);
        for (int i = 0; i < model.GetWeights().Count; i++) Assert.Equal(model.GetWeights()[i].ToArray(), other.GetWeights()[i].ToArray());
        var header = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, 200);
        Assert.Contains("\"conv2d/kernel\"", header);
        var small = new Sequential();
        small.Add(new Dense(3, inputShape: 2));
        var e = Assert.Throws<DataFormatException>(() => small.LoadWeights(path));
        Assert.Contains("dense/kernel", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_nan_loss_stops_training_naming_epoch_and_batch()
    {
        var x = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 }, { 5, float.NaN }, { 7, 8 } });
        var model = new Sequential();
        model.Add(new Dense(2, activation: "softmax", inputShape: 2));
        model.Compile(new SGD(), "sparse_categorical_crossentropy");
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, [0, 1, 0, 1], batchSize: 2, shuffle: false, verbose: false));
        Assert.Equal((1, 2), (e.Epoch, e.Batch));
        Assert.Contains("epoch 1, batch 2", e.Message);
    }

    [Fact]
    public void Wrong_input_shape_names_the_layer_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => CourseCnn().Predict(Tensor.Zeros(2, 784)));
        Assert.Contains("conv2d (Conv2D)", e.Message);
        Assert.Contains("(None, 28, 28, 1)", e.Message);
        Assert.Contains("(2, 784)", e.Message);
    }

    [Fact]
    public void An_mlp_reaches_93_percent_on_a_6000_image_mnist_subset()
    {
        var m = Mnist.Load();
        var model = new Sequential(seed: 1);
        model.Add(new Dense(128, activation: "relu", inputShape: 784));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(m.Train.Images[..6000].Reshape(-1, 784), m.Train.Labels[..6000], epochs: 5, batchSize: 32, verbose: false);
        var (_, accuracy) = model.Evaluate(m.Test.Images.Reshape(-1, 784), m.Test.Labels);
        Assert.True(accuracy >= 0.93f, $"test accuracy {accuracy}");
    }

    [Fact]
    public void A_build_that_fails_half_way_leaves_the_model_buildable_with_the_weights_of_a_clean_build()
    {
        // The conv stayed built for 5x5 inputs: building for 12x12 then said "conv2d (Conv2D) was built for
        // inputs (None, 5, 5, 1)", and only a new model helped.
        Sequential Model()
        {
            var m = new Sequential(7);
            m.Add(new Conv2D(4, (3, 3)));
            m.Add(new MaxPool2D((4, 4)));
            return m;
        }
        var model = Model();
        Assert.Throws<ArgumentException>(() => model.Build(5, 5, 1));   // a 4x4 pool does not fit in 3x3 maps
        model.Build(12, 12, 1);
        var clean = Model();
        clean.Build(12, 12, 1);
        Assert.Equal(clean.GetWeights()[0].ToArray(), model.GetWeights()[0].ToArray());
    }

    private sealed class DropsTheBatchAxis : AutogradLayer
    {
        private Tensor? _w;
        protected override void CreateWeights(int[] inputShape, Rng rng) => _w = AddWeight("kernel", [inputShape[0], 4], rng);
        protected override Tensor Forward(Tensor x) => x.MatMul(_w!).Sum();
    }

    [Fact]
    public void A_refused_layer_leaves_the_generator_where_it_was()
    {
        // Its weights had been drawn before its probe failed, so the next layer started from other weights
        // than in the same model built without the mistake (-0.169 instead of 0.528).
        var model = new Sequential(3);
        model.Add(new Dense(4, inputShape: 2));
        Assert.Throws<InvalidOperationException>(() => model.Add(new DropsTheBatchAxis()));
        model.Add(new Dense(2));
        var clean = new Sequential(3);
        clean.Add(new Dense(4, inputShape: 2));
        clean.Add(new Dense(2));
        Assert.Equal(clean.GetWeights()[2].ToArray(), model.GetWeights()[2].ToArray());
    }

    [Fact]
    public void A_layer_built_before_it_is_added_keeps_its_weights_in_any_position()
    {
        var first = new Dense(3, inputShape: 2); first.Build(seed: 5);
        first.Kernel.AsSpan().Fill(0.5f);
        var second = new Dense(2, inputShape: 3); second.Build(seed: 5);
        second.Kernel.AsSpan().Fill(0.25f);
        var model = new Sequential(1);
        model.Add(first);
        model.Add(second);
        Assert.All(model.GetWeights()[0].ToArray(), v => Assert.Equal(0.5f, v));
        Assert.All(model.GetWeights()[2].ToArray(), v => Assert.Equal(0.25f, v));   // was drawn again from the model's generator
        var misfit = new Dense(2, inputShape: 5); misfit.Build(seed: 5);
        var e = Assert.Throws<ArgumentException>(() => model.Add(misfit));
        Assert.Contains("was built for inputs (None, 5), not (None, 2)", e.Message);
        Assert.Equal(2, model.Layers.Count);
    }

    [Fact]
    public void Fit_trains_a_layer_rebuilt_after_an_earlier_Fit()
    {
        // The model reused its trainer, which stepped the layer's old tensors: the new ones never moved.
        var x = new Rng(1).Uniform(new Shape(32, 4));
        var y = Enumerable.Range(0, 32).Select(i => i % 2).ToArray();
        var model = new Sequential(1);
        model.Add(new Dense(8, activation: "relu", inputShape: 4));
        model.Add(new Dense(2, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy");
        model.Fit(x, y, epochs: 2, verbose: false);
        model.Layers[0].Build(seed: 3);
        var before = model.GetWeights()[0].ToArray();
        model.Fit(x, y, epochs: 2, verbose: false);
        Assert.NotEqual(before, model.GetWeights()[0].ToArray());
    }
}
