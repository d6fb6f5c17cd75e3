using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static NeuralNotebooks.Kernels.JitHints;

namespace NeuralNotebooks.Kernels;

// e^x, the sigmoid and tanh on whole vectors. The method is the classic one (Cody & Waite range
// reduction, a minimax polynomial, scaling by a power of two built in the exponent bits); each is
// accurate to a few units in the last place over the whole float range, which the tests check
// against the scalar twins (MathF). The three widths are the same code: 512 bits (AVX-512), 256
// (AVX2) and 128 (SSE, Arm NEON), but where a width's registers or instructions call for another
// evaluation (exp's polynomial and log's reduction, each explained where it differs).
// MultiplyAddEstimate is a fused multiply-add where the CPU has one and a multiply then an add
// where it does not (a software-emulated fused one would be ~50x slower).
// MinNative/MaxNative skip the NaN bookkeeping of Min/Max; NaN inputs are restored at the end.

/// <summary>
/// Constants that the 128-bit paths read from memory, one whole vector each. On x86 those paths run
/// only without AVX2: 16 vector registers and no fused multiply-add. Written as Vector128.Create(constant),
/// a polynomial's constants are hoisted out of the loop or broadcast into registers, and the
/// intermediate values then spill to the stack. Read through a pointer, they stay operands in memory
/// (the loop's stores might alias them), which costs a load port and no register.
/// </summary>
internal static unsafe class PinnedConstants
{
    /// <summary>A copy of <paramref name="value"/> that never moves, 16-byte aligned, kept for the life of the process.</summary>
    public static T* Pin<T>(T value) where T : unmanaged
    {
        var p = (T*)NativeMemory.AlignedAlloc((nuint)sizeof(T), 16);
        *p = value;
        return p;
    }
}

/// <summary>e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, times 2^n.</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    internal const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    /// <summary>1.5·2^23: adding it rounds a float in (-2^22, 2^22) to an integer held in the low mantissa bits.</summary>
    internal const float RoundingShift = 12582912f;
    private const float MaxX = 88.7228394f, MinX = -103.972084f;
    internal const float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f, P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;

    public float Invoke(float x) => MathF.Exp(x);

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var clamped = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(MinX)), Vector512.Create(MaxX));
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var p = Polynomial(clamped, n);
        // 2^n in two halves so that n down to -150 (subnormal results) stays exact. The native conversion: see the 256-bit path.
        var ni = Vector512.ConvertToInt32Native(n);
        var half = Vector512.ShiftRightArithmetic(ni, 1);
        var s1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - half + Vector512.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(MaxX)), Vector512.Create(float.PositiveInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinX)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x); // NaN stays NaN
    }

    /// <summary>e^r for r = x - n·ln2 (|r| ≤ ln2/2), before the scaling by 2^n.</summary>
    [MethodImpl(Hot)]
    internal static Vector512<float> Polynomial(Vector512<float> x, Vector512<float> n)
    {
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.Create(P0);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P5));
        return Vector512.MultiplyAddEstimate(p, r * r, r + Vector512<float>.One);
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var clamped = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(MinX)), Vector256.Create(MaxX));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var p = Polynomial(clamped, n);
        // 2^n in two halves so that n down to -150 (subnormal results) stays exact. n is a whole number in
        // [-150, 128] (a NaN lane's result is replaced below), so the native conversion is exact: the
        // saturating one adds five instructions per vector on x86 to handle what cannot occur here.
        var ni = Vector256.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(ni, 1);
        var s1 = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - half + Vector256.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(MaxX)), Vector256.Create(float.PositiveInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(MinX)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x); // NaN stays NaN
    }

    /// <summary>e^r for r = x - n·ln2 (|r| ≤ ln2/2), before the scaling by 2^n.</summary>
    [MethodImpl(Hot)]
    internal static Vector256<float> Polynomial(Vector256<float> x, Vector256<float> n)
    {
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.Create(P0);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P5));
        return Vector256.MultiplyAddEstimate(p, r * r, r + Vector256<float>.One);
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var clamped = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(MinX)), Vector128.Create(MaxX));
        var n = Vector128.Round(clamped * Vector128.Create(Log2E));
        var p = Polynomial(clamped, n);
        // 2^n in two halves so that n down to -150 (subnormal results) stays exact. The native conversion: see the 256-bit path.
        var ni = Vector128.ConvertToInt32Native(n);
        var half = Vector128.ShiftRightArithmetic(ni, 1);
        var s1 = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        var s2 = Vector128.ShiftLeft(ni - half + Vector128.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        result = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(MaxX)), Vector128.Create(float.PositiveInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(MinX)), Vector128<float>.Zero, result);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x); // NaN stays NaN
    }

    /// <summary>
    /// e^r for r = x - n·ln2 (|r| ≤ ln2/2), before the scaling by 2^n; by Estrin's scheme, not Horner's
    /// as the wider paths. On x86 this width runs without AVX2, so without fused multiply-adds: each
    /// Horner step is a multiply then an add, and the chain of dependent operations is twice as long.
    /// Pairing the coefficients shortens it (1M floats, one process, alternating: 0.40 → 0.43-0.49
    /// Gelem/s, within 0.79 ulps of the exact value on [-5, 5] against 0.78). With AVX2 it measured
    /// -7% and +8% in two runs, so the 256-bit path keeps Horner.
    /// </summary>
    [MethodImpl(Hot)]
    internal static Vector128<float> Polynomial(Vector128<float> x, Vector128<float> n)
    {
        var r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Hi), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Lo), r);
        var r2 = r * r;
        var p01 = Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        var p23 = Vector128.MultiplyAddEstimate(Vector128.Create(P2), r, Vector128.Create(P3));
        var p45 = Vector128.MultiplyAddEstimate(Vector128.Create(P4), r, Vector128.Create(P5));
        var p = Vector128.MultiplyAddEstimate(p01, r2 * r2, Vector128.MultiplyAddEstimate(p23, r2, p45));
        return Vector128.MultiplyAddEstimate(p, r2, r + Vector128<float>.One);
    }
}

/// <summary>
/// The logistic sigmoid 1 / (1 + e^-x), with e^-x computed for this use alone: with t = -x clamped to
/// [-20, 89], one scaling by 2^n serves (n from -29 to 128), where the general exponential needs two for
/// subnormal results and selects for overflow and underflow. Below x = -88.72 e^-x overflows and the
/// result is exactly 0; above x = 17 it is exactly 1.
/// </summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    /// <summary>
    /// Beyond -20, e^t is below half an ulp of 1. At 89, past ln(float.MaxValue) = 88.72, n is still 128 and
    /// e^t overflows to +∞ as it does from there on, so every x below -88.72 gets exactly 0.
    /// </summary>
    private const float MinT = -20f, MaxT = 89f;

    public float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var t = Vector512.MinNative(Vector512.MaxNative(-x, Vector512.Create(MinT)), Vector512.Create(MaxT));
        // n = round(t·log2 e) lands in the low bits of k; shifted into the exponent field they give 2^(n-1):
        // n reaches 128, and 2^128 has no exponent field of its own, so half of it, times 2.
        var k = Vector512.MultiplyAddEstimate(t, Vector512.Create(ExpOperator.Log2E), Vector512.Create(ExpOperator.RoundingShift));
        var n = k - Vector512.Create(ExpOperator.RoundingShift);
        var halfScale = (Vector512.ShiftLeft(k.AsInt32(), 23) + Vector512.Create(126 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * halfScale * Vector512.Create(2f);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), Vector512<float>.One / (Vector512<float>.One + e), x); // NaN stays NaN
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var t = Vector256.MinNative(Vector256.MaxNative(-x, Vector256.Create(MinT)), Vector256.Create(MaxT));
        // 2^(n-1), times 2: see the 512-bit path.
        var k = Vector256.MultiplyAddEstimate(t, Vector256.Create(ExpOperator.Log2E), Vector256.Create(ExpOperator.RoundingShift));
        var n = k - Vector256.Create(ExpOperator.RoundingShift);
        var halfScale = (Vector256.ShiftLeft(k.AsInt32(), 23) + Vector256.Create(126 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * halfScale * Vector256.Create(2f);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), Vector256<float>.One / (Vector256<float>.One + e), x); // NaN stays NaN
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var t = Vector128.MinNative(Vector128.MaxNative(-x, Vector128.Create(MinT)), Vector128.Create(MaxT));
        // 2^(n-1), times 2: see the 512-bit path.
        var k = Vector128.MultiplyAddEstimate(t, Vector128.Create(ExpOperator.Log2E), Vector128.Create(ExpOperator.RoundingShift));
        var n = k - Vector128.Create(ExpOperator.RoundingShift);
        var halfScale = (Vector128.ShiftLeft(k.AsInt32(), 23) + Vector128.Create(126 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * halfScale * Vector128.Create(2f);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), Vector128<float>.One / (Vector128<float>.One + e), x); // NaN stays NaN
    }
}

/// <summary>
/// tanh: an odd polynomial for |x| &lt; 0.625 (where 1 - 2/(e^2x + 1) would lose digits to cancellation),
/// else sign(x)·(1 - 2/(e^(2|x|) + 1)). Beyond |x| = 10 tanh rounds to ±1, so |x| is capped there and
/// e^(2|x|) ≤ e^20 needs none of the general exponential's overflow and underflow care.
/// </summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float T0 = -5.70498872745E-3f, T1 = 2.06390887954E-2f, T2 = -5.37397155531E-2f, T3 = 1.33314422036E-1f, T4 = -3.33332819422E-1f;

    public float Invoke(float x) => MathF.Tanh(x);

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var z = x * x;
        var p = Vector512.Create(T0);
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T1));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T2));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T3));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T4));
        var small = Vector512.MultiplyAddEstimate(p * z, x, x);
        var t = Vector512.MinNative(ax, Vector512.Create(10f));
        t += t;
        // n = round(t·log2 e) lands in the low bits of k; those bits shifted into the exponent field give 2^n.
        var k = Vector512.MultiplyAddEstimate(t, Vector512.Create(ExpOperator.Log2E), Vector512.Create(ExpOperator.RoundingShift));
        var n = k - Vector512.Create(ExpOperator.RoundingShift);
        var scale = (Vector512.ShiftLeft(k.AsInt32(), 23) + Vector512.Create(127 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * scale;
        var large = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        // NaN fails the comparison and takes the polynomial, which keeps it NaN. The sign of x goes onto either
        // branch: tanh is odd, and the polynomial's x·(p·z) + x gives +0 for x = -0.
        var y = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(ax, Vector512.Create(0.625f)), large, small);
        return Vector512.ConditionalSelect(Vector512.Create(-0f).AsUInt32().AsSingle(), x, y);
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var z = x * x;
        var p = Vector256.Create(T0);
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T1));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T2));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T3));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T4));
        var small = Vector256.MultiplyAddEstimate(p * z, x, x);
        var t = Vector256.MinNative(ax, Vector256.Create(10f));
        t += t;
        // n = round(t·log2 e) lands in the low bits of k; those bits shifted into the exponent field give 2^n.
        var k = Vector256.MultiplyAddEstimate(t, Vector256.Create(ExpOperator.Log2E), Vector256.Create(ExpOperator.RoundingShift));
        var n = k - Vector256.Create(ExpOperator.RoundingShift);
        var scale = (Vector256.ShiftLeft(k.AsInt32(), 23) + Vector256.Create(127 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * scale;
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        // NaN fails the comparison and takes the polynomial, which keeps it NaN. The sign of x goes onto either
        // branch: tanh is odd, and the polynomial's x·(p·z) + x gives +0 for x = -0.
        var y = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(ax, Vector256.Create(0.625f)), large, small);
        return Vector256.ConditionalSelect(Vector256.Create(-0f).AsUInt32().AsSingle(), x, y);
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var ax = Vector128.Abs(x);
        var z = x * x;
        var p = Vector128.Create(T0);
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(T1));
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(T2));
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(T3));
        p = Vector128.MultiplyAddEstimate(p, z, Vector128.Create(T4));
        var small = Vector128.MultiplyAddEstimate(p * z, x, x);
        var t = Vector128.MinNative(ax, Vector128.Create(10f));
        t += t;
        // n = round(t·log2 e) lands in the low bits of k; those bits shifted into the exponent field give 2^n.
        var k = Vector128.MultiplyAddEstimate(t, Vector128.Create(ExpOperator.Log2E), Vector128.Create(ExpOperator.RoundingShift));
        var n = k - Vector128.Create(ExpOperator.RoundingShift);
        var scale = (Vector128.ShiftLeft(k.AsInt32(), 23) + Vector128.Create(127 << 23)).AsSingle();
        var e = ExpOperator.Polynomial(t, n) * scale;
        var large = Vector128<float>.One - Vector128.Create(2f) / (e + Vector128<float>.One);
        // NaN fails the comparison and takes the polynomial, which keeps it NaN. The sign of x goes onto either
        // branch: tanh is odd, and the polynomial's x·(p·z) + x gives +0 for x = -0.
        var y = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(ax, Vector128.Create(0.625f)), large, small);
        return Vector128.ConditionalSelect(Vector128.Create(-0f).AsUInt32().AsSingle(), x, y);
    }
}

/// <summary>
/// The natural logarithm of a positive normal finite float, the usual input; <see cref="LogOperator"/>
/// handles every other. <see cref="Simd.Log"/> runs this one over a chunk if the chunk holds only such
/// values (<see cref="TryMap"/>) and the other if not, so neither has a branch or a call per vector. A branch
/// per vector to an out-of-line call for the rare input made the JIT pass every result through the
/// stack; that loop ran at about 0.8x of this one.
/// <para>
/// At 256 bits (AVX2), the reduction is table-driven (glibc's logf method): x = z·2^k with z in
/// [0.708, 1.417), the top three mantissa bits pick one of eight subintervals with centre c, and
/// ln x = k·ln2 + ln c + ln(1 + r), r = z/c - 1, |r| ≤ 0.057, by a degree-5 polynomial. Each of the
/// two tables (1/c and ln c) is one register and each lookup one permute, so this costs less than the
/// degree-10 polynomial of the Cephes method (z in [√½, √2), |f| ≤ 0.414). The other widths keep Cephes: 128-bit vectors have
/// no eight-entry permute in one instruction, and the 512-bit path could not be measured on the
/// machine this was written on.
/// Checked on every positive normal float: the table within 1.23 ulps of the exact logarithm, Cephes
/// within 0.99 (1.03 without fused multiply-adds).
/// </para>
/// </summary>
internal readonly unsafe struct NormalLogOperator : IUnaryOperator
{
    private const float L0 = 7.0376836292E-2f, L1 = -1.1514610310E-1f, L2 = 1.1676998740E-1f, L3 = -1.2420140846E-1f, L4 = 1.4249322787E-1f,
        L5 = -1.6668057665E-1f, L6 = 2.0000714765E-1f, L7 = -2.4999993993E-1f, L8 = 3.3333331174E-1f;
    /// <summary>The bits of √½ and the mantissa field (the Cephes split).</summary>
    internal const int SqrtHalfBits = 0x3F3504F3, MantissaMask = 0x007FFFFF;
    /// <summary>
    /// The table's split point, z = 0.708: chosen so that the subinterval holding 1 is [1 - 1/24, 1 + 1/24)
    /// with c = 1 and ln c = 0, which keeps the relative error small for x near 1.
    /// </summary>
    internal const int TableOffsetBits = 0x3F355556;
    private const int ExponentField = unchecked((int)0xFF800000);
    /// <summary>ln(1 + r) ≈ r + r²·(A0 + A1·r + A2·r² + A3·r³) on |r| ≤ 0.057, fitted for relative error.</summary>
    private const float A0 = -0.499999463558197f, A1 = 0.33333271741867065f, A2 = -0.25066882371902466f, A3 = 0.20063264667987823f;
    /// <summary>The smallest normal float's bits, and how many bit patterns lie from it up to +∞ (excluded).</summary>
    private const uint SmallestNormalBits = 0x00800000;
    private const uint NormalRangeBits = 0x7F800000 - 0x00800000;

    public float Invoke(float x) => MathF.Log(x);

    /// <summary>
    /// Whether every value is a positive normal finite float: its bits less 2^23 fall below
    /// 0x7F000000 as unsigned. Zero, subnormals, negatives, infinities and NaN do not. The loop keeps
    /// only the largest of those differences, one max per vector, four vectors per step, in
    /// <see cref="Vector{T}"/> (256 bits with AVX2 or AVX-512, 128 with SSE or NEON).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllNormal(ReadOnlySpan<float> x)
    {
        ref uint xr = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(x));
        // Unsigned indices: the loads need no sign extension of the index each.
        nuint n = (nuint)x.Length, i = 0, w = (nuint)Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            var shift = new Vector<uint>(SmallestNormalBits);
            Vector<uint> m0 = Vector<uint>.Zero, m1 = m0;
            for (; i + 4 * w <= n; i += 4 * w)
            {
                m0 = Vector.Max(m0, Vector.Max(Vector.LoadUnsafe(ref xr, i) - shift, Vector.LoadUnsafe(ref xr, i + w) - shift));
                m1 = Vector.Max(m1, Vector.Max(Vector.LoadUnsafe(ref xr, i + 2 * w) - shift, Vector.LoadUnsafe(ref xr, i + 3 * w) - shift));
            }
            for (; i + w <= n; i += w) m0 = Vector.Max(m0, Vector.LoadUnsafe(ref xr, i) - shift);
            if (Vector.GreaterThanOrEqualAny(Vector.Max(m0, m1), new Vector<uint>(NormalRangeBits))) return false;
        }
        for (; i < n; i++)
            if (Unsafe.Add(ref xr, i) - SmallestNormalBits >= NormalRangeBits) return false;
        return true;
    }

    /// <summary>
    /// d[i] = ln x[i] for every i, and true, when every x[i] is a positive normal finite float;
    /// otherwise false, with d perhaps partly written but x unchanged (the caller then runs
    /// <see cref="LogOperator"/>). With 128-bit vectors the check rides along with the arithmetic, one
    /// subtraction and one max per vector: checking the chunk first in a pass of its own cost about a
    /// sixth of the logarithm's time there (0.65 against 0.76 Gelem/s without AVX2). With 256-bit
    /// vectors the pass of its own is cheaper: the fused loop ran 7% slower, its running max and the
    /// table's constants more than sixteen registers hold, so the polynomial spilled to the stack. In
    /// place (d over x) the check runs first at every width, so that a chunk that fails keeps its input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryMap(ReadOnlySpan<float> x, Span<float> d)
    {
        Scalar.CheckInto(x, d);
        if (Vector256.IsHardwareAccelerated || !Vector128.IsHardwareAccelerated || x.Overlaps(d))
        {
            if (!AllNormal(x)) return false;
            Loops.Map(x, d, default(NormalLogOperator));
            return true;
        }
        nuint n = (nuint)x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        var m = Vector128<uint>.Zero;
        for (; i + 16 <= n; i += 16)
        {
            m = Step(ref xr, ref dr, i, m);
            m = Step(ref xr, ref dr, i + 4, m);
            m = Step(ref xr, ref dr, i + 8, m);
            m = Step(ref xr, ref dr, i + 12, m);
        }
        for (; i + 4 <= n; i += 4) m = Step(ref xr, ref dr, i, m);
        if (Vector128.GreaterThanOrEqualAny(m, Vector128.Create(NormalRangeBits))) return false;
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref xr, i);
            if (BitConverter.SingleToUInt32Bits(v) - SmallestNormalBits >= NormalRangeBits) return false;
            Unsafe.Add(ref dr, i) = MathF.Log(v);
        }
        return true;
    }

    /// <summary>One vector of <see cref="TryMap"/>: its logarithm stored, and the running max of its bits less 2^23.</summary>
    [MethodImpl(Hot)]
    private static Vector128<uint> Step(ref float xr, ref float dr, nuint i, Vector128<uint> m)
    {
        var v = Vector128.LoadUnsafe(ref xr, i);
        m = Vector128.Max(m, v.AsUInt32() - Vector128.Create(SmallestNormalBits));
        default(NormalLogOperator).Invoke(v).StoreUnsafe(ref dr, i);
        return m;
    }

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        // Subtracting √½'s bits splits x = m·2^e with m in [√½, √2) in integer arithmetic: the
        // borrow from the mantissa decrements the exponent exactly when the mantissa is below √½'s.
        var t = x.AsInt32() - Vector512.Create(SqrtHalfBits);
        return Reduced(t, Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(t, 23)));
    }

    /// <summary>e·ln2 + ln m, with m's bits in t (x's bits less √½'s) and e given (it differs for subnormals).</summary>
    [MethodImpl(Hot)]
    internal static Vector512<float> Reduced(Vector512<int> t, Vector512<float> e)
    {
        var f = ((t & Vector512.Create(MantissaMask)) + Vector512.Create(SqrtHalfBits)).AsSingle() - Vector512<float>.One;
        // ln(1 + f) = f + f²·q(f), q(f) = -½ + L8·f + L7·f² + ... + L0·f⁹, by Estrin's scheme: the
        // powers of f and the pairs of coefficients do not wait on each other, so the chain of
        // dependent operations is about half as long as Horner's (which measured slower).
        var z = f * f;
        var z2 = z * z;
        var q01 = Vector512.MultiplyAddEstimate(Vector512.Create(L8), f, Vector512.Create(-0.5f));
        var q23 = Vector512.MultiplyAddEstimate(Vector512.Create(L6), f, Vector512.Create(L7));
        var q45 = Vector512.MultiplyAddEstimate(Vector512.Create(L4), f, Vector512.Create(L5));
        var q67 = Vector512.MultiplyAddEstimate(Vector512.Create(L2), f, Vector512.Create(L3));
        var q89 = Vector512.MultiplyAddEstimate(Vector512.Create(L0), f, Vector512.Create(L1));
        var low = Vector512.MultiplyAddEstimate(q23, z, q01);
        var high = Vector512.MultiplyAddEstimate(q67, z, q45);
        var q = Vector512.MultiplyAddEstimate(z2 * z2, q89, Vector512.MultiplyAddEstimate(high, z2, low));
        // e·ln2 in two parts so that it is exact for every exponent; the small part joins f early.
        var r = Vector512.MultiplyAddEstimate(z, q, Vector512.MultiplyAddEstimate(e, Vector512.Create(ExpOperator.Ln2Lo), f));
        return Vector512.MultiplyAddEstimate(e, Vector512.Create(ExpOperator.Ln2Hi), r);
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var t = x.AsInt32() - Vector256.Create(TableOffsetBits);
        return Reduced(x.AsInt32(), t, Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(t, 23)));
    }

    /// <summary>k·ln2 + ln z by the table, with x's bits, t = bits less the split point's, and k given.</summary>
    [MethodImpl(Hot)]
    internal static Vector256<float> Reduced(Vector256<int> bits, Vector256<int> t, Vector256<float> k)
    {
        // The permute reads the low three bits of each index, here t's top three mantissa bits.
        var index = Vector256.ShiftRightLogical(t, 20);
        var z = (bits - (t & Vector256.Create(ExponentField))).AsSingle();
        // 1/c for each subinterval, each nudged from 1/centre by a few ulps so that ln c is within
        // 10^-11 of a float: the table's rounding then adds nothing to the error.
        var inverseCentre = Lookup(Vector256.Create(1.3520591259002686f, 1.247074842453003f, 1.1568691730499268f, 1.078861117362976f,
            1f, 0.9056468605995178f, 0.8137292265892029f, 0.7383241057395935f), index);
        var logCentre = Lookup(Vector256.Create(-0.3016287088394165f, -0.22080068290233612f, -0.14571736752986908f, -0.07590596377849579f,
            0f, 0.0991058275103569f, 0.2061276137828827f, 0.3033723831176758f), index);
        var r = Vector256.MultiplyAddEstimate(z, inverseCentre, Vector256.Create(-1f)); // one rounding: exact enough for |r| ≤ 0.057
        var r2 = r * r;
        var p = Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(A3), r, Vector256.Create(A2)), r2,
            Vector256.MultiplyAddEstimate(Vector256.Create(A1), r, Vector256.Create(A0)));
        // Smallest terms first, k·ln2's exact high part last: adding ln c to k·ln2 first measured 1.45 ulps, this 1.23.
        var small = Vector256.MultiplyAddEstimate(p, r2, Vector256.MultiplyAddEstimate(k, Vector256.Create(ExpOperator.Ln2Lo), r));
        return Vector256.MultiplyAddEstimate(k, Vector256.Create(ExpOperator.Ln2Hi), small + logCentre);
    }

    [MethodImpl(Hot)]
    private static Vector256<float> Lookup(Vector256<float> table, Vector256<int> index) =>
        Avx2.IsSupported ? Avx2.PermuteVar8x32(table, index) : Vector256.Shuffle(table, index & Vector256.Create(7));

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var t = x.AsInt32() - K128->SqrtHalf;
        return Reduced(t, Vector128.ConvertToSingle(Vector128.ShiftRightArithmetic(t, 23)));
    }

    /// <summary>
    /// The 128-bit constants (see <see cref="PinnedConstants"/>). Written as Vector128.Create(constant), all
    /// fifteen were hoisted out of the loop into registers and the polynomial spilled to the stack (0.30
    /// Gelem/s without AVX2). Out of line, with a call per vector, <see cref="Simd.Log"/> ran at 0.36-0.41;
    /// inlined and reading these, at 0.53-0.64 (the bare loop, without the chunk check, at 0.72-0.75).
    /// </summary>
    private static readonly Constants128* K128 = PinnedConstants.Pin(new Constants128
    {
        MantissaMask = Vector128.Create(MantissaMask), SqrtHalf = Vector128.Create(SqrtHalfBits),
        One = Vector128<float>.One, MinusHalf = Vector128.Create(-0.5f),
        L0 = Vector128.Create(L0), L1 = Vector128.Create(L1), L2 = Vector128.Create(L2), L3 = Vector128.Create(L3), L4 = Vector128.Create(L4),
        L5 = Vector128.Create(L5), L6 = Vector128.Create(L6), L7 = Vector128.Create(L7), L8 = Vector128.Create(L8),
        Ln2Hi = Vector128.Create(ExpOperator.Ln2Hi), Ln2Lo = Vector128.Create(ExpOperator.Ln2Lo),
    });

    private struct Constants128
    {
        public Vector128<int> MantissaMask, SqrtHalf;
        public Vector128<float> One, MinusHalf, L0, L1, L2, L3, L4, L5, L6, L7, L8, Ln2Hi, Ln2Lo;
    }

    /// <summary>e·ln2 + ln m, as the 512-bit one, with the constants read from memory (see <see cref="K128"/>).</summary>
    [MethodImpl(Hot)]
    internal static Vector128<float> Reduced(Vector128<int> t, Vector128<float> e)
    {
        var k = K128;
        var f = ((t & k->MantissaMask) + k->SqrtHalf).AsSingle() - k->One;
        var z = f * f;
        var z2 = z * z;
        var q01 = Vector128.MultiplyAddEstimate(k->L8, f, k->MinusHalf);
        var q23 = Vector128.MultiplyAddEstimate(k->L6, f, k->L7);
        var q45 = Vector128.MultiplyAddEstimate(k->L4, f, k->L5);
        var q67 = Vector128.MultiplyAddEstimate(k->L2, f, k->L3);
        var q89 = Vector128.MultiplyAddEstimate(k->L0, f, k->L1);
        var low = Vector128.MultiplyAddEstimate(q23, z, q01);
        var high = Vector128.MultiplyAddEstimate(q67, z, q45);
        var q = Vector128.MultiplyAddEstimate(z2 * z2, q89, Vector128.MultiplyAddEstimate(high, z2, low));
        var r = Vector128.MultiplyAddEstimate(z, q, Vector128.MultiplyAddEstimate(e, k->Ln2Lo, f));
        return Vector128.MultiplyAddEstimate(e, k->Ln2Hi, r);
    }
}

/// <summary>
/// The natural logarithm of any float, as MathF.Log: subnormals are scaled by 2^23 first, ln 0 = -∞,
/// ln +∞ = +∞, and negatives and NaN give NaN. Every lane takes the same path with selects, no branch;
/// the arithmetic is <see cref="NormalLogOperator"/>'s.
/// </summary>
internal readonly struct LogOperator : IUnaryOperator
{
    private const float SmallestNormal = 1.17549435e-38f, TwoTo23 = 8388608f;

    public float Invoke(float x) => MathF.Log(x);

    [MethodImpl(Hot)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var subnormal = Vector512.LessThan(x, Vector512.Create(SmallestNormal));
        var t = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(TwoTo23), x).AsInt32() - Vector512.Create(NormalLogOperator.SqrtHalfBits);
        var e = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(t, 23)) - (subnormal & Vector512.Create(23f));
        var result = NormalLogOperator.Reduced(t, e);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, result);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), result, Vector512.Create(float.NaN)); // negatives and NaN
    }

    [MethodImpl(Hot)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var subnormal = Vector256.LessThan(x, Vector256.Create(SmallestNormal));
        var bits = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(TwoTo23), x).AsInt32();
        var t = bits - Vector256.Create(NormalLogOperator.TableOffsetBits);
        var k = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(t, 23)) - (subnormal & Vector256.Create(23f));
        var result = NormalLogOperator.Reduced(bits, t, k);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), result, Vector256.Create(float.NaN));
    }

    [MethodImpl(Hot)]
    public Vector128<float> Invoke(Vector128<float> x)
    {
        var subnormal = Vector128.LessThan(x, Vector128.Create(SmallestNormal));
        var t = Vector128.ConditionalSelect(subnormal, x * Vector128.Create(TwoTo23), x).AsInt32() - Vector128.Create(NormalLogOperator.SqrtHalfBits);
        var e = Vector128.ConvertToSingle(Vector128.ShiftRightArithmetic(t, 23)) - (subnormal & Vector128.Create(23f));
        var result = NormalLogOperator.Reduced(t, e);
        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), Vector128.Create(float.NegativeInfinity), result);
        result = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(float.PositiveInfinity)), x, result);
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), result, Vector128.Create(float.NaN));
    }
}
