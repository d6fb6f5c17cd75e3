using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A one-hidden-layer dense network's hidden gradient dz, made a second time by the worker that shares the
/// step's products, so that its half of the first layer's weight gradient xᵀ·dz reads dz from its own
/// cache. Without it, the calling thread writes dz (the output layer's backward pass and the activation's
/// run on it alone) and the worker reads all of it, 80 KB for the MLP at batch 200, from the other core
/// right when the product starts. Here, while the calling thread runs the output layer and the loss, the
/// worker copies the hidden layer's output; once the loss's gradient of the outputs is there (8 KB), it
/// makes dh = dout·W₂ᵀ and dz with the same kernels, so the same bits.
/// </summary>
internal sealed class HiddenGradientCopy : ISideTask
{
    /// <summary>For the tests: while set on a thread, its training loops make no copy.</summary>
    [ThreadStatic] internal static bool Off;

    /// <summary>For the tests: called with the calling thread's dz and the worker's copy, when the weight gradient reads both.</summary>
    internal static Action<float[], float[]>? Received;

    private readonly Dense _hidden, _output;
    private float[] _h = [], _dh = [], _dz = [];
    private float[]? _hiddenOutput, _outputGradient;
    private int _rows, _thread;
    /// <summary>0: the output gradient is not there yet; 1: it is; -1: the step went another way, give up.</summary>
    private int _stage;
    private bool _handed;

    private HiddenGradientCopy(Dense hidden, Dense output)
    {
        _hidden = hidden;
        _output = output;
    }

    /// <summary>
    /// A copy for these layers when they are one hidden dense layer whose activation's backward pass reads only
    /// its output, then a dense output layer whose backward pass starts from the loss's fused gradient; else null.
    /// </summary>
    public static HiddenGradientCopy? For(IReadOnlyList<Layer> layers, KernelLayer? fusedLast) =>
        layers.Count == 2 && layers[0] is Dense hidden && layers[1] is Dense output && ReferenceEquals(output, fusedLast)
            && hidden.Activation is not LinearActivation && !hidden.Activation.NeedsInput
            ? new HiddenGradientCopy(hidden, output) : null;

    /// <summary>
    /// Hands the copy to the worker, once the hidden layer's forward pass has made <paramref name="hiddenOutput"/>
    /// for a batch of <paramref name="rows"/>, if a worker is staying with the calling thread's loops (none is
    /// when the step runs alone) and the batch's arrays are exactly its size.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public void Begin(Tensor hiddenOutput, int rows)
    {
        int size = rows * _hidden.Units;
        if (Off || hiddenOutput.data.Length != size || ForkJoin.Alone) return;
        if (_h.Length != size) (_h, _dh, _dz) = (new float[size], new float[size], new float[size]);
        _hiddenOutput = hiddenOutput.data;
        _rows = rows;
        Volatile.Write(ref _stage, 0);
        _handed = ForkJoin.Beside(this);
    }

    /// <summary>The loss's gradient of the output layer's pre-activation is in <paramref name="gradient"/>: the worker may go on.</summary>
    public void OutputGradientReady(float[] gradient)
    {
        if (!_handed) return;
        _outputGradient = gradient;
        Volatile.Write(ref _stage, 1);
    }

    /// <summary>
    /// Waits for the worker (or tells it to give up, if the loss's gradient never came) and, with
    /// <paramref name="use"/>, gives the hidden layer the copy for its next backward pass, if the worker made
    /// it. Called before that pass, and without <paramref name="use"/> on any other way out of the step, so
    /// that the worker stops waiting and no copy is left for a later pass.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public void End(bool use)
    {
        if (!_handed)
        {
            _hidden.GradientCopy = null;
            return;
        }
        _handed = false;
        // Once the gradient was there, a worker that took the task made the copy (or threw, which the join rethrows).
        bool ready = Interlocked.CompareExchange(ref _stage, -1, 0) == 1;
        bool ran = ForkJoin.JoinBeside();
        _hidden.GradientCopy = use && ran && ready ? (_dz, _thread) : null;
    }

    /// <summary>On the worker.</summary>
    [MethodImpl(JitHints.PerBatch)]
    public void Run()
    {
        _thread = Environment.CurrentManagedThreadId;
        _hiddenOutput.AsSpan().CopyTo(_h);
        var spin = new SpinWait();
        int stage;
        while ((stage = Volatile.Read(ref _stage)) == 0) spin.SpinOnce(sleep1Threshold: -1);
        if (stage < 0) return;
        // As the output layer's and the activation's backward passes compute them on the calling thread.
        _output.InputGradient(_outputGradient, _rows, _dh);
        _hidden.Activation.Backward(default, _h, _dh, _dz, _hidden.Units);
    }
}
