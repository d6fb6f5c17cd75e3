using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// The shared plumbing of layers that compute <c>activation(x ⊛ kernel + bias)</c> (<see cref="Dense"/>,
/// <see cref="Conv2D"/>): the kernel, the optional bias, the activation and its backward pass. A derived
/// layer writes the weighted sum (plus bias) and its backward pass from the pre-activation gradient.
/// </summary>
public abstract class KernelLayer : Layer
{
    private Tensor? _kernel, _bias, _out, _z, _dz;

    /// <summary>Sets the activation, the bias option and the kernel initializer.</summary>
    protected KernelLayer(string? activation, bool useBias, string kernelInitializer)
    {
        Activation = Activations.Get(activation);
        UseBias = useBias;
        KernelInitializer = kernelInitializer;
    }

    /// <summary>The activation applied after the weighted sum.</summary>
    public ActivationFunction Activation { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }
    /// <summary>How the kernel is initialised.</summary>
    public string KernelInitializer { get; }

    /// <summary>The kernel (the weights).</summary>
    public Tensor Kernel => _kernel ?? throw new InvalidOperationException($"{Describe()} is not built yet.");
    /// <summary>The biases, one per output unit or filter.</summary>
    public Tensor Bias => _bias ?? throw new InvalidOperationException($"{Describe()} has no bias or is not built yet.");

    /// <summary>The kernel's gradient.</summary>
    protected Tensor KernelGradient => Gradients[0];
    /// <summary>The bias's gradient (only with a bias).</summary>
    protected Tensor BiasGradient => Gradients[1];

    /// <summary>Creates the kernel ("kernel", from <see cref="KernelInitializer"/>) and, with a bias, "bias" of <paramref name="units"/> zeros.</summary>
    protected void CreateKernel(int[] kernelShape, int units, Rng rng)
    {
        _kernel = AddWeight("kernel", kernelShape, rng, KernelInitializer);
        _bias = UseBias ? AddWeight("bias", [units], rng, "zeros") : null;
    }

    /// <summary>Starts every row of the (rows, units) output at the bias (so the weighted sum can accumulate onto it).</summary>
    protected void StartAtBias(Span<float> output)
    {
        if (UseBias) FillRows(output, _bias!.data);
        else output.Clear();
    }

    /// <summary>Applies the activation in place to the pre-activation <paramref name="y"/> (rows of <paramref name="units"/>), keeping what backward needs.</summary>
    protected Tensor Activate(Tensor y, int units)
    {
        if (Activation.NeedsInput) y.data.AsSpan().CopyTo(EnsureLike(ref _z, y.Shape).data);
        Activation.ForwardInPlace(y.data, units);
        _out = y;
        return y;
    }

    /// <summary>
    /// Keeps <paramref name="y"/> as the output when the derived layer's kernel has applied the activation
    /// itself (only for an activation whose backward pass reads the output, not the input).
    /// </summary>
    protected Tensor Activated(Tensor y)
    {
        if (Activation.NeedsInput) throw new InvalidOperationException($"{Describe()}: {Activation.Name}'s backward pass needs its input, which a fused kernel does not keep.");
        _out = y;
        return y;
    }

    /// <summary>
    /// The backward pass from the gradient of the activation's output, for a derived layer whose kernel
    /// folds the activation's backward into its own; false to let the activation's backward run first as
    /// a pass of its own (the default).
    /// </summary>
    protected virtual bool TryBackwardThroughActivation(Tensor dy, Tensor output, bool needInputGradient, out Tensor? dx)
    {
        dx = null;
        return false;
    }

    /// <summary>The bias gradient: the sum of the rows of <paramref name="dz"/>.</summary>
    protected void SumRowsIntoBiasGradient(Tensor dz, int units)
    {
        var db = BiasGradient.data.AsSpan();
        db.Clear();
        int rows = dz.Size / units;
        for (int r = 0; r < rows; r++) Simd.Add(db, dz.data.AsSpan(r * units, units), db);
    }

    /// <inheritdoc/>
    public sealed override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (_out is null) throw new InvalidOperationException($"{Describe()}: backward before forward.");
        Tensor dz = dy;
        if (Activation is not LinearActivation)
        {
            if (TryBackwardThroughActivation(dy, _out, needInputGradient, out var dx)) return dx;
            dz = EnsureLike(ref _dz, dy.Shape);
            Activation.Backward(_z is null ? default : _z.data, _out.data, dy.data, dz.data, OutputShape[^1]);
        }
        return BackwardFromPreActivation(dz, needInputGradient);
    }

    /// <summary>
    /// The backward pass given the gradient with respect to the pre-activation (the weighted sum plus bias):
    /// used directly when the loss fuses with the activation (see <see cref="Loss.FusesWith"/>).
    /// </summary>
    protected internal abstract Tensor? BackwardFromPreActivation(Tensor dz, bool needInputGradient);
}
