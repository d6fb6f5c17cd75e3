using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A fully connected layer: <c>y = f(x·W + b)</c> with kernel W of shape (inputs, units) and bias b of
/// shape (units), like Keras's <c>Dense</c>. Every unit sees every input.
/// </summary>
public sealed class Dense : KernelLayer
{
    private Tensor? _out, _dx, _input;
    /// <summary>The kernel packed for the products of the current Predict or Evaluate (see <see cref="BeginInference"/>), kept for the next.</summary>
    private PackedB? _packedKernel;
    private bool _inferring;

    /// <summary>Below this many weights, packing them per batch costs too little to be worth keeping a packed copy.</summary>
    private const int PackOnceMinWeights = 1 << 16;

    /// <summary>A dense layer of <paramref name="units"/> neurons.</summary>
    /// <param name="units">Number of neurons (outputs).</param>
    /// <param name="activation">"relu", "sigmoid", "tanh", "softmax", ... or null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="inputShape">Number of inputs, when this is the model's first layer.</param>
    /// <param name="kernelInitializer">"glorot_uniform" (Keras's default), "he_normal", "he_uniform", "glorot_normal".</param>
    public Dense(int units, string? activation = null, bool useBias = true, int? inputShape = null, string kernelInitializer = "glorot_uniform")
        : base(activation, useBias, kernelInitializer)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), $"Dense: units must be positive, got {units}.");
        Units = units;
        if (inputShape is <= 0) throw new ArgumentOutOfRangeException(nameof(inputShape), $"Dense: inputShape must be positive (the number of features of one sample), got {inputShape}.");
        DeclaredInputShape = inputShape is int n ? [n] : null;
    }

    /// <summary>Number of neurons.</summary>
    public int Units { get; }

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        if (inputShape.Length != 1)
            throw new ArgumentException($"{Describe()}: expects flat inputs (features,), got samples of shape ({string.Join(", ", inputShape)}); add a Flatten layer before it.");
        CreateKernel([inputShape[0], Units], Units, rng);
        return [Units];
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        int n = x.Shape[0], inputs = InputShape[0];
        var y = Ensure(ref _out, n, Units);
        // Start every row at the bias, then accumulate x·W onto it: the bias costs no extra pass.
        if (UseBias) FillRows(y.data, Bias.data);
        // Within a Predict or Evaluate the kernel was packed once for all the batches (it cannot change then).
        var packed = !training && _inferring ? _packedKernel : null;
        Gemm.Multiply(n, Units, inputs, x.data, false, Kernel.data, false, y.data, accumulate: UseBias, skipZeros: true, packed, splitDepth: training && InputSplit(n) != 0);
        _input = x;
        return Activate(y, Units);
    }

    /// <summary>
    /// Packs the kernel once for the batches to come, as each batch's product would pack it (the course
    /// CNN's 4732×128 kernel, 2.4 MB, once per Predict instead of once per 256 images): the course CNN's
    /// predictions of the 10,000 test images ran 1.03x to 1.10x as fast (medians of four runs of 16 to 20
    /// pairs, same process, alternating).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal override void BeginInference(int rows, int batches)
    {
        _inferring = false;
        if (batches < 2 || Kernel.Size < PackOnceMinWeights) return;
        (_packedKernel ??= new PackedB()).Pack(Kernel.data, InputShape[0], Units, transposeB: false, rows);
        _inferring = true;
    }

    /// <inheritdoc/>
    internal override void EndInference() => _inferring = false;

    /// <summary>dx = dz·Wᵀ for <paramref name="rows"/> samples: the input gradient of the backward pass (and of <see cref="HiddenGradientCopy"/>'s, to the same bits).</summary>
    internal void InputGradient(ReadOnlySpan<float> dz, int rows, Span<float> dx) =>
        Simd.Gemm(rows, InputShape[0], Units, dz, false, Kernel.data, true, dx);

    /// <summary>
    /// For the next backward pass only: a copy of its pre-activation gradient dz, made by the thread whose
    /// managed id is Thread, which that thread reads instead of dz in the weight gradient's parts it runs
    /// (see <see cref="HiddenGradientCopy"/>).
    /// </summary>
    internal (float[] Data, int Thread)? GradientCopy { get; set; }

    /// <inheritdoc/>
    internal override int InputSplit(int rows) => Gemm.InputSplitFor(rows, Units, InputShape[0]);

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    protected internal override Tensor? BackwardFromPreActivation(Tensor dz, bool needInputGradient)
    {
        int n = dz.Shape[0], inputs = InputShape[0];
        var x = _input ?? throw new InvalidOperationException($"{Describe()}: backward before forward.");
        if (GradientCopy is var (copy, thread))
        {
            // One use: the trainer hands a copy for the batch in hand.
            GradientCopy = null;
            HiddenGradientCopy.Received?.Invoke(dz.data, copy);
            Gemm.MultiplyWithCopyOfB(inputs, Units, n, x.data, true, dz.data, copy, thread, KernelGradient.data, skipZeros: true);   // dW = xᵀ·dz
        }
        else Simd.Gemm(inputs, Units, n, x.data, true, dz.data, false, KernelGradient.data);     // dW = xᵀ·dz
        SumRowsIntoBiasGradient(dz, Units);                                                      // db = Σ rows of dz
        if (!needInputGradient) return null;
        var dx = Ensure(ref _dx, n, inputs);
        InputGradient(dz.data, n, dx.data);
        return dx;
    }
}
