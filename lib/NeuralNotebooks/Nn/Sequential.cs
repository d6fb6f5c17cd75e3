using System.Runtime.CompilerServices;

namespace NeuralNotebooks;

/// <summary>
/// A stack of layers trained end to end, used like Keras's <c>Sequential</c>: <c>Add</c> layers,
/// <c>Compile</c> with an optimizer, a loss and metrics, <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c>.
/// Training runs each layer's own forward and backward pass on reused buffers (see <see cref="Trainer"/>),
/// so an epoch makes no garbage per batch. Fit, Evaluate and Predict may be called from several threads:
/// they take turns, because the layers reuse their buffers. A seed fixes the initial weights, the shuffling and the
/// dropout masks: the same seed gives the same numbers on every run.
/// </summary>
public sealed partial class Sequential
{
    private readonly List<Layer> _layers = [];
    private readonly Rng _rng;
    private readonly object _gate = new();
    private Trainer? _trainer;

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
        // Adding it here would rebuild it and so re-initialise the weights the other model trained.
        if (layer.Model is { } other)
            throw new ArgumentException($"{layer.Describe()} already belongs to the model '{other.Name}'; a layer holds its own weights, so give this model a new one.");
        string baseName = layer.DefaultName;
        int same = _layers.Count(l => l.DefaultName == baseName);
        string name = same == 0 ? baseName : $"{baseName}_{same}";
        // Unique even when another class's default name is this one with a suffix (a class Dense_1 is "dense_1"):
        // the weights file keys tensors by layer name.
        while (_layers.Any(l => l.Name == name)) name = $"{baseName}_{++same}";
        string before = layer.Name;
        layer.Name = name;
        _layers.Add(layer);
        _trainer = null;
        try
        {
            // A layer built before it was added keeps its weights, wherever it goes, if its input shape fits.
            if (_layers.Count == 1 && layer.DeclaredInputShape is not null) Build(layer.DeclaredInputShape);
            else if (_layers.Count > 1 && _layers[^2].IsBuilt) BuildFrom(_layers.Count - 1, _layers[^2].OutputShape);
        }
        catch
        {
            // A layer that does not fit is not added: the model stays as it was, so doing what the error
            // says (adding a Flatten first, say) works.
            _layers.RemoveAt(_layers.Count - 1);
            layer.Name = before;
            throw;
        }
        layer.Model = this;
    }

    /// <summary>Builds every layer for samples of shape <paramref name="inputShape"/> (without the batch axis).</summary>
    public void Build(params int[] inputShape)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The model has no layers; Add some first.");
        BuildFrom(0, inputShape);
    }

    /// <summary>
    /// Builds the layers from <paramref name="first"/> on, all or nothing: when one does not fit, the layers
    /// this call built are unbuilt and the generator goes back to where it was, so the model can be built
    /// for another shape and its weights are those of a model that never met the error.
    /// </summary>
    private void BuildFrom(int first, int[] shape)
    {
        var state = _rng.State;
        var built = new List<Layer>();
        try
        {
            for (int i = first; i < _layers.Count; i++)
            {
                var l = _layers[i];
                if (!l.IsBuilt)
                {
                    built.Add(l);
                    l.Build(shape, _rng);
                }
                else if (!l.InputShape.SequenceEqual(shape))
                    throw new ArgumentException($"{l.Describe()} was built for inputs {Layer.Batch(l.InputShape)}, not {Layer.Batch(shape)}.");
                shape = l.OutputShape;
            }
        }
        catch
        {
            foreach (var l in built) l.Unbuild();
            _rng.State = state;
            throw;
        }
    }

    /// <summary>Chooses the optimizer, the loss (a Keras name such as "sparse_categorical_crossentropy") and the metrics.</summary>
    public void Compile(Optimizer optimizer, string loss, IEnumerable<string>? metrics = null) => Compile(optimizer, NeuralNotebooks.Loss.Get(loss), metrics);

    /// <summary>Chooses the optimizer by name ("adam", "rmsprop", "sgd": Keras's defaults), the loss and the metrics.</summary>
    public void Compile(string optimizer, string loss, IEnumerable<string>? metrics = null) => Compile(NeuralNotebooks.Optimizer.Get(optimizer), NeuralNotebooks.Loss.Get(loss), metrics);

    /// <summary>Chooses the optimizer, the loss and the metrics.</summary>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<string>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        // Every argument checked before any is kept: a Compile refused for a misspelt metric left the new
        // optimizer and loss in place beside the old metrics, and the next Fit trained with them.
        var names = (metrics ?? []).Select(m => (m ?? throw new ArgumentNullException(nameof(metrics), "Compile: a metric name is null.")).ToLowerInvariant() is "accuracy" or "acc" ? "accuracy"
            : throw new ArgumentException($"Unknown metric '{m}'; supported: accuracy.")).Distinct().ToArray();
        _trainer = null;
        Optimizer = optimizer;
        Loss = loss;
        Metrics = names;
    }

    /// <summary>The layers with their output shapes and parameter counts, like Keras's <c>model.summary()</c>.</summary>
    public ModelSummary Summary()
    {
        if (!IsBuilt) throw new InvalidOperationException("The model is not built yet: give the first layer an inputShape, or call Build(...) or Fit first.");
        return new ModelSummary(Name, _layers.Select(l => (l.Describe(), Layer.Batch(l.OutputShape), l.ParameterCount + l.NonTrainableCount)).ToList(),
            _layers.Sum(l => l.NonTrainableCount));
    }

    /// <summary>Every layer's weights, in order (the tensors themselves: changing them changes the model).</summary>
    public IReadOnlyList<Tensor> GetWeights() => _layers.SelectMany(l => l.Weights).ToList();

    /// <summary>Copies <paramref name="weights"/> (same order and shapes as <see cref="GetWeights"/>) into the model.</summary>
    public void SetWeights(IReadOnlyList<Tensor> weights)
    {
        var mine = GetWeights();
        if (weights.Count != mine.Count) throw new ArgumentException($"SetWeights: the model has {mine.Count} weight tensors, got {weights.Count}.");
        // Every shape first, as LoadWeights does: copied as they were checked, the tensors before a wrong one were
        // already overwritten when it was refused.
        for (int i = 0; i < mine.Count; i++)
        {
            if (weights[i].Shape != mine[i].Shape) throw new ArgumentException($"SetWeights: weight {i} has shape {mine[i].Shape}, got {weights[i].Shape}.");
            // As LoadWeights refuses a file that holds one: a NaN set here came out of Predict and Evaluate as NaN
            // with no error, and Fit then blamed the learning rate.
            int bad = Kernels.Finite.IndexOfNonFinite(weights[i].AsSpan());
            if (bad >= 0)
                throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"SetWeights: weight {i} {weights[i].Shape} holds {weights[i].AsSpan()[bad]} at element {bad}; the model's weights are unchanged."));
        }
        for (int i = 0; i < mine.Count; i++) weights[i].AsSpan().CopyTo(mine[i].AsSpan());
    }

    // ---- input and target handling ----

    /// <summary>Views x as (N, sample shape) the first layer expects; (N, 28, 28) is accepted for (28, 28, 1).</summary>
    private Tensor Adapt(Tensor x)
    {
        RequireLayers();
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
        ArgumentNullException.ThrowIfNull(labels);
        RequireLayers();
        if (loss.SparseTargets) return new Tensor(labels.Select(l => (float)l).ToArray(), labels.Length);
        int width = _layers[^1].OutputShape.Aggregate(1, (a, d) => a * d);
        if (width == 1) return new Tensor(labels.Select(l => (float)l).ToArray(), labels.Length, 1);
        return Tensor.OneHot(labels, width);
    }

    private void RequireLayers()
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The model has no layers; Add some first.");
    }

    /// <summary>
    /// Refuses samples and targets of different counts before <see cref="Adapt"/> may build the model from x: built
    /// from the data a call then refused (x transposed, say), the model kept that input shape and refused the
    /// corrected call too.
    /// </summary>
    private static void CheckCounts(string op, Tensor x, Shape y, string xName = "x", string yName = "y")
    {
        ArgumentNullException.ThrowIfNull(x, xName);
        if (x.Rank > 0 && (y.Rank == 0 || y[0] != x.Shape[0]))
            throw new ArgumentException($"{op}: {x.Shape[0]} samples in {xName} {x.Shape} but {(y.Rank == 0 ? 0 : y[0])} targets in {yName} {y}.");
    }

    private Loss RequireLoss() => Loss ?? throw new InvalidOperationException("Compile the model first: model.Compile(optimizer: new Adam(), loss: \"...\", metrics: [\"accuracy\"]).");

    /// <summary>The layers' forward passes in turn, up to layer <paramref name="upTo"/>.</summary>
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private Tensor ForwardAll(Tensor x, bool training, int upTo = int.MaxValue)
    {
        // A first convolution pooled as it goes: its feature maps are not asked for, so they are not kept.
        if (FusedFirstPair(upTo) is var (conv, pool)) return ForwardFrom(2, conv.ForwardThroughPool(pool, x, training), x.Shape[0], training, upTo);
        return ForwardFrom(0, x, x.Shape[0], training, upTo);
    }

    /// <summary>Layers <paramref name="first"/>..<paramref name="upTo"/> forward from <paramref name="h"/>, a batch of <paramref name="count"/>.</summary>
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private Tensor ForwardFrom(int first, Tensor h, int count, bool training, int upTo)
    {
        for (int i = first; i < _layers.Count && i <= upTo; i++) h = _layers[i].CheckOutput(_layers[i].Forward(h, training), count);
        return h;
    }

    /// <summary>The first two layers when the forward pass through layer <paramref name="upTo"/> runs them as one (<see cref="Conv2D.ForwardFusesWith"/>).</summary>
    private (Conv2D Conv, MaxPool2D Pool)? FusedFirstPair(int upTo) =>
        upTo >= 1 && Conv2D.FirstPair(_layers) is var (conv, pool) && conv.ForwardFusesWith(pool) ? (conv, pool) : null;

    /// <inheritdoc/>
    public override string ToString() => IsBuilt ? Summary().ToString() : $"Sequential '{Name}' with {_layers.Count} layers (not built)";
}
