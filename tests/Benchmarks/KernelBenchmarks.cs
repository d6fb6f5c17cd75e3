using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using NeuralNotebooks;
using NeuralNotebooks.Kernels;

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
