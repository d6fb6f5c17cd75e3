using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

// The vectorized loops are written once; an operation is a small struct plugged into them (the JIT
// specialises each loop for each struct, so the call is inlined). A struct may carry a value such as
// a scalar operand or leaky ReLU's slope.
//
// Each loop runs at the widest vector width the CPU accelerates (512 bits with AVX-512, 256 with
// AVX2, 128 with SSE or Arm NEON), four vectors per step (Map with a transcendental: one, see there),
// then single vectors of each narrower width, then scalars. IsHardwareAccelerated is a JIT-time
// constant, so the unused widths cost nothing. Every width is tested on one machine by rerunning
// the kernel tests with DOTNET_EnableAVX512=0 and DOTNET_EnableAVX2=0.
//
// The widths are written out one by one. Map and Zip written once over the width structs of
// VectorWidth.cs (the GEMM's way) ran exp at 1.0-1.75 Gelem/s instead of 2.1-2.6 and sigmoid at
// 0.95-1.6 instead of 2.5-3.0, over 4K to 1M floats at 512 bits, and slower at 256 and 128 bits too
// (old and new code alternating in processes).

/// <summary>An element-wise function of one float, for scalars and for 512-, 256- and 128-bit vectors.</summary>
internal interface IUnaryOperator
{
    /// <summary>
    /// A few instructions a vector (arithmetic, comparisons): <see cref="Loops.Map"/> then runs four vectors a
    /// step, all loaded before any is stored, as for two inputs; a transcendental function one (see there).
    /// </summary>
    static virtual bool Cheap => false;

    float Invoke(float x);
    Vector512<float> Invoke(Vector512<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector128<float> Invoke(Vector128<float> x);
}

/// <summary>An element-wise function of two floats.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
}

/// <summary>How the vector operators' methods are compiled.</summary>
internal static class JitHints
{
    /// <summary>
    /// Inlined into the loop where the JIT can; where it cannot (a loop's inlining budget runs out, or an
    /// operator is called on its own), compiled fully optimized at once rather than first without
    /// optimization. Without the second flag, the sigmoid and e^x called out of line ran unoptimized for
    /// the first seconds of a training run (seen in a profile of the MLP), and the element-wise benchmark
    /// measured whichever version happened to be running.
    /// </summary>
    public const MethodImplOptions Hot = MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization;

    /// <summary>
    /// For what runs once or a few times per batch: the layers' passes, the trainer's loop, Predict's and
    /// Evaluate's loops, the GEMM's and the optimizer's drivers, the fork-join (its hand-offs to the workers
    /// too) and every body it runs. Compiled fully optimized at the first call, once, instead of by the tiers: without code, then instrumented, then optimized. Tiered, the
    /// course MLP's per-batch code (about 120 methods) was compiled again during its second to seventh
    /// epochs, on a background thread that took a core from the two-core fork-join, and ran instrumented
    /// meanwhile: epochs of 60,000 images at 190k-310k samples/s among epochs at 450k-520k, and 540-580 ms
    /// of compiling in 8 epochs. Marked, 320-360 ms, and six epochs took 14% less time in all; the medians
    /// of epochs 2 to 4 (which `compare` times) went from 429k, 279k, 338k to 455k, 357k, 462k samples/s (five
    /// processes each, old and new alternating, twice; throwaway harness). Predict's path and the workers'
    /// hand-offs were marked later: before, in a process that had trained the course CNN for three epochs,
    /// the tiers compiled 42, 11, 7 and 10 of the library's methods during the 1st, 2nd, 4th and 7th of eight
    /// Predicts of the test set (the forward loop again at the 4th, 7.8 KB of code); marked, 21 in the first
    /// (most of them once, fully optimized) and then only small helpers of shapes and buffers (11 at the 4th,
    /// 11 at the 7th). The Predicts' times moved within the noise (five processes each, after two epochs).
    /// Small helpers these methods call are inlined into them and need no mark (the JIT log lists no code of
    /// their own: the workers' Take, Signal and Leaving, a chunk band's Of); one called out of line is marked
    /// (a worker's StayingOn, compiled in three tiers unmarked).
    /// </summary>
    public const MethodImplOptions PerBatch = MethodImplOptions.AggressiveOptimization;
}

internal static class Loops
{
    /// <summary>
    /// From this length on, Map and Zip compute the first and the last whole vector up front, run their loop
    /// from the destination's first vector boundary to its last, and store those two vectors last.
    /// <para>Why: the GC aligns arrays to 8 bytes, and unless one happens to start on a 64-byte boundary,
    /// every 512-bit store into it straddles two cache lines and costs two. Aligned, over 64K floats, the
    /// library's add went from 0.92-0.95x TensorPrimitives' to 0.99-1.06x and in-place axpy from 0.80-0.89x
    /// to 0.89-1.00x (old and new code alternating, five processes each, medians of 9 runs in each); over
    /// 1M floats, bound by memory, it stayed within the noise (0.86-0.91x before, 0.84-0.99x after).
    /// TensorPrimitives aligns its stores the same way.</para>
    /// <para>And every element is computed by the widest vector, whatever the array's address. Were the
    /// loop to end in narrower vectors and scalars, which elements took them would depend on where the GC
    /// put the array, and so might the last bits of e^x.</para>
    /// <para>In place stays right: both end vectors are read before anything is stored, the loop reads each
    /// block before it writes it, and where an end vector overlaps the loop it holds the same values.</para>
    /// </summary>
    private const int AlignFrom = 64;

    /// <summary>
    /// How many floats from <paramref name="d"/> to the next multiple of <paramref name="bytes"/>. The address is
    /// read without pinning: if the GC moves the array, the stores are merely unaligned, never wrong.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int ToAligned(ref float d, int bytes) =>
        (int)(((nuint)bytes - ((nuint)Unsafe.AsPointer(ref d) & (nuint)(bytes - 1))) & (nuint)(bytes - 1)) / sizeof(float);

    // The end vectors' calls, out of line: with exp's code inlined twice more into Map, its loop ran at
    // half speed (1.2 Gelem/s instead of 2.1-2.3, over 64K and 1M floats, in every process).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Once<T>(T op, Vector512<float> x) where T : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Once<T>(T op, Vector256<float> x) where T : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Once<T>(T op, Vector128<float> x) where T : struct, IUnaryOperator => op.Invoke(x);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Once<T>(T op, Vector512<float> x, Vector512<float> y) where T : struct, IBinaryOperator => op.Invoke(x, y);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Once<T>(T op, Vector256<float> x, Vector256<float> y) where T : struct, IBinaryOperator => op.Invoke(x, y);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Once<T>(T op, Vector128<float> x, Vector128<float> y) where T : struct, IBinaryOperator => op.Invoke(x, y);

    /// <summary>
    /// d[i] = op(x[i]): four vectors of the widest width per step for a cheap operator, one for a
    /// transcendental (see there), then one of each width, then scalars; from <see cref="AlignFrom"/> elements
    /// on, only the widest vectors, on the destination's boundaries. In place is safe: element i reads only x[i].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T>(ReadOnlySpan<float> x, Span<float> d, T op) where T : struct, IUnaryOperator
    {
        Scalar.CheckInto(x, d);
        int n = x.Length, i = 0;
        bool ends = n >= AlignFrom;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector512.LoadUnsafe(ref xr));
                tail = Once(op, Vector512.LoadUnsafe(ref xr, (nuint)(n - 16)));
                i = ToAligned(ref dr, 64);
            }
            i = MapRun512(op, ref xr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 16));
                i = n;
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector256.LoadUnsafe(ref xr));
                tail = Once(op, Vector256.LoadUnsafe(ref xr, (nuint)(n - 8)));
                i = ToAligned(ref dr, 32);
            }
            i = MapRun256(op, ref xr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 8));
                i = n;
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector128.LoadUnsafe(ref xr));
                tail = Once(op, Vector128.LoadUnsafe(ref xr, (nuint)(n - 4)));
                i = ToAligned(ref dr, 16);
            }
            i = MapRun128(op, ref xr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 4));
                i = n;
            }
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    /// <summary>
    /// From this many floats on, the 512-bit loop of <see cref="Zip{T}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, T)"/> on a Zen 4 stores with non-temporal stores,
    /// which go to memory without first reading the destination's lines into the caches; TensorPrimitives does
    /// so from 64K floats on every processor. On the Zen 4 VM (2 cores, AVX-512 as two 256-bit halves, 1 MB of
    /// L2 a core) an add with ordinary stores ran at 7.5-7.8 Gelem/s up to 800K floats, where its three arrays
    /// hold 9.6 MB, and then fell off: 6.4 at 1M, 5.2 at 1.6M, 2.7 at 4M; with non-temporal stores it ran at
    /// 6.8-6.9 up to 1.6M and 4.7 at 4M, level with ordinary ones between 850K and 900K (medians of 15 rounds,
    /// all variants taking turns in one process). Below that, in the caches, non-temporal stores only lose
    /// (6.8-7.0 against 7.6-7.8 from 250K to 800K, 6.8 against 8.2 at 64K). On the Zen 5 the ordinary loop
    /// ran 1.08x to 1.10x TensorPrimitives' at 1M floats, so there it stays as it is.
    /// </summary>
    internal const int NonTemporalZipFloats = 896 * 1024;

    /// <summary>Whether the 512-bit loop of <see cref="Zip{T}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, T)"/> stores past <see cref="NonTemporalZipFloats"/> with non-temporal stores: on AMD's family 19h, whose AVX-512 processor is the Zen 4.</summary>
    private static readonly bool ZipStoresNonTemporal = Processor.AmdFamily == 0x19;

    /// <summary>d[i] = op(x[i], y[i]), with the same widths and ends as <see cref="Map"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d, T op) where T : struct, IBinaryOperator =>
        Zip(x, y, d, op, nonTemporal: ZipStoresNonTemporal && x.Length >= NonTemporalZipFloats && !InPlace(x, y, d));

    /// <summary>
    /// Whether the destination is one of the inputs (axpy's y += a·x is). Its lines are then read into the caches
    /// anyway, so a non-temporal store saves nothing and only throws them out: in-place axpy over 1M floats ran at
    /// 4.2 Gelem/s with them against 11.7 without (TensorPrimitives, which stores so, at 4.2).
    /// </summary>
    private static bool InPlace(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) =>
        d.Overlaps(x) || d.Overlaps(y);

    /// <summary>
    /// <see cref="Zip{T}(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, T)"/>, with the 512-bit loop's stores
    /// non-temporal when <paramref name="nonTemporal"/> (the tests call both loops, whatever the processor).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Zip<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d, T op, bool nonTemporal) where T : struct, IBinaryOperator
    {
        Scalar.CheckInto(x, y, d);
        int n = x.Length, i = 0;
        bool ends = n >= AlignFrom;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float dr = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector512.LoadUnsafe(ref xr), Vector512.LoadUnsafe(ref yr));
                tail = Once(op, Vector512.LoadUnsafe(ref xr, (nuint)(n - 16)), Vector512.LoadUnsafe(ref yr, (nuint)(n - 16)));
                i = ToAligned(ref dr, 64);
            }
            i = ends && nonTemporal ? ZipRun512NonTemporal(op, ref xr, ref yr, ref dr, i, n) : ZipRun512<T, OrdinaryStores>(op, ref xr, ref yr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 16));
                i = n;
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector256.LoadUnsafe(ref xr), Vector256.LoadUnsafe(ref yr));
                tail = Once(op, Vector256.LoadUnsafe(ref xr, (nuint)(n - 8)), Vector256.LoadUnsafe(ref yr, (nuint)(n - 8)));
                i = ToAligned(ref dr, 32);
            }
            i = ZipRun256(op, ref xr, ref yr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 8));
                i = n;
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> head = default, tail = default;
            if (ends)
            {
                head = Once(op, Vector128.LoadUnsafe(ref xr), Vector128.LoadUnsafe(ref yr));
                tail = Once(op, Vector128.LoadUnsafe(ref xr, (nuint)(n - 4)), Vector128.LoadUnsafe(ref yr, (nuint)(n - 4)));
                i = ToAligned(ref dr, 16);
            }
            i = ZipRun128(op, ref xr, ref yr, ref dr, i, n);
            if (ends)
            {
                head.StoreUnsafe(ref dr);
                tail.StoreUnsafe(ref dr, (nuint)(n - 4));
                i = n;
            }
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4)
                op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    // The main loops of Map and Zip, one method a width, with no call inside. An operator's value (axpy's
    // alpha, a scalar operand) is a local of the method; were the loop in Map or Zip, that value would
    // live across the end vectors' calls, which may overwrite every vector register (System V ABI), and
    // the JIT reloaded it from the stack inside the loop and stored it back each step. With 128-bit
    // vectors (DOTNET_EnableAVX2=0) in-place axpy over 1M floats then ran at 5.0-5.3 Gelem/s, 0.73x
    // TensorPrimitives, and leaky ReLU at 5.2; in methods of their own, at 8.7-9.0 and 9.1 (two processes
    // each, old and new alternating). At 256 and 512 bits the loops' code is as it was.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int MapRun512<T>(T op, ref float xr, ref float dr, int i, int n) where T : struct, IUnaryOperator
    {
        // A transcendental one vector a step, not four: on a Zen 4 the four-vector loop (about 1 KB of code
        // for exp) ran at half speed in most processes (exp over 1M floats: 0.91 to 1.12 Gelem/s in four runs
        // of `compare`, 1.95 in a fifth), this one at 2.1 to 2.8 in all eight runs since.
        // A cheap operator four, all loaded before any is stored. One vector at a time, add_scalar ran
        // over 64K floats at 7.4 to 10.3 Gelem/s against this loop's 10.3 to 12.2 in the same processes, and
        // over 4K floats at 4.7 against 8.8 in one process of three (at par in the others), as when a load
        // waits for an earlier store to an address 4 KB away (4K aliasing). Medians of 11 runs each.
        if (T.Cheap)
            for (; i <= n - 64; i += 64)
            {
                var a = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i));
                var b = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 16));
                var c = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 32));
                var e = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 48));
                a.StoreUnsafe(ref dr, (nuint)i); b.StoreUnsafe(ref dr, (nuint)i + 16);
                c.StoreUnsafe(ref dr, (nuint)i + 32); e.StoreUnsafe(ref dr, (nuint)i + 48);
            }
        for (; i <= n - 16; i += 16) op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int MapRun256<T>(T op, ref float xr, ref float dr, int i, int n) where T : struct, IUnaryOperator
    {
        // As at 512 bits: a cheap operator four vectors a step, loaded before any is stored; a transcendental
        // one (the loop below). Four a step, stored as they came, tanh ran at 0.99-1.09 Gelem/s against
        // 1.28-1.39 and exp at 0.99-1.51 against 1.40-1.91 (DOTNET_EnableAVX512=0, 4K to 1M floats, old and
        // new code alternating in processes); four held together before their stores, tanh at 0.46-0.60.
        if (T.Cheap)
            for (; i <= n - 32; i += 32)
            {
                var a = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var b = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 8));
                var c = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 16));
                var e = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 24));
                a.StoreUnsafe(ref dr, (nuint)i); b.StoreUnsafe(ref dr, (nuint)i + 8);
                c.StoreUnsafe(ref dr, (nuint)i + 16); e.StoreUnsafe(ref dr, (nuint)i + 24);
            }
        for (; i <= n - 8; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int MapRun128<T>(T op, ref float xr, ref float dr, int i, int n) where T : struct, IUnaryOperator
    {
        // As at 256 bits (with DOTNET_EnableAVX2=0, exp over 64K floats 0.58-0.70 Gelem/s four a step, 0.73-0.86 one).
        if (T.Cheap)
            for (; i <= n - 16; i += 16)
            {
                var a = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i));
                var b = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 4));
                var c = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 8));
                var e = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 12));
                a.StoreUnsafe(ref dr, (nuint)i); b.StoreUnsafe(ref dr, (nuint)i + 4);
                c.StoreUnsafe(ref dr, (nuint)i + 8); e.StoreUnsafe(ref dr, (nuint)i + 12);
            }
        for (; i <= n - 4; i += 4) op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        return i;
    }

    /// <summary>
    /// Zip's 512-bit main loop, with ordinary or non-temporal stores (see <see cref="IStores"/>): eight vectors
    /// a step, all eight read and computed before any is stored (TensorPrimitives' shape). Against four a step,
    /// as the narrower loops have, add, subtract, multiply and divide ran 0.99x to 1.14x as fast from 4K to 64K
    /// floats, in the caches where a training step's arrays lie (mostly 1.03x to 1.10x; max 0.98x to 1.13x),
    /// and level at 1M (0.98x to 1.04x; the Zen 5, 13 processes in the caches and 4 at 1M, the two loops taking
    /// turns, medians of 15, a throwaway harness). Eight a step did not help Map's one-array loop (0.93x to
    /// 1.15x), and the 256-bit loop keeps four: with 16 registers, eight made max, whose blends need registers
    /// of their own, up to 1.2x slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int ZipRun512<T, TStores>(T op, ref float xr, ref float yr, ref float dr, int i, int n) where T : struct, IBinaryOperator where TStores : IStores
    {
        for (; i <= n - 128; i += 128)
        {
            var a0 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i));
            var a1 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 16), Vector512.LoadUnsafe(ref yr, (nuint)i + 16));
            var a2 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 32), Vector512.LoadUnsafe(ref yr, (nuint)i + 32));
            var a3 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 48), Vector512.LoadUnsafe(ref yr, (nuint)i + 48));
            var a4 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 64), Vector512.LoadUnsafe(ref yr, (nuint)i + 64));
            var a5 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 80), Vector512.LoadUnsafe(ref yr, (nuint)i + 80));
            var a6 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 96), Vector512.LoadUnsafe(ref yr, (nuint)i + 96));
            var a7 = op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 112), Vector512.LoadUnsafe(ref yr, (nuint)i + 112));
            TStores.Store(a0, ref dr, (nuint)i); TStores.Store(a1, ref dr, (nuint)i + 16);
            TStores.Store(a2, ref dr, (nuint)i + 32); TStores.Store(a3, ref dr, (nuint)i + 48);
            TStores.Store(a4, ref dr, (nuint)i + 64); TStores.Store(a5, ref dr, (nuint)i + 80);
            TStores.Store(a6, ref dr, (nuint)i + 96); TStores.Store(a7, ref dr, (nuint)i + 112);
        }
        for (; i <= n - 16; i += 16)
            TStores.Store(op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i)), ref dr, (nuint)i);
        return i;
    }

    /// <summary>
    /// How a main loop stores its vectors, as a type argument so that each kind of store is compiled into a loop
    /// of its own (as the sums' lookahead is).
    /// </summary>
    private interface IStores { static abstract void Store(Vector512<float> v, ref float d, nuint i); }
    private readonly struct OrdinaryStores : IStores
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> v, ref float d, nuint i) => v.StoreUnsafe(ref d, i);
    }
    /// <summary>Aligned non-temporal stores: only into a destination the caller has pinned, from a 64-byte boundary.</summary>
    private readonly unsafe struct NonTemporalStores : IStores
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> v, ref float d, nuint i) => v.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref d, i)));
    }

    /// <summary>
    /// <see cref="ZipRun512{T, TStores}"/> with non-temporal stores (see <see cref="NonTemporalZipFloats"/>), from
    /// the destination's first 64-byte boundary, found again with the array pinned: an aligned store to an address
    /// the GC has since moved off the boundary would fault. A destination not on a float's boundary, from which no
    /// boundary of 64 bytes can be reached, gets ordinary stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe int ZipRun512NonTemporal<T>(T op, ref float xr, ref float yr, ref float dr, int i, int n) where T : struct, IBinaryOperator
    {
        fixed (float* d = &dr)
        {
            if (((nuint)d & (sizeof(float) - 1)) != 0) return ZipRun512<T, OrdinaryStores>(op, ref xr, ref yr, ref dr, i, n);
            i = ZipRun512<T, NonTemporalStores>(op, ref xr, ref yr, ref dr, ToAligned(ref dr, 64), n);
            // Non-temporal stores are weakly ordered: fenced before the end vectors' ordinary stores, which may
            // overlap them, and before another thread is told the work is done.
            Sse.StoreFence();
            return i;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int ZipRun256<T>(T op, ref float xr, ref float yr, ref float dr, int i, int n) where T : struct, IBinaryOperator
    {
        for (; i <= n - 32; i += 32)
        {
            var a = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i));
            var b = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 8), Vector256.LoadUnsafe(ref yr, (nuint)i + 8));
            var c = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 16), Vector256.LoadUnsafe(ref yr, (nuint)i + 16));
            var e = op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 24), Vector256.LoadUnsafe(ref yr, (nuint)i + 24));
            a.StoreUnsafe(ref dr, (nuint)i); b.StoreUnsafe(ref dr, (nuint)i + 8);
            c.StoreUnsafe(ref dr, (nuint)i + 16); e.StoreUnsafe(ref dr, (nuint)i + 24);
        }
        for (; i <= n - 8; i += 8)
            op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int ZipRun128<T>(T op, ref float xr, ref float yr, ref float dr, int i, int n) where T : struct, IBinaryOperator
    {
        for (; i <= n - 16; i += 16)
        {
            var a = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref yr, (nuint)i));
            var b = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 4), Vector128.LoadUnsafe(ref yr, (nuint)i + 4));
            var c = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 8), Vector128.LoadUnsafe(ref yr, (nuint)i + 8));
            var e = op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 12), Vector128.LoadUnsafe(ref yr, (nuint)i + 12));
            a.StoreUnsafe(ref dr, (nuint)i); b.StoreUnsafe(ref dr, (nuint)i + 4);
            c.StoreUnsafe(ref dr, (nuint)i + 8); e.StoreUnsafe(ref dr, (nuint)i + 12);
        }
        for (; i <= n - 4; i += 4)
            op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        return i;
    }

    /// <summary>
    /// Σ op(x[i], y[i]) (op is x·y, x·x or x here) with four independent accumulators of the widest
    /// width, so the adds do not wait on each other; the last partial vector is added as scalars.
    /// Accumulator j takes the vectors at 64t + 16j (at 512 bits): the order depends on the index only,
    /// never on where the arrays lie, so a sum has the same bits at every address.
    /// </summary>
    /// <remarks>
    /// Past <see cref="SumBlockFloats"/> the arrays are summed in blocks of that length whose sums are added in
    /// double: each lane of a float accumulator then takes at most 1,024 terms, at every width. In one pass the
    /// 64 lanes took n / 64 each, and 40M floats of 0.1 summed to 4.0238e6 (0.6% high; PyTorch gives 3999996).
    /// </remarks>
    public static float SumOf<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, T op) where T : struct, IBinaryOperator
    {
        Scalar.Check(x, y);
        if (x.Length <= SumBlockFloats) return SumOfBlock(x, y, op);
        double total = 0;
        for (int i = 0; i < x.Length; i += SumBlockFloats)
        {
            int length = Math.Min(SumBlockFloats, x.Length - i);
            total += SumOfBlock(x.Slice(i, length), y.Slice(i, length), op);
        }
        return (float)total;
    }

    /// <summary>
    /// The longest run <see cref="SumOf"/> sums in float before adding in double: 1,024 terms for each lane of the
    /// four accumulators, so 64K floats (256 KB) at 512 bits, 32K at 256 and 16K at 128 (or one scalar sum of 16K).
    /// Blocks of 64K at every width gave each 128-bit lane 4,096 terms: 40M floats of 0.1 summed to 4,000,154 there
    /// (relative error 3.9e-5, against 1.6e-5 at 256 bits and 9.7e-6 at 512), as they would on an Arm Mac.
    /// </summary>
    private static readonly int SumBlockFloats = 1024 * 4 * WidestVector.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float SumOfBlock<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, T op) where T : struct, IBinaryOperator
    {
        int n = x.Length, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            if (Avx512F.IsSupported && n >= LineAlignedSumFloats)
                fixed (float* px = &xr, py = &yr)
                    i = (Unsafe.AreSame(ref xr, ref yr), SumLooksAhead) switch
                    {
                        (true, true) => SumOfLineAligned<T, Ahead>(px, n, op, ref a0, ref a1, ref a2, ref a3),
                        (true, false) => SumOfLineAligned<T, NotAhead>(px, n, op, ref a0, ref a1, ref a2, ref a3),
                        (false, true) => ((nuint)py & 63) == 0
                            ? SumWhereTheyLie(px, py, n, op, ref a0, ref a1, ref a2, ref a3)
                            : SumOfFirstLineAligned(px, py, n, op, ref a0, ref a1, ref a2, ref a3),
                        (false, false) => SumOfLineAligned(px, py, n, op, ref a0, ref a1, ref a2, ref a3),
                    };
            for (; i <= n - 64; i += 64)
            {
                a0 += op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i));
                a1 += op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 16), Vector512.LoadUnsafe(ref yr, (nuint)i + 16));
                a2 += op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 32), Vector512.LoadUnsafe(ref yr, (nuint)i + 32));
                a3 += op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i + 48), Vector512.LoadUnsafe(ref yr, (nuint)i + 48));
            }
            for (; i <= n - 16; i += 16) a0 += op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i));
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 32; i += 32)
            {
                a0 += op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i));
                a1 += op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 8), Vector256.LoadUnsafe(ref yr, (nuint)i + 8));
                a2 += op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 16), Vector256.LoadUnsafe(ref yr, (nuint)i + 16));
                a3 += op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i + 24), Vector256.LoadUnsafe(ref yr, (nuint)i + 24));
            }
            for (; i <= n - 8; i += 8) a0 += op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i));
            sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 16; i += 16)
            {
                a0 += op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref yr, (nuint)i));
                a1 += op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 4), Vector128.LoadUnsafe(ref yr, (nuint)i + 4));
                a2 += op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 8), Vector128.LoadUnsafe(ref yr, (nuint)i + 8));
                a3 += op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i + 12), Vector128.LoadUnsafe(ref yr, (nuint)i + 12));
            }
            for (; i <= n - 4; i += 4) a0 += op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref yr, (nuint)i));
            sum = Vector128.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++) sum += op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
        return sum;
    }

    /// <summary>From this length on, <see cref="SumOf"/> at 512 bits reads its arrays by cache lines (see <see cref="SumOfLineAligned{T, TAhead}(float*, int, T, ref Vector512{float}, ref Vector512{float}, ref Vector512{float}, ref Vector512{float})"/>).</summary>
    private const int LineAlignedSumFloats = 1024;

    /// <summary>How far ahead (floats) the line-aligned sums ask for the lines they will read: 4 KB.</summary>
    private const int SumAhead = 1024;

    /// <summary>
    /// Whether the line-aligned sums ask for lines ahead: not on AMD's family 19h, whose AVX-512 processor
    /// (Zen 4) runs a 512-bit operation as two 256-bit halves. There every lookahead tried made long sums
    /// slower: dot over 1M floats 7.3 to 9.4 Gelem/s with the 4 KB one against 9.3 to 12.1 without (1, 2
    /// and 8 KB ahead, into L2, as non-temporal, and one line a block instead of four all lost too; over 64K
    /// floats, in L2, even). The Zen 5, with full-width units, is where the lookahead was measured to gain (see
    /// <see cref="SumOfLineAligned{T, TAhead}(float*, int, T, ref Vector512{float}, ref Vector512{float}, ref Vector512{float}, ref Vector512{float})"/>).
    /// </summary>
    private static readonly bool SumLooksAhead = Processor.AmdFamily != 0x19;

    // The lookahead as a type argument, so that each loop is compiled with it or without it: a test of a
    // flag inside the loop had the JIT keep the loop's sums and pointers on the stack (dot at half speed).
    private interface ILookahead { static abstract bool On { get; } }
    private readonly struct Ahead : ILookahead { public static bool On => true; }
    private readonly struct NotAhead : ILookahead { public static bool On => false; }

    /// <summary>The lane numbers 0 to 15, for a permutation that starts <c>s</c> lanes into a pair of vectors.</summary>
    private static Vector512<int> Lanes16 => Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    /// <summary>
    /// <see cref="SumOf"/>'s 512-bit steps for x = y, over 64-float blocks while at least 128 floats remain;
    /// returns where it stopped. The sums are those of the plain loop to the bit: accumulator j still takes the
    /// vector x[64t + 16j ..], but each is cut out of two loads that start on 64-byte lines (a two-source
    /// permutation) instead of being loaded where it lies. An array rarely starts on a line (the GC aligns
    /// to 8 bytes), and then every unaligned 512-bit load spans two lines and costs two: over 1M floats,
    /// in L3, the plain loop summed 15.8 to 16.9 Gelem/s at three of four alignments (20.4 to 23.3 on a
    /// line) where TensorPrimitives' sum, which aligns its loads and lets its order follow the address,
    /// did 21 to 24; this loop, asking 4 KB ahead for the lines it will read, 25.6 to 26.3 at every
    /// alignment (Zen 5, one process, best of 9 runs of 100 sums each). The lookahead load of each block
    /// is of the line holding x[64t + 64], inside the array since a block is left at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int SumOfLineAligned<T, TAhead>(float* x, int n, T op, ref Vector512<float> a0, ref Vector512<float> a1,
        ref Vector512<float> a2, ref Vector512<float> a3) where T : struct, IBinaryOperator where TAhead : struct, ILookahead
    {
        if (((nuint)x & 3) != 0) return 0;   // not on a float boundary: the plain loop
        int s = (int)(((nuint)x & 63) / sizeof(float));
        float* line = x - s;
        var lanes = Lanes16 + Vector512.Create(s);
        var last = Avx512F.LoadAlignedVector512(line);
        // The sums in locals: through the ref parameters each add would wait for the last one's store.
        Vector512<float> s0 = a0, s1 = a1, s2 = a2, s3 = a3;
        int i = 0;
        for (; i <= n - 128; i += 64, line += 64)
        {
            if (TAhead.On) Prefetch4(line + SumAhead);
            var l1 = Avx512F.LoadAlignedVector512(line + 16);
            var l2 = Avx512F.LoadAlignedVector512(line + 32);
            var l3 = Avx512F.LoadAlignedVector512(line + 48);
            var l4 = Avx512F.LoadAlignedVector512(line + 64);
            var v0 = Avx512F.PermuteVar16x32x2(last, lanes, l1);
            var v1 = Avx512F.PermuteVar16x32x2(l1, lanes, l2);
            var v2 = Avx512F.PermuteVar16x32x2(l2, lanes, l3);
            var v3 = Avx512F.PermuteVar16x32x2(l3, lanes, l4);
            s0 += op.Invoke(v0, v0);
            s1 += op.Invoke(v1, v1);
            s2 += op.Invoke(v2, v2);
            s3 += op.Invoke(v3, v3);
            last = l4;
        }
        (a0, a1, a2, a3) = (s0, s1, s2, s3);
        return i;
    }

    /// <summary>The same for two arrays, each read by its own lines, without the lookahead (where it lost: the Zen 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int SumOfLineAligned<T>(float* x, float* y, int n, T op, ref Vector512<float> a0, ref Vector512<float> a1,
        ref Vector512<float> a2, ref Vector512<float> a3) where T : struct, IBinaryOperator
    {
        if ((((nuint)x | (nuint)y) & 3) != 0) return 0;
        int sx = (int)(((nuint)x & 63) / sizeof(float)), sy = (int)(((nuint)y & 63) / sizeof(float));
        float* lx = x - sx, ly = y - sy;
        Vector512<int> lanesX = Lanes16 + Vector512.Create(sx), lanesY = Lanes16 + Vector512.Create(sy);
        Vector512<float> lastX = Avx512F.LoadAlignedVector512(lx), lastY = Avx512F.LoadAlignedVector512(ly);
        Vector512<float> s0 = a0, s1 = a1, s2 = a2, s3 = a3;
        int i = 0;
        for (; i <= n - 128; i += 64, lx += 64, ly += 64)
        {
            var x1 = Avx512F.LoadAlignedVector512(lx + 16);
            var y1 = Avx512F.LoadAlignedVector512(ly + 16);
            s0 += op.Invoke(Avx512F.PermuteVar16x32x2(lastX, lanesX, x1), Avx512F.PermuteVar16x32x2(lastY, lanesY, y1));
            var x2 = Avx512F.LoadAlignedVector512(lx + 32);
            var y2 = Avx512F.LoadAlignedVector512(ly + 32);
            s1 += op.Invoke(Avx512F.PermuteVar16x32x2(x1, lanesX, x2), Avx512F.PermuteVar16x32x2(y1, lanesY, y2));
            var x3 = Avx512F.LoadAlignedVector512(lx + 48);
            var y3 = Avx512F.LoadAlignedVector512(ly + 48);
            s2 += op.Invoke(Avx512F.PermuteVar16x32x2(x2, lanesX, x3), Avx512F.PermuteVar16x32x2(y2, lanesY, y3));
            lastX = Avx512F.LoadAlignedVector512(lx + 64);
            lastY = Avx512F.LoadAlignedVector512(ly + 64);
            s3 += op.Invoke(Avx512F.PermuteVar16x32x2(x3, lanesX, lastX), Avx512F.PermuteVar16x32x2(y3, lanesY, lastY));
        }
        (a0, a1, a2, a3) = (s0, s1, s2, s3);
        return i;
    }

    /// <summary>
    /// The same for two arrays where the lookahead gains: x read by its lines, y loaded where it lies, asking 4 KB
    /// ahead in both. Reading both by lines takes two permutations a vector where this takes one: dot over 1M
    /// floats on the Zen 5 ran at 13.2 to 13.4 Gelem/s (medians of 30 runs of 100 dots, a throwaway harness) at three
    /// of four pairs of alignments where both read by lines ran at 12.2 to 12.3 and TensorPrimitives at 12.0 to
    /// 12.2; with both arrays on a line, 12.6 against 12.3, where TensorPrimitives, which aligns one array and then
    /// runs fastest when both are, ran at 12.2 to 13.5 in different runs. The order, and so every bit, is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int SumOfFirstLineAligned<T>(float* x, float* y, int n, T op, ref Vector512<float> a0, ref Vector512<float> a1,
        ref Vector512<float> a2, ref Vector512<float> a3) where T : struct, IBinaryOperator
    {
        if (((nuint)x & 3) != 0) return 0;
        int sx = (int)(((nuint)x & 63) / sizeof(float));
        float* lx = x - sx;
        Vector512<int> lanesX = Lanes16 + Vector512.Create(sx);
        Vector512<float> lastX = Avx512F.LoadAlignedVector512(lx);
        Vector512<float> s0 = a0, s1 = a1, s2 = a2, s3 = a3;
        int i = 0;
        for (; i <= n - 128; i += 64, lx += 64)
        {
            Prefetch4(lx + SumAhead);
            Prefetch4(y + i + SumAhead);
            var x1 = Avx512F.LoadAlignedVector512(lx + 16);
            s0 += op.Invoke(Avx512F.PermuteVar16x32x2(lastX, lanesX, x1), Vector512.Load(y + i));
            var x2 = Avx512F.LoadAlignedVector512(lx + 32);
            s1 += op.Invoke(Avx512F.PermuteVar16x32x2(x1, lanesX, x2), Vector512.Load(y + i + 16));
            var x3 = Avx512F.LoadAlignedVector512(lx + 48);
            s2 += op.Invoke(Avx512F.PermuteVar16x32x2(x2, lanesX, x3), Vector512.Load(y + i + 32));
            lastX = Avx512F.LoadAlignedVector512(lx + 64);
            s3 += op.Invoke(Avx512F.PermuteVar16x32x2(x3, lanesX, lastX), Vector512.Load(y + i + 48));
        }
        (a0, a1, a2, a3) = (s0, s1, s2, s3);
        return i;
    }

    /// <summary>
    /// The same for two arrays, both loaded where they lie, asking 4 KB ahead in both: taken when y starts on a
    /// line (x 16 bytes past one and y on one is the layout `compare`'s processes give their arrays). Then each of
    /// y's loads is one line anyway, and permuting x's lines (above) costs more than loading x across them: a dot
    /// over 1M floats in that layout, taking turns with the loop above in one process (a throwaway harness,
    /// medians of 11 runs of 100 dots), ran at 12.2 to 12.7 Gelem/s against 11.7 to 11.9 in three processes, and
    /// at 10.0 against 9.7 in a fourth, in a slow minute of the machine (where a loop without the lookahead ran at
    /// 11.2 and TensorPrimitives at 11.4). With y off its line the loop above was about 1% faster. The order, and
    /// so every bit, is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int SumWhereTheyLie<T>(float* x, float* y, int n, T op, ref Vector512<float> a0, ref Vector512<float> a1,
        ref Vector512<float> a2, ref Vector512<float> a3) where T : struct, IBinaryOperator
    {
        // The lines to ask for: from the one each array's next block starts in.
        float* lx = (float*)((nuint)x & ~(nuint)63), ly = (float*)((nuint)y & ~(nuint)63);
        Vector512<float> s0 = a0, s1 = a1, s2 = a2, s3 = a3;
        int i = 0;
        // As far as the line-aligned loops go, so that all three leave the same rest to the plain loop.
        for (; i <= n - 128; i += 64)
        {
            Prefetch4(lx + i + SumAhead);
            Prefetch4(ly + i + SumAhead);
            s0 += op.Invoke(Vector512.Load(x + i), Vector512.Load(y + i));
            s1 += op.Invoke(Vector512.Load(x + i + 16), Vector512.Load(y + i + 16));
            s2 += op.Invoke(Vector512.Load(x + i + 32), Vector512.Load(y + i + 32));
            s3 += op.Invoke(Vector512.Load(x + i + 48), Vector512.Load(y + i + 48));
        }
        (a0, a1, a2, a3) = (s0, s1, s2, s3);
        return i;
    }

    /// <summary>Asks for the four cache lines (one 64-float block) at <paramref name="p"/>; a hint, which cannot fault past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch4(float* p)
    {
        Sse.Prefetch0(p); Sse.Prefetch0(p + 16); Sse.Prefetch0(p + 32); Sse.Prefetch0(p + 48);
    }
}

// ---- arithmetic ----

internal readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
}

internal readonly struct SubtractOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x - y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x - y;
}

internal readonly struct MultiplyOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x * y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;
}

internal readonly struct DivideOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x / y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x / y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x / y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x / y;
}

/// <summary>max(x, y) with MathF.Max's rules: NaN if either is NaN; +0 is greater than -0.</summary>
internal readonly struct MaxOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Max(x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Avx.IsSupported ? MinMax.Max(x, y) : Vector256.Max(x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Sse41.IsSupported ? MinMax.Max(x, y) : Vector128.Max(x, y);
}

/// <summary>min(x, y) with MathF.Min's rules: NaN if either is NaN; -0 is less than +0.</summary>
internal readonly struct MinOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Min(x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Min(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Avx.IsSupported ? MinMax.Min(x, y) : Vector256.Min(x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Sse41.IsSupported ? MinMax.Min(x, y) : Vector128.Min(x, y);
}

/// <summary>
/// MathF.Max's and MathF.Min's rules on x86 at 256 and 128 bits, from the processor's maxps and minps.
/// Those return y wherever either input is NaN or the two are equal (+0 and -0 among them); two blends
/// put back x's NaN and the sign of a zero: six instructions a vector, where Vector256.Max compiles to nine
/// (two compares for the zeros, one for NaN, one for the order, a blend). Max over 1M floats against
/// TensorPrimitives in the same process (throwaway harness): with 128-bit vectors 1.01x to 1.06x before,
/// 1.24x to 1.27x after (three processes each); with 256-bit ones, bound by memory, medians of 1.02x and
/// 1.03x over five processes each, within the noise. At 512 bits .NET's own Vector512.Max is short
/// (vrangeps) and is kept; on Arm, NEON's fmax and fmin follow these rules themselves.
/// </summary>
internal static class MinMax
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> x, Vector256<float> y)
    {
        var m = Avx.BlendVariable(Avx.Max(x, y), Avx.And(x, y), Avx.CompareEqual(x, y));   // equal: +0 unless both are -0
        return Avx.BlendVariable(m, x, Avx.CompareUnordered(x, x));                        // x NaN: x
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> x, Vector256<float> y)
    {
        var m = Avx.BlendVariable(Avx.Min(x, y), Avx.Or(x, y), Avx.CompareEqual(x, y));    // equal: -0 if either is -0
        return Avx.BlendVariable(m, x, Avx.CompareUnordered(x, x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> x, Vector128<float> y)
    {
        var m = Sse41.BlendVariable(Sse.Max(x, y), Sse.And(x, y), Sse.CompareEqual(x, y));
        return Sse41.BlendVariable(m, x, Sse.CompareUnordered(x, x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> x, Vector128<float> y)
    {
        var m = Sse41.BlendVariable(Sse.Min(x, y), Sse.Or(x, y), Sse.CompareEqual(x, y));
        return Sse41.BlendVariable(m, x, Sse.CompareUnordered(x, x));
    }
}

/// <summary>A binary operator with its second operand fixed to a scalar.</summary>
internal readonly struct WithScalar<T>(T op, float y) : IUnaryOperator where T : struct, IBinaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => op.Invoke(x, y);
    public Vector512<float> Invoke(Vector512<float> x) => op.Invoke(x, Vector512.Create(y));
    public Vector256<float> Invoke(Vector256<float> x) => op.Invoke(x, Vector256.Create(y));
    public Vector128<float> Invoke(Vector128<float> x) => op.Invoke(x, Vector128.Create(y));
}

/// <summary>A binary operator with its first operand fixed to a scalar.</summary>
internal readonly struct ScalarWith<T>(T op, float x) : IUnaryOperator where T : struct, IBinaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float y) => op.Invoke(x, y);
    public Vector512<float> Invoke(Vector512<float> y) => op.Invoke(Vector512.Create(x), y);
    public Vector256<float> Invoke(Vector256<float> y) => op.Invoke(Vector256.Create(x), y);
    public Vector128<float> Invoke(Vector128<float> y) => op.Invoke(Vector128.Create(x), y);
}

/// <summary>alpha·x + y (axpy). Multiply then add, not fused, so it rounds exactly like the scalar twin.</summary>
internal readonly struct ScaledAddOperator(float alpha) : IBinaryOperator
{
    public float Invoke(float x, float y) => alpha * x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Create(alpha) * x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Create(alpha) * x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.Create(alpha) * x + y;
}

internal readonly struct NegateOperator : IUnaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => -x;
    public Vector512<float> Invoke(Vector512<float> x) => -x;
    public Vector256<float> Invoke(Vector256<float> x) => -x;
    public Vector128<float> Invoke(Vector128<float> x) => -x;
}

internal readonly struct AbsOperator : IUnaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => MathF.Abs(x);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Abs(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Abs(x);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Abs(x);
}

internal readonly struct SqrtOperator : IUnaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => MathF.Sqrt(x);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Sqrt(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Sqrt(x);
}

internal readonly struct ClampOperator(float min, float max) : IUnaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => MathF.Min(MathF.Max(x, min), max);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Min(Vector512.Max(x, Vector512.Create(min)), Vector512.Create(max));
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Min(Vector256.Max(x, Vector256.Create(min)), Vector256.Create(max));
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Min(Vector128.Max(x, Vector128.Create(min)), Vector128.Create(max));
}

/// <summary>x where x &gt; 0, else slope·x (slope 0 is ReLU; NaN stays NaN as in the scalar twin's compare).</summary>
internal readonly struct LeakyReluOperator(float slope) : IUnaryOperator
{
    public static bool Cheap => true;
    public float Invoke(float x) => x > 0f ? x : slope * x;
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512.Create(slope) * x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256.Create(slope) * x);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Vector128.Create(slope) * x);
}

/// <summary>ReLU exactly as the scalar twin: x &gt; 0 ? x : 0 (so NaN and -0 become +0).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    // "x <= 0 ? 0 : x" rather than "x > 0 ? x : 0": the same compare and select, but NaN, for which both
    // compares are false, passes through as in PyTorch instead of becoming 0 and hiding a diverged layer.
    public static bool Cheap => true;
    public float Invoke(float x) => x <= 0f ? 0f : x;
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(x, Vector128<float>.Zero), Vector128<float>.Zero, x);
}

/// <summary>dy where x &gt; 0, else slope·dy (ReLU's and leaky ReLU's backward).</summary>
internal readonly struct LeakyReluBackwardOperator(float slope) : IBinaryOperator
{
    public float Invoke(float x, float dy) => x > 0f ? dy : slope * dy;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), dy, Vector512.Create(slope) * dy);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, Vector256.Create(slope) * dy);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), dy, Vector128.Create(slope) * dy);
}

/// <summary>dy·y·(1 - y), the sigmoid's backward from its output.</summary>
internal readonly struct SigmoidBackwardOperator : IBinaryOperator
{
    public float Invoke(float y, float dy) => dy * y * (1f - y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * y * (Vector512<float>.One - y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * y * (Vector256<float>.One - y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy) => dy * y * (Vector128<float>.One - y);
}

/// <summary>dy·(1 - y²), tanh's backward from its output.</summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public float Invoke(float y, float dy) => dy * (1f - y * y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * (Vector512<float>.One - y * y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy) => dy * (Vector128<float>.One - y * y);
}

/// <summary>+0 where x ≤ 0, else dy (ReLU's backward; exactly the scalar twin, no -0 from 0·dy; NaN passes dy, as in PyTorch).</summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public float Invoke(float x, float dy) => x <= 0f ? 0f : dy;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy) => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, dy);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy) => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, dy);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy) => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(x, Vector128<float>.Zero), Vector128<float>.Zero, dy);
}
