using System.Text.RegularExpressions;
using NeuralNotebooks.Tests.Data;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>Rules about how the kernels are written that no result check would catch.</summary>
public class KernelSourceTests
{
    /// <summary>
    /// An exact vector fused multiply-add is emulated lane by lane where the processor has no FMA (an
    /// x64 machine without AVX2, or the 128-bit benchmark run): correct, and ten times slower. The
    /// kernels use MultiplyAddEstimate, one instruction with FMA and a multiply and an add without.
    /// </summary>
    [Fact]
    public void No_kernel_uses_an_exact_vector_fused_multiply_add()
    {
        var kernels = Path.Combine(MnistTests.FindRepo(), "lib", "NeuralNotebooks", "Kernels");
        var offenders = Directory.EnumerateFiles(kernels, "*.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => Regex.IsMatch(l.Text, @"\bVector(64|128|256|512)?\.FusedMultiplyAdd\("))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "use MultiplyAddEstimate instead:\n" + string.Join("\n", offenders));
    }
}
