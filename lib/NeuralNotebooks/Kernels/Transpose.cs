using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// A matrix turned round (rows become columns), in square tiles of one vector per row that are turned round
/// in registers: 16×16 with 512-bit vectors, 8×8 with 256-bit, 4×4 with 128-bit (x86 or Arm), each row of
/// the tile read with one load and each column written with one store. <see cref="IntoScalar"/> is the plain
/// twin; both give the same floats, which a transpose only moves.
/// <para>Why: a dense layer's weight gradient xᵀ·dz read x where it lies steps through x a sample at a time,
/// six features of one sample a step, so every step of the product touched a cache line of its own (one core,
/// the course MLP's 784×200 by 200×100 on a real MNIST batch: 180 µs, against 117 µs reading a transposed copy;
/// the same bits). The trainer's gather now writes that copy as it copies each batch (<see cref="Batches"/>).</para>
/// </summary>
internal static unsafe class Transpose
{
    /// <summary>
    /// <c>destination[j·ldd + i] = source[i·lds + j]</c> for the <paramref name="rows"/>×<paramref name="cols"/> matrix
    /// at the start of <paramref name="source"/> (rows <paramref name="lds"/> floats apart) into
    /// <paramref name="destination"/> (rows <paramref name="ldd"/> floats apart); nothing else of the destination is written.
    /// </summary>
    public static void IntoScalar(ReadOnlySpan<float> source, int rows, int cols, int lds, Span<float> destination, int ldd)
    {
        Check(source, rows, cols, lds, destination, ldd);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                destination[j * ldd + i] = source[i * lds + j];
    }

    /// <inheritdoc cref="IntoScalar"/>
    public static void Into(ReadOnlySpan<float> source, int rows, int cols, int lds, Span<float> destination, int ldd)
    {
        Check(source, rows, cols, lds, destination, ldd);
        fixed (float* s = source, d = destination) Into(s, rows, cols, lds, d, ldd);
    }

    /// <summary>Rows of the source per tile on this machine (16, 8 or 4; 1 where no vectors are turned round).</summary>
    public static int TileRows =>
        Tile16.Available ? Tile16.Size : Tile8.Available ? Tile8.Size : Tile4.Available ? Tile4.Size : 1;

    /// <summary><see cref="Into(ReadOnlySpan{float}, int, int, int, Span{float}, int)"/> without its checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Into(float* source, int rows, int cols, long lds, float* destination, long ldd)
    {
        // Strips of whole tiles, widest first; the rows a strip cannot fill go to the next width, and the last
        // few rows and columns one float at a time.
        int row = 0;
        if (Tile16.Available) row = Strips<Tile16>(source, row, rows, cols, lds, destination, ldd);
        if (Tile8.Available) row = Strips<Tile8>(source, row, rows, cols, lds, destination, ldd);
        if (Tile4.Available) row = Strips<Tile4>(source, row, rows, cols, lds, destination, ldd);
        Plain(source, row, rows, 0, cols, lds, destination, ldd);
    }

    /// <summary>Rows [from, ...) in strips of <typeparamref name="T"/>'s size while whole strips remain; returns the first row left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Strips<T>(float* source, int from, int rows, int cols, long lds, float* destination, long ldd) where T : struct, ISquareTile
    {
        int n = T.Size, row = from;
        for (; row + n <= rows; row += n)
        {
            int col = 0;
            for (; col + n <= cols; col += n) T.Turn(source + row * lds + col, lds, destination + col * ldd + row, ldd);
            Plain(source, row, row + n, col, cols, lds, destination, ldd);
        }
        return row;
    }

    /// <summary>Rows [r0, r1) × columns [c0, c1), one float at a time.</summary>
    private static void Plain(float* source, int r0, int r1, int c0, int c1, long lds, float* destination, long ldd)
    {
        for (int i = r0; i < r1; i++)
            for (int j = c0; j < c1; j++)
                destination[j * ldd + i] = source[i * lds + j];
    }

    private static void Check(ReadOnlySpan<float> source, int rows, int cols, int lds, Span<float> destination, int ldd)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Transpose: {rows}×{cols} is not a matrix.");
        if (rows == 0 || cols == 0) return;
        if (lds < cols || ldd < rows) throw new ArgumentException($"Transpose: rows {lds} floats apart cannot hold {cols} columns, or rows {ldd} apart {rows}.");
        if ((long)(rows - 1) * lds + cols > source.Length) throw new ArgumentException($"Transpose: a {rows}×{cols} source with rows {lds} apart needs {(long)(rows - 1) * lds + cols} floats; it has {source.Length}.");
        if ((long)(cols - 1) * ldd + rows > destination.Length) throw new ArgumentException($"Transpose: a {cols}×{rows} destination with rows {ldd} apart needs {(long)(cols - 1) * ldd + rows} floats; it has {destination.Length}.");
    }

    /// <summary>A square tile turned round in registers: <see cref="Size"/> rows of the source (lds apart) into as many rows of the destination (ldd apart).</summary>
    private interface ISquareTile
    {
        static abstract int Size { get; }
        static abstract void Turn(float* s, long lds, float* d, long ldd);
    }

    /// <summary>
    /// 16×16 with AVX-512: pairs of rows interleaved by floats, then by pairs of floats, which leaves each
    /// 128-bit lane holding four rows of one column; two rounds of 128-bit lane shuffles gather the lanes.
    /// </summary>
    private readonly struct Tile16 : ISquareTile
    {
        public static bool Available => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
        public static int Size => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Turn(float* s, long lds, float* d, long ldd)
        {
            var r0 = Vector512.Load(s); var r1 = Vector512.Load(s + lds); var r2 = Vector512.Load(s + 2 * lds); var r3 = Vector512.Load(s + 3 * lds);
            var r4 = Vector512.Load(s + 4 * lds); var r5 = Vector512.Load(s + 5 * lds); var r6 = Vector512.Load(s + 6 * lds); var r7 = Vector512.Load(s + 7 * lds);
            var r8 = Vector512.Load(s + 8 * lds); var r9 = Vector512.Load(s + 9 * lds); var r10 = Vector512.Load(s + 10 * lds); var r11 = Vector512.Load(s + 11 * lds);
            var r12 = Vector512.Load(s + 12 * lds); var r13 = Vector512.Load(s + 13 * lds); var r14 = Vector512.Load(s + 14 * lds); var r15 = Vector512.Load(s + 15 * lds);
            var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1); var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
            var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5); var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
            var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9); var t10 = Avx512F.UnpackLow(r10, r11); var t11 = Avx512F.UnpackHigh(r10, r11);
            var t12 = Avx512F.UnpackLow(r12, r13); var t13 = Avx512F.UnpackHigh(r12, r13); var t14 = Avx512F.UnpackLow(r14, r15); var t15 = Avx512F.UnpackHigh(r14, r15);
            r0 = PairsLow(t0, t2); r1 = PairsHigh(t0, t2); r2 = PairsLow(t1, t3); r3 = PairsHigh(t1, t3);
            r4 = PairsLow(t4, t6); r5 = PairsHigh(t4, t6); r6 = PairsLow(t5, t7); r7 = PairsHigh(t5, t7);
            r8 = PairsLow(t8, t10); r9 = PairsHigh(t8, t10); r10 = PairsLow(t9, t11); r11 = PairsHigh(t9, t11);
            r12 = PairsLow(t12, t14); r13 = PairsHigh(t12, t14); r14 = PairsLow(t13, t15); r15 = PairsHigh(t13, t15);
            // Lanes 0 and 2 (0x88) or 1 and 3 (0xDD) of each operand.
            t0 = Avx512F.Shuffle4x128(r0, r4, 0x88); t1 = Avx512F.Shuffle4x128(r1, r5, 0x88); t2 = Avx512F.Shuffle4x128(r2, r6, 0x88); t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
            t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD); t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD); t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD); t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
            t8 = Avx512F.Shuffle4x128(r8, r12, 0x88); t9 = Avx512F.Shuffle4x128(r9, r13, 0x88); t10 = Avx512F.Shuffle4x128(r10, r14, 0x88); t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
            t12 = Avx512F.Shuffle4x128(r8, r12, 0xDD); t13 = Avx512F.Shuffle4x128(r9, r13, 0xDD); t14 = Avx512F.Shuffle4x128(r10, r14, 0xDD); t15 = Avx512F.Shuffle4x128(r11, r15, 0xDD);
            Avx512F.Shuffle4x128(t0, t8, 0x88).Store(d); Avx512F.Shuffle4x128(t1, t9, 0x88).Store(d + ldd);
            Avx512F.Shuffle4x128(t2, t10, 0x88).Store(d + 2 * ldd); Avx512F.Shuffle4x128(t3, t11, 0x88).Store(d + 3 * ldd);
            Avx512F.Shuffle4x128(t4, t12, 0x88).Store(d + 4 * ldd); Avx512F.Shuffle4x128(t5, t13, 0x88).Store(d + 5 * ldd);
            Avx512F.Shuffle4x128(t6, t14, 0x88).Store(d + 6 * ldd); Avx512F.Shuffle4x128(t7, t15, 0x88).Store(d + 7 * ldd);
            Avx512F.Shuffle4x128(t0, t8, 0xDD).Store(d + 8 * ldd); Avx512F.Shuffle4x128(t1, t9, 0xDD).Store(d + 9 * ldd);
            Avx512F.Shuffle4x128(t2, t10, 0xDD).Store(d + 10 * ldd); Avx512F.Shuffle4x128(t3, t11, 0xDD).Store(d + 11 * ldd);
            Avx512F.Shuffle4x128(t4, t12, 0xDD).Store(d + 12 * ldd); Avx512F.Shuffle4x128(t5, t13, 0xDD).Store(d + 13 * ldd);
            Avx512F.Shuffle4x128(t6, t14, 0xDD).Store(d + 14 * ldd); Avx512F.Shuffle4x128(t7, t15, 0xDD).Store(d + 15 * ldd);
        }

        private static Vector512<float> PairsLow(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();
        private static Vector512<float> PairsHigh(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
    }

    /// <summary>8×8 with AVX: the same two rounds of interleaving within 128-bit lanes, then one of lane swaps.</summary>
    private readonly struct Tile8 : ISquareTile
    {
        public static bool Available => Vector256.IsHardwareAccelerated && Avx.IsSupported;
        public static int Size => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Turn(float* s, long lds, float* d, long ldd)
        {
            var r0 = Vector256.Load(s); var r1 = Vector256.Load(s + lds); var r2 = Vector256.Load(s + 2 * lds); var r3 = Vector256.Load(s + 3 * lds);
            var r4 = Vector256.Load(s + 4 * lds); var r5 = Vector256.Load(s + 5 * lds); var r6 = Vector256.Load(s + 6 * lds); var r7 = Vector256.Load(s + 7 * lds);
            var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1); var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5); var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
            r0 = PairsLow(t0, t2); r1 = PairsHigh(t0, t2); r2 = PairsLow(t1, t3); r3 = PairsHigh(t1, t3);
            r4 = PairsLow(t4, t6); r5 = PairsHigh(t4, t6); r6 = PairsLow(t5, t7); r7 = PairsHigh(t5, t7);
            // The low lanes of both operands (0x20) or the high ones (0x31).
            Avx.Permute2x128(r0, r4, 0x20).Store(d); Avx.Permute2x128(r1, r5, 0x20).Store(d + ldd);
            Avx.Permute2x128(r2, r6, 0x20).Store(d + 2 * ldd); Avx.Permute2x128(r3, r7, 0x20).Store(d + 3 * ldd);
            Avx.Permute2x128(r0, r4, 0x31).Store(d + 4 * ldd); Avx.Permute2x128(r1, r5, 0x31).Store(d + 5 * ldd);
            Avx.Permute2x128(r2, r6, 0x31).Store(d + 6 * ldd); Avx.Permute2x128(r3, r7, 0x31).Store(d + 7 * ldd);
        }

        private static Vector256<float> PairsLow(Vector256<float> a, Vector256<float> b) => Avx.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();
        private static Vector256<float> PairsHigh(Vector256<float> a, Vector256<float> b) => Avx.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
    }

    /// <summary>4×4 with 128-bit vectors: SSE's unpacks and half moves on x86, NEON's zips on Arm.</summary>
    private readonly struct Tile4 : ISquareTile
    {
        public static bool Available => Vector128.IsHardwareAccelerated && (Sse.IsSupported || AdvSimd.Arm64.IsSupported);
        public static int Size => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Turn(float* s, long lds, float* d, long ldd)
        {
            var r0 = Vector128.Load(s); var r1 = Vector128.Load(s + lds); var r2 = Vector128.Load(s + 2 * lds); var r3 = Vector128.Load(s + 3 * lds);
            if (Sse.IsSupported)
            {
                var t0 = Sse.UnpackLow(r0, r1); var t1 = Sse.UnpackHigh(r0, r1); var t2 = Sse.UnpackLow(r2, r3); var t3 = Sse.UnpackHigh(r2, r3);
                Sse.MoveLowToHigh(t0, t2).Store(d); Sse.MoveHighToLow(t2, t0).Store(d + ldd);
                Sse.MoveLowToHigh(t1, t3).Store(d + 2 * ldd); Sse.MoveHighToLow(t3, t1).Store(d + 3 * ldd);
            }
            else
            {
                var t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsUInt64(); var t1 = AdvSimd.Arm64.ZipHigh(r0, r1).AsUInt64();
                var t2 = AdvSimd.Arm64.ZipLow(r2, r3).AsUInt64(); var t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsUInt64();
                AdvSimd.Arm64.ZipLow(t0, t2).AsSingle().Store(d); AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle().Store(d + ldd);
                AdvSimd.Arm64.ZipLow(t1, t3).AsSingle().Store(d + 2 * ldd); AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle().Store(d + 3 * ldd);
            }
        }
    }
}
