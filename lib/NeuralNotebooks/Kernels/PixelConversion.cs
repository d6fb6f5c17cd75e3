using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Pixel bytes (0-255) to floats in [0, 1], the conversion every image dataset makes on load:
/// <see cref="ToUnitFloats"/> is vectorized, <see cref="ToUnitFloatsScalar"/> is its plain twin,
/// and the two give bit-identical results.
/// </summary>
public static class PixelConversion
{
    /// <summary><c>destination[i] = source[i] / 255f</c>, one element at a time.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToUnitFloatsScalar(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Check(source, destination);
        for (int i = 0; i < source.Length; i++) destination[i] = source[i] / 255f;
    }

    /// <summary>
    /// <c>destination[i] = source[i] / 255f</c>, widening 64 bytes at a time to four vectors of 16
    /// floats (then 32 bytes to 8-float vectors, then a scalar tail). A true division rather than a
    /// multiplication by 1/255, so the result is bit-identical to the scalar twin and to PyTorch's
    /// <c>x / 255</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Check(source, destination);
        int i = 0, n = source.Length;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(255f);
            for (; i <= n - 64; i += 64)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                var (a, b) = Vector512.Widen(lo);
                var (c, e) = Vector512.Widen(hi);
                (Vector512.ConvertToSingle(a) / scale).StoreUnsafe(ref dst, (nuint)i);
                (Vector512.ConvertToSingle(b) / scale).StoreUnsafe(ref dst, (nuint)i + 16);
                (Vector512.ConvertToSingle(c) / scale).StoreUnsafe(ref dst, (nuint)i + 32);
                (Vector512.ConvertToSingle(e) / scale).StoreUnsafe(ref dst, (nuint)i + 48);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(255f);
            for (; i <= n - 32; i += 32)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                var (a, b) = Vector256.Widen(lo);
                var (c, e) = Vector256.Widen(hi);
                (Vector256.ConvertToSingle(a) / scale).StoreUnsafe(ref dst, (nuint)i);
                (Vector256.ConvertToSingle(b) / scale).StoreUnsafe(ref dst, (nuint)i + 8);
                (Vector256.ConvertToSingle(c) / scale).StoreUnsafe(ref dst, (nuint)i + 16);
                (Vector256.ConvertToSingle(e) / scale).StoreUnsafe(ref dst, (nuint)i + 24);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var scale = Vector128.Create(255f);
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                var (a, b) = Vector128.Widen(lo);
                var (c, e) = Vector128.Widen(hi);
                (Vector128.ConvertToSingle(a) / scale).StoreUnsafe(ref dst, (nuint)i);
                (Vector128.ConvertToSingle(b) / scale).StoreUnsafe(ref dst, (nuint)i + 4);
                (Vector128.ConvertToSingle(c) / scale).StoreUnsafe(ref dst, (nuint)i + 8);
                (Vector128.ConvertToSingle(e) / scale).StoreUnsafe(ref dst, (nuint)i + 12);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, i) / 255f;
    }

    /// <summary><see cref="ToUnitFloats"/> over large arrays, shared among the cores (at least 1 MiB each).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToUnitFloatsParallel(byte[] source, float[] destination)
    {
        Check(source, destination);
        ForkJoin.For(source.Length, 1 << 20, new Part(source, destination));
    }

    /// <summary>Bytes [from, to), one core's share.</summary>
    private readonly struct Part(byte[] source, float[] destination) : IRangeBody
    {
        public void Run(int from, int to) => ToUnitFloats(source.AsSpan(from, to - from), destination.AsSpan(from, to - from));
    }

    /// <summary>
    /// Whether <paramref name="floats"/> holds exactly what <see cref="ToUnitFloats"/> makes of
    /// <paramref name="source"/>, bit for bit (so -0 is not 0), and is as long.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AreUnitFloats(ReadOnlySpan<byte> source, ReadOnlySpan<float> floats)
    {
        if (floats.Length != source.Length) return false;
        // Made a block at a time in L1 and compared as bits (a vectorized memory compare), one pass over both.
        Span<float> made = stackalloc float[CompareBlock];
        for (int i = 0; i < source.Length; i += CompareBlock)
        {
            int n = Math.Min(CompareBlock, source.Length - i);
            ToUnitFloats(source.Slice(i, n), made);
            if (!MemoryMarshal.AsBytes(made[..n]).SequenceEqual(MemoryMarshal.AsBytes(floats.Slice(i, n)))) return false;
        }
        return true;
    }

    /// <summary><see cref="AreUnitFloats"/> over large arrays, shared among the cores (at least 1 MiB each).</summary>
    internal static bool AreUnitFloatsParallel(byte[] source, float[] floats, int length)
    {
        if (source.Length != length || floats.Length < length) return false;
        var differs = new StrongBox<bool>();
        ForkJoin.For(length, 1 << 20, new ComparePart(source, floats, differs));
        return !differs.Value;
    }

    /// <summary>Floats made and compared at a time by <see cref="AreUnitFloats"/>: 16 KB, in L1.</summary>
    private const int CompareBlock = 4096;

    /// <summary>Bytes [from, to) compared, one core's share; a difference is recorded, never cleared.</summary>
    private readonly struct ComparePart(byte[] source, float[] floats, StrongBox<bool> differs) : IRangeBody
    {
        public void Run(int from, int to)
        {
            if (!AreUnitFloats(source.AsSpan(from, to - from), floats.AsSpan(from, to - from))) differs.Value = true;
        }
    }

    private static void Check(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"The destination holds {destination.Length} floats, fewer than the {source.Length} bytes to convert.", nameof(destination));
    }
}
