using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

// e^x, the sigmoid and tanh on whole vectors. The method is the classic one (Cody & Waite range
// reduction, a minimax polynomial, scaling by a power of two built in the exponent bits); each is
// accurate to a few units in the last place over the whole float range, which the tests check
// against the scalar twins (MathF).

/// <summary>e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, times 2^n.</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float MaxX = 88.7228394f, MinX = -103.972084f;
    private const float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f, P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;

    public float Invoke(float x) => MathF.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(MinX)), Vector512.Create(MaxX));
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.Create(P0);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        // 2^n in two halves so that n down to -150 (subnormal results) stays exact.
        var ni = Vector512.ConvertToInt32(n);
        var half = Vector512.ShiftRightArithmetic(ni, 1);
        var s1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - half + Vector512.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(MaxX)), Vector512.Create(float.PositiveInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinX)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(MinX)), Vector256.Create(MaxX));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.Create(P0);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var ni = Vector256.ConvertToInt32(n);
        var half = Vector256.ShiftRightArithmetic(ni, 1);
        var s1 = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - half + Vector256.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(MaxX)), Vector256.Create(float.PositiveInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(MinX)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }
}

/// <summary>The logistic sigmoid 1 / (1 + e^-x): e^-x overflows to +∞ for very negative x, giving exactly 0.</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    public Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + default(ExpOperator).Invoke(-x));
    public Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + default(ExpOperator).Invoke(-x));
}

/// <summary>
/// tanh: an odd polynomial for |x| &lt; 0.625 (where 1 - 2/(e^2x + 1) would lose digits to cancellation),
/// else sign(x)·(1 - 2/(e^(2|x|) + 1)), which saturates to ±1 without overflow trouble.
/// </summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float T0 = -5.70498872745E-3f, T1 = 2.06390887954E-2f, T2 = -5.37397155531E-2f, T3 = 1.33314422036E-1f, T4 = -3.33332819422E-1f;

    public float Invoke(float x) => MathF.Tanh(x);

    public Vector512<float> Invoke(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var z = x * x;
        var p = Vector512.Create(T0);
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T1));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T2));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T3));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T4));
        var small = Vector512.FusedMultiplyAdd(p * z, x, x);
        var e = default(ExpOperator).Invoke(ax + ax);
        var large = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        large = Vector512.ConditionalSelect(Vector512.Create(-0f).AsUInt32().AsSingle(), x, large); // copy the sign of x
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.625f)), small, large);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var z = x * x;
        var p = Vector256.Create(T0);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T1));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T2));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T3));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T4));
        var small = Vector256.FusedMultiplyAdd(p * z, x, x);
        var e = default(ExpOperator).Invoke(ax + ax);
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.ConditionalSelect(Vector256.Create(-0f).AsUInt32().AsSingle(), x, large);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.625f)), small, large);
    }
}
