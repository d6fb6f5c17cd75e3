using System.Globalization;
using BenchmarkDotNet.Running;

namespace Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/Benchmarks -- compare</c>: the library against PyTorch and
/// scikit-learn, end to end; <c>-- profile</c>: where a training step of the CNN and of the MLP spends its time, from the gather to the optimizer; <c>-- memory</c>: the CNN's garbage per batch and peak working set in a process of its own; <c>-- peak</c>: the ceiling of the library's products (the GEMM micro-kernel alone on every core), its share of the multiply-add units' own rate, and the link between two cores; <c>-- kernels</c>: BenchmarkDotNet over the kernels (SIMD vs scalar vs TensorPrimitives).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // The tables are read by people and copied into README: "6.56" and "1,875" in every culture, not "6,56"
        // and "1.875" on a machine set to German.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        switch (args.FirstOrDefault())
        {
            case "compare":
                // A mistyped option is the user's to fix: its message, not a stack trace.
                try { return Compare.Run(args[1..]); }
                catch (UsageException e) { Console.Error.WriteLine(e.Message); return 2; }
            case "profile": return Profile.Run();
            case "memory": return Memory.Run();
            case "peak": return Peak.Run();
            case "kernels":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine("usage: dotnet run -c Release --project tests/Benchmarks -- compare [--repeats N] [--only GROUPS] [--isa avx2|vector128|arm-shaped] | profile | memory | peak | kernels [BenchmarkDotNet options]");
                return 2;
        }
    }
}

/// <summary>A command line the tool cannot follow: printed as its message alone, with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
