using System.Diagnostics;
using System.Globalization;
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
/// </summary>
internal static class Peak
{
    private const int Depth = 256;

    public static int Run()
    {
        var runs = Enumerable.Range(0, 5).Select(_ => Measure()).ToList();
        Console.WriteLine($"micro-kernel alone on {Environment.ProcessorCount} cores, {Gemm.TileShape.Rows}x{Gemm.TileShape.Columns} tiles, depth {Depth}: "
            + string.Join(", ", runs.Select(r => r.ToString("F1", CultureInfo.InvariantCulture))) + " GFLOP/s");
        Console.WriteLine($"highest {runs.Max():F1}, median {Compare.MedianOf(runs):F1} GFLOP/s");
        return 0;
    }

    /// <summary>GFLOP/s of every core together, over about a fifth of a second.</summary>
    public static double Measure()
    {
        var (rows, cols) = Gemm.TileShape;
        const int Calls = 80_000;   // 49,152 flops each with AVX2 tiles: 4 GFLOP per core
        int cores = Environment.ProcessorCount;
        using var start = new Barrier(cores + 1);
        var threads = Enumerable.Range(0, cores).Select(t => new Thread(() =>
        {
            var rng = new Rng(t + 1);
            var a = rng.Uniform(new Shape(rows * Depth), -1f, 1f).ToArray();
            var b = rng.Uniform(new Shape(cols * Depth), -1f, 1f).ToArray();
            var tile = new float[rows * cols];
            Gemm.TileProduct(Depth, a, b, tile, 100);   // compiled and in cache before the clock starts
            start.SignalAndWait();
            Gemm.TileProduct(Depth, a, b, tile, Calls);
        })).ToList();
        threads.ForEach(t => t.Start());
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        threads.ForEach(t => t.Join());
        return 2.0 * rows * cols * Depth * Calls * cores / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// Multiply-adds ×2 of one sample through a model's forward pass: each dense or convolution layer's
    /// kernel once per output position (a dense layer has one).
    /// </summary>
    public static double ForwardFlops(Sequential model) =>
        model.Layers.OfType<KernelLayer>().Sum(l => 2.0 * l.Kernel.Size * l.OutputShape.Aggregate(1L, (p, d) => p * d) / l.OutputShape[^1]);
}
