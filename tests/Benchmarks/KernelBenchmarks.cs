using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using NeuralNotebooks;
using NeuralNotebooks.Kernels;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>Element-wise kernels over a million floats: the library's SIMD kernel, its scalar twin, and TensorPrimitives.</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private float[] _x = [], _y = [], _d = [];

    [GlobalSetup]
    public void Setup()
    {
        _x = new Rng(1).Uniform(new Shape(1_000_000), -5f, 5f).ToArray();
        _y = new Rng(2).Uniform(new Shape(1_000_000), -5f, 5f).ToArray();
        _d = new float[1_000_000];
    }

    [Benchmark] public void AddSimd() => Simd.Add(_x, _y, _d);
    [Benchmark] public void AddScalar() => Scalar.Add(_x, _y, _d);
    [Benchmark(Baseline = true)] public void AddTensorPrimitives() => TensorPrimitives.Add(_x, _y, _d);
    [Benchmark] public void MultiplySimd() => Simd.Multiply(_x, _y, _d);
    [Benchmark] public void MultiplyTensorPrimitives() => TensorPrimitives.Multiply(_x, _y, _d);
    [Benchmark] public void ExpSimd() => Simd.Exp(_x, _d);
    [Benchmark] public void ExpScalar() => Scalar.Exp(_x, _d);
    [Benchmark] public void ExpTensorPrimitives() => TensorPrimitives.Exp(_x, _d);
    [Benchmark] public void SigmoidSimd() => Simd.Sigmoid(_x, _d);
    [Benchmark] public void SigmoidTensorPrimitives() => TensorPrimitives.Sigmoid(_x, _d);
    [Benchmark] public void TanhSimd() => Simd.Tanh(_x, _d);
    [Benchmark] public void TanhTensorPrimitives() => TensorPrimitives.Tanh(_x, _d);
}

/// <summary>Square single-precision matrix products.</summary>
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params(256, 1024)] public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = new Rng(1).Uniform(new Shape(N * N)).ToArray();
        _b = new Rng(2).Uniform(new Shape(N * N)).ToArray();
        _c = new float[N * N];
    }

    [Benchmark] public void Gemm() => Simd.Gemm(N, N, N, _a, false, _b, false, _c);
}

/// <summary>
/// The two shapes a convolution through im2col gives GEMM, which the blocked algorithm serves badly: a
/// tiny depth (positions × taps × filters, a one-channel 3×3 convolution's forward pass) and a small
/// result summed over a long depth (taps × filters over all positions, its kernel gradient, A transposed).
/// The library's product against TorchSharp's <c>torch.mm</c> on the same values (2 threads, as in
/// <c>compare</c>). Run: <c>-- kernels --filter *SmallShapeGemm*</c>. In process: in a project that
/// BenchmarkDotNet generates, LibTorch's libraries were loaded twice and the process aborted.
/// </summary>
[InProcess]
public class SmallShapeGemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private TorchSharp.torch.Tensor? _storedA, _ta, _tb;
    private int _m, _n, _k;
    private bool _transposeA;

    /// <summary>m×n×k, with a final t when A is stored k×m (transposed).</summary>
    [Params("21632x28x9", "4732x16x9", "500x28x9", "9x28x21632t", "9x28x10000t", "9x28x700t", "3x5x257t")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _transposeA = Shape.EndsWith('t');
        var d = Shape.TrimEnd('t').Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (d[0], d[1], d[2]);
        _a = new Rng(1).Uniform(new Shape(_m * _k), -1f, 1f).ToArray();
        _b = new Rng(2).Uniform(new Shape(_k * _n), -1f, 1f).ToArray();
        _c = new float[_m * _n];
        var status = NeuralNotebooks.Torch.TorchSharpSetup.Load();
        if (!status.Ready) throw new InvalidOperationException($"TorchSharp cannot run here: {status.Message}");
        set_num_threads(2);
        _storedA = _transposeA ? tensor(_a, [_k, _m]) : tensor(_a, [_m, _k]);
        _ta = _transposeA ? _storedA.t() : _storedA;
        _tb = tensor(_b, [_k, _n]);
    }

    /// <summary>Frees this shape's native tensors before the next shape's setup makes its own.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (!ReferenceEquals(_ta, _storedA)) _ta?.Dispose();
        _storedA?.Dispose();
        _tb?.Dispose();
        _storedA = _ta = _tb = null;
    }

    [Benchmark] public void Library() => Simd.Gemm(_m, _n, _k, _a, _transposeA, _b, false, _c);

    [Benchmark(Baseline = true)]
    public void TorchSharpMm()
    {
        using var c = mm(_ta!, _tb!);
    }
}
