using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>The widest vectors this processor accelerates.</summary>
internal static class WidestVector
{
    /// <summary>Floats per vector of the widest accelerated width: 16, 8 or 4.</summary>
    public static readonly int Lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
}

/// <summary>The vector operations a kernel written once needs, for one width (TensorPrimitives' way: small structs plugged into one loop).</summary>
internal unsafe interface IWidth<TV> where TV : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }
    static abstract TV Load(float* p);
    static abstract TV Broadcast(float x);
    /// <summary>a·b + c: one fused instruction where the processor has FMA, a multiply and an add where it has not.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);
    static abstract TV Add(TV a, TV b);
    static abstract void Store(TV v, float* p);
    /// <summary>All ones in the lanes where |x| ≤ bound, zeros elsewhere (NaN is never within).</summary>
    static abstract TV AbsWithin(TV x, TV bound);
    static abstract TV And(TV a, TV b);
    /// <summary>Whether every lane of a mask is all ones.</summary>
    static abstract bool AllSet(TV mask);
}

/// <summary>512-bit vectors (AVX-512): 16 floats.</summary>
internal unsafe struct Width512 : IWidth<Vector512<float>>
{
    public static int Lanes => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, float* p) => Vector512.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> AbsWithin(Vector512<float> x, Vector512<float> bound) => Vector512.LessThanOrEqual(Vector512.Abs(x), bound);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(Vector512<float> mask) => mask.AsUInt32() == Vector512<uint>.AllBitsSet;
}

/// <summary>256-bit vectors (AVX2): 8 floats.</summary>
internal unsafe struct Width256 : IWidth<Vector256<float>>
{
    public static int Lanes => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => Vector256.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AbsWithin(Vector256<float> x, Vector256<float> bound) => Vector256.LessThanOrEqual(Vector256.Abs(x), bound);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(Vector256<float> mask) => mask.AsUInt32() == Vector256<uint>.AllBitsSet;
}

/// <summary>128-bit vectors (SSE, Arm NEON): 4 floats.</summary>
internal unsafe struct Width128 : IWidth<Vector128<float>>
{
    public static int Lanes => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => Vector128.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> AbsWithin(Vector128<float> x, Vector128<float> bound) => Vector128.LessThanOrEqual(Vector128.Abs(x), bound);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(Vector128<float> mask) => mask.AsUInt32() == Vector128<uint>.AllBitsSet;
}
