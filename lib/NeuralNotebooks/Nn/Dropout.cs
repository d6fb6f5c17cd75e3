using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// Inverted dropout: during training each input is zeroed with probability <c>rate</c> and the others
/// are scaled by 1 / (1 - rate), so nothing changes at inference (where the layer is the identity).
/// It keeps a network from relying on any single neuron. The mask is drawn from the model's seed.
/// </summary>
public sealed class Dropout : Layer
{
    private Tensor? _out, _dx;
    private float[]? _mask;
    /// <summary>Whether the last forward pass dropped inputs by <see cref="_mask"/> (kept, not let go, at inference: the next training pass reuses it).</summary>
    private bool _masked;
    private Rng _rng = new(0);

    /// <summary>Drops inputs with probability <paramref name="rate"/> while training.</summary>
    public Dropout(double rate)
    {
        // Checked as stored: 0.99999999 is below 1 as a double but rounds to 1f, which would drop every input.
        float r = (float)rate;
        if (!(r >= 0 && r < 1)) throw new ArgumentOutOfRangeException(nameof(rate), string.Create(CultureInfo.InvariantCulture, $"Dropout: rate must be in [0, 1), got {rate}."));
        Rate = r;
    }

    /// <summary>The probability of dropping an input.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected override int[] OnBuild(int[] inputShape, Rng rng)
    {
        _rng = new Rng((int)rng.NextUInt());
        return inputShape;
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor Forward(Tensor x, bool training)
    {
        CheckInput(x);
        _masked = training && Rate != 0;
        if (!_masked) return x;
        var y = EnsureLike(ref _out, x.Shape);
        var mask = EnsureArray(ref _mask, x.Size);
        float keep = 1f / (1f - Rate);
        _rng.FillDropoutMask(mask, Rate, keep);
        Kernels.Simd.Multiply(x.data, mask, y.data);
        return y;
    }

    /// <inheritdoc/>
    [MethodImpl(JitHints.PerBatch)]
    public override Tensor? Backward(Tensor dy, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        if (!_masked) return dy;
        var dx = EnsureLike(ref _dx, dy.Shape);
        Kernels.Simd.Multiply(dy.data, _mask!, dx.data);
        return dx;
    }

    /// <summary>Fixes the mask used by the next training forward pass (for tests and demonstrations).</summary>
    internal void UseRng(Rng rng) => _rng = rng;
}
