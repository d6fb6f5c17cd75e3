using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NeuralNotebooks;
using NeuralNotebooks.Kernels;

namespace Benchmarks;

/// <summary>
/// <c>-- peak</c>: the ceiling of the library's products on this machine: the GEMM micro-kernel alone,
/// one tile over and over from panels that stay in L1, on every core at once (one thread each). Nothing
/// is packed, split or waited for, so no product can run faster; <c>compare</c> measures it next to the
/// SGEMM and CNN rows and says what share of it each side and each goal takes. A goal that needs more
/// than the ceiling cannot be met without a faster micro-kernel. It bounds this library's code, not the
/// machine: a peer's own kernel may get more out of a core (OpenBLAS's SGEMM came out above it once).
/// So <c>-- peak</c> also measures the machine's limit, the multiply-add units alone on registers, each
/// time right after the kernel, and prints the kernel's share of it; and the link between two cores
/// (<see cref="Link"/>), which bounds what a parallel step can hand from one core to the other.
/// </summary>
internal static class Peak
{
    private const int Depth = 256;
    /// <summary>Tiles a core computes in one measurement of the kernel: 49,152 flops each with AVX2 tiles, 4 GFLOP per core (8 with AVX-512's).</summary>
    private const int KernelCalls = 80_000;

    public static int Run()
    {
        var runs = Enumerable.Range(0, 5).Select(_ => Measure()).ToList();
        Console.WriteLine($"micro-kernel alone on {Environment.ProcessorCount} cores, {Gemm.TileShape.Rows}x{Gemm.TileShape.Columns} tiles, depth {Depth}: "
            + string.Join(", ", runs.Select(r => r.ToString("F1", CultureInfo.InvariantCulture))) + " GFLOP/s");
        Console.WriteLine($"highest {runs.Max():F1}, median {Compare.MedianOf(runs):F1} GFLOP/s");
        // The units alone, after each kernel run: the machine's own limit at that moment, to compare with.
        var units = Enumerable.Range(0, 5).Select(_ => (Kernel: Measure(), Units: MeasureUnits())).ToList();
        Console.WriteLine($"multiply-add units alone on {Environment.ProcessorCount} cores ({WidestVector.Lanes}-float vectors, the kernel's, no loads), each after a kernel run: "
            + string.Join(", ", units.Select(u => $"{u.Units.ToString("F1", CultureInfo.InvariantCulture)} (kernel {u.Kernel.ToString("F1", CultureInfo.InvariantCulture)}, {100 * u.Kernel / u.Units:F0}%)")) + " GFLOP/s");
        // The link between two cores: how soon what one core writes reaches the other (see Link).
        if (Environment.ProcessorCount >= 2) Console.WriteLine("link between two cores, one way (a counter passed back and forth, `Link`): "
            + string.Join(", ", Enumerable.Range(0, 5).Select(_ => Link.Measure().ToString("F0", CultureInfo.InvariantCulture))) + " ns");
        return 0;
    }

    /// <summary>
    /// GFLOP/s of the fused multiply-add units alone, every core at once: twelve independent chains of
    /// multiply-adds on registers, nothing loaded or stored, as many as hide the instruction's latency on
    /// both pipes, in vectors of the micro-kernel's width. No code of any library multiplies faster on this
    /// machine at that moment, so the micro-kernel's share of it says how much a better kernel could still
    /// gain. (`Vector&lt;float&gt;` would not do: it stays 256-bit on AVX-512 machines, and the kernel then
    /// came out at 165% to 228% of "the units" on the Zen 5.)
    /// </summary>
    public static double MeasureUnits() =>
        Vector512.IsHardwareAccelerated ? MeasureUnits<Width512, Vector512<float>>()
        : Vector256.IsHardwareAccelerated ? MeasureUnits<Width256, Vector256<float>>()
        : MeasureUnits<Width128, Vector128<float>>();

    private static double MeasureUnits<TW, TV>() where TW : struct, IWidth<TV> where TV : struct
    {
        // 12 multiply-adds of a vector a pass, as many flops a core as the kernel's run (Measure): runs half as
        // long (14 ms) read 287 to 547 GFLOP/s within one minute, these 396 to 447 in the next.
        var (rows, cols) = Gemm.TileShape;
        long passes = (long)KernelCalls * rows * cols * Depth / (12 * TW.Lanes);
        var sums = new float[Environment.ProcessorCount];
        double seconds = SecondsOnEveryCore(t =>
        {
            Chains<TW, TV>(1000);   // compiled before the clock starts
            return () => sums[t] = Chains<TW, TV>(passes);
        });
        return 2.0 * 12 * TW.Lanes * passes * Environment.ProcessorCount / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Chains<TW, TV>(long passes) where TW : struct, IWidth<TV> where TV : struct
    {
        var x = TW.Broadcast(0.999999f);
        var y = TW.Broadcast(1e-7f);
        TV c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (long i = 0; i < passes; i++)
        {
            c0 = TW.MultiplyAdd(c0, x, y); c1 = TW.MultiplyAdd(c1, x, y); c2 = TW.MultiplyAdd(c2, x, y);
            c3 = TW.MultiplyAdd(c3, x, y); c4 = TW.MultiplyAdd(c4, x, y); c5 = TW.MultiplyAdd(c5, x, y);
            c6 = TW.MultiplyAdd(c6, x, y); c7 = TW.MultiplyAdd(c7, x, y); c8 = TW.MultiplyAdd(c8, x, y);
            c9 = TW.MultiplyAdd(c9, x, y); c10 = TW.MultiplyAdd(c10, x, y); c11 = TW.MultiplyAdd(c11, x, y);
        }
        // The sums are returned so that the chains are not left out as unused.
        var sum = TW.Add(TW.Add(TW.Add(c0, c1), TW.Add(c2, c3)), TW.Add(TW.Add(TW.Add(c4, c5), TW.Add(c6, c7)), TW.Add(TW.Add(c8, c9), TW.Add(c10, c11))));
        return Unsafe.As<TV, float>(ref sum);
    }

    /// <summary>GFLOP/s of every core together, over <see cref="KernelCalls"/> tiles a core (about 40 ms on the Zen 5).</summary>
    public static double Measure()
    {
        var (rows, cols) = Gemm.TileShape;
        double seconds = SecondsOnEveryCore(t =>
        {
            var rng = new Rng(t + 1);
            var a = rng.Uniform(new Shape(rows * Depth), -1f, 1f).ToArray();
            var b = rng.Uniform(new Shape(cols * Depth), -1f, 1f).ToArray();
            var tile = new float[rows * cols];
            Gemm.TileProduct(Depth, a, b, tile, 100);   // compiled and in cache before the clock starts
            return () => Gemm.TileProduct(Depth, a, b, tile, KernelCalls);
        });
        return 2.0 * rows * cols * Depth * KernelCalls * Environment.ProcessorCount / seconds / 1e9;
    }

    /// <summary>
    /// Runs one thread per core: each calls <paramref name="prepare"/> with its index (its own data, and a
    /// warm-up so that nothing is compiled on the clock), then all run what it returned at once. Returns
    /// the seconds from their common start until the last one ends.
    /// </summary>
    private static double SecondsOnEveryCore(Func<int, Action> prepare)
    {
        int cores = Environment.ProcessorCount;
        using var start = new Barrier(cores + 1);
        var threads = Enumerable.Range(0, cores).Select(t => new Thread(() =>
        {
            var run = prepare(t);
            start.SignalAndWait();
            run();
        })).ToList();
        threads.ForEach(t => t.Start());
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        threads.ForEach(t => t.Join());
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Multiply-adds ×2 of one sample through a model's forward pass: each dense or convolution layer's
    /// kernel once per output position (a dense layer has one).
    /// </summary>
    public static double ForwardFlops(Sequential model) =>
        model.Layers.OfType<KernelLayer>().Sum(l => 2.0 * l.Kernel.Size * l.OutputShape.Aggregate(1L, (p, d) => p * d) / l.OutputShape[^1]);
}
