using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

// Element-wise arithmetic with broadcasting, each op with its own backward.
public sealed partial class Tensor
{
    private static Tensor Binary<TOp>(Tensor a, Tensor b, out Shape outShape) where TOp : IBinaryOp
    {
        outShape = Broadcasting.Shapes(a.Shape, b.Shape, TOp.Name);
        return new Tensor(BinaryKernel.Apply<TOp>(a.data, a.Shape, b.data, b.Shape, outShape), outShape);
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var r = Binary<AddOp>(a, b, out var s);
        return r.Record("add", [a, b], g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(g, s);
            if (b.RequiresGrad) b.AccumulateGrad(g, s);
        });
    }

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b)
    {
        var r = Binary<SubOp>(a, b, out var s);
        return r.Record("sub", [a, b], g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(g, s);
            if (b.RequiresGrad) b.AccumulateGrad(Negated(g), s);
        });
    }

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b)
    {
        var r = Binary<MulOp>(a, b, out var s);
        return r.Record("mul", [a, b], g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(BinaryKernel.Apply<MulOp>(g, s, b.data, b.Shape, s), s);
            if (b.RequiresGrad) b.AccumulateGrad(BinaryKernel.Apply<MulOp>(g, s, a.data, a.Shape, s), s);
        });
    }

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor Divide(Tensor a, Tensor b)
    {
        var r = Binary<DivOp>(a, b, out var s);
        return r.Record("div", [a, b], g =>
        {
            var gOverB = BinaryKernel.Apply<DivOp>(g, s, b.data, b.Shape, s);
            if (a.RequiresGrad) a.AccumulateGrad(gOverB, s);
            if (b.RequiresGrad)
            {
                // d(a/b)/db = -(a/b)/b, so the gradient is -g·r/b = -(g/b)·r.
                var gb = BinaryKernel.Apply<MulOp>(gOverB, s, r.data, s, s);
                Simd.Negate(gb, gb);
                b.AccumulateGrad(gb, s);
            }
        });
    }

    /// <summary>Element-wise maximum with broadcasting (ties send half the gradient to each side, like PyTorch).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => MinMax<MaxOp>(a, b, 1f);

    /// <summary>Element-wise minimum with broadcasting (ties send half the gradient to each side, like PyTorch).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => MinMax<MinOp>(a, b, -1f);

    private static Tensor MinMax<TOp>(Tensor a, Tensor b, float sign) where TOp : IBinaryOp
    {
        var r = Binary<TOp>(a, b, out var s);
        return r.Record(TOp.Name, [a, b], g =>
        {
            var ga = new float[g.Length];
            var gb = new float[g.Length];
            Broadcasting.ForEachRow(s, Broadcasting.StridesIn(a.Shape, s), Broadcasting.StridesIn(b.Shape, s),
                (o, oa, ob, n, sa, sb) =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        float x = a.data[oa + i * sa], y = b.data[ob + i * sb], d = sign * (x - y);
                        float wa = d > 0 ? 1f : d < 0 ? 0f : 0.5f;
                        ga[o + i] = wa * g[o + i];
                        gb[o + i] = (1f - wa) * g[o + i];
                    }
                });
            if (a.RequiresGrad) a.AccumulateGrad(ga, s);
            if (b.RequiresGrad) b.AccumulateGrad(gb, s);
        });
    }

    private static float[] Negated(float[] g)
    {
        var n = new float[g.Length];
        Simd.Negate(g, n);
        return n;
    }

    // ---- with a scalar ----

    /// <summary>Adds a number to every element.</summary>
    public Tensor Add(float y)
    {
        var r = Map(this, (x, d) => Simd.Add(x, y, d));
        var self = this;
        return r.Record("add", [this], g => self.AccumulateGrad(g));
    }

    /// <summary>Multiplies every element by a number.</summary>
    public Tensor Multiply(float y)
    {
        var r = Map(this, (x, d) => Simd.Multiply(x, y, d));
        var self = this;
        return r.Record("mul", [this], g => self.AccumulateGrad(Scaled(g, y)));
    }

    /// <summary>Divides every element by a number.</summary>
    public Tensor Divide(float y)
    {
        var r = Map(this, (x, d) => Simd.Divide(x, y, d));
        var self = this;
        return r.Record("div", [this], g => self.AccumulateGrad(Scaled(g, 1f / y)));
    }

    /// <summary>Raises every element to a power.</summary>
    public Tensor Pow(float exponent)
    {
        var r = Map(this, (x, d) => Simd.Pow(x, exponent, d));
        var self = this;
        return r.Record("pow", [this], g =>
        {
            // d(x^p)/dx = p·x^(p-1); for p = 0 the result is the constant 1, whose derivative is 0 even at
            // x = 0, where the formula would give 0·∞ = NaN (PyTorch makes the same exception).
            var t = new float[g.Length];
            if (exponent == 0f) { self.AccumulateGrad(t); return; }
            Simd.Pow(self.data, exponent - 1f, t);
            Simd.Multiply(t, exponent, t);
            Simd.Multiply(t, g, t);
            self.AccumulateGrad(t);
        });
    }

    /// <summary>The larger of each element and <paramref name="y"/>.</summary>
    public Tensor Maximum(float y) => Maximum(this, Scalar(y));

    /// <summary>The smaller of each element and <paramref name="y"/>.</summary>
    public Tensor Minimum(float y) => Minimum(this, Scalar(y));

    /// <summary>Limits every element to [min, max]; the gradient is 0 where an element was clamped.</summary>
    public Tensor Clamp(float min, float max)
    {
        if (min > max) throw new ArgumentException($"clamp: min ({min}) is greater than max ({max}).");
        var r = Map(this, (x, d) => Simd.Clamp(x, min, max, d));
        var self = this;
        return r.Record("clamp", [this], g =>
        {
            var t = new float[g.Length];
            for (int i = 0; i < t.Length; i++) t[i] = self.data[i] >= min && self.data[i] <= max ? g[i] : 0f;
            self.AccumulateGrad(t);
        });
    }

    private static float[] Scaled(float[] g, float s)
    {
        var t = new float[g.Length];
        Simd.Multiply(g, s, t);
        return t;
    }

    /// <summary>Applies a kernel to every element, giving a new tensor of the same shape (not recorded).</summary>
    internal static Tensor Map(Tensor x, SpanAction kernel)
    {
        var d = new float[x.Size];
        kernel(x.data, d);
        return new Tensor(d, x.Shape);
    }

    internal delegate void SpanAction(ReadOnlySpan<float> x, Span<float> destination);

    // ---- operators ----

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Subtract(a, b);
    /// <summary>Element-wise product with broadcasting (use <see cref="MatMul(Tensor)"/> for the matrix product).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Multiply(a, b);
    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Divide(a, b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
    /// <summary>Adds a number to every element.</summary>
    public static Tensor operator +(Tensor a, float b) => a.Add(b);
    /// <summary>Adds a number to every element.</summary>
    public static Tensor operator +(float a, Tensor b) => b.Add(a);
    /// <summary>Subtracts a number from every element.</summary>
    public static Tensor operator -(Tensor a, float b) => a.Add(-b);
    /// <summary>Subtracts every element from a number.</summary>
    public static Tensor operator -(float a, Tensor b) => b.Neg().Add(a);
    /// <summary>Multiplies every element by a number.</summary>
    public static Tensor operator *(Tensor a, float b) => a.Multiply(b);
    /// <summary>Multiplies every element by a number.</summary>
    public static Tensor operator *(float a, Tensor b) => b.Multiply(a);
    /// <summary>Divides every element by a number.</summary>
    public static Tensor operator /(Tensor a, float b) => a.Divide(b);
    /// <summary>Divides a number by every element.</summary>
    public static Tensor operator /(float a, Tensor b) => Divide(Scalar(a), b);
}
