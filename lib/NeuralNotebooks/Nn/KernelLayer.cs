using System.Runtime.CompilerServices;
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
        // Checked here, as Keras does: at build time a typo left a half-added layer behind.
        KernelInitializer = Initializers.Known(kernelInitializer);
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
    protected Tensor BiasGradient => UseBias && Gradients.Count > 1 ? Gradients[1]
        : throw new InvalidOperationException($"{Describe()} has no bias (useBias: false) or is not built yet, so it has no bias gradient.");

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
    [MethodImpl(JitHints.PerBatch)]
    protected Tensor Activate(Tensor y, int units)
    {
        if (Activation.NeedsInput) y.data.AsSpan().CopyTo(EnsureLike(ref _z, y.Shape).data);
        // A linear activation has nothing to apply, and nothing worth handing to the other cores.
        int size = y.Size;
        if (Activation is not LinearActivation)
        {
            if (size >= ParallelActivationFloats) ForkJoin.ForBalanced(size / units, RowsPerGrain(units), new ActivateRows(Activation, y.data, units));
            else Activation.ForwardInPlace(y.data.AsSpan(0, size), units);
        }
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

    /// <summary>The bias gradient: the sum of the rows of <paramref name="dz"/>. Nothing without a bias.</summary>
    protected void SumRowsIntoBiasGradient(Tensor dz, int units)
    {
        if (UseBias) Simd.SumRows(dz.data.AsSpan(0, dz.Size), units, BiasGradient.data);
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public sealed override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (_out is null) throw new InvalidOperationException($"{Describe()}: backward before forward.");
        Tensor dz = dy;
        if (Activation is not LinearActivation)
        {
            if (TryBackwardThroughActivation(dy, _out, needInputGradient, out var dx)) return dx;
            dz = EnsureLike(ref _dz, dy.Shape);
            int units = OutputShape[^1], size = dy.Size;
            if (size >= ParallelActivationFloats) ForkJoin.ForBalanced(size / units, RowsPerGrain(units), new ActivationBackwardRows(Activation, _z?.data, _out.data, dy.data, dz.data, units));
            else Activation.Backward(_z is null ? default : _z.data, _out.data, dy.data, dz.data, units);
        }
        return BackwardFromPreActivation(dz, needInputGradient);
    }

    /// <summary>
    /// An activation over at least this many floats (the course CNN's 128 units at its inference batch of
    /// 256 are 32,768) runs on every core, in bands of whole rows; a smaller one stays on the calling thread,
    /// where handing it out would cost about what it saves. The MLP's 200×100 sigmoid (20,000) used to be
    /// shared: its backward pass took 10.5 µs a batch on two cores inside a training step (presumably the
    /// worker fetching the half of dy the calling core had just written), and 1.35 µs alone on one core
    /// with its arrays in cache. Kept on one core, MLPClassifier fits ran 1.009x and 1.024x as fast and MLP epochs 1.041x and
    /// 1.027x (alternating in one process, 7 to 14 of each, the Zen 5), the same bits. With AVX-512 switched off
    /// (256-bit paths) fits ran 1.027x and 1.013x and epochs 1.008x and 1.007x; with AVX2 off too (128-bit) fits
    /// 0.979x to 1.003x and epochs 1.000x to 1.010x (medians of 12 pairs a process): no width gains from sharing it.
    /// </summary>
    private const int ParallelActivationFloats = 32 * 1024;

    /// <summary>Rows per grain of a parallel activation: a few thousand floats, whole rows (a softmax needs its row).</summary>
    private static int RowsPerGrain(int units) => Math.Max(1, 4096 / Math.Max(1, units));

    /// <summary>Rows [from, to) of the activation's forward pass, in place.</summary>
    private readonly struct ActivateRows(ActivationFunction activation, float[] y, int units) : IRangeBody
    {
        public void Run(int from, int to) => activation.ForwardInPlace(y.AsSpan(from * units, (to - from) * units), units);
    }

    /// <summary>Rows [from, to) of the activation's backward pass.</summary>
    private readonly struct ActivationBackwardRows(ActivationFunction activation, float[]? z, float[] y, float[] dy, float[] dz, int units) : IRangeBody
    {
        [MethodImpl(JitHints.PerBatch)]
        public void Run(int from, int to)
        {
            int at = from * units, length = (to - from) * units;
            activation.Backward(z is null ? default : z.AsSpan(at, length), y.AsSpan(at, length), dy.AsSpan(at, length), dz.AsSpan(at, length), units);
        }
    }

    /// <summary>
    /// The backward pass given the gradient with respect to the pre-activation (the weighted sum plus bias):
    /// used directly when the loss fuses with the activation (see <see cref="Loss.FusesWith"/>).
    /// </summary>
    protected internal abstract Tensor? BackwardFromPreActivation(Tensor dz, bool needInputGradient);
}
