using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A loss: how wrong a batch of predictions is, as one number averaged over the batch (like Keras),
/// with its gradient with respect to the predictions for training.
/// </summary>
/// <remarks>
/// The losses are the library's own (<see cref="Get"/> lists them): their batch kernels are internal, so a class
/// outside the library cannot derive from this one. For a loss of your own, compute it from tensors and call
/// <see cref="Tensor.Backward()"/>, as notebook 04 does.
/// </remarks>
public abstract class Loss
{
    // Only the library's losses: Forward is internal, so an outside subclass could not be completed anyway.
    private protected Loss() { }

    /// <summary>Keras's name, e.g. "sparse_categorical_crossentropy".</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The loss of a model that gives every class the same probability, for an output of <paramref name="width"/>
    /// values: ln K for the categorical cross-entropies over K classes, ln 2 for the binary one; null for losses
    /// that have no such yardstick (mse). An epoch's loss far above it means training is going wrong.
    /// </summary>
    public double? GuessingLoss(int width) => this switch
    {
        CategoricalCrossentropy or SparseCategoricalCrossentropy when width >= 2 => Math.Log(width),
        BinaryCrossentropy => Math.Log(2),
        _ => null,
    };

    /// <summary>
    /// How many times <see cref="GuessingLoss"/> an epoch's training loss may reach before training counts as
    /// diverging. A learning rate far too large (SGD at 100 on MNIST) trained with a loss near 13 against 2.3 for
    /// guessing, its weights in the millions and every image given the same class, and no NaN ever came: the
    /// cross-entropy clips its probabilities, so the exception for a NaN never fired. A model that learns sits
    /// below the yardstick after its first epoch (the course's: 0.24 to 0.45 against 2.3).
    /// </summary>
    internal const double DivergingFactor = 2;

    /// <summary>
    /// The loss of guessing, when <paramref name="epochLoss"/> is over <see cref="DivergingFactor"/> times it; else
    /// null (or when the loss has no such yardstick). Sequential's and MLPClassifier's warnings both ask it.
    /// </summary>
    internal double? FarAboveGuessing(double epochLoss, int width) =>
        GuessingLoss(width) is double guess && epochLoss > DivergingFactor * guess ? guess : null;

    /// <summary>Whether the targets are class indices (one per sample) rather than tensors shaped like the predictions.</summary>
    public virtual bool SparseTargets => false;

    /// <summary>Where accuracy divides a single output into class 0 and class 1: 0.5 for a probability, 0 for a logit.</summary>
    internal virtual float SingleOutputThreshold => 0.5f;

    /// <summary>The mean loss of <paramref name="predictions"/> against <paramref name="targets"/>.</summary>
    public float Compute(Tensor targets, Tensor predictions)
    {
        Check(targets, predictions);
        return Forward(predictions.data, targets.data, predictions.Shape[0], predictions.Size / Math.Max(1, predictions.Shape[0]), default);
    }

    /// <summary>The gradient of the mean loss with respect to the predictions.</summary>
    public Tensor Gradient(Tensor targets, Tensor predictions)
    {
        Check(targets, predictions);
        var g = new float[predictions.Size];
        Forward(predictions.data, targets.data, predictions.Shape[0], predictions.Size / Math.Max(1, predictions.Shape[0]), g);
        return new Tensor(g, predictions.Shape);
    }

    private void Check(Tensor targets, Tensor predictions)
    {
        // A scalar prediction has no sample axis to count: refused before Shape[0] is read.
        bool ok = predictions.Rank > 0 && (SparseTargets ? targets.Size == predictions.Shape[0] : targets.Shape == predictions.Shape);
        if (!ok)
            throw new ArgumentException($"{Name}: targets of shape {targets.Shape} do not fit predictions of shape {predictions.Shape}" +
                (SparseTargets ? " (expected one class index per sample)." : " (expected the same shape)."));
    }

    /// <summary>
    /// Computes the mean loss over <paramref name="n"/> samples of <paramref name="width"/> values and, when
    /// <paramref name="grad"/> is not empty, writes the gradient with respect to the predictions.
    /// </summary>
    internal abstract float Forward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int n, int width, Span<float> grad);

    /// <summary>
    /// Whether this loss, placed after <paramref name="activation"/>, takes its gradient with respect to the
    /// activation's input directly (softmax or sigmoid followed by cross-entropy give <c>(p - y) / N</c>:
    /// exact and stable where the two separate steps would divide by tiny probabilities).
    /// </summary>
    public virtual bool FusesWith(ActivationFunction activation) => false;

    /// <summary>The gradient with respect to the pre-activation when <see cref="FusesWith"/> holds, from the activation's output.</summary>
    internal virtual void FusedGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int n, int width, Span<float> grad) =>
        throw new InvalidOperationException($"{Name} has no fused gradient.");

    /// <summary>
    /// Checks every target before training starts, naming the first sample (counting from
    /// <paramref name="firstSample"/>) whose target this loss cannot take.
    /// </summary>
    /// <param name="targets">The targets, one row per sample.</param>
    /// <param name="width">The model's outputs per sample.</param>
    /// <param name="firstSample">The index in the learner's data of the first row of <paramref name="targets"/>.</param>
    /// <param name="source">What the message calls the targets when they are not the ones passed as y (e.g. "validationData's Y").</param>
    /// <exception cref="ArgumentException">A target is not finite, or outside what the loss accepts.</exception>
    public void ValidateTargets(Tensor targets, int width, int firstSample = 0, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        int n = targets.Rank == 0 ? 0 : targets.Shape[0];
        int per = n == 0 ? 0 : targets.Size / n;
        var t = targets.AsSpan();
        for (int i = 0; i < t.Length; i++)
        {
            string? why = Reject(t[i], width);
            if (why is not null)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Name}: the target of sample {firstSample + i / Math.Max(per, 1)}{(source is null ? "" : $" of {source}")} is {t[i]}: {why}."), nameof(targets));
        }
    }

    /// <summary>Why a target value is not acceptable (null if it is), for outputs of <paramref name="width"/> values per sample.</summary>
    private protected virtual string? Reject(float target, int width) => float.IsFinite(target) ? null : "targets must be finite numbers";

    private static readonly Dictionary<string, Func<Loss>> ByName = new()
    {
        ["mse"] = () => new MeanSquaredError(), ["mean_squared_error"] = () => new MeanSquaredError(),
        ["binary_crossentropy"] = () => new BinaryCrossentropy(), ["bce"] = () => new BinaryCrossentropy(),
        ["categorical_crossentropy"] = () => new CategoricalCrossentropy(),
        ["sparse_categorical_crossentropy"] = () => new SparseCategoricalCrossentropy(),
    };

    /// <summary>The names <see cref="Get"/> understands.</summary>
    public static IReadOnlyList<string> Names => [.. ByName.Keys];

    /// <summary>The losses by Keras's names: "mse", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy".</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static Loss Get(string name) =>
        ByName.TryGetValue((name ?? throw new ArgumentNullException(nameof(name))).ToLowerInvariant(), out var make) ? make()
        : throw new ArgumentException($"Unknown loss '{name}'. Known: {string.Join(", ", ByName.Keys)}.");

    /// <summary>Keras clips probabilities to [ε, 1 - ε] with ε = 1e-7 before taking a logarithm.</summary>
    internal const float Epsilon = 1e-7f;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Mean squared error: the mean of (prediction - target)² over all values.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mse";

    internal override float Forward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        double sum = 0;
        float scale = 2f / pred.Length;
        for (int i = 0; i < pred.Length; i++)
        {
            float d = pred[i] - target[i];
            sum += (double)d * d;
            if (!grad.IsEmpty) grad[i] = scale * d;
        }
        return (float)(sum / pred.Length);
    }
}

/// <summary>Binary cross-entropy, <c>-mean(y log p + (1 - y) log(1 - p))</c>, on probabilities (clipped) or logits.</summary>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";
    /// <summary>Whether the predictions are logits (before a sigmoid) rather than probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    // A logit of 0 is a probability of 0.5: logits 0.2 and 0.4 are class 1, not 0.
    internal override float SingleOutputThreshold => FromLogits ? 0f : 0.5f;

    /// <inheritdoc/>
    public override bool FusesWith(ActivationFunction activation) => !FromLogits && activation is SigmoidActivation;

    /// <summary>
    /// scikit-learn's clip instead of Keras's ε in float: probabilities clipped to [c, 1 - c] in double, where
    /// 1 - c stays below 1 for its 2.2e-16 (in float it is 1, and a sure 1 would take the log of 0). On logits,
    /// the same clip taken to the log-probabilities: each of -log p and -log(1 - p) held within [-log(1 - c), -log c],
    /// which only a logit keeps exact (a float sigmoid rounds to 1 from about 17 on). Null: Keras's, and no clip on logits.
    /// </summary>
    internal double? ClipInDouble { get; init; }

    [MethodImpl(JitHints.PerBatch)]
    internal override void FusedGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        Simd.Subtract(output, target, grad);
        Simd.Multiply(grad, 1f / output.Length, grad);
    }

    private protected override string? Reject(float target, int width) =>
        target is >= 0 and <= 1 ? null : "binary cross-entropy needs targets in [0, 1] (0 or 1 for a class, or a probability)";

    internal override float Forward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        double sum = 0;
        int count = pred.Length;
        // The clip's bounds on -log p and -log(1 - p), the same for every element (unused without a clip).
        var (low, high) = ClipInDouble is { } clip ? (-Math.Log(1 - clip), -Math.Log(clip)) : (0, 0);
        for (int i = 0; i < count; i++)
        {
            float y = target[i], z = pred[i];
            if (FromLogits)
            {
                if (ClipInDouble is not null)
                {
                    // -log p = log(1 + e^-z) and -log(1 - p) = log(1 + e^z), each stable as max(±z, 0) + log(1 + e^-|z|).
                    double tail = Math.Log(1 + Math.Exp(-Math.Abs((double)z)));
                    sum += y * Math.Clamp(Math.Max(-(double)z, 0) + tail, low, high) + (1 - y) * Math.Clamp(Math.Max(z, 0) + tail, low, high);
                }
                // Stable: max(z, 0) - z·y + log(1 + e^-|z|).
                else sum += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                if (!grad.IsEmpty) grad[i] = (1f / (1f + MathF.Exp(-z)) - y) / count;
            }
            else if (ClipInDouble is { } c)
            {
                double q = Math.Clamp(z, c, 1 - c);
                sum -= y * Math.Log(q) + (1 - y) * Math.Log(1 - q);
                if (!grad.IsEmpty) grad[i] = z < c || z > 1 - c ? 0f : (float)((q - y) / (q * (1 - q)) / count);
            }
            else
            {
                float p = Math.Clamp(z, Epsilon, 1 - Epsilon);
                sum -= y * Math.Log(p) + (1 - y) * Math.Log(1 - p);
                if (!grad.IsEmpty) grad[i] = z < Epsilon || z > 1 - Epsilon ? 0f : (p - y) / (p * (1 - p)) / count;
            }
        }
        return (float)(sum / count);
    }
}

/// <summary>
/// Categorical cross-entropy, <c>-mean over samples of Σ y log p</c>, with one-hot (or soft) targets. On probabilities,
/// as in Keras, each row is first divided by its sum, so that outputs that are not a softmax (sigmoids, say) are read
/// as the distribution they are proportional to, then clipped to [1e-7, 1 - 1e-7].
/// </summary>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";
    /// <summary>Whether the predictions are logits (before a softmax) rather than probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override bool FusesWith(ActivationFunction activation) => !FromLogits && activation is SoftmaxActivation;

    [MethodImpl(JitHints.PerBatch)]
    internal override void FusedGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        Simd.Subtract(output, target, grad);
        Simd.Multiply(grad, 1f / n, grad);
    }

    private protected override string? Reject(float target, int width) =>
        target is >= 0 and <= 1 ? null : "categorical cross-entropy needs one-hot targets or probabilities in [0, 1]";

    internal override float Forward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        double sum = 0;
        Span<float> row = width <= 1024 ? stackalloc float[width] : new float[width];
        for (int s = 0; s < n; s++)
        {
            var p = pred.Slice(s * width, width);
            var y = target.Slice(s * width, width);
            if (FromLogits)
            {
                Simd.LogSoftmax(p, row);
                for (int c = 0; c < width; c++) sum -= y[c] * row[c];
                if (!grad.IsEmpty)
                {
                    float ySum = Simd.Sum(y);
                    for (int c = 0; c < width; c++) grad[s * width + c] = (MathF.Exp(row[c]) * ySum - y[c]) / n;
                }
            }
            else
            {
                // Keras: q = clip(p / Σp). Unnormalised, a row of three sigmoids at 0.5 cost -log 0.5 where Keras has
                // -log(1/3), and the gradient only ever raised the true class's output. With S = Σp and u_c whether q_c
                // is inside the clip, ∂L/∂p_j = (Σ_c u_c y_c - u_j y_j / q_j) / S (per sample; / n for the mean).
                float rowSum = Simd.Sum(p);
                float inverse = rowSum > 0 ? 1f / rowSum : 0f;   // an all-zero row is all clipped: a finite loss, no gradient
                float inside = 0;
                for (int c = 0; c < width; c++)
                {
                    float r = p[c] * inverse, q = Math.Clamp(r, Epsilon, 1 - Epsilon);
                    row[c] = r >= Epsilon && r <= 1 - Epsilon ? q : 0f;   // 0 marks a clipped value
                    sum -= y[c] * Math.Log(q);
                    if (row[c] != 0) inside += y[c];
                }
                if (!grad.IsEmpty)
                    for (int c = 0; c < width; c++)
                        grad[s * width + c] = (inside - (row[c] != 0 ? y[c] / row[c] : 0f)) * inverse / n;
            }
        }
        return (float)(sum / n);
    }
}

/// <summary>
/// Sparse categorical cross-entropy: categorical cross-entropy with class indices as targets. On probabilities, as in
/// Keras, each is clipped to [1e-7, 1 - 1e-7] and the row then divided by its sum: <c>-log(q_y / Σ q)</c>.
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";
    /// <summary>Whether the predictions are logits (before a softmax) rather than probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <inheritdoc/>
    public override bool SparseTargets => true;

    /// <summary>The probability floor before the logarithm: Keras's 1e-7 by default; <see cref="MLPClassifier"/> sets scikit-learn's.</summary>
    internal float Clip { get; init; } = Epsilon;

    /// <summary>Whether a row of probabilities is divided by its sum, as Keras does; scikit-learn's MLP loss does not.</summary>
    internal bool Normalizes { get; init; } = true;

    /// <inheritdoc/>
    public override bool FusesWith(ActivationFunction activation) => !FromLogits && activation is SoftmaxActivation;

    [MethodImpl(JitHints.PerBatch)]
    internal override void FusedGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        float scale = 1f / n;
        Simd.Multiply(output, scale, grad);
        for (int s = 0; s < n; s++) grad[s * width + (int)target[s]] -= scale;
    }

    private protected override string? Reject(float target, int width) =>
        float.IsNaN(target) ? "a class index cannot be NaN"
        : target != MathF.Floor(target) ? "a class index must be a whole number"
        : target < 0 || target >= width ? $"the model has {width} classes, 0..{width - 1}"
        : null;

    internal override float Forward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int n, int width, Span<float> grad)
    {
        double sum = 0;
        Span<float> row = width <= 1024 ? stackalloc float[width] : new float[width];
        if (!grad.IsEmpty) grad.Clear();
        for (int s = 0; s < n; s++)
        {
            if (Reject(target[s], width) is { } why) throw new ArgumentOutOfRangeException(nameof(target), string.Create(CultureInfo.InvariantCulture, $"{Name}: label {target[s]} of sample {s}: {why}."));
            int label = (int)target[s];
            var p = pred.Slice(s * width, width);
            if (FromLogits)
            {
                Simd.LogSoftmax(p, row);
                sum -= row[label];
                if (!grad.IsEmpty)
                {
                    for (int c = 0; c < width; c++) grad[s * width + c] = MathF.Exp(row[c]) / n;
                    grad[s * width + label] -= 1f / n;
                }
            }
            else
            {
                float q = Math.Clamp(p[label], Clip, 1 - Clip);
                sum -= Math.Log(q);
                if (!grad.IsEmpty && p[label] >= Clip && p[label] <= 1 - Clip) grad[s * width + label] = -1f / q / n;
                if (Normalizes)
                {
                    // Keras reads log(clip(p)) as logits: -log q_y + log Σ clip(p_c), and each unclipped p_c gets 1/Σ.
                    float total = 0;
                    for (int c = 0; c < width; c++) total += Math.Clamp(p[c], Clip, 1 - Clip);
                    sum += Math.Log(total);
                    if (!grad.IsEmpty)
                        for (int c = 0; c < width; c++)
                            if (p[c] >= Clip && p[c] <= 1 - Clip) grad[s * width + c] += 1f / total / n;
                }
            }
        }
        return (float)(sum / n);
    }
}
