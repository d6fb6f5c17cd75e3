using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A layer of a <see cref="Sequential"/> model. Each layer computes its forward pass on a batch and,
/// for training, its backward pass: given the gradient of the loss with respect to its output, it
/// writes the gradients of its weights and returns the gradient with respect to its input.
/// </summary>
/// <remarks>
/// A new layer can be written outside the library in two ways. Derive from <see cref="AutogradLayer"/>
/// and write only the forward pass in tensor operations: the backward pass comes from autograd.
/// Or derive from <see cref="Layer"/> and override <see cref="OnBuild"/>, <see cref="Forward"/> and
/// <see cref="Backward"/> by hand, for speed. Either way, create the weights in <see cref="OnBuild"/>
/// with <see cref="AddWeight"/> (and non-trainable state with <see cref="AddBuffer"/>): they are then
/// trained, saved, loaded and counted in the model's summary by name.
/// Buffers are allocated once per batch size and reused, so training makes no garbage per batch.
/// </remarks>
public abstract class Layer
{
    private int[]? _inputShape, _outputShape;
    private readonly List<string> _weightNames = [], _bufferNames = [];
    private readonly List<Tensor> _weights = [], _gradients = [], _buffers = [];

    /// <summary>The layer's name in the model, e.g. "dense_1" (set when added to a model).</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The model this layer was added to: a layer holds its own weights, so it belongs to one model only.</summary>
    internal Sequential? Model { get; set; }

    /// <summary>The input shape declared with <c>inputShape:</c> (one sample, without the batch axis), if any.</summary>
    protected internal int[]? DeclaredInputShape { get; init; }

    /// <summary>The shape of one input sample (without the batch axis), known once the layer is built.</summary>
    public int[] InputShape => _inputShape ?? throw NotBuilt();

    /// <summary>The shape of one output sample (without the batch axis), known once the layer is built.</summary>
    public int[] OutputShape => _outputShape ?? throw NotBuilt();

    /// <summary>Whether the layer knows its input shape and has created its weights.</summary>
    public bool IsBuilt => _outputShape is not null;

    /// <summary>The trainable tensors (e.g. kernel and bias), in the order they were added.</summary>
    public IReadOnlyList<Tensor> Weights => _weights;

    /// <summary>The gradients of <see cref="Weights"/>, same order and shapes, written by the last backward pass.</summary>
    public IReadOnlyList<Tensor> Gradients => _gradients;

    /// <summary>The names of <see cref="Weights"/> ("kernel", "bias"), used in saved files.</summary>
    public IReadOnlyList<string> WeightNames => _weightNames;

    /// <summary>Non-trainable state that is saved with the weights (e.g. a running mean), in the order added.</summary>
    public IReadOnlyList<Tensor> Buffers => _buffers;

    /// <summary>The names of <see cref="Buffers"/>.</summary>
    public IReadOnlyList<string> BufferNames => _bufferNames;

    /// <summary>The number of trainable numbers.</summary>
    public long ParameterCount => _weights.Sum(w => (long)w.Size);

    /// <summary>The number of non-trainable numbers (<see cref="Buffers"/>).</summary>
    public long NonTrainableCount => _buffers.Sum(w => (long)w.Size);

    /// <summary>Builds the layer for one sample of shape <paramref name="inputShape"/>, drawing weights from <paramref name="rng"/>.</summary>
    internal void Build(int[] inputShape, Rng rng)
    {
        ForgetWeights();
        _inputShape = (int[])inputShape.Clone();
        _building = true;
        try { _outputShape = (int[])OnBuild(_inputShape, rng).Clone(); }
        finally { _building = false; }
    }

    // Weights are made while building: the build starts by clearing them, so one added in a constructor was
    // dropped (not trained, saved or counted) while the layer's field still held it.
    private bool _building;

    /// <summary>
    /// Refuses an output that is not <see cref="OutputShape"/> for a batch of <paramref name="count"/>: a custom
    /// layer's Forward that returned another shape had the next layer read its buffer as the declared one
    /// (predictions silently wrong), or a loss count "0 classes" far from the cause.
    /// </summary>
    internal Tensor CheckOutput(Tensor output, int count)
    {
        if (!FitsBatch(output, OutputShape, count))
            throw new InvalidOperationException($"{Describe()}: Forward returned shape {output.Shape}, but the layer declared {Batch(OutputShape)} for a batch of {count}.");
        return output;
    }

    /// <summary>
    /// Refuses a missing or misshapen input gradient where one was asked for: null stopped the backward pass
    /// (the layers before it silently stopped learning), another shape was read as the input's.
    /// </summary>
    internal Tensor CheckInputGradient(Tensor? gradient, int count)
    {
        if (gradient is null)
            throw new InvalidOperationException($"{Describe()}: Backward returned no input gradient, though the layers before it need one (needInputGradient was true).");
        if (!FitsBatch(gradient, InputShape, count))
            throw new InvalidOperationException($"{Describe()}: Backward returned an input gradient of shape {gradient.Shape}, but its input was {Batch(InputShape)} for a batch of {count}.");
        return gradient;
    }

    private static bool FitsBatch(Tensor t, int[] sample, int count)
    {
        if (t.Rank != sample.Length + 1 || t.Shape[0] != count) return false;
        for (int i = 0; i < sample.Length; i++) if (t.Shape[i + 1] != sample[i]) return false;
        return true;
    }

    /// <summary>Forgets the shapes and weights, as before the first build (a model undoing a build that failed).</summary>
    internal void Unbuild()
    {
        ForgetWeights();
        _inputShape = _outputShape = null;
    }

    private void ForgetWeights()
    {
        _weights.Clear(); _gradients.Clear(); _weightNames.Clear(); _buffers.Clear(); _bufferNames.Clear();
    }

    /// <summary>Builds a standalone layer from its declared input shape (to try it outside a model).</summary>
    public void Build(int seed = 0)
    {
        if (DeclaredInputShape is null) throw new InvalidOperationException($"{Describe()}: give inputShape: to build the layer on its own.");
        Build(DeclaredInputShape, new Rng(seed));
    }

    /// <summary>
    /// Creates the weights (with <see cref="AddWeight"/>) for one sample of shape <paramref name="inputShape"/>
    /// and returns the shape of one output sample.
    /// </summary>
    protected abstract int[] OnBuild(int[] inputShape, Rng rng);

    /// <summary>
    /// Adds a trainable tensor called <paramref name="name"/> of the given shape, filled by
    /// <paramref name="initializer"/> ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "zeros")
    /// from <paramref name="rng"/>, with its gradient buffer. Call it from <see cref="OnBuild"/>.
    /// </summary>
    /// <returns>The weight tensor; its gradient is <c>Gradients[Weights.Count - 1]</c> right after.</returns>
    protected Tensor AddWeight(string name, int[] shape, Rng rng, string initializer = "glorot_uniform")
    {
        CheckNewName(name);
        var w = Tensor.Zeros(shape);
        var (fanIn, fanOut) = Fans(shape);
        Initializers.Fill(initializer, w.AsSpan(), fanIn, fanOut, rng);
        _weights.Add(w);
        _gradients.Add(Tensor.Zeros(shape));
        _weightNames.Add(name);
        return w;
    }

    /// <summary>Adds a non-trainable tensor (zeros) called <paramref name="name"/>, saved and loaded with the weights. Call it from <see cref="OnBuild"/>.</summary>
    protected Tensor AddBuffer(string name, params int[] shape)
    {
        CheckNewName(name);
        var b = Tensor.Zeros(shape);
        _buffers.Add(b);
        _bufferNames.Add(name);
        return b;
    }

    /// <summary>The gradient buffer of a weight made by <see cref="AddWeight"/>.</summary>
    protected Tensor GradientOf(Tensor weight)
    {
        int i = _weights.IndexOf(weight);
        return i >= 0 ? _gradients[i] : throw new ArgumentException($"{Describe()}: that tensor is not one of the layer's weights.");
    }

    private void CheckNewName(string name)
    {
        if (!_building)
            throw new InvalidOperationException($"{Describe()}: add weights and buffers while the layer is built (in CreateWeights or OnBuild), not in its constructor or later: a build starts by clearing them.");
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/'))
            throw new ArgumentException($"{Describe()}: a weight name must be non-empty and without '/', got \"{name}\".");
        if (_weightNames.Contains(name) || _bufferNames.Contains(name))
            throw new ArgumentException($"{Describe()}: there is already a weight or buffer called \"{name}\".");
    }

    // Keras's fans: a matrix (in, out); a convolution kernel (..., in, out) times its receptive field.
    private static (int FanIn, int FanOut) Fans(int[] shape) => shape.Length switch
    {
        0 => (1, 1),
        1 => (shape[0], shape[0]),
        _ => (shape[^2] * Receptive(shape), shape[^1] * Receptive(shape)),
    };

    private static int Receptive(int[] shape)
    {
        int r = 1;
        for (int i = 0; i < shape.Length - 2; i++) r *= shape[i];
        return r;
    }

    /// <summary>
    /// The forward pass on a batch (batch axis first). When <paramref name="training"/>, remember what the
    /// backward pass needs. The result may be a buffer the layer reuses on the next call; do not modify
    /// <paramref name="x"/>. The library's layers refuse a batch whose sample shape is not
    /// <see cref="InputShape"/>, naming the layer and both shapes.
    /// </summary>
    public abstract Tensor Forward(Tensor x, bool training);

    /// <summary>
    /// The backward pass for the last training forward pass: given the gradient <paramref name="dy"/> of the
    /// loss with respect to the output, writes the weights' gradients into <see cref="Gradients"/>
    /// (overwriting them) and, when <paramref name="needInputGradient"/>, returns the gradient with respect
    /// to the input (else null).
    /// </summary>
    public abstract Tensor? Backward(Tensor dy, bool needInputGradient);

    /// <summary>
    /// Called before a run of inference passes over <paramref name="batches"/> batches of at most
    /// <paramref name="rows"/> samples during which the weights do not change (one Predict or Evaluate),
    /// so a layer may prepare its weights once for all of them; <see cref="EndInference()"/> ends it.
    /// </summary>
    internal virtual void BeginInference(int rows, int batches) { }

    /// <summary>Ends what <see cref="BeginInference(int, int)"/> began: the weights may change again.</summary>
    internal virtual void EndInference() { }

    /// <summary>
    /// Where a training forward pass over <paramref name="rows"/> samples cuts each sample's features in
    /// two, the cores reading one half each (a product split in depth), or 0 when it does not. A batch gathered
    /// in the same halves is then in the cache of the core that reads it (see <see cref="Batches.Gather"/>).
    /// </summary>
    internal virtual int InputSplit(int rows) => 0;

    /// <summary>
    /// Begins inference in the first <paramref name="count"/> of <paramref name="layers"/> for
    /// <paramref name="samples"/> samples passed in batches of <paramref name="batchSize"/> (one Predict or Evaluate).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static void BeginInference(IReadOnlyList<Layer> layers, int count, int samples, int batchSize)
    {
        for (int i = 0; i < count; i++) layers[i].BeginInference(Math.Min(batchSize, samples), Batches.Count(samples, batchSize));
    }

    /// <summary>Ends inference in every one of <paramref name="layers"/> (a layer that did not begin it ignores the call).</summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static void EndInference(IReadOnlyList<Layer> layers)
    {
        for (int i = 0; i < layers.Count; i++) layers[i].EndInference();
    }

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

    /// <summary>The name a model gives the first layer of this kind, as Keras spells it: "dense", "conv2d", "max_pooling2d".</summary>
    protected internal virtual string DefaultName => LayerNames.SnakeCase(GetType().Name);

    private InvalidOperationException NotBuilt() =>
        new($"{Describe()} is not built yet: add it to a model with an input shape, or call Build().");

    /// <summary>Fills every row of <paramref name="destination"/> with <paramref name="row"/>, by doubling copies.</summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static void FillRows(Span<float> destination, ReadOnlySpan<float> row)
    {
        if (destination.IsEmpty) return;
        row.CopyTo(destination);
        for (int filled = row.Length; filled < destination.Length; filled *= 2)
            destination[..Math.Min(filled, destination.Length - filled)].CopyTo(destination[filled..]);
    }

    /// <summary>
    /// A reused (d0, d1) buffer: allocates only when the shape changes (e.g. a smaller last batch), and keeps
    /// the buffer it replaces for when that shape comes back (see <see cref="Replace"/>).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static Tensor Ensure(ref Tensor? t, int d0, int d1)
    {
        if (t is not null && t.Rank == 2 && t.Shape[0] == d0 && t.Shape[1] == d1) return t;
        return Replace(ref t, new Shape(d0, d1));
    }

    /// <summary>A reused (d0, d1, d2, d3) buffer.</summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static Tensor Ensure(ref Tensor? t, int d0, int d1, int d2, int d3)
    {
        if (t is not null && t.Rank == 4 && t.Shape[0] == d0 && t.Shape[1] == d1 && t.Shape[2] == d2 && t.Shape[3] == d3) return t;
        return Replace(ref t, new Shape(d0, d1, d2, d3));
    }

    /// <summary>A reused buffer of the given shape.</summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static Tensor EnsureLike(ref Tensor? t, Shape shape)
    {
        if (t is not null && t.Shape == shape) return t;
        return Replace(ref t, shape);
    }

    /// <summary>A reused buffer for a batch of <paramref name="n"/> samples of shape <paramref name="sample"/>.</summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static Tensor EnsureBatch(ref Tensor? t, int n, ReadOnlySpan<int> sample)
    {
        if (t is not null && t.Rank == sample.Length + 1 && t.Shape[0] == n && t.Shape.AsSpan()[1..].SequenceEqual(sample)) return t;
        return Replace(ref t, new Shape([n, .. sample]));
    }

    /// <summary>
    /// A reused array of <paramref name="length"/> elements (a dropout mask, the pooling's indices), kept
    /// like the tensors above: a new one only when the length changes to one not seen lately.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    protected internal static T[] EnsureArray<T>(ref T[]? a, int length)
    {
        if (a is not null && a.Length == length) return a;
        return a = Swap(a, new LengthFits<T>(length)) ?? Keep(a, new T[length]);
    }

    /// <summary>The shapes a buffer keeps besides its current one: a Fit with a smaller last batch and a validation set with one of its own has four (54,000 images in batches of 32 and 6,000 of 256: 32, 16, 256 and 112).</summary>
    private const int SparesPerBuffer = 3;

    /// <summary>
    /// For each buffer the helpers above handed out, those it replaced, the last one first. Predict and
    /// Evaluate alternate between full batches and a smaller last one (10,000 test images are 39 batches of
    /// 256 and one of 16), and a buffer made anew for each change of shape meant every layer's buffers twice
    /// per call, written for the first time (the system maps the pages in one by one as they are touched):
    /// the course CNN predicted 9,984 test images (no smaller batch) 13% faster per image than 10,000
    /// (medians of 25 calls, two processes, Zen 5). Fit changes shape up to four times an epoch (above), and
    /// with one spare each a buffer was made anew each time: 781 KB an epoch for the course CNN with a
    /// smaller last batch, 1.3 MB with a validation set too.
    /// </summary>
    private static readonly ConditionalWeakTable<object, object?[]> Spares = new();

    /// <summary>
    /// Makes <paramref name="t"/> a buffer of <paramref name="shape"/>: one it replaced lately, when one has
    /// the shape, else a new one; the current one becomes a spare either way.
    /// </summary>
    private static Tensor Replace(ref Tensor? t, Shape shape) =>
        t = Swap(t, new ShapeFits(shape)) ?? Keep(t, new Tensor(new float[shape.Size], shape));

    /// <summary>Which spare a buffer can become: <see cref="ShapeFits"/> for tensors, <see cref="LengthFits{T}"/> for arrays.</summary>
    private interface IFits<T> { bool Fits(T spare); }
    private readonly struct ShapeFits(Shape shape) : IFits<Tensor> { public bool Fits(Tensor spare) => spare.Shape == shape; }
    private readonly struct LengthFits<T>(int length) : IFits<T[]> { public bool Fits(T[] spare) => spare.Length == length; }

    /// <summary>
    /// The spare of <paramref name="current"/> that <paramref name="fits"/>, with <paramref name="current"/> as
    /// its latest spare; null if none does (or there is no current buffer), and then <paramref name="current"/>
    /// stays where it is until <see cref="Keep"/>.
    /// </summary>
    private static T? Swap<T, TFits>(T? current, TFits fits) where T : class where TFits : struct, IFits<T>
    {
        if (current is null || !Spares.TryGetValue(current, out var spares)) return null;
        for (int i = 0; i < spares.Length; i++)
        {
            if (spares[i] is not T s || !fits.Fits(s)) continue;
            // The latest first, so that the one let go (Keep) is the one used longest ago.
            for (; i > 0; i--) spares[i] = spares[i - 1];
            spares[0] = current;
            Spares.Remove(current);
            Spares.Add(s, spares);
            return s;
        }
        return null;
    }

    /// <summary>Makes <paramref name="next"/>, a new buffer, the current one, <paramref name="current"/> its latest spare (the oldest is let go).</summary>
    private static T Keep<T>(T? current, T next) where T : class
    {
        if (current is null) return next;
        if (Spares.TryGetValue(current, out var spares)) Spares.Remove(current);
        else spares = new object?[SparesPerBuffer];
        for (int i = spares.Length - 1; i > 0; i--) spares[i] = spares[i - 1];
        spares[0] = current;
        Spares.Add(next, spares);
        return next;
    }

    /// <inheritdoc/>
    public override string ToString() => IsBuilt ? string.Create(CultureInfo.InvariantCulture, $"{Describe()}: {Batch(InputShape)} -> {Batch(OutputShape)}, {ParameterCount:N0} parameters") : $"{Describe()} (not built)";
}
