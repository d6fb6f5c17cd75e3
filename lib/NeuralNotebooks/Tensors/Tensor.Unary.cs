using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// Element-wise functions of one tensor, each with its derivative for backward.
public sealed partial class Tensor
{
    /// <summary>
    /// Builds the result of an element-wise function and records its backward:
    /// <paramref name="derivative"/> computes <c>dx</c> from the input, the output and <c>dy</c>.
    /// </summary>
    private Tensor Unary(string op, SpanAction forward, Action<float[], float[], float[], float[]> derivative)
    {
        var r = Map(this, forward);
        var self = this;
        return r.Record(op, [this], g =>
        {
            var dx = new float[g.Length];
            derivative(self.data, r.data, g, dx);
            self.AccumulateGrad(dx);
        });
    }

    /// <summary>Negation, <c>-x</c>.</summary>
    public Tensor Neg() => Unary("neg", Simd.Negate, (_, _, g, dx) => Simd.Negate(g, dx));

    /// <summary>The exponential, <c>e^x</c>.</summary>
    public Tensor Exp() => Unary("exp", Simd.Exp, (_, y, g, dx) => Simd.Multiply(g, y, dx));

    /// <summary>The natural logarithm.</summary>
    public Tensor Log() => Unary("log", Simd.Log, (x, _, g, dx) => Simd.Divide(g, x, dx));

    /// <summary>The square root.</summary>
    public Tensor Sqrt() => Unary("sqrt", Simd.Sqrt, (_, y, g, dx) =>
    {
        // d√x/dx = 1 / (2√x)
        Simd.Divide(g, y, dx);
        Simd.Multiply(dx, 0.5f, dx);
    });

    /// <summary>The absolute value (its gradient at 0 is 0, like PyTorch's).</summary>
    public Tensor Abs() => Unary("abs", Simd.Abs, (x, _, g, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > 0 ? g[i] : x[i] < 0 ? -g[i] : 0f;
    });

    /// <summary>The logistic sigmoid, <c>1 / (1 + e^-x)</c>; its derivative is <c>σ(x)(1 - σ(x))</c>.</summary>
    public Tensor Sigmoid() => Unary("sigmoid", Simd.Sigmoid, (_, y, g, dx) => Simd.SigmoidBackward(y, g, dx));

    /// <summary>The hyperbolic tangent; its derivative is <c>1 - tanh²(x)</c>.</summary>
    public Tensor Tanh() => Unary("tanh", Simd.Tanh, (_, y, g, dx) => Simd.TanhBackward(y, g, dx));

    /// <summary>The arc tangent; its derivative is <c>1 / (1 + x²)</c>.</summary>
    public Tensor Atan() => Unary("atan", Simd.Atan, (x, _, g, dx) => Simd.AtanBackward(x, g, dx));

    /// <summary>The rectified linear unit, <c>max(x, 0)</c>; its derivative is 1 where x &gt; 0, else 0. NaN stays NaN, as in PyTorch.</summary>
    public Tensor Relu() => Unary("relu", Simd.Relu, (x, _, g, dx) => Simd.ReluBackward(x, g, dx));

    /// <summary>Leaky ReLU: <c>x</c> where positive, <c>slope·x</c> elsewhere (slope 0.3 unless given, as Keras's <c>LeakyReLU</c> layer; Keras's <c>leaky_relu</c> function defaults to 0.2, PyTorch's to 0.01).</summary>
    public Tensor LeakyRelu(float slope = 0.3f) =>
        Unary("leaky_relu", (x, d) => Simd.LeakyRelu(x, slope, d), (x, _, g, dx) => Simd.LeakyReluBackward(x, slope, g, dx));

    /// <summary>The softmax over the last axis: every row becomes probabilities that sum to 1.</summary>
    /// <remarks>
    /// A row holding +∞ (or NaN) becomes all NaN, as in PyTorch (<c>torch.softmax([1, inf, 3])</c> is
    /// <c>[nan, nan, nan]</c>): ∞ - ∞ has no value, and a silent [0, 1, 0] would hide the overflow that
    /// produced the ∞. −∞ is fine: its probability is 0 (a masked entry), unless the whole row is −∞.
    /// </remarks>
    public Tensor Softmax()
    {
        int n = RowLength("softmax");
        var r = Map(this, (x, d) => Simd.SoftmaxRows(x, d, n));
        var self = this;
        return r.Record("softmax", [this], g =>
        {
            // dx = y ⊙ (g - Σ g⊙y) per row.
            var dx = new float[g.Length];
            for (int o = 0; o < g.Length; o += n)
            {
                var y = r.data.AsSpan(o, n);
                float dot = Simd.Dot(g.AsSpan(o, n), y);
                Simd.Subtract(g.AsSpan(o, n), dot, dx.AsSpan(o, n));
                Simd.Multiply(dx.AsSpan(o, n), y, dx.AsSpan(o, n));
            }
            self.AccumulateGrad(dx);
        });
    }

    /// <summary>The logarithm of the softmax over the last axis, computed without forming the softmax (stable).</summary>
    public Tensor LogSoftmax()
    {
        int n = RowLength("log_softmax");
        var r = Map(this, (x, d) => { for (int o = 0; o < x.Length; o += n) Simd.LogSoftmax(x.Slice(o, n), d.Slice(o, n)); });
        var self = this;
        return r.Record("log_softmax", [this], g =>
        {
            // dx = g - softmax(x)·Σg per row, with softmax = e^(log-softmax).
            var dx = new float[g.Length];
            for (int o = 0; o < g.Length; o += n)
            {
                var d = dx.AsSpan(o, n);
                Simd.Exp(r.data.AsSpan(o, n), d);
                Simd.Multiply(d, -Simd.Sum(g.AsSpan(o, n)), d);
                Simd.Add(d, g.AsSpan(o, n), d);
            }
            self.AccumulateGrad(dx);
        });
    }

    private int RowLength(string op)
    {
        if (Rank == 0) throw new InvalidOperationException($"{op}: needs at least one axis; got a scalar.");
        return Shape[-1];
    }
}
