namespace NeuralNotebooks;

/// <summary>
/// A layer of a <see cref="Sequential"/> model. Each layer computes its forward pass on a batch and,
/// for training, its own backward pass: given the gradient of the loss with respect to its output,
/// it writes the gradients of its weights and returns the gradient with respect to its input.
/// Buffers are allocated once per batch size and reused, so training makes no garbage per batch.
/// </summary>
public abstract class Layer
{
    private int[]? _inputShape, _outputShape;

    /// <summary>The layer's name in the model, e.g. "dense_1" (set when added to a model).</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The input shape declared with <c>inputShape:</c> (one sample, without the batch axis), if any.</summary>
    internal int[]? DeclaredInputShape { get; init; }

    /// <summary>The shape of one input sample (without the batch axis), known once the layer is built.</summary>
    public int[] InputShape => _inputShape ?? throw NotBuilt();

    /// <summary>The shape of one output sample (without the batch axis), known once the layer is built.</summary>
    public int[] OutputShape => _outputShape ?? throw NotBuilt();

    /// <summary>Whether the layer knows its input shape and has created its weights.</summary>
    public bool IsBuilt => _outputShape is not null;

    /// <summary>The trainable tensors (e.g. kernel and bias), in a fixed order.</summary>
    public virtual IReadOnlyList<Tensor> Weights => [];

    /// <summary>The gradients of <see cref="Weights"/>, written by the last backward pass.</summary>
    internal virtual IReadOnlyList<Tensor> Gradients => [];

    /// <summary>Names of the weights, for saved files: "kernel", "bias".</summary>
    internal virtual IReadOnlyList<string> WeightNames => [];

    /// <summary>The number of trainable numbers.</summary>
    public long ParameterCount => Weights.Sum(w => (long)w.Size);

    /// <summary>Builds the layer for one sample of shape <paramref name="inputShape"/>, drawing weights from <paramref name="rng"/>.</summary>
    internal void Build(int[] inputShape, Rng rng)
    {
        _inputShape = (int[])inputShape.Clone();
        _outputShape = OnBuild(_inputShape, rng);
    }

    /// <summary>Builds a standalone layer from its declared input shape (to try it outside a model).</summary>
    public void Build(int seed = 0)
    {
        if (DeclaredInputShape is null) throw new InvalidOperationException($"{Describe()}: give inputShape: to build the layer on its own.");
        Build(DeclaredInputShape, new Rng(seed));
    }

    /// <summary>Creates the weights for one sample of shape <paramref name="inputShape"/> and returns the output sample shape.</summary>
    protected abstract int[] OnBuild(int[] inputShape, Rng rng);

    /// <summary>The forward pass on a batch. The result may be a buffer the layer reuses on the next call.</summary>
    internal abstract Tensor Forward(Tensor x, bool training);

    /// <summary>
    /// The backward pass for the last forward pass: writes the weight gradients and, when
    /// <paramref name="needInputGradient"/>, returns the gradient with respect to the input.
    /// </summary>
    internal abstract Tensor? Backward(Tensor dy, bool needInputGradient);

    /// <summary>Runs the layer on a batch (inference mode) and returns a new tensor.</summary>
    public Tensor Call(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!IsBuilt)
        {
            if (DeclaredInputShape is not null) Build(DeclaredInputShape, new Rng(0));
            else Build(x.Shape.ToArray()[1..], new Rng(0));
        }
        CheckInput(x);
        var y = Forward(x, training: false);
        return new Tensor(y.ToArray(), y.Shape);
    }

    /// <summary>Checks that a batch has this layer's input shape, or throws naming the layer and both shapes.</summary>
    internal void CheckInput(Tensor x)
    {
        var expected = InputShape;
        bool ok = x.Rank == expected.Length + 1;
        for (int i = 0; ok && i < expected.Length; i++) ok = x.Shape[i + 1] == expected[i];
        if (!ok)
            throw new ArgumentException($"{Describe()}: expected input of shape {Batch(expected)}, got {x.Shape}.");
    }

    /// <summary>"(None, 26, 26, 28)": a sample shape with Keras's unknown batch axis.</summary>
    internal static string Batch(int[] sample) => $"(None, {string.Join(", ", sample)})";

    /// <summary>"dense_1 (Dense)".</summary>
    internal string Describe() => string.IsNullOrEmpty(Name) ? GetType().Name : $"{Name} ({GetType().Name})";

    private InvalidOperationException NotBuilt() =>
        new($"{Describe()} is not built yet: add it to a model with an input shape, or call Build().");

    /// <summary>Fills every row of <paramref name="destination"/> with <paramref name="row"/>, by doubling copies.</summary>
    internal static void FillRows(Span<float> destination, ReadOnlySpan<float> row)
    {
        if (destination.IsEmpty) return;
        row.CopyTo(destination);
        for (int filled = row.Length; filled < destination.Length; filled *= 2)
            destination[..Math.Min(filled, destination.Length - filled)].CopyTo(destination[filled..]);
    }

    /// <summary>A reused (d0, d1) buffer: allocates only when the shape changes (e.g. a smaller last batch).</summary>
    internal static Tensor Ensure(ref Tensor? t, int d0, int d1)
    {
        if (t is not null && t.Rank == 2 && t.Shape[0] == d0 && t.Shape[1] == d1) return t;
        return t = new Tensor(new float[d0 * d1], d0, d1);
    }

    /// <summary>A reused (d0, d1, d2, d3) buffer.</summary>
    internal static Tensor Ensure(ref Tensor? t, int d0, int d1, int d2, int d3)
    {
        if (t is not null && t.Rank == 4 && t.Shape[0] == d0 && t.Shape[1] == d1 && t.Shape[2] == d2 && t.Shape[3] == d3) return t;
        return t = new Tensor(new float[d0 * d1 * d2 * d3], d0, d1, d2, d3);
    }

    /// <summary>A reused buffer of the given shape.</summary>
    internal static Tensor EnsureLike(ref Tensor? t, Shape shape)
    {
        if (t is not null && t.Shape == shape) return t;
        return t = new Tensor(new float[shape.Size], shape);
    }

    /// <summary>A reused buffer for a batch of <paramref name="n"/> samples of shape <paramref name="sample"/>.</summary>
    internal static Tensor EnsureBatch(ref Tensor? t, int n, ReadOnlySpan<int> sample)
    {
        if (t is not null && t.Rank == sample.Length + 1 && t.Shape[0] == n && t.Shape.AsSpan()[1..].SequenceEqual(sample)) return t;
        return t = new Tensor(new float[n * new Shape(sample.ToArray()).Size], [n, .. sample]);
    }

    /// <summary>Returns <paramref name="t"/> if it already has this shape, else a new zero tensor of it.</summary>
    internal static Tensor Ensure(ref Tensor? t, params int[] shape)
    {
        if (t is null || !t.Shape.AsSpan().SequenceEqual(shape)) t = new Tensor(new float[new Shape(shape).Size], shape);
        return t;
    }

    /// <inheritdoc/>
    public override string ToString() => IsBuilt ? $"{Describe()}: {Batch(InputShape)} -> {Batch(OutputShape)}, {ParameterCount:N0} parameters" : $"{Describe()} (not built)";
}
