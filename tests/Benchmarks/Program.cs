using BenchmarkDotNet.Running;

namespace Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/Benchmarks -- compare</c>: the library against PyTorch and
/// scikit-learn, end to end; <c>-- kernels</c>: BenchmarkDotNet over the kernels (SIMD vs scalar vs TensorPrimitives).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "compare": return Compare.Run(args[1..]);
            case "kernels":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine("usage: dotnet run -c Release --project tests/Benchmarks -- compare [--repeats N] | kernels [BenchmarkDotNet options]");
                return 2;
        }
    }
}
