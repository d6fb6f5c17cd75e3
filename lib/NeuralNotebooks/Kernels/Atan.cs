using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuralNotebooks.Kernels.JitHints;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// The arc tangent (the arctan activation): for a = |x|, atan a = π/2 + atan(-1/a) above tan(3π/8),
/// π/4 + atan((a - 1)/(a + 1)) above tan(π/8), else a polynomial in a directly; the reduced argument
/// is at most tan(π/8) ≈ 0.414, where a degree-9 odd polynomial (the Cephes single-precision
/// coefficients) is accurate to about a unit in the last place. The sign of x is put back at the end.
/// </summary>
internal readonly struct AtanOperator : IUnaryOperator
{
    private const float TanThreePiOver8 = 2.414213562373095f, TanPiOver8 = 0.4142135623730950f;
    private const float PiOver2 = 1.5707963267948966f, PiOver4 = 0.7853981633974483f;
    private const float A0 = 8.05374449538e-2f, A1 = -1.38776856032e-1f, A2 = 1.99777106478e-1f, A3 = -3.33329491539e-1f;

    public float Invoke(float x) => MathF.Atan(x);

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var big = Vector512.GreaterThan(a, Vector512.Create(TanThreePiOver8));
        var middle = Vector512.GreaterThan(a, Vector512.Create(TanPiOver8)) & ~big;
        // One division serves all three ranges: -1/a, (a - 1)/(a + 1) or a/1.
        var numerator = Vector512.ConditionalSelect(big, Vector512.Create(-1f), Vector512.ConditionalSelect(middle, a - Vector512<float>.One, a));
        var denominator = Vector512.ConditionalSelect(big, a, Vector512.ConditionalSelect(middle, a + Vector512<float>.One, Vector512<float>.One));
        var r = numerator / denominator;
        var offset = Vector512.ConditionalSelect(big, Vector512.Create(PiOver2), Vector512.ConditionalSelect(middle, Vector512.Create(PiOver4), Vector512<float>.Zero));
        var z = r * r;
        var p = Vector512.MultiplyAddEstimate(z, Vector512.Create(A0), Vector512.Create(A1));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(A2));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(A3));
        var y = offset + Vector512.MultiplyAddEstimate(p * z, r, r);
        return y ^ (x & Vector512.Create(-0f));   // atan is odd: the sign of x (NaN stays NaN through the arithmetic)
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var big = Vector256.GreaterThan(a, Vector256.Create(TanThreePiOver8));
        var middle = Vector256.GreaterThan(a, Vector256.Create(TanPiOver8)) & ~big;
        // One division serves all three ranges: -1/a, (a - 1)/(a + 1) or a/1.
        var numerator = Vector256.ConditionalSelect(big, Vector256.Create(-1f), Vector256.ConditionalSelect(middle, a - Vector256<float>.One, a));
        var denominator = Vector256.ConditionalSelect(big, a, Vector256.ConditionalSelect(middle, a + Vector256<float>.One, Vector256<float>.One));
        var r = numerator / denominator;
        var offset = Vector256.ConditionalSelect(big, Vector256.Create(PiOver2), Vector256.ConditionalSelect(middle, Vector256.Create(PiOver4), Vector256<float>.Zero));
        var z = r * r;
        var p = Vector256.MultiplyAddEstimate(z, Vector256.Create(A0), Vector256.Create(A1));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(A2));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(A3));
        var y = offset + Vector256.MultiplyAddEstimate(p * z, r, r);
        return y ^ (x & Vector256.Create(-0f));   // atan is odd: the sign of x (NaN stays NaN through the arithmetic)
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var big = Vector128.GreaterThan(a, Vector128.Create(TanThreePiOver8));
        var middle = Vector128.GreaterThan(a, Vector128.Create(TanPiOver8)) & ~big;
        // One division serves all three ranges: -1/a, (a - 1)/(a + 1) or a/1.
        var numerator = Vector128.ConditionalSelect(big, Vector128.Create(-1f), Vector128.ConditionalSelect(middle, a - Vector128<float>.One, a));
        var denominator = Vector128.ConditionalSelect(big, a, Vector128.ConditionalSelect(middle, a + Vector128<float>.One, Vector128<float>.One));
        var r = numerator / denominator;
        var offset = Vector128.ConditionalSelect(big, Vector128.Create(PiOver2), Vector128.ConditionalSelect(middle, Vector128.Create(PiOver4), Vector128<float>.Zero));
        var z = r * r;
        var p = Vector128.MultiplyAddEstimate(z, Vector128.Create(A0), Vector128.Create(A1));
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(A2));
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(A3));
        var y = offset + Vector128.MultiplyAddEstimate(p * z, r, r);
        return y ^ (x & Vector128.Create(-0f));   // atan is odd: the sign of x (NaN stays NaN through the arithmetic)
    }
}

/// <summary>dy / (1 + x²), the arc tangent's backward from its input; multiply, add, divide, as the scalar twin rounds.</summary>
internal readonly struct AtanBackwardOperator : IBinaryOperator
{
    public float Invoke(float x, float dy) => dy / (1f + x * x);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy) => dy / (Vector512<float>.One + x * x);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy) => dy / (Vector256<float>.One + x * x);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy) => dy / (Vector128<float>.One + x * x);
}
