using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A fully connected layer: <c>y = f(x·W + b)</c> with kernel W of shape (inputs, units) and bias b of
/// shape (units), like Keras's <c>Dense</c>. Every unit sees every input.
/// </summary>
public sealed class Dense : Layer
{
    private Tensor? _kernel, _bias, _dKernel, _dBias;
    private Tensor? _out, _z, _dz, _dx, _input;

    /// <summary>A dense layer of <paramref name="units"/> neurons.</summary>
    /// <param name="units">Number of neurons (outputs).</param>
    /// <param name="activation">"relu", "sigmoid", "tanh", "softmax", ... or null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="inputShape">Number of inputs, when this is the model's first layer.</param>
    /// <param name="kernelInitializer">"glorot_uniform" (Keras's default), "he_normal", "he_uniform", "glorot_normal".</param>
    public Dense(int units, string? activation = null, bool useBias = true, int? inputShape = null, string kernelInitializer = "glorot_uniform")
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), $"Dense: units must be positive, got {units}.");
        Units = units;
        Activation = Activations.Get(activation);
        UseBias = useBias;
        KernelInitializer = kernelInitializer;
        DeclaredInputShape = inputShape is int n ? [n] : null;
    }

    /// <summary>Number of neurons.</summary>
    public int Units { get; }
    /// <summary>The activation applied after the weighted sum.</summary>
    public ActivationFunction Activation { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }
    /// <summary>How the kernel is initialised.</summary>
    public string KernelInitializer { get; }

    /// <summary>The weights, shape (inputs, units): column j holds neuron j's weights.</summary>
    public Tensor Kernel => _kernel ?? throw new InvalidOperationException($"{Describe()} is not built yet.");
    /// <summary>The biases, shape (units).</summary>
    public Tensor Bias => _bias ?? throw new InvalidOperationException($"{Describe()} has no bias or is not built yet.");

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Weights => _kernel is null ? [] : UseBias ? [_kernel, _bias!] : [_kernel];
    internal override IReadOnlyList<Tensor> Gradients => _dKernel is null ? [] : UseBias ? [_dKernel, _dBias!] : [_dKernel];
    internal override IReadOnlyList<string> WeightNames => UseBias ? ["kernel", "bias"] : ["kernel"];

    /// <summary>When set, the next backward pass receives the gradient with respect to the pre-activation (fused softmax/sigmoid + cross-entropy).</summary>
    internal bool GradientIsPreActivation { get; set; }

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        if (inputShape.Length != 1)
            throw new ArgumentException($"{Describe()}: expects flat inputs (features,), got samples of shape ({string.Join(", ", inputShape)}); add a Flatten layer before it.");
        int inputs = inputShape[0];
        _kernel = Tensor.Zeros(inputs, Units);
        Initializers.Fill(KernelInitializer, _kernel.AsSpan(), inputs, Units, rng);
        _dKernel = Tensor.Zeros(inputs, Units);
        if (UseBias) { _bias = Tensor.Zeros(Units); _dBias = Tensor.Zeros(Units); }
        return [Units];
    }

    internal override Tensor Forward(Tensor x, bool training)
    {
        int n = x.Shape[0], inputs = InputShape[0];
        var y = Ensure(ref _out, n, Units);
        // Start every row at the bias, then accumulate x·W onto it: the bias costs no extra pass.
        if (UseBias) Layer.FillRows(y.data, _bias!.data);
        Simd.Gemm(n, Units, inputs, x.data, false, _kernel!.data, false, y.data, accumulate: UseBias);
        if (Activation.NeedsInput) y.data.AsSpan().CopyTo(Ensure(ref _z, n, Units).data);
        Activation.ForwardInPlace(y.data, Units);
        _input = x;
        return y;
    }

    internal override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        int n = dy.Shape[0], inputs = InputShape[0];
        var x = _input ?? throw new InvalidOperationException($"{Describe()}: backward before forward.");
        Tensor dz;
        if (GradientIsPreActivation) dz = dy;
        else
        {
            dz = Ensure(ref _dz, n, Units);
            Activation.Backward(_z is null ? default : _z.data, _out!.data, dy.data, dz.data, Units);
        }
        Simd.Gemm(inputs, Units, n, x.data, true, dz.data, false, _dKernel!.data);          // dW = xᵀ·dz
        if (UseBias)
        {
            var db = _dBias!.data.AsSpan();
            db.Clear();
            for (int r = 0; r < n; r++) Simd.Add(db, dz.data.AsSpan(r * Units, Units), db);   // db = Σ rows of dz
        }
        if (!needInputGradient) return null;
        var dx = Ensure(ref _dx, n, inputs);
        Simd.Gemm(n, inputs, Units, dz.data, false, _kernel!.data, true, dx.data);           // dx = dz·Wᵀ
        return dx;
    }
}
