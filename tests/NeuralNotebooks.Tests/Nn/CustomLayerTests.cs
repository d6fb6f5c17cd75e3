namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// A hand-written layer with a non-trainable buffer: y = x ⊙ γ + β per feature, and during training a
/// running mean of the inputs (as a batch normalization keeps one). Defined here, outside the library.
/// </summary>
public sealed class ScaleShift(float momentum = 0.9f) : Layer
{
    private Tensor _gamma = null!, _beta = null!, _runningMean = null!;
    private Tensor? _out, _dx, _input;

    public Tensor RunningMean => _runningMean;

    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        int f = inputShape[^1];
        _gamma = AddWeight("gamma", [f], rng, "zeros");
        _gamma.AsSpan().Fill(1f);
        _beta = AddWeight("beta", [f], rng, "zeros");
        _runningMean = AddBuffer("running_mean", f);
        return inputShape;
    }

    public override Tensor Forward(Tensor x, bool training)
    {
        int f = InputShape[^1], n = x.Size / f;
        var y = EnsureLike(ref _out, x.Shape);
        var xs = x.AsSpan(); var ys = y.AsSpan(); var g = _gamma.AsSpan(); var b = _beta.AsSpan();
        for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] * g[i % f] + b[i % f];
        if (training)
        {
            var m = _runningMean.AsSpan();
            for (int j = 0; j < f; j++)
            {
                double mean = 0;
                for (int r = 0; r < n; r++) mean += xs[r * f + j];
                m[j] = momentum * m[j] + (1 - momentum) * (float)(mean / n);
            }
        }
        _input = x;
        return y;
    }

    public override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        int f = InputShape[^1];
        var x = _input!.AsSpan(); var d = dy.AsSpan();
        var dg = GradientOf(_gamma).AsSpan(); var db = GradientOf(_beta).AsSpan();
        dg.Clear(); db.Clear();
        for (int i = 0; i < d.Length; i++) { dg[i % f] += d[i] * x[i]; db[i % f] += d[i]; }
        if (!needInputGradient) return null;
        var dx = EnsureLike(ref _dx, dy.Shape);
        var g = _gamma.AsSpan(); var dxs = dx.AsSpan();
        for (int i = 0; i < d.Length; i++) dxs[i] = d[i] * g[i % f];
        return dx;
    }
}

/// <summary>d2l's MyLinear: a dense ReLU layer written as its forward pass only; autograd gives the backward pass.</summary>
public sealed class MyLinear(int units) : AutogradLayer
{
    private Tensor _w = null!, _b = null!;

    protected override void CreateWeights(int[] inputShape, Rng rng)
    {
        _w = AddWeight("kernel", [inputShape[0], units], rng);
        _b = AddWeight("bias", [units], rng, "zeros");
    }

    protected override Tensor Forward(Tensor x) => (x.MatMul(_w) + _b).Relu();
}

/// <summary>Declares its input shape as its output but returns twice as many features (x and x²).</summary>
public sealed class WrongOutputShape : Layer
{
    private Tensor? _out;
    protected override int[] OnBuild(int[] inputShape, Rng rng) => inputShape;
    public override Tensor Forward(Tensor x, bool training)
    {
        int n = x.Shape[0], f = x.Shape[1];
        var y = EnsureBatch(ref _out, n, [2 * f]);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < f; j++) { float v = x.AsSpan()[r * f + j]; y.AsSpan()[r * 2 * f + j] = v; y.AsSpan()[r * 2 * f + f + j] = v * v; }
        return y;
    }
    public override Tensor? Backward(Tensor dy, bool needInputGradient) => null;
}

/// <summary>x and x², declared right, with a Backward that returns null or the output gradient as the input's.</summary>
public sealed class BadInputGradient(bool returnsNull) : Layer
{
    private Tensor? _out;
    protected override int[] OnBuild(int[] inputShape, Rng rng) => [2 * inputShape[0]];
    public override Tensor Forward(Tensor x, bool training)
    {
        int n = x.Shape[0], f = InputShape[0];
        var y = Ensure(ref _out, n, 2 * f);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < f; j++) { float v = x.AsSpan()[r * f + j]; y.AsSpan()[r * 2 * f + j] = v; y.AsSpan()[r * 2 * f + f + j] = v * v; }
        return y;
    }
    public override Tensor? Backward(Tensor dy, bool needInputGradient) => returnsNull ? null : dy;
}

/// <summary>A bias added in the constructor, which a build clears.</summary>
public sealed class WeightInConstructor : AutogradLayer
{
    private readonly Tensor _b;
    public WeightInConstructor() => _b = AddWeight("bias", [3], new Rng(0), "zeros");
    protected override Tensor Forward(Tensor x) => x + _b;
}

/// <summary>A scale read through a copy, so never in the graph.</summary>
public sealed class CopiedWeight : AutogradLayer
{
    private Tensor _s = null!;
    protected override void CreateWeights(int[] inputShape, Rng rng) => _s = AddWeight("scale", [inputShape[^1]], rng);
    protected override Tensor Forward(Tensor x) => x * new Tensor(_s.ToArray(), _s.Shape.ToArray());
}

public class CustomLayerTests
{
    /// <summary>Two blobs per class in 6 features, labels 0..2: learnable, not trivially.</summary>
    private static (Tensor X, int[] Y) Blobs(int n, int seed)
    {
        var rng = new Rng(seed);
        var x = new float[n * 6];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 6; j++) x[i * 6 + j] = rng.Normal() * 0.5f + (j % 3 == y[i] ? 2f : 0f);
        }
        return (new Tensor(x, n, 6), y);
    }

    private static Sequential Model(int seed)
    {
        var model = new Sequential(seed);
        model.Add(new Dense(8, activation: "tanh", inputShape: 6));
        model.Add(new ScaleShift());
        model.Add(new MyLinear(8));
        model.Add(new Lambda(x => x * 0.5f));
        model.Add(new Dense(3, activation: "softmax"));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", ["accuracy"]);
        return model;
    }

    [Fact]
    public void Hand_written_layer_gradients_match_finite_differences() =>
        LayerGradientTests.Check(new ScaleShift(), [3, 4]);

    [Fact]
    public void Autograd_layer_gradients_match_finite_differences()
    {
        // Inputs away from ReLU's kink, so the finite difference is not taken across it.
        LayerGradientTests.Check(new MyLinear(3), [2, 4], seed: 11);
        LayerGradientTests.Check(new Lambda(x => (x * x).Tanh() + x), [2, 5]);
    }

    [Fact]
    public void Custom_layers_train_inside_Sequential()
    {
        var (x, y) = Blobs(300, 1);
        var model = Model(seed: 2);
        var before = model.GetWeights().Select(w => w.ToArray()).ToList();
        var history = model.Fit(x, y, epochs: 15, batchSize: 30, verbose: false);
        Assert.True(history["loss"][^1] < 0.5f * history["loss"][0], $"loss {history["loss"][0]} -> {history["loss"][^1]}");
        Assert.True(model.Evaluate(x, y).Accuracy > 0.9f);
        // Both custom layers' weights were trained, and the hand-written layer's buffer followed the inputs.
        var after = model.GetWeights();
        Assert.Equal(8, after.Count);
        for (int i = 2; i < 6; i++) Assert.NotEqual(before[i], after[i].ToArray());
        Assert.Contains(((ScaleShift)model.Layers[1]).RunningMean.ToArray(), v => v != 0f);
    }

    [Fact]
    public void Custom_layers_round_trip_through_a_weights_file_with_their_buffers()
    {
        var (x, y) = Blobs(90, 3);
        var model = Model(seed: 4);
        model.Fit(x, y, epochs: 3, batchSize: 30, verbose: false);
        string path = TempFolder.File("custom.safetensors");
        try
        {
            model.SaveWeights(path);
            var other = Model(seed: 5);
            Assert.NotEqual(model.Predict(x).ToArray(), other.Predict(x).ToArray());
            other.LoadWeights(path);
            Assert.Equal(model.Predict(x).ToArray(), other.Predict(x).ToArray());
            Assert.Equal(((ScaleShift)model.Layers[1]).RunningMean.ToArray(), ((ScaleShift)other.Layers[1]).RunningMean.ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Custom_layers_show_in_the_summary_with_trainable_and_non_trainable_counts()
    {
        var s = Model(seed: 1).Summary();
        Assert.Equal(["dense (Dense)", "scale_shift (ScaleShift)", "my_linear (MyLinear)", "lambda (Lambda)", "dense_1 (Dense)"], s.Rows.Select(r => r.Layer));
        Assert.Equal([6 * 8 + 8, 8 + 8 + 8, 8 * 8 + 8, 0, 8 * 3 + 3], s.Rows.Select(r => r.Parameters));
        Assert.Equal(8, s.NonTrainableParameters);
        Assert.Contains("Non-trainable params: 8", s.ToString());
        Assert.Equal("(None, 8)", s.Rows[2].OutputShape);
    }

    [Fact]
    public void A_weight_name_used_twice_is_an_error()
    {
        var layer = new Twice();
        var e = Assert.Throws<ArgumentException>(() => new Sequential().Add(layer.WithInput()));
        Assert.Contains("\"w\"", e.Message);
    }

    private sealed class Twice : AutogradLayer
    {
        public Twice WithInput() => new() { DeclaredInputShape = [2] };
        protected override void CreateWeights(int[] inputShape, Rng rng) { AddWeight("w", [2], rng); AddWeight("w", [2], rng); }
        protected override Tensor Forward(Tensor x) => x;
    }

    private static (Tensor X, int[] Y) Blobs(int n)
    {
        var rng = new Rng(1);
        var x = new float[n * 3];
        var y = new int[n];
        for (int i = 0; i < n; i++) { y[i] = i % 3; for (int j = 0; j < 3; j++) x[i * 3 + j] = rng.Normal() * 0.5f + (j == y[i] ? 2f : 0f); }
        return (new Tensor(x, n, 3), y);
    }

    private static Sequential Around(Layer middle, string? firstActivation = "tanh")
    {
        var m = new Sequential(1);
        m.Add(new Dense(3, firstActivation, inputShape: 3));
        m.Add(middle);
        m.Add(new Dense(3, activation: "softmax"));
        m.Compile(new Adam(0.05f), "sparse_categorical_crossentropy");
        return m;
    }

    [Fact]
    public void A_layer_whose_output_is_not_its_declared_shape_is_named()
    {
        // Predict read the (n, 6) output as (n, 3) without a word; a per-batch Lambda failed as "the model has 0 classes"
        // in Fit and a bare ArgumentOutOfRangeException in Predict; with mse as its loss it trained on.
        var (x, y) = Blobs(40);
        Assert.Contains("Forward returned shape (40, 6), but the layer declared (None, 3) for a batch of 40",
            Assert.Throws<InvalidOperationException>(() => Around(new WrongOutputShape()).Predict(x)).Message);
        var perBatch = Assert.Throws<InvalidOperationException>(() => Around(new Lambda(h => h.Mean(0, keepDims: true))).Fit(x, y, epochs: 1, batchSize: 8, verbose: false));
        Assert.Contains("lambda (Lambda): Forward returned shape (1, 3)", perBatch.Message);
        Assert.Contains("lambda (Lambda)", Assert.Throws<InvalidOperationException>(() => Around(new Lambda(h => h.Mean(0, keepDims: true))).Predict(x)).Message);
        var last = new Sequential(1);
        last.Add(new Dense(3, inputShape: 3));
        last.Add(new Lambda(h => h.Sum(0, keepDims: true)));
        last.Compile(new SGD(), "mse");
        Assert.Contains("lambda (Lambda)", Assert.Throws<InvalidOperationException>(() => last.Fit(x, x, epochs: 1, batchSize: 8, verbose: false)).Message);
    }

    [Theory]
    [InlineData(true, "Backward returned no input gradient")]
    [InlineData(false, "Backward returned an input gradient of shape (10, 6), but its input was (None, 3)")]
    public void A_missing_or_misshapen_input_gradient_is_named(bool returnsNull, string message)
    {
        // null stopped the backward pass (the first Dense never moved); the output's gradient was read as the input's.
        var (x, y) = Blobs(60);
        var e = Assert.Throws<InvalidOperationException>(() => Around(new BadInputGradient(returnsNull)).Fit(x, y, epochs: 1, batchSize: 10, verbose: false));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Weights_and_outputs_cut_from_the_graph_are_refused_not_left_untrained()
    {
        var (x, y) = Blobs(60);
        Assert.Contains("weight 'scale' got no gradient",
            Assert.Throws<InvalidOperationException>(() => Around(new CopiedWeight()).Fit(x, y, epochs: 1, batchSize: 10, verbose: false)).Message);
        var copied = Around(new Lambda(h => new Tensor(h.ToArray().Select(MathF.Abs).ToArray(), h.Shape.ToArray())));
        Assert.Contains("cut the graph", Assert.Throws<InvalidOperationException>(() => copied.Fit(x, y, epochs: 1, batchSize: 10, verbose: false)).Message);
    }

    [Fact]
    public void A_weight_added_in_a_constructor_is_refused()
    {
        // The build cleared it: 0 parameters, never trained or saved.
        Assert.Contains("add weights and buffers while the layer is built", Assert.Throws<InvalidOperationException>(() => new WeightInConstructor()).Message);
    }

    [Fact]
    public void An_error_in_the_build_probe_names_the_layer_and_the_probe()
    {
        // "reshape: cannot reshape (1, 3) (3 elements) into (1, 5)": a shape the learner never made, no layer named.
        var m = new Sequential(1);
        m.Add(new Dense(3, inputShape: 4));
        var e = Assert.Throws<InvalidOperationException>(() => m.Add(new Lambda(h => h.Reshape(1, 5))));
        Assert.Contains("lambda (Lambda): the forward pass failed on one sample of zeros of shape (None, 3)", e.Message);
        Assert.Single(m.Layers);
    }
}
