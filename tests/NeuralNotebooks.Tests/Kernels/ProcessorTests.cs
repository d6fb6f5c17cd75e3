using System.Runtime.Intrinsics.X86;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>The processor family the kernels read from CPUID, against what Linux reports of the same processor.</summary>
public class ProcessorTests
{
    [Fact]
    public void AmdFamilyIsTheOneLinuxReports()
    {
        if (!File.Exists("/proc/cpuinfo")) return;   // not Linux: no second reading to compare with
        var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        bool amd = fields.TryGetValue("vendor_id", out var vendor) && vendor == "AuthenticAMD";
        int expected = amd && X86Base.IsSupported ? int.Parse(fields["cpu family"]) : 0;
        Assert.Equal(expected, Processor.AmdFamily);
    }
}
