using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// The one training loop, used by <see cref="Sequential.Fit(Tensor, Tensor, int, int, ValueTuple{Tensor, Tensor}?, double, bool, bool, Action{EpochLog}?)"/>
/// and <see cref="MLPClassifier"/>: for each batch, gather it, run every layer's forward pass, take the
/// loss and its gradient (fused with the last activation when the loss says so), run the backward passes
/// (a first convolution's and the max pooling's after it as one, and their forward passes too when the
/// convolution has no activation),
/// let the optimizer step. A non-finite loss or weight stops training in that batch with the weights from
/// before it. Buffers are reused from batch to batch.
/// The optimizer writes each step's weights into a second array per weight tensor, checking them as it
/// writes, and the step is kept by swapping the two arrays: the weights from before it stay intact, for a
/// step that breaks them, without a copy. (Until then each step was checked and copied aside in a pass of
/// its own after the update in place: the course CNN's epochs ran 1.036x as fast without it, medians of
/// eight pairs of runs in alternating processes, same bits.)
/// Each batch shares its kernels among the cores or runs on the calling thread alone, whichever was
/// faster when both were last timed (<see cref="StepCores"/>); the bits are the same either way. Shared, a
/// network of one hidden dense layer has the worker make its own copy of the hidden gradient while the
/// calling thread runs the output layer and the loss (<see cref="HiddenGradientCopy"/>).
/// </summary>
internal sealed class Trainer
{
    private readonly IReadOnlyList<Layer> _layers;
    private readonly Loss _loss;
    private readonly Optimizer _optimizer;
    private readonly KernelLayer? _fusedLast;
    /// <summary>A first convolution (no activation or ReLU) and the max pooling after it, whose backward passes run as one.</summary>
    private readonly (Conv2D Conv, MaxPool2D Pool)? _fusedFirst;
    /// <summary>Whether their forward passes run as one too (<see cref="Conv2D.ForwardFusesWith"/>).</summary>
    private readonly bool _pooledAsItGoes;
    private readonly List<Tensor> _parameters = [], _gradients = [];
    private readonly List<string> _owners = [];
    /// <summary>Per weight tensor, whether it is a layer's kernel (the L2 penalty's; biases are not penalized).</summary>
    private readonly List<bool> _isKernel = [];
    /// <summary>Per weight tensor, the L2 coefficient of the current batch, for an optimizer that adds the term itself.</summary>
    private readonly float[] _l2;
    /// <summary>Per weight tensor, the array the next step writes into (the one before last, or a spare).</summary>
    private readonly float[][] _next;
    /// <summary>Per weight tensor, its array when the trainer was made, which holds the weights again whenever <see cref="RunEpoch"/> returns.</summary>
    private readonly float[][] _original;
    private readonly Tensor?[] _outputs;
    private Tensor? _xBatch, _yBatch, _grad;
    /// <summary>Whether each batch shares its kernels among the cores or runs on this thread alone.</summary>
    private readonly StepCores _cores = new();
    /// <summary>For a network of one hidden dense layer, the hidden gradient the worker makes of its own (else null).</summary>
    private readonly HiddenGradientCopy? _copy;

    public Trainer(IReadOnlyList<Layer> layers, Loss loss, Optimizer optimizer)
    {
        _layers = layers;
        _loss = loss;
        _optimizer = optimizer;
        _fusedLast = layers[^1] is KernelLayer k && loss.FusesWith(k.Activation) ? k : null;
        _fusedFirst = layers.Count > 2 && Conv2D.FirstPair(layers) is var (conv, pool) && conv.BackwardFusesWith(pool) ? (conv, pool) : null;
        _pooledAsItGoes = _fusedFirst is var (c, p) && c.ForwardFusesWith(p);
        foreach (var l in layers)
            for (int i = 0; i < l.Weights.Count; i++)
            {
                _parameters.Add(l.Weights[i]);
                _gradients.Add(l.Gradients[i]);
                _owners.Add($"{l.Describe()}, weight '{l.WeightNames[i]}'");
                _isKernel.Add(l is KernelLayer kernelLayer && ReferenceEquals(l.Weights[i], kernelLayer.Kernel));
            }
        _l2 = new float[_parameters.Count];
        _next = _parameters.Select(p => new float[p.Size]).ToArray();
        _original = _parameters.Select(p => p.data).ToArray();
        _outputs = new Tensor?[layers.Count];
        _copy = HiddenGradientCopy.For(layers, _fusedLast);
    }

    /// <summary>
    /// The largest weight magnitude training accepts. Beyond 1e10 a float32 weight has a resolution of about
    /// 1000, so ordinary updates no longer change it: the network is frozen in a diverged state even though
    /// every number is still finite (SGD with a learning rate of 1e6 reaches 1e13 in two batches).
    /// </summary>
    public const float WeightLimit = 1e10f;

    /// <summary>
    /// Whether this trainer was made for this loss and optimizer and the layers still hold the tensors it
    /// steps: a layer rebuilt with <see cref="Layer.Build(int)"/> after a Fit has new ones, which a reused
    /// trainer never moved (it stepped the old ones).
    /// </summary>
    public bool Matches(Loss loss, Optimizer optimizer)
    {
        if (!ReferenceEquals(loss, _loss) || !ReferenceEquals(optimizer, _optimizer)) return false;
        int k = 0;
        foreach (var l in _layers)
            foreach (var w in l.Weights)
                if (k >= _parameters.Count || !ReferenceEquals(w, _parameters[k++])) return false;
        return k == _parameters.Count;
    }

    /// <summary>
    /// scikit-learn's L2 penalty α: the loss of a batch of B samples gains 0.5·α·Σ‖kernel‖² / B and each
    /// kernel's gradient α·kernel / B (biases are not penalized). 0 (off) by default.
    /// </summary>
    public float L2PerBatch { get; init; }

    /// <summary>
    /// One pass over the first y.Shape[0] samples of <paramref name="x"/> in batches, in <paramref name="order"/>
    /// (null: as stored); x may hold more after them (a validation split's, left in place rather than copied out).
    /// Returns the sum over samples of the batch losses and, when asked, the number of correct predictions.
    /// With <paramref name="xBytes"/> (<see cref="PixelBytes.Matching"/> of x), the batches are gathered from those bytes.
    /// </summary>
    public (double LossSum, long Correct) RunEpoch(Tensor x, Tensor y, int[]? order, int batchSize, int epoch, bool countCorrect, byte[]? xBytes = null)
    {
        try
        {
            return RunBatches(x, y, order, batchSize, epoch, countCorrect, xBytes);
        }
        finally
        {
            // A step that threw may have left the worker on the copy, or a copy for a backward pass that never ran.
            _copy?.End(use: false);
            ForkJoin.Alone = false;
            // Whatever happened, each weight tensor ends on its own array, holding the weights, so that views of
            // it (Reshape) and arrays a learner wrapped in it see them.
            for (int i = 0; i < _parameters.Count; i++)
                if (!ReferenceEquals(_parameters[i].data, _original[i]))
                {
                    _parameters[i].data.AsSpan().CopyTo(_original[i]);
                    _parameters[i].SwapData(ref _next[i]);
                }
        }
    }

    [MethodImpl(JitHints.PerBatch)]
    private (double LossSum, long Correct) RunBatches(Tensor x, Tensor y, int[]? order, int batchSize, int epoch, bool countCorrect, byte[]? xBytes)
    {
        int n = y.Shape[0];
        double lossSum = 0;
        long correct = 0;
        for (int start = 0, batch = 1; start < n; start += batchSize, batch++)
        {
            int count = Math.Min(batchSize, n - start);
            ForkJoin.Alone = _cores.Begin();
            var xb = Batches.Gather(x, order, start, count, ref _xBatch, _layers[0].InputSplit(count), xBytes);
            var yb = Batches.Gather(y, order, start, count, ref _yBatch);
            // Summed before the forward pass, not with the loss: the cores' loops in between then need not wait
            // for a worker busy with the copy, and each core's half of the kernel is still in its cache from the
            // last step. The weights are the same until this step's update, so the sum is too.
            double squares = L2PerBatch != 0 ? KernelSquares() : 0;
            Tensor h = xb;
            for (int i = 0; i < _layers.Count; i++)
            {
                if (i == 0 && _pooledAsItGoes && _fusedFirst is { } pair)
                {
                    // The convolution's feature maps are pooled as they are made and not kept.
                    _outputs[0] = null;
                    h = _outputs[1] = pair.Conv.ForwardThroughPool(pair.Pool, h, training: true);
                    i = 1;
                    continue;
                }
                h = _outputs[i] = _layers[i].CheckOutput(_layers[i].Forward(h, training: true), count);
                if (i == 0) _copy?.Begin(h, count);
            }
            var grad = Layer.EnsureLike(ref _grad, h.Shape);
            int width = h.Size / count;
            double batchLoss = _fusedLast is null ? _loss.Forward(h.data, yb.data, count, width, grad.data) : _loss.Forward(h.data, yb.data, count, width, default);
            if (_fusedLast is not null) _loss.FusedGradient(h.data, yb.data, count, width, grad.data);
            _copy?.OutputGradientReady(grad.data);
            if (L2PerBatch != 0) batchLoss += 0.5 * L2PerBatch * squares / count;
            if (!double.IsFinite(batchLoss)) throw Diverged(epoch, batch, string.Create(CultureInfo.InvariantCulture, $"the loss became {(float)batchLoss}"), FirstNonFiniteOutput(xb), xb, order, start);
            lossSum += batchLoss * count;
            if (countCorrect) correct += Metrics.CountCorrect(h, yb, _loss.SparseTargets, _loss.SingleOutputThreshold);

            Tensor? g = grad;
            for (int i = _layers.Count - 1; i >= 0 && g is not null; i--)
            {
                if (i == 0) _copy?.End(use: true);
                if (i == 1 && _fusedFirst is { } first)
                {
                    first.Conv.BackwardThroughPool(first.Pool, g);
                    break;
                }
                g = i == _layers.Count - 1 && _fusedLast is not null
                    ? _fusedLast.BackwardFromPreActivation(g, needInputGradient: i > 0)
                    : _layers[i].Backward(g, needInputGradient: i > 0);
                if (i > 0) g = _layers[i].CheckInputGradient(g, count);
            }
            // The L2 term's gradient, λ·kernel: added by the optimizer as it reads the gradients where it can
            // (Adam), which saves a pass over the kernels that ran on one core while the other waited
            // (MLPClassifier's 784×100 kernel: 3.8% of the calling thread's time); else added here.
            bool l2InStep = L2PerBatch != 0 && _optimizer.AddsL2;
            if (L2PerBatch != 0)
                for (int i = 0; i < _parameters.Count; i++)
                {
                    float coefficient = _isKernel[i] ? L2PerBatch / count : 0f;
                    if (l2InStep) _l2[i] = coefficient;
                    else if (coefficient != 0) Simd.AddScaled(coefficient, _parameters[i].data, _gradients[i].data);
                }

            // The new weights go into the other arrays, checked on the way; the step is kept by swapping arrays.
            int broken = _optimizer.StepInto(_parameters, _gradients, _next, WeightLimit, l2InStep ? _l2 : null);
            if (broken >= 0)
            {
                int at = Finite.IndexOfNonFinite(_next[broken], WeightLimit);
                float value = _next[broken][at];
                string what = float.IsFinite(value) ? string.Create(CultureInfo.InvariantCulture, $"a weight grew to {value} (element {at}), beyond ±{WeightLimit:G0}") : string.Create(CultureInfo.InvariantCulture, $"a weight became {value} (element {at})");
                _optimizer.Refuse(_parameters);   // so that Fit can resume once the cause is fixed
                throw Diverged(epoch, batch, what, _owners[broken], xb, order, start);
            }
            for (int i = 0; i < _parameters.Count; i++) _parameters[i].SwapData(ref _next[i]);
            _cores.End(comparable: count == batchSize);
        }
        return (lossSum, correct);
    }

    private double KernelSquares()
    {
        double sum = 0;
        for (int i = 0; i < _layers.Count; i++)
            if (_layers[i] is KernelLayer k) sum += Reductions.SumOfSquaresInHalves(k.Kernel.data);
        return sum;
    }

    /// <summary>The first layer whose output holds a NaN or infinity (or the input batch itself), to say where divergence started.</summary>
    private string? FirstNonFiniteOutput(Tensor xb)
    {
        if (Finite.IndexOfNonFinite(xb.data) >= 0) return "the input";
        for (int i = 0; i < _layers.Count; i++)
            if (_outputs[i] is { } output && Finite.IndexOfNonFinite(output.data.AsSpan(0, output.Size)) >= 0) return $"the output of {_layers[i].Describe()}";
        return null;
    }

    private TrainingDivergedException Diverged(int epoch, int batch, string what, string? where, Tensor xb, int[]? order, int start)
    {
        int at = Finite.IndexOfNonFinite(xb.data);
        if (at >= 0)
        {
            int k = at / (xb.Size / xb.Shape[0]);
            what += string.Create(CultureInfo.InvariantCulture, $"; the input holds {xb.data[at]} in sample {(order is null ? start + k : order[start + k])}");
        }
        return new(epoch, batch, what, where, _optimizer.LearningRate, LargestWeight());
    }

    /// <summary>The largest size of a weight the model keeps (those from before the refused batch), for the advice of <see cref="TrainingDivergedException"/>.</summary>
    private float LargestWeight()
    {
        float largest = 0;
        foreach (var p in _parameters)
            foreach (float w in p.AsSpan())
                if (float.IsFinite(w)) largest = Math.Max(largest, Math.Abs(w));
        return largest;
    }
}
