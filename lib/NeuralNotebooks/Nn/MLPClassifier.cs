using System.Globalization;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A multilayer-perceptron classifier that behaves like scikit-learn's <c>MLPClassifier</c>: hidden
/// layers of the chosen activation, a softmax output (one logistic unit for two classes), log-loss plus an L2 penalty <c>alpha</c>, trained
/// with scikit-learn's Adam on batches of min(200, n), stopping when the training loss stops improving
/// by <c>tol</c> for <c>nIterNoChange</c> epochs or after <c>maxIter</c> epochs. It trains with the same
/// layers (<see cref="Dense"/>), loss, optimizer (<see cref="Adam"/>) and training loop as <see cref="Sequential"/>.
/// </summary>
public sealed class MLPClassifier
{
    // Replaced as a whole by a Fit that succeeds, never changed in place: a failed refit keeps the fitted model.
    private List<Dense> _layers = [];
    private readonly object _gate = new();

    /// <summary>
    /// Creates a classifier with scikit-learn's parameters and defaults, except <paramref name="randomState"/>, which
    /// defaults to 0 rather than None so that every run fits the same model.
    /// </summary>
    public MLPClassifier(int[]? hiddenLayerSizes = null, string activation = "relu", string solver = "adam", float alpha = 0.0001f,
        int? batchSize = null, float learningRateInit = 0.001f, int maxIter = 200, float tol = 1e-4f, int nIterNoChange = 10,
        bool shuffle = true, int randomState = 0, bool verbose = false)
    {
        if (solver != "adam") throw new ArgumentException($"MLPClassifier: only solver \"adam\" is implemented, got \"{solver}\".");
        // A copy, read-only outside: the caller's array, changed after the constructor checked it, changed the model.
        HiddenLayerSizes = Array.AsReadOnly(hiddenLayerSizes is null ? [100] : (int[])hiddenLayerSizes.Clone());
        // scikit-learn's parameter constraints, checked here rather than at fit.
        if (HiddenLayerSizes.Any(u => u < 1))
            throw new ArgumentOutOfRangeException(nameof(hiddenLayerSizes), $"MLPClassifier: hidden layer sizes must be 1 or more, got [{string.Join(", ", HiddenLayerSizes)}].");
        Require(alpha >= 0, nameof(alpha), $"alpha must be 0 or more, got {alpha}");
        Require(batchSize is null or >= 1, nameof(batchSize), $"batchSize must be 1 or more (or null for min(200, n)), got {batchSize}");
        Require(learningRateInit > 0, nameof(learningRateInit), $"learningRateInit must be above 0, got {learningRateInit}");
        Require(maxIter >= 1, nameof(maxIter), $"maxIter must be 1 or more, got {maxIter}");
        Require(tol >= 0, nameof(tol), $"tol must be 0 or more, got {tol}");
        Require(nIterNoChange >= 1, nameof(nIterNoChange), $"nIterNoChange must be 1 or more, got {nIterNoChange}");
        Activation = activation switch
        {
            "logistic" or "relu" or "tanh" or "identity" => activation,
            _ => throw new ArgumentException($"MLPClassifier: activation must be \"identity\", \"logistic\", \"tanh\" or \"relu\", got \"{activation}\"."),
        };
        Alpha = alpha; BatchSize = batchSize; LearningRateInit = learningRateInit; MaxIter = maxIter; Tol = tol;
        NIterNoChange = nIterNoChange; Shuffle = shuffle; RandomState = randomState; Verbose = verbose;
    }

    /// <summary>Units per hidden layer, e.g. [100]: a read-only copy of the constructor's array.</summary>
    public IReadOnlyList<int> HiddenLayerSizes { get; }
    /// <summary>"identity", "logistic", "tanh" or "relu".</summary>
    public string Activation { get; }
    /// <summary>L2 penalty strength.</summary>
    public float Alpha { get; }
    /// <summary>Samples per batch; null for min(200, n).</summary>
    public int? BatchSize { get; }
    /// <summary>Adam's step size.</summary>
    public float LearningRateInit { get; }
    /// <summary>Maximum number of epochs.</summary>
    public int MaxIter { get; }
    /// <summary>Minimum loss improvement that counts.</summary>
    public float Tol { get; }
    /// <summary>Training stops once more than this many epochs in a row fail to improve the best loss by <see cref="Tol"/> (as in scikit-learn).</summary>
    public int NIterNoChange { get; }
    /// <summary>Whether each epoch visits the samples in a new order.</summary>
    public bool Shuffle { get; }
    /// <summary>The seed of the initial weights and the shuffling.</summary>
    public int RandomState { get; }
    /// <summary>Whether to print the loss after each epoch.</summary>
    public bool Verbose { get; }

    /// <summary>The class labels seen by <see cref="Fit"/>, in ascending order (scikit-learn's <c>classes_</c>): the columns of <see cref="PredictProba"/>.</summary>
    public IReadOnlyList<int> Classes { get; private set; } = [];

    /// <summary>The training loss after each epoch.</summary>
    public IReadOnlyList<float> LossCurve { get; private set; } = [];
    /// <summary>The number of epochs run.</summary>
    public int NIter => LossCurve.Count;

    /// <summary>
    /// Set by <see cref="Fit"/> when training went wrong without a NaN: the loss rose from one epoch to the next while
    /// over twice that of guessing every class alike (a learning rate far too large). Also printed on the error
    /// output. Null when training did not.
    /// </summary>
    public string? Warning { get; private set; }
    /// <summary>The weight matrices, one per layer (inputs, units).</summary>
    public IReadOnlyList<Tensor> Coefs => _layers.Select(l => l.Kernel).ToList();

    /// <summary>Trains on samples <paramref name="x"/> (N, features) or images (N, H, W) with labels <paramref name="y"/>.</summary>
    public MLPClassifier Fit(Tensor x, int[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var samples = Samples("Fit", x);
        CheckLabelCount("Fit", x, y);
        // One pass over x either way: images as their loader made them (every float k / 255f for a byte it
        // kept) are finite, and their batches are gathered from those bytes, the same floats from a quarter of
        // the memory; anything else is checked for NaN and infinity.
        var bytes = PixelBytes.Matching(samples);
        if (bytes is null) CheckFinite("Fit", x, samples);
        lock (_gate)
        {
            x = samples;
            int n = x.Shape[0], features = x.Shape[1];
            // Like scikit-learn, any labels: one output per distinct label, in ascending order; {0, 5, 10} gives three.
            var (labels, classIndex) = ClassesOf(y);
            int classes = labels.Length;
            // Two classes take one logistic output, the probability of the second, as in scikit-learn.
            bool binary = classes == 2;
            var rng = new Rng(RandomState);
            // The new model is built and trained aside and kept only if training succeeds: a refit that diverges
            // left the classes of the new labels with the weights of its broken batch, in place of the fitted model.
            var layers = new List<Dense>();
            var lossCurve = new List<float>();
            var sizes = new[] { features }.Concat(HiddenLayerSizes).Append(binary ? 1 : classes).ToArray();
            for (int l = 0; l + 1 < sizes.Length; l++)
            {
                bool last = l + 2 == sizes.Length;
                // The one logistic output is kept as its logit, and PredictProba applies the sigmoid: see the loss below.
                var dense = new Dense(sizes[l + 1], last ? binary ? "linear" : "softmax" : Activation);
                dense.Build([sizes[l]], rng);
                // scikit-learn's Glorot init: weights and intercepts uniform in ±sqrt(factor / (fan_in + fan_out)).
                float bound = MathF.Sqrt((Activation == "logistic" ? 2f : 6f) / (sizes[l] + sizes[l + 1]));
                foreach (var w in dense.Weights) { var s = w.AsSpan(); for (int i = 0; i < s.Length; i++) s[i] = rng.Uniform(-bound, bound); }
                layers.Add(dense);
            }
            // scikit-learn 1.2's log-loss clips probabilities to float64's machine epsilon and its Adam adds
            // ε = 1e-8 outside the root: the same formulas as Keras's, with other constants. The clip changes
            // only the reported loss (the gradient is p - y), so it only moves a stop for no improvement.
            // The binary loss is taken from the logit: a float sigmoid is 1 from a logit of about 17 on, where
            // a sample of class 0 cost the cap, -log(eps) = 36.04, and scikit-learn's float64 p costs about the logit.
            Loss loss = binary ? new BinaryCrossentropy(fromLogits: true) { ClipInDouble = Float64Epsilon }
                : new SparseCategoricalCrossentropy { Clip = (float)Float64Epsilon, Normalizes = false };
            var trainer = new Trainer(layers, loss, new Adam(LearningRateInit, 0.9f, 0.999f, 1e-8f)) { L2PerBatch = Alpha };
            var targets = new Tensor(classIndex, n);
            int batch = Math.Clamp(BatchSize ?? Math.Min(200, n), 1, n);
            int noImprovement = 0;
            float best = float.PositiveInfinity;
            var order = new int[n];   // one array for all epochs, reshuffled each time
            string? warning = null;
            if (!Shuffle) for (int i = 0; i < n; i++) order[i] = i;
            for (int epoch = 0; epoch < MaxIter; epoch++)
            {
                if (Shuffle) rng.Permutation(order);
                var (lossSum, _) = trainer.RunEpoch(x, targets, order, batch, epoch + 1, countCorrect: false, bytes);
                float epochLoss = (float)(lossSum / n);
                lossCurve.Add(epochLoss);
                if (Verbose) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Iteration {epoch + 1}, loss = {epochLoss:F8}"));
                // As Sequential.Fit's check, but on a rise: this loss holds the L2 term too, which a large alpha makes
                // large in the first epochs while the weights shrink and the loss falls.
                if (warning is null && epoch > 0 && epochLoss > lossCurve[^2] && loss.FarAboveGuessing(epochLoss, binary ? 1 : classes) is double guess)
                {
                    warning = string.Create(CultureInfo.InvariantCulture,
                        $"Warning: training is diverging. The loss rose to {epochLoss:G4} at iteration {epoch + 1}, far above the {guess:G3} of guessing every class alike. Fit again with a smaller learningRateInit than {LearningRateInit}.");
                    Console.Error.WriteLine(warning);
                }
                if (epochLoss > best - Tol) noImprovement++; else noImprovement = 0;
                best = Math.Min(best, epochLoss);
                if (noImprovement > NIterNoChange) break;
            }
            // Handed out read-only: cast back to the array or list, a caller could relabel Predict or rewrite the curve.
            (_layers, Classes, LossCurve, Warning) = (layers, Array.AsReadOnly(labels), lossCurve.AsReadOnly(), warning);
        }
        return this;
    }

    /// <summary>
    /// The distinct labels of <paramref name="y"/> in ascending order, and each sample's index among them as a
    /// float (the loss's target). Labels within a range of a million (digits, ImageNet's classes) are looked up
    /// in a table, in two passes over y; MNIST's 60,000 took 3.3-4.8 ms a fit with LINQ's Distinct, Order and
    /// a binary search per sample, against about 0.1 ms so. Wider labels are sorted.
    /// </summary>
    private static (int[] Labels, float[] Index) ClassesOf(int[] y)
    {
        var index = new float[y.Length];
        int min = int.MaxValue, max = int.MinValue;
        foreach (int label in y) { min = Math.Min(min, label); max = Math.Max(max, label); }
        if ((long)max - min < 1 << 20)
        {
            var slot = new int[max - min + 1];
            foreach (int label in y) slot[label - min] = 1;
            var labels = new List<int>();
            for (int v = 0; v < slot.Length; v++)
                if (slot[v] != 0) { slot[v] = labels.Count; labels.Add(min + v); }
            for (int i = 0; i < y.Length; i++) index[i] = slot[y[i] - min];
            return (labels.ToArray(), index);
        }
        var sorted = y.Distinct().Order().ToArray();
        for (int i = 0; i < y.Length; i++) index[i] = Array.BinarySearch(sorted, y[i]);
        return (sorted, index);
    }

    /// <summary>Class probabilities, one row per sample and one column per class of <see cref="Classes"/>.</summary>
    public Tensor PredictProba(Tensor x) => Probabilities("PredictProba", x);

    /// <summary><see cref="PredictProba(Tensor)"/> for <paramref name="method"/>, which its messages name.</summary>
    private Tensor Probabilities(string method, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var samples = Samples(method, x);
        lock (_gate)
        {
            if (_layers.Count == 0) throw new InvalidOperationException("MLPClassifier: call Fit first.");
            int n = samples.Shape[0], features = samples.Shape[1];
            if (features != _layers[0].InputShape[0])
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MLPClassifier.{method}: trained on {_layers[0].InputShape[0]} features, got x of shape {x.Shape} with {features}."), nameof(x));
            CheckFinite(method, x, samples);
            x = samples;
            int classes = Classes.Count;
            var result = new float[n * classes];
            const int Chunk = 1024;
            Tensor? xb = null;
            try
            {
                Layer.BeginInference(_layers, _layers.Count, n, Chunk);
                for (int start = 0; start < n; start += Chunk)
                {
                    int count = Math.Min(Chunk, n - start);
                    Tensor h = Batches.Gather(x, null, start, count, ref xb);
                    foreach (var layer in _layers) h = layer.Forward(h, false);
                    if (classes == 2)
                    {
                        Simd.Sigmoid(h.data.AsSpan(0, count), h.data.AsSpan(0, count));
                        for (int i = 0; i < count; i++)
                        {
                            // The one logistic output is the second class's probability: [1 - p, p], as scikit-learn.
                            result[2 * (start + i)] = 1 - h.data[i];
                            result[2 * (start + i) + 1] = h.data[i];
                        }
                    }
                    else h.data.AsSpan(0, count * classes).CopyTo(result.AsSpan(start * classes));
                }
            }
            finally { Layer.EndInference(_layers); }
            return new Tensor(result, n, classes);
        }
    }

    /// <summary>The predicted class label of each sample (one of <see cref="Classes"/>).</summary>
    public int[] Predict(Tensor x) => Labels("Predict", x);

    private int[] Labels(string method, Tensor x)
    {
        var p = Probabilities(method, x);
        var labels = Classes;
        int classes = p.Shape[1];
        var r = new int[p.Shape[0]];
        for (int i = 0; i < r.Length; i++) r[i] = labels[Simd.IndexOfMax(p.data.AsSpan(i * classes, classes))];
        return r;
    }

    /// <summary>The accuracy on <paramref name="x"/> with labels <paramref name="y"/>.</summary>
    public double Score(Tensor x, int[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Samples("Score", x);
        CheckLabelCount("Score", x, y);
        return Metrics.Accuracy(y, Labels("Score", x));
    }

    /// <summary>
    /// <paramref name="x"/> as (samples, features), one flattened sample a row; refused, naming its shape, without
    /// a sample axis and a feature axis (scikit-learn's "Expected 2D array") or with no samples or no features.
    /// </summary>
    private static Tensor Samples(string method, Tensor x)
    {
        if (x.Rank < 2)
            throw new ArgumentException($"MLPClassifier.{method}: x must be (samples, features) or (samples, H, W), got shape {x.Shape}. One sample of 4 features is (1, 4); 4 samples of one feature are (4, 1).", nameof(x));
        long features = 1;
        for (int i = 1; i < x.Rank; i++) features *= x.Shape[i];
        // scikit-learn needs at least one of each; with no features Fit trained on nothing and reported a loss.
        if (x.Shape[0] == 0) throw new ArgumentException($"MLPClassifier.{method}: x of shape {x.Shape} holds no samples; at least 1 is needed.", nameof(x));
        if (features == 0) throw new ArgumentException($"MLPClassifier.{method}: x of shape {x.Shape} has no features; at least 1 is needed.", nameof(x));
        return x.Rank == 2 ? x : x.Reshape(x.Shape[0], (int)features);
    }

    private static void CheckLabelCount(string method, Tensor x, int[] y)
    {
        if (x.Shape[0] != y.Length)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MLPClassifier.{method}: x of shape {x.Shape} holds {x.Shape[0]} samples but y holds {y.Length} labels."), nameof(x));
    }

    /// <summary>
    /// Refuses a NaN or infinity in x, as scikit-learn does, naming its row and column: Fit found one only as a
    /// diverged loss, after it had reset the model, and PredictProba returned NaN probabilities (and Predict a label) for it.
    /// </summary>
    private static void CheckFinite(string method, Tensor x, Tensor samples)
    {
        int at = Finite.IndexOfNonFinite(samples.AsSpan());
        if (at < 0) return;
        int features = samples.Shape[1];
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"MLPClassifier.{method}: x of shape {x.Shape} holds {samples.AsSpan()[at]} at row {at / features}, column {at % features}{(x.Rank > 2 ? " of the flattened samples" : "")}; scikit-learn refuses NaN and infinity in its input too."), nameof(x));
    }

    /// <summary>numpy's <c>finfo(float64).eps</c>, 2⁻⁵², where scikit-learn 1.2's log-loss clips probabilities.</summary>
    private const double Float64Epsilon = 2.220446049250313e-16;

    private static void Require(bool holds, string parameter, string what)
    {
        if (!holds) throw new ArgumentOutOfRangeException(parameter, $"MLPClassifier: {what}.");
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MLPClassifier(hidden_layer_sizes=({string.Join(", ", HiddenLayerSizes)}{(HiddenLayerSizes.Count == 1 ? "," : "")}), activation='{Activation}', alpha={Alpha}, max_iter={MaxIter}, random_state={RandomState})");
}
