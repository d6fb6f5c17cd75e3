using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuralNotebooks.Kernels.JitHints;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// x^n for a whole exponent n from -4 to 4, by multiplications (x², x²·x, (x²)²) and one division for
/// negative n: within 3 units in the last place of MathF.Pow (exactly it for n = 0 and 1; x² and
/// 1/x are correctly rounded, MathF.Pow up to an ulp off them). When
/// |x|^|n| overflows for negative n the result is 0 where MathF.Pow gives a value below 2^-126.
/// Other exponents take MathF.Pow element by element (<see cref="Simd.Pow"/> decides).
/// </summary>
internal readonly struct SmallPowerOperator : IUnaryOperator
{
    private readonly int exponent;
    private readonly bool negative;

    /// <summary>Whether <paramref name="n"/> is an exponent this operator takes.</summary>
    public static bool Handles(float n) => n == MathF.Round(n) && MathF.Abs(n) <= 4f;

    public SmallPowerOperator(float n) { exponent = (int)MathF.Abs(n); negative = n < 0; }

    public float Invoke(float x)
    {
        float square = x * x;
        float p = exponent switch { 0 => 1f, 1 => x, 2 => square, 3 => square * x, _ => square * square };
        return negative ? 1f / p : p;
    }

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var square = x * x;
        var p = exponent switch
        {
            0 => Vector512<float>.One,
            1 => x,
            2 => square,
            3 => square * x,
            _ => square * square,
        };
        return negative ? Vector512<float>.One / p : p;
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var square = x * x;
        var p = exponent switch
        {
            0 => Vector256<float>.One,
            1 => x,
            2 => square,
            3 => square * x,
            _ => square * square,
        };
        return negative ? Vector256<float>.One / p : p;
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var square = x * x;
        var p = exponent switch
        {
            0 => Vector128<float>.One,
            1 => x,
            2 => square,
            3 => square * x,
            _ => square * square,
        };
        return negative ? Vector128<float>.One / p : p;
    }
}
