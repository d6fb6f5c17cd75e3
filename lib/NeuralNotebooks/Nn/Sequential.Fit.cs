using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace NeuralNotebooks;

// Training and inference: the drivers around the one training loop in Trainer.
public sealed partial class Sequential
{
    /// <summary>The batches Predict and Evaluate copy their inputs and targets into, kept from call to call (under the model's lock).</summary>
    private Tensor? _inferenceX, _inferenceY;

    // ---- training ----

    /// <summary>Trains on images or features <paramref name="x"/> with class labels <paramref name="y"/>.</summary>
    /// <remarks>
    /// <paramref name="validationSplit"/> trains on the first ⌊n·(1 - split)⌋ samples and validates on the rest,
    /// split before shuffling, as Keras does; <paramref name="validationData"/>, when given, is used instead.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The model was not compiled, has no layers, or its loss cannot learn from its one-unit output (a softmax
    /// over one unit, or a categorical cross-entropy).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// x and y hold different numbers of samples, x does not fit the first layer's input shape, validation data
    /// hold NaN or ±∞, the targets do not fit the loss or the last layer (e.g. a label outside 0 … units − 1),
    /// or an argument is out of range (epochs, batchSize, validationSplit).
    /// </exception>
    /// <exception cref="TrainingDivergedException">
    /// A loss or a weight became NaN or infinite, or a weight grew beyond ±1e10; the model keeps the weights
    /// it had before that batch.
    /// </exception>
    public History Fit(Tensor x, int[] y, int epochs = 1, int batchSize = 32, (Tensor X, int[] Y)? validationData = null,
        double validationSplit = 0, bool shuffle = true, bool verbose = true, Action<EpochLog>? onEpochEnd = null)
    {
        // Under the model's lock, as the other overload: building the model here must not race another call.
        lock (_gate)
        {
            var loss = RequireLoss();
            ArgumentNullException.ThrowIfNull(y);
            CheckCounts("Fit", x, new Shape(y.Length));
            Adapt(x);
            (Tensor, Tensor)? val = validationData is { } v ? (v.X, Targets(v.Y, loss)) : null;
            return Fit(x, Targets(y, loss), epochs, batchSize, val, validationSplit, shuffle, verbose, onEpochEnd);
        }
    }

    /// <summary>Trains on <paramref name="x"/> with targets <paramref name="y"/> shaped as the loss expects.</summary>
    /// <inheritdoc cref="Fit(Tensor, int[], int, int, Nullable{ValueTuple{Tensor, int[]}}, double, bool, bool, Action{EpochLog})" path="/remarks"/>
    /// <inheritdoc cref="Fit(Tensor, int[], int, int, Nullable{ValueTuple{Tensor, int[]}}, double, bool, bool, Action{EpochLog})" path="/exception"/>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, (Tensor X, Tensor Y)? validationData = null,
        double validationSplit = 0, bool shuffle = true, bool verbose = true, Action<EpochLog>? onEpochEnd = null)
    {
        lock (_gate) return FitLocked(x, y, epochs, batchSize, validationData, validationSplit, shuffle, verbose, onEpochEnd);
    }

    private History FitLocked(Tensor x, Tensor y, int epochs, int batchSize, (Tensor X, Tensor Y)? validationData,
        double validationSplit, bool shuffle, bool verbose, Action<EpochLog>? onEpochEnd)
    {
        var loss = RequireLoss();
        var optimizer = Optimizer!;
        CheckCounts("Fit", x, y.Shape);
        x = Adapt(x);
        CheckData("Fit", x, y, loss, "train");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), $"Fit: epochs must be at least 1, got {epochs}.");
        CheckBatchSize("Fit", batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1)) throw new ArgumentOutOfRangeException(nameof(validationSplit), $"Fit: validationSplit must be in [0, 1), got {validationSplit}.");
        // Checked before the first epoch, not after it.
        if (validationData is { } given)
        {
            CheckData("Fit", Adapt(given.X), given.Y, loss, "validate", "validationData's X", "validationData's Y", nameof(validationData));
            CheckFinite("Fit", given.X, "validationData's X");
        }
        // Where the validation targets sit in the learner's data, for the check's message below; the validation
        // samples start at the same row of validationData's X (a split's, left in x, at nTrain).
        (int First, string? Source) validationTargets = (0, "validationData's Y");
        if (validationSplit > 0 && validationData is null)
        {
            // Like Keras: the last fraction of the data, taken before shuffling, the first ⌊n·(1 - split)⌋
            // samples kept for training; given validation data take precedence over a split.
            int nTrain = (int)Math.Floor(x.Shape[0] * (1 - validationSplit)), nVal = x.Shape[0] - nTrain;
            if (nTrain == 0 || nVal == 0)
                throw new ArgumentException($"Fit: validationSplit {validationSplit} of {x.Shape[0]} samples leaves {nTrain} to train on and {nVal} to validate on; each needs at least one. Give more samples or another split.", nameof(validationSplit));
            // x is not copied: the trainer reads its first nTrain samples where they lie, as many as y then holds,
            // and the validation reads the rest where they lie (MNIST's 54,000 training images were a new 169 MB
            // array in every Fit, about half a second on this machine, most of it the new pages).
            int per = x.Size / x.Shape[0];
            CheckFinite("Fit", x.AsSpan().Slice(nTrain * per, nVal * per), per, "x (in its validation split)", nTrain);   // before an epoch trains, not in Evaluate after it
            validationData = (x, y.Slice(nTrain, nVal));
            y = y.Slice(0, nTrain);
            validationTargets = (nTrain, null);
        }
        int n = y.Shape[0];
        int width = OutputWidth;
        loss.ValidateTargets(y, width);
        if (validationData is { } check) loss.ValidateTargets(check.Y, width, validationTargets.First, validationTargets.Source);
        var trainer = _trainer is not null && _trainer.Matches(loss, optimizer) ? _trainer : _trainer = new Trainer(_layers, loss, optimizer);
        var history = new History();
        var progress = new TrainingProgress();
        Display.IDisplayHandle? live = null;
        int[]? order = shuffle ? new int[n] : null;   // one array for all epochs, reshuffled each time
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            if (order is not null) _rng.Permutation(order);
            var (lossSum, correct) = trainer.RunEpoch(x, y, order, batchSize, epoch, countCorrect: Metrics.Count > 0);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var metrics = new Dictionary<string, float> { ["loss"] = (float)(lossSum / n) };
            if (Metrics.Count > 0) metrics["accuracy"] = (float)correct / n;
            if (validationData is { } vd)
            {
                var (vLoss, vAcc) = EvaluateBatches(Adapt(vd.X), vd.Y, loss, batchSize, checkInputs: false, validationTargets.First);
                metrics["val_loss"] = vLoss;
                if (Metrics.Count > 0) metrics["val_accuracy"] = vAcc;
            }
            var log = new EpochLog(epoch, epochs, clock.Elapsed.TotalSeconds, metrics);
            history.Add(log, n, trainSeconds);
            if (history.Warning is null && DivergingWarning(loss, metrics["loss"], epoch, optimizer) is { } warning)
            {
                history.Warning = warning;
                Console.Error.WriteLine(warning);
            }
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

    private string? DivergingWarning(Loss loss, float epochLoss, int epoch, Optimizer optimizer) =>
        loss.FarAboveGuessing(epochLoss, OutputWidth) is double guess
            ? string.Create(CultureInfo.InvariantCulture,
                $"Warning: training is diverging. After epoch {epoch} the training loss is {epochLoss:G4}, far above the {guess:G3} of guessing every class alike: the network is sure of wrong answers. " +
                $"Build the model again and train it with a smaller learning rate than {optimizer.LearningRate}.")
            : null;

    // ---- inference ----

    /// <summary>
    /// Inference batches hold at least this many samples: the matrix products are faster, and the dense
    /// layer's weights are read once per batch. When the course CNN's feature maps were written out and
    /// pooled afterwards, 256 images' maps (19 MB) overflowed the L3 cache and 128 was faster; once the
    /// convolution pooled as it went, 256 was 11-23% faster than 128 (the 10k test images, same process,
    /// alternating).
    /// </summary>
    private const int MinInferenceBatch = 256;

    /// <summary>
    /// Inference batches of a model whose first layers are a convolution pooled as it goes hold up to this
    /// many samples while their widest output fits in <see cref="InferenceFloats"/>. The course CNN's dense
    /// layer reads its 2.4 MB of packed weights from beyond the cores' caches once per batch: its Predict of
    /// the 10k test images ran 1.057x and 1.069x faster at 1,024 images a batch than at 256, and 2,048 gained
    /// little more (1.00x to 1.05x over 1,024; same process, alternating, 2026-12-04). Other models keep to
    /// <see cref="MinInferenceBatch"/>: their batches are copied out of the input (<see cref="InferBatch"/>),
    /// and a copy larger than a core's L2 cache is read back from farther away. The course MLP's Predict
    /// and Evaluate of the test images ran 1.13x to 1.17x and 1.17x to 1.25x slower at 1,024 than at 256.
    /// </summary>
    private const int MaxInferenceBatch = 1024;

    /// <summary>
    /// The most floats the widest output of one inference batch may hold (32 MB): a model whose later layers
    /// write wide maps keeps to smaller batches, down to <see cref="MinInferenceBatch"/>.
    /// </summary>
    private const long InferenceFloats = 1L << 23;

    /// <summary>
    /// The samples in each batch of an inference pass through layers 0..<paramref name="upTo"/>: at least
    /// <paramref name="batchSize"/> and at least <see cref="MinInferenceBatch"/>; where the first two layers
    /// are a convolution pooled as it goes, which reads the samples where they lie, more, up to
    /// <see cref="MaxInferenceBatch"/>, while the widest output the pass writes fits in
    /// <see cref="InferenceFloats"/>. Each sample's outputs are computed on their own, but the size of its
    /// batch can change them in their last bits: a dense layer's product of up to 256 rows is split between
    /// the cores in depth, a larger one by rows, and the two add in different orders.
    /// </summary>
    internal int InferenceBatch(int batchSize, int upTo)
    {
        if (FusedFirstPair(upTo) is null) return Math.Max(batchSize, MinInferenceBatch);
        long widest = 1;
        for (int i = 1; i <= upTo; i++) widest = Math.Max(widest, _layers[i].OutputShape.Aggregate(1L, (a, d) => a * d));
        int fits = (int)Math.Clamp(InferenceFloats / widest, MinInferenceBatch, MaxInferenceBatch);
        return Math.Max(batchSize, fits);
    }

    /// <summary>The loss and accuracy on <paramref name="x"/> with labels <paramref name="y"/> (no training).</summary>
    /// <remarks>
    /// <paramref name="batchSize"/> is only a lower bound: batches hold at least 256 samples (the last may hold
    /// fewer), up to 1,024 when the model starts with a convolution pooled as it goes. Larger batches run faster;
    /// the batch size can change a sample's outputs in their last bits, no more.
    /// </remarks>
    public Evaluation Evaluate(Tensor x, int[] y, int batchSize = 32)
    {
        lock (_gate) return EvaluateLocked(x, Targets(y, RequireLoss()), batchSize);
    }

    /// <summary>The loss and accuracy on <paramref name="x"/> with targets <paramref name="y"/> (no training).</summary>
    /// <inheritdoc cref="Evaluate(Tensor, int[], int)" path="/remarks"/>
    public Evaluation Evaluate(Tensor x, Tensor y, int batchSize = 32)
    {
        lock (_gate) return EvaluateLocked(x, y, batchSize);
    }

    // Evaluate and Predict run at least MinInferenceBatch samples a batch whatever batchSize says (InferenceBatch), but a
    // batch size of 0 or less is a mistake, refused as Fit refuses it rather than ignored.
    private static void CheckBatchSize(string method, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"{method}: batchSize must be at least 1, got {batchSize}.");
    }

    // Fit finds a NaN input through the loss or the weights it spoils; Predict and Evaluate would not: max-pooling
    // drops a NaN that is not first in its window (and ReLU turned NaN into 0 before it kept it), so the course CNN
    // gave an image with one NaN pixel plausible probabilities and a finite loss. Predict and Evaluate check each batch as it is gathered,
    // while it is in cache: a pass over the whole input first would read it from memory once more.
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private static void CheckFinite(string method, Tensor x, string name = "x", int firstSample = 0) =>
        CheckFinite(method, x.AsSpan(), x.Size / Math.Max(1, x.Shape[0]), name, firstSample);

    /// <summary>As <see cref="CheckFinite(string, Tensor, string, int)"/>, for samples of <paramref name="per"/> values each.</summary>
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private static void CheckFinite(string method, ReadOnlySpan<float> samples, int per, string name = "x", int firstSample = 0)
    {
        int at = NeuralNotebooks.Kernels.Finite.IndexOfNonFinite(samples);
        if (at < 0) return;
        throw new ArgumentException($"{method}: sample {firstSample + at / per} of {name} holds {samples[at].ToString(CultureInfo.InvariantCulture)} (at element {at % per}); the model's outputs for it would mean nothing.", "x");
    }

    /// <summary>
    /// Samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="x"/>
    /// through layers 0..<paramref name="upTo"/> for inference, checked first when <paramref name="check"/> says
    /// so. A first convolution pooled as it goes reads them where they lie in <paramref name="x"/>; other first
    /// layers get a batch of their own. The copy cost the course CNN's Predict of the 10k test images 2.4 to 2.5
    /// of its 48 ms at 1,024 images a batch; reading the samples in place, the check takes 0.5 ms longer (it is
    /// now the first to bring them from memory).
    /// </summary>
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private Tensor InferBatch(string method, Tensor x, int start, int count, int upTo, bool check)
    {
        if (FusedFirstPair(upTo) is var (conv, pool))
        {
            int per = x.Size / x.Shape[0];
            var samples = x.AsSpan().Slice(start * per, count * per);
            if (check) CheckFinite(method, samples, per, firstSample: start);
            return ForwardFrom(2, conv.InferThroughPool(pool, samples, count), count, training: false, upTo);
        }
        var xb = Batches.Gather(x, null, start, count, ref _inferenceX);
        if (check) CheckFinite(method, xb, firstSample: start);
        return ForwardAll(xb, training: false, upTo);
    }

    /// <summary>
    /// Refuses a loss that cannot learn from the model's output: a softmax over one unit is always 1 (no gradient
    /// reaches the layer: the loss never moved), and a categorical cross-entropy over one output reads every label as
    /// a one-hot column (label 0 contributed nothing; the loss fell to 0 at chance accuracy). Keras trains both silently.
    /// </summary>
    private void CheckLossFitsOutput(string op, Loss loss)
    {
        if (OutputWidth != 1) return;
        var last = _layers[^1] switch { KernelLayer k => k.Activation, Activation a => a.Function, _ => null };
        if (last is SoftmaxActivation)
            throw new InvalidOperationException($"{op}: the last layer, {_layers[^1].Describe()}, is a softmax over one unit, which is always 1 and cannot learn. For two classes use one unit with activation \"sigmoid\" and binary_crossentropy, or two units with softmax and sparse_categorical_crossentropy.");
        if (loss is CategoricalCrossentropy or SparseCategoricalCrossentropy)
            throw new InvalidOperationException($"{op}: {loss.Name} needs one output per class, and the model has one output. For two classes use binary_crossentropy with a sigmoid output, or give the last layer one unit per class.");
    }

    private Evaluation EvaluateLocked(Tensor x, Tensor y, int batchSize)
    {
        var loss = RequireLoss();
        CheckCounts("Evaluate", x, y.Shape);
        x = Adapt(x);
        CheckData("Evaluate", x, y, loss, "evaluate");
        CheckBatchSize("Evaluate", batchSize);
        // As Fit does: the loss found a bad label only inside a batch of 256, and named its place in that batch.
        loss.ValidateTargets(y, OutputWidth);
        return EvaluateBatches(x, y, loss, batchSize, checkInputs: true);
    }

    /// <summary>
    /// Evaluate's loop, for samples and targets already checked. Fit checks its validation data once, before the
    /// first epoch, and runs only this after each: through Evaluate it checked the targets and every input again.
    /// The samples are y.Shape[0] of x's from <paramref name="first"/> on (a validation split's, where they lie).
    /// </summary>
    [MethodImpl(Kernels.JitHints.PerBatch)]
    private Evaluation EvaluateBatches(Tensor x, Tensor y, Loss loss, int batchSize, bool checkInputs, int first = 0)
    {
        int n = y.Shape[0], bs = InferenceBatch(batchSize, _layers.Count - 1);
        double lossSum = 0; long correct = 0;
        try
        {
            Layer.BeginInference(_layers, _layers.Count, n, bs);
            for (int start = 0; start < n; start += bs)
            {
                int count = Math.Min(bs, n - start);
                var output = InferBatch("Evaluate", x, first + start, count, _layers.Count - 1, checkInputs);
                var yb = Batches.Gather(y, null, start, count, ref _inferenceY);
                lossSum += (double)loss.Forward(output.data, yb.data, count, output.Size / count, default) * count;
                correct += NeuralNotebooks.Metrics.CountCorrect(output, yb, loss.SparseTargets, loss.SingleOutputThreshold);
            }
        }
        finally { Layer.EndInference(_layers); }
        return new Evaluation((float)(lossSum / n), (float)correct / n);
    }

    /// <summary>The model's outputs for <paramref name="x"/> (for a softmax model: class probabilities, one row per sample).</summary>
    /// <inheritdoc cref="Evaluate(Tensor, int[], int)" path="/remarks"/>
    public Tensor Predict(Tensor x, int batchSize = 32) => PredictUpTo(x, _layers.Count - 1, batchSize);

    /// <summary>The output of layer <paramref name="layer"/> (0 = the first) for <paramref name="x"/>: feature maps, hidden activations.</summary>
    /// <inheritdoc cref="Evaluate(Tensor, int[], int)" path="/remarks"/>
    public Tensor PredictUpTo(Tensor x, int layer, int batchSize = 32)
    {
        lock (_gate) return PredictLocked(x, layer, batchSize);
    }

    [MethodImpl(Kernels.JitHints.PerBatch)]
    private Tensor PredictLocked(Tensor x, int layer, int batchSize)
    {
        RequireLayers();
        if (layer < 0 || layer >= _layers.Count) throw new ArgumentOutOfRangeException(nameof(layer), $"The model has layers 0..{_layers.Count - 1}, not {layer}.");
        CheckBatchSize("Predict", batchSize);
        x = Adapt(x);
        int n = x.Shape[0], bs = InferenceBatch(batchSize, layer);
        var outShape = _layers[layer].OutputShape;
        int per = outShape.Aggregate(1, (a, d) => a * d);
        var result = new float[n * per];
        try
        {
            Layer.BeginInference(_layers, layer + 1, n, bs);
            for (int start = 0; start < n; start += bs)
            {
                int count = Math.Min(bs, n - start);
                var output = InferBatch("Predict", x, start, count, layer, check: true);
                output.data.AsSpan(0, count * per).CopyTo(result.AsSpan(start * per, count * per));
            }
        }
        finally { Layer.EndInference(_layers); }
        return new Tensor(result, [n, .. outShape]);
    }

    /// <summary>
    /// Samples <paramref name="x"/> and their targets <paramref name="y"/> as <paramref name="op"/> takes them: one
    /// target per sample, each of the size the loss takes (<see cref="CheckTargets"/>), and at least one sample:
    /// without one the loss would be 0/0, a NaN in the history and a chart that cannot draw it.
    /// </summary>
    private void CheckData(string op, Tensor x, Tensor y, Loss loss, string use, string xName = "x", string yName = "y", string param = "x")
    {
        CheckLossFitsOutput(op, loss);
        CheckCounts(op, x, y.Shape, xName, yName);
        CheckTargets(op, yName, loss, y, x.Shape[0]);
        if (x.Shape[0] == 0) throw new ArgumentException($"{op}: {xName} {x.Shape} has no samples to {use} on.", param);
    }

    /// <summary>
    /// Refuses targets whose size per sample is not what the loss takes from the model's output: one class
    /// index per sample for a sparse loss, else as many values as the output has (so a column of n values
    /// fits a one-unit output, as in Keras). The loss reads the targets as flat rows: without this check a
    /// wider row would be read out of step with the samples and a narrower one past the end.
    /// </summary>
    private void CheckTargets(string op, string name, Loss loss, Tensor y, int n)
    {
        int per = 1;
        for (int i = 1; i < y.Rank; i++) per *= y.Shape[i];
        int expected = loss.SparseTargets ? 1 : OutputWidth;
        if (per != expected)
            throw new ArgumentException(loss.SparseTargets
                ? $"{op}: targets {name} of shape {y.Shape} hold {per} values per sample, and {loss.Name} takes one class index per sample, shape ({n},)." +
                  (per == OutputWidth && loss is SparseCategoricalCrossentropy ? " For one-hot targets use categorical_crossentropy, or give the labels as class indices (int[])." : "")
                : $"{op}: targets {name} of shape {y.Shape} do not fit the model's output of shape {new Shape([n, .. _layers[^1].OutputShape])}: {loss.Name} takes {expected} value{(expected == 1 ? "" : "s")} per sample, as the output has.");
    }

    /// <summary>The number of output values per sample.</summary>
    private int OutputWidth => _layers[^1].OutputShape.Aggregate(1, (a, d) => a * d);
}
