using System.Diagnostics;
using System.Text.RegularExpressions;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A stack of layers trained end to end, used like Keras's <c>Sequential</c>: <c>Add</c> layers,
/// <c>Compile</c> with an optimizer, a loss and metrics, <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c>.
/// Training runs each layer's own forward and backward pass on reused buffers (no autograd graph),
/// so an epoch makes no garbage per batch. A seed fixes the initial weights, the shuffling and the
/// dropout masks: the same seed gives the same numbers on every run.
/// </summary>
public sealed partial class Sequential
{
    private readonly List<Layer> _layers = [];
    private readonly Rng _rng;
    private Tensor? _xBatch, _yBatch, _grad;

    /// <summary>An empty model; <paramref name="seed"/> fixes everything random.</summary>
    public Sequential(int seed = 0, string name = "sequential")
    {
        Seed = seed;
        Name = name;
        _rng = new Rng(seed);
    }

    /// <summary>A model made of <paramref name="layers"/>, in order.</summary>
    public Sequential(IEnumerable<Layer> layers, int seed = 0) : this(seed)
    {
        foreach (var l in layers) Add(l);
    }

    /// <summary>The seed of the model's random numbers.</summary>
    public int Seed { get; }
    /// <summary>The model's name, shown by <see cref="Summary"/>.</summary>
    public string Name { get; }
    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;
    /// <summary>The optimizer given to <c>Compile</c>.</summary>
    public Optimizer? Optimizer { get; private set; }
    /// <summary>The loss given to <c>Compile</c>.</summary>
    public Loss? Loss { get; private set; }
    /// <summary>The metrics given to <c>Compile</c> ("accuracy" is the one supported).</summary>
    public IReadOnlyList<string> Metrics { get; private set; } = [];
    /// <summary>Whether the layers know their shapes and have weights.</summary>
    public bool IsBuilt => _layers.Count > 0 && _layers.All(l => l.IsBuilt);

    /// <summary>Appends a layer. The first layer should declare <c>inputShape</c> (or the model is built from the first data it sees).</summary>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_layers.Contains(layer)) throw new ArgumentException($"{layer.Describe()} is already in the model.");
        string baseName = Regex.Replace(layer.GetType().Name switch { "MaxPool2D" => "MaxPooling2D", var n => n }, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant()
            .Replace("conv2_d", "conv2d").Replace("pooling2_d", "pooling2d");
        int same = _layers.Count(l => Regex.Replace(l.Name, "_[0-9]+$", "") == baseName);
        layer.Name = same == 0 ? baseName : $"{baseName}_{same}";
        _layers.Add(layer);
        if (_layers.Count == 1 && layer.DeclaredInputShape is not null) Build(layer.DeclaredInputShape);
        else if (_layers.Count > 1 && _layers[^2].IsBuilt) layer.Build(_layers[^2].OutputShape, _rng);
    }

    /// <summary>Builds every layer for samples of shape <paramref name="inputShape"/> (without the batch axis).</summary>
    public void Build(params int[] inputShape)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The model has no layers; Add some first.");
        var shape = inputShape;
        foreach (var l in _layers)
        {
            if (!l.IsBuilt) l.Build(shape, _rng);
            else if (!l.InputShape.SequenceEqual(shape))
                throw new ArgumentException($"{l.Describe()} was built for inputs {Layer.Batch(l.InputShape)}, not {Layer.Batch(shape)}.");
            shape = l.OutputShape;
        }
    }

    /// <summary>Chooses the optimizer, the loss (a Keras name such as "sparse_categorical_crossentropy") and the metrics.</summary>
    public void Compile(Optimizer optimizer, string loss, IEnumerable<string>? metrics = null) => Compile(optimizer, NeuralNotebooks.Loss.Get(loss), metrics);

    /// <summary>Chooses the optimizer by name ("adam", "rmsprop", "sgd": Keras's defaults), the loss and the metrics.</summary>
    public void Compile(string optimizer, string loss, IEnumerable<string>? metrics = null) => Compile(NeuralNotebooks.Optimizer.Get(optimizer), NeuralNotebooks.Loss.Get(loss), metrics);

    /// <summary>Chooses the optimizer, the loss and the metrics.</summary>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<string>? metrics = null)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Metrics = (metrics ?? []).Select(m => m.ToLowerInvariant() is "accuracy" or "acc" ? "accuracy"
            : throw new ArgumentException($"Unknown metric '{m}'; supported: accuracy.")).Distinct().ToArray();
    }

    /// <summary>The layers with their output shapes and parameter counts, like Keras's <c>model.summary()</c>.</summary>
    public ModelSummary Summary()
    {
        if (!IsBuilt) throw new InvalidOperationException("The model is not built yet: give the first layer an inputShape, or call Build(...) or Fit first.");
        return new ModelSummary(Name, _layers.Select(l => ($"{l.Name} ({l.GetType().Name})", Layer.Batch(l.OutputShape), l.ParameterCount)).ToList());
    }

    /// <summary>Every layer's weights, in order (the tensors themselves: changing them changes the model).</summary>
    public IReadOnlyList<Tensor> GetWeights() => _layers.SelectMany(l => l.Weights).ToList();

    /// <summary>Copies <paramref name="weights"/> (same order and shapes as <see cref="GetWeights"/>) into the model.</summary>
    public void SetWeights(IReadOnlyList<Tensor> weights)
    {
        var mine = GetWeights();
        if (weights.Count != mine.Count) throw new ArgumentException($"SetWeights: the model has {mine.Count} weight tensors, got {weights.Count}.");
        for (int i = 0; i < mine.Count; i++)
        {
            if (weights[i].Shape != mine[i].Shape) throw new ArgumentException($"SetWeights: weight {i} has shape {mine[i].Shape}, got {weights[i].Shape}.");
            weights[i].AsSpan().CopyTo(mine[i].AsSpan());
        }
    }

    // ---- input and target handling ----

    /// <summary>Views x as (N, sample shape) the first layer expects; (N, 28, 28) is accepted for (28, 28, 1).</summary>
    private Tensor Adapt(Tensor x)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The model has no layers; Add some first.");
        if (x.Rank == 0) throw new ArgumentException($"Expected a batch of samples, got a scalar.");
        if (!IsBuilt)
        {
            var declared = _layers[0].DeclaredInputShape;
            Build(declared ?? x.Shape.ToArray()[1..]);
        }
        var expected = _layers[0].InputShape;
        var sample = x.Shape.ToArray()[1..];
        if (sample.SequenceEqual(expected)) return x;
        if (expected.Length == sample.Length + 1 && expected[^1] == 1 && sample.SequenceEqual(expected[..^1]))
            return new Tensor(x.data, [x.Shape[0], .. expected]);
        throw new ArgumentException($"{_layers[0].Describe()}: expected input of shape {Layer.Batch(expected)}, got {x.Shape}.");
    }

    /// <summary>Class indices as a float tensor (N,), one-hot encoded when the loss wants dense targets.</summary>
    private Tensor Targets(int[] labels, Loss loss)
    {
        if (loss.SparseTargets) return new Tensor(labels.Select(l => (float)l).ToArray(), labels.Length);
        int width = _layers[^1].OutputShape.Aggregate(1, (a, d) => a * d);
        if (width == 1) return new Tensor(labels.Select(l => (float)l).ToArray(), labels.Length, 1);
        return Tensor.OneHot(labels, width);
    }

    private Loss RequireLoss() => Loss ?? throw new InvalidOperationException("Compile the model first: model.Compile(optimizer: new Adam(), loss: \"...\", metrics: [\"accuracy\"]).");

    // ---- forward over a batch ----

    private Tensor ForwardAll(Tensor x, bool training, int upTo = int.MaxValue)
    {
        var h = x;
        for (int i = 0; i < _layers.Count && i <= upTo; i++) h = _layers[i].Forward(h, training);
        return h;
    }

    /// <summary>Gathers samples order[start..start+count) into a reused batch buffer.</summary>
    private static Tensor Gather(Tensor source, int[]? order, int start, int count, ref Tensor? buffer)
    {
        int per = source.Size / source.Shape[0];
        var b = Layer.EnsureBatch(ref buffer, count, source.Shape.AsSpan()[1..]);
        if (order is null) source.data.AsSpan(start * per, count * per).CopyTo(b.data);
        else
            for (int k = 0; k < count; k++)
                source.data.AsSpan(order[start + k] * per, per).CopyTo(b.data.AsSpan(k * per, per));
        return b;
    }

    /// <summary>Whether the last layer's softmax/sigmoid and the loss are fused (gradient taken at the pre-activation).</summary>
    private bool Fused(Loss loss) => _layers[^1] is Dense d && (
        (d.Activation.Name == "softmax" && loss is SparseCategoricalCrossentropy { FromLogits: false } or CategoricalCrossentropy { FromLogits: false }) ||
        (d.Activation.Name == "sigmoid" && loss is BinaryCrossentropy { FromLogits: false }));

    /// <summary>
    /// Loss of a batch and, when <paramref name="grad"/> is given, its gradient: with respect to the
    /// pre-activation when fused (<c>(p - y) / N</c>, exact and stable), else to the output.
    /// </summary>
    private static float LossAndGradient(Loss loss, bool fused, Tensor output, Tensor target, Span<float> grad)
    {
        int n = output.Shape[0], width = output.Size / n;
        float value = loss.Forward(output.data, target.data, n, width, fused ? default : grad);
        if (fused && !grad.IsEmpty)
        {
            var p = output.data;
            var t = target.data;
            float scale = loss is BinaryCrossentropy ? 1f / output.Size : 1f / n;
            if (loss.SparseTargets)
            {
                Simd.Multiply(p, scale, grad);
                for (int s = 0; s < n; s++) grad[s * width + (int)t[s]] -= scale;
            }
            else
            {
                Simd.Subtract(p, t, grad);
                Simd.Multiply(grad, scale, grad);
            }
        }
        return value;
    }

    private static int Correct(Tensor output, Tensor target, bool sparse)
    {
        int n = output.Shape[0], width = output.Size / n, correct = 0;
        var p = output.data; var t = target.data;
        for (int s = 0; s < n; s++)
        {
            if (width == 1) { correct += (p[s] > 0.5f) == (t[s] > 0.5f) ? 1 : 0; continue; }
            int predicted = Simd.IndexOfMax(p.AsSpan(s * width, width));
            int truth = sparse ? (int)t[s] : Simd.IndexOfMax(t.AsSpan(s * width, width));
            if (predicted == truth) correct++;
        }
        return correct;
    }

    // ---- training ----

    /// <summary>Trains on images or features <paramref name="x"/> with class labels <paramref name="y"/>.</summary>
    public History Fit(Tensor x, int[] y, int epochs = 1, int batchSize = 32, (Tensor X, int[] Y)? validationData = null,
        double validationSplit = 0, bool shuffle = true, bool verbose = true, Action<EpochLog>? onEpochEnd = null)
    {
        var loss = RequireLoss();
        Adapt(x);
        (Tensor, Tensor)? val = validationData is { } v ? (v.X, Targets(v.Y, loss)) : null;
        return Fit(x, Targets(y, loss), epochs, batchSize, val, validationSplit, shuffle, verbose, onEpochEnd);
    }

    /// <summary>Trains on <paramref name="x"/> with targets <paramref name="y"/> shaped as the loss expects.</summary>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, (Tensor X, Tensor Y)? validationData = null,
        double validationSplit = 0, bool shuffle = true, bool verbose = true, Action<EpochLog>? onEpochEnd = null)
    {
        var loss = RequireLoss();
        var optimizer = Optimizer!;
        x = Adapt(x);
        if (y.Rank == 0 || y.Shape[0] != x.Shape[0]) throw new ArgumentException($"Fit: {x.Shape[0]} samples in x {x.Shape} but {(y.Rank == 0 ? 0 : y.Shape[0])} targets in y {y.Shape}.");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), $"Fit: epochs must be at least 1, got {epochs}.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Fit: batchSize must be at least 1, got {batchSize}.");
        if (validationSplit is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationSplit), $"Fit: validationSplit must be in [0, 1), got {validationSplit}.");
        if (validationSplit > 0)
        {
            // Like Keras: the last fraction of the data, taken before shuffling.
            int nVal = (int)(x.Shape[0] * validationSplit), nTrain = x.Shape[0] - nVal;
            validationData = (x.Slice(nTrain, nVal), y.Slice(nTrain, nVal));
            x = x.Slice(0, nTrain); y = y.Slice(0, nTrain);
        }
        int n = x.Shape[0];
        bool fused = Fused(loss);
        if (_layers[^1] is Dense last) last.GradientIsPreActivation = fused;
        var history = new History();
        var progress = new TrainingProgress();
        Display.IDisplayHandle? live = null;
        var parameters = GetWeights();
        var gradients = _layers.SelectMany(l => l.Gradients).ToList();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            int[]? order = shuffle ? _rng.Permutation(n) : null;
            double lossSum = 0;
            long correct = 0;
            for (int start = 0, batch = 1; start < n; start += batchSize, batch++)
            {
                int count = Math.Min(batchSize, n - start);
                var xb = Gather(x, order, start, count, ref _xBatch);
                var yb = Gather(y, order, start, count, ref _yBatch);
                var output = ForwardAll(xb, training: true);
                var grad = Layer.EnsureLike(ref _grad, output.Shape);
                float batchLoss = LossAndGradient(loss, fused, output, yb, grad.data);
                if (!float.IsFinite(batchLoss)) throw new TrainingDivergedException(epoch, batch, batchLoss, optimizer.LearningRate);
                lossSum += (double)batchLoss * count;
                if (Metrics.Count > 0) correct += Correct(output, yb, loss.SparseTargets);
                Tensor? g = grad;
                for (int i = _layers.Count - 1; i >= 0 && g is not null; i--) g = _layers[i].Backward(g, needInputGradient: i > 0);
                optimizer.Step(parameters, gradients);
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var metrics = new Dictionary<string, float> { ["loss"] = (float)(lossSum / n) };
            if (Metrics.Count > 0) metrics["accuracy"] = (float)correct / n;
            if (validationData is { } vd)
            {
                var (vLoss, vAcc) = EvaluateTargets(vd.X, vd.Y, batchSize);
                metrics["val_loss"] = vLoss;
                if (Metrics.Count > 0) metrics["val_accuracy"] = vAcc;
            }
            var log = new EpochLog(epoch, epochs, clock.Elapsed.TotalSeconds, metrics);
            history.Add(log, n, trainSeconds);
            if (verbose)
            {
                // One live output in a notebook, one line per epoch in a terminal.
                progress.Add(log);
                if (live is null) live = Display.Notebook.Display(progress);
                else live.Update(progress);
            }
            onEpochEnd?.Invoke(log);
        }
        return history;
    }

    // ---- inference ----

    /// <summary>Inference batches hold at least this many samples: the result is the same, the matrix products are faster.</summary>
    private const int MinInferenceBatch = 256;

    /// <summary>The loss and accuracy on <paramref name="x"/> with labels <paramref name="y"/> (no training).</summary>
    public Evaluation Evaluate(Tensor x, int[] y, int batchSize = 32) => EvaluateTargets(x, Targets(y, RequireLoss()), batchSize);

    /// <summary>The loss and accuracy on <paramref name="x"/> with targets <paramref name="y"/> (no training).</summary>
    public Evaluation Evaluate(Tensor x, Tensor y, int batchSize = 32) => EvaluateTargets(x, y, batchSize);

    private Evaluation EvaluateTargets(Tensor x, Tensor y, int batchSize)
    {
        var loss = RequireLoss();
        x = Adapt(x);
        if (y.Rank == 0 || y.Shape[0] != x.Shape[0]) throw new ArgumentException($"Evaluate: {x.Shape[0]} samples in x but {(y.Rank == 0 ? 0 : y.Shape[0])} targets.");
        int n = x.Shape[0], bs = Math.Max(batchSize, MinInferenceBatch);
        double lossSum = 0; long correct = 0;
        Tensor? xBuf = null, yBuf = null;
        for (int start = 0; start < n; start += bs)
        {
            int count = Math.Min(bs, n - start);
            var output = ForwardAll(Gather(x, null, start, count, ref xBuf), training: false);
            var yb = Gather(y, null, start, count, ref yBuf);
            lossSum += (double)LossAndGradient(loss, false, output, yb, default) * count;
            correct += Correct(output, yb, loss.SparseTargets);
        }
        return new Evaluation((float)(lossSum / n), (float)correct / n);
    }

    /// <summary>The model's outputs for <paramref name="x"/> (for a softmax model: class probabilities, one row per sample).</summary>
    public Tensor Predict(Tensor x, int batchSize = 32) => PredictUpTo(x, _layers.Count - 1, batchSize);

    /// <summary>The output of layer <paramref name="layer"/> (0 = the first) for <paramref name="x"/>: feature maps, hidden activations.</summary>
    public Tensor PredictUpTo(Tensor x, int layer, int batchSize = 32)
    {
        if (layer < 0 || layer >= _layers.Count) throw new ArgumentOutOfRangeException(nameof(layer), $"The model has layers 0..{_layers.Count - 1}, not {layer}.");
        x = Adapt(x);
        int n = x.Shape[0], bs = Math.Max(batchSize, MinInferenceBatch);
        var outShape = _layers[layer].OutputShape;
        int per = outShape.Aggregate(1, (a, d) => a * d);
        var result = new float[n * per];
        Tensor? xBuf = null;
        for (int start = 0; start < n; start += bs)
        {
            int count = Math.Min(bs, n - start);
            var output = ForwardAll(Gather(x, null, start, count, ref xBuf), training: false, upTo: layer);
            output.data.AsSpan(0, count * per).CopyTo(result.AsSpan(start * per, count * per));
        }
        return new Tensor(result, [n, .. outShape]);
    }

    /// <inheritdoc/>
    public override string ToString() => IsBuilt ? Summary().ToString() : $"Sequential '{Name}' with {_layers.Count} layers (not built)";
}
