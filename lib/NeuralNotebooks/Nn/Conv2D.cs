using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// A 2-D convolution over images (batch, height, width, channels), like Keras's <c>Conv2D</c>:
/// <c>filters</c> kernels of <c>kernelSize</c> slide over the image with the given strides; each output
/// channel is one kernel's response plus its bias. Computed as one matrix product per batch: the
/// image patches are unfolded into rows (im2col) and multiplied by the kernel reshaped to
/// (kh·kw·channels, filters), which gives the output directly in (batch, height, width, filters) order.
/// A small patch over few channels (a first layer's 3×3 over one grey channel) is computed straight
/// from the image instead: unfolding nine floats per position would cost more than the product.
/// </summary>
public sealed class Conv2D : KernelLayer
{
    private Tensor? _cols, _out, _dCols, _dx, _x;
    private int _outH, _outW, _padTop, _padLeft;
    private float[]? _ones;

    /// <summary>A convolution with <paramref name="filters"/> kernels of size <paramref name="kernelSize"/>.</summary>
    /// <param name="filters">Number of kernels (output channels).</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="strides">Step between positions, (1, 1) by default.</param>
    /// <param name="padding">"valid" (no padding: the output shrinks) or "same" (zero padding so that out = ceil(in / stride)).</param>
    /// <param name="activation">Activation applied to the output, or null for none (Keras's default).</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="inputShape">(height, width, channels) of one image, for the model's first layer.</param>
    /// <param name="kernelInitializer">"glorot_uniform" (Keras's default), "he_normal", "he_uniform", "glorot_normal".</param>
    public Conv2D(int filters, (int Height, int Width) kernelSize, (int Height, int Width)? strides = null, string padding = "valid",
        string? activation = null, bool useBias = true, (int Height, int Width, int Channels)? inputShape = null, string kernelInitializer = "glorot_uniform")
        : base(activation, useBias, kernelInitializer)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), $"Conv2D: filters must be positive, got {filters}.");
        if (kernelSize.Height <= 0 || kernelSize.Width <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv2D: kernel size must be positive, got {kernelSize}.");
        ArgumentNullException.ThrowIfNull(padding);
        Padding = padding.ToLowerInvariant() is "valid" or "same" ? padding.ToLowerInvariant()
            : throw new ArgumentException($"Conv2D: padding must be \"valid\" or \"same\", got \"{padding}\".");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides ?? (1, 1);
        if (Strides.Height <= 0 || Strides.Width <= 0) throw new ArgumentOutOfRangeException(nameof(strides), $"Conv2D: strides must be positive, got {Strides}.");
        if (inputShape is { } given && (given.Height <= 0 || given.Width <= 0 || given.Channels <= 0))
            throw new ArgumentOutOfRangeException(nameof(inputShape), $"Conv2D: inputShape (height, width, channels) must be positive, got {given}.");
        DeclaredInputShape = inputShape is { } s ? [s.Height, s.Width, s.Channels] : null;
    }

    /// <summary>Number of kernels (output channels).</summary>
    public int Filters { get; }
    /// <summary>Kernel height and width.</summary>
    public (int Height, int Width) KernelSize { get; }
    /// <summary>Step between positions.</summary>
    public (int Height, int Width) Strides { get; }
    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }
    /// <summary>Output size along one axis: valid: ⌊(in - k) / s⌋ + 1, so 0 for a kernel larger than the input; same: ⌈in / s⌉.</summary>
    public static int OutputSize(int input, int kernel, int stride, string padding) =>
        padding == "same" ? (input + stride - 1) / stride : ValidOutputSize(input, kernel, stride);

    /// <summary>
    /// ⌊(in - k) / s⌋ + 1 with the floor taken, not C#'s division toward zero, which made a kernel one to
    /// s - 1 pixels larger than the input fit once (a 3×3 kernel of stride 2 on a 2×2 image).
    /// </summary>
    internal static int ValidOutputSize(int input, int kernel, int stride) => input < kernel ? 0 : (input - kernel) / stride + 1;

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()}: expects images (height, width, channels), got samples of shape ({string.Join(", ", inputShape)}).");
        int h = inputShape[0], w = inputShape[1], c = inputShape[2];
        var (kh, kw) = KernelSize;
        _outH = OutputSize(h, kh, Strides.Height, Padding);
        _outW = OutputSize(w, kw, Strides.Width, Padding);
        if (_outH <= 0 || _outW <= 0)
            throw new ArgumentException($"{Describe()}: a {kh}x{kw} kernel does not fit in a {h}x{w} image with \"{Padding}\" padding.");
        // TensorFlow's "same": total padding (out-1)·s + k - in, the odd pixel at the bottom/right.
        _padTop = Padding == "same" ? Math.Max((_outH - 1) * Strides.Height + kh - h, 0) / 2 : 0;
        _padLeft = Padding == "same" ? Math.Max((_outW - 1) * Strides.Width + kw - w, 0) / 2 : 0;
        CreateKernel([kh, kw, c, Filters], Filters, rng);
        return [_outH, _outW, Filters];
    }

    private int PatchSize => KernelSize.Height * KernelSize.Width * InputShape[2];

    private bool Direct => DirectConvolution.Takes(PatchSize, Filters);

    private ConvShape Geometry(int n) => new(n, InputShape[0], InputShape[1], InputShape[2], KernelSize.Height, KernelSize.Width,
        Strides.Height, Strides.Width, _padTop, _padLeft, _outH, _outW);

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        int n = x.Shape[0], rows = n * _outH * _outW;
        if (Direct)
        {
            _x = x;
            var direct = Ensure(ref _out, n, _outH, _outW, Filters);
            // ReLU is applied as the kernel stores each position: one pass over the feature map fewer.
            bool relu = Activation is ReluActivation;
            DirectConvolution.Forward(x.data, Geometry(n), Kernel.data, Filters, UseBias ? Bias.data : default, direct.data, relu);
            return relu ? Activated(direct) : Activate(direct, Filters);
        }
        var cols = Ensure(ref _cols, rows, PatchSize);
        Simd.Im2Col(x.data, n, InputShape[0], InputShape[1], InputShape[2], KernelSize.Height, KernelSize.Width,
            Strides.Height, Strides.Width, _padTop, _padLeft, _outH, _outW, cols.data);
        var y = Ensure(ref _out, n, _outH, _outW, Filters);
        if (UseBias) FillRows(y.data, Bias.data);
        Simd.Gemm(rows, Filters, PatchSize, cols.data, false, Kernel.data, false, y.data, accumulate: UseBias);
        return Activate(y, Filters);
    }

    /// <summary>
    /// A first layer on the direct path with ReLU: the kernel gradient masks the output gradient by the
    /// output one image at a time, in cache, instead of after a pass that writes the whole batch's mask.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    protected override bool TryBackwardThroughActivation(Tensor dy, Tensor output, bool needInputGradient, out Tensor? dx)
    {
        dx = null;
        if (!Direct || needInputGradient || Activation is not ReluActivation) return false;
        DirectConvolution.KernelGradient(_x!.data, Geometry(dy.Shape[0]), dy.data, Filters, KernelGradient.data,
            UseBias ? BiasGradient.data : default, reluOutput: output.data);
        return true;
    }

    /// <summary>
    /// Whether this layer's forward pass and <paramref name="pool"/>'s can run as one
    /// (<see cref="ForwardThroughPool"/>): the direct path without an activation, pooled right after.
    /// </summary>
    internal bool ForwardFusesWith(MaxPool2D pool) => Direct && Activation is LinearActivation && Feeds(pool);

    /// <summary>Whether <paramref name="pool"/> takes this layer's output: the same map size and channels.</summary>
    private bool Feeds(MaxPool2D pool) => pool.Geometry is var g && g.Height == _outH && g.Width == _outW && g.Channels == Filters;

    /// <summary>
    /// The model's first two layers when they are a <see cref="Conv2D"/> and a <see cref="MaxPool2D"/>: the pair
    /// whose passes <see cref="ForwardFusesWith"/> and <see cref="BackwardFusesWith"/> ask about.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    internal static (Conv2D Conv, MaxPool2D Pool)? FirstPair(IReadOnlyList<Layer> layers) =>
        layers.Count > 1 && layers[0] is Conv2D conv && layers[1] is MaxPool2D pool ? (conv, pool) : null;

    /// <summary>
    /// This layer's forward pass and <paramref name="pool"/>'s as one: each window of the pooling is computed
    /// and pooled in registers (2×2 windows of stride 2), or each image's feature map is made in the core's
    /// cache and pooled there (other poolings), and only the pooled output (and, training, where each maximum
    /// came from) is written. The feature maps themselves are not kept, so this layer's output is not
    /// available until its next <see cref="Forward"/>; its backward pass needs only its input.
    /// </summary>
    internal Tensor ForwardThroughPool(MaxPool2D pool, Tensor x, bool training)
    {
        var pooled = ThroughPool(pool, x.data, x.Shape[0], training);
        _x = x;
        return pooled;
    }

    /// <summary>
    /// <see cref="ForwardThroughPool"/> for inference, over <paramref name="n"/> samples read where they lie
    /// (a slice of the caller's whole input, not a copy of it); nothing is kept for a backward pass.
    /// </summary>
    internal Tensor InferThroughPool(MaxPool2D pool, ReadOnlySpan<float> x, int n) => ThroughPool(pool, x, n, training: false);

    /// <summary>The pooled convolution of the <paramref name="n"/> samples in <paramref name="x"/>, with where each maximum came from when training.</summary>
    private Tensor ThroughPool(MaxPool2D pool, ReadOnlySpan<float> x, int n, bool training)
    {
        if (!ForwardFusesWith(pool)) throw new InvalidOperationException($"{Describe()}: cannot compute {pool.Describe()} as it goes.");
        var (pooled, argmax) = pool.OutputsFor(n, training);
        DirectConvolution.ForwardThroughMaxPool(x, Geometry(n), Kernel.data, Filters, UseBias ? Bias.data : default, pool.Geometry, pooled.data, argmax);
        return pooled;
    }

    /// <summary>
    /// Whether, as a first layer followed by <paramref name="pool"/>, the backward passes of both can run as
    /// one (<see cref="BackwardThroughPool"/>): the direct path with no activation or ReLU, and a pooling
    /// that tiles its output.
    /// </summary>
    internal bool BackwardFusesWith(MaxPool2D pool) =>
        Direct && Activation is ReluActivation or LinearActivation && Feeds(pool) && Pooling.GradientByImage(pool.Geometry);

    /// <summary>
    /// The backward passes of <paramref name="pool"/> and of this layer (a first layer: no input gradient)
    /// as one, from the pooling's output gradient: each image's gradient is routed back through the pooling
    /// (and ReLU) in the core's cache and summed into the kernel gradient, instead of the pooling writing
    /// the batch's gradient (2.4 MB for the course CNN's batch of 32) for the kernel gradient to read back.
    /// The same numbers as <c>Backward</c> of each in turn.
    /// </summary>
    internal void BackwardThroughPool(MaxPool2D pool, Tensor dPooled)
    {
        if (!BackwardFusesWith(pool)) throw new InvalidOperationException($"{Describe()}: cannot take {pool.Describe()}'s gradient by image.");
        // Without an activation only the input is needed: the forward pass may have pooled as it went.
        if (_x is null || (Activation is ReluActivation && _out is null)) throw new InvalidOperationException($"{Describe()}: backward before forward.");
        int n = dPooled.Shape[0];
        bool relu = Activation is ReluActivation;
        // Behind ReLU the pooling's own output (the windows' maxima of ReLU's) masks the gradient as ReLU's output at each maximum would.
        DirectConvolution.KernelGradientThroughMaxPool(_x.data, Geometry(n), dPooled.data, pool.Argmax, pool.Geometry, Filters,
            KernelGradient.data, UseBias ? BiasGradient.data : default, reluOutput: relu ? _out!.data : default,
            pooledOutput: relu && pool.LastOutput is { } maxima ? maxima.data : default);
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    protected internal override Tensor? BackwardFromPreActivation(Tensor dz, bool needInputGradient)
    {
        int n = dz.Shape[0], rows = n * _outH * _outW;
        if (Direct) DirectConvolution.KernelGradient(_x!.data, Geometry(n), dz.data, Filters, KernelGradient.data, UseBias ? BiasGradient.data : default);
        else Simd.Gemm(PatchSize, Filters, rows, _cols!.data, true, dz.data, false, KernelGradient.data);   // dK = colsᵀ·dz
        if (UseBias && !Direct)
        {
            // db = Σ rows of dz, as the product of a row of ones with dz (one vectorized pass).
            var ones = EnsureArray(ref _ones, rows);
            if (ones[0] != 1f) Array.Fill(ones, 1f);   // a new array: all zeros until filled
            Simd.Gemm(1, Filters, rows, ones, false, dz.data, false, BiasGradient.data);
        }
        if (!needInputGradient) return null;
        var dCols = Ensure(ref _dCols, rows, PatchSize);
        Simd.Gemm(rows, PatchSize, Filters, dz.data, false, Kernel.data, true, dCols.data);     // dcols = dz·Kᵀ
        var dx = EnsureBatch(ref _dx, n, InputShape);
        dx.data.AsSpan().Clear();
        Simd.Col2Im(dCols.data, n, InputShape[0], InputShape[1], InputShape[2], KernelSize.Height, KernelSize.Width,
            Strides.Height, Strides.Width, _padTop, _padLeft, _outH, _outW, dx.data);
        return dx;
    }
}
