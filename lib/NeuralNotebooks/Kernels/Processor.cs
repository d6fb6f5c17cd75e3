using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Which processor this is, for the few choices that measured one way on one processor and the other way on
/// another (each is named where it is made, with its measurements).
/// </summary>
internal static class Processor
{
    /// <summary>The family of an AMD x86 processor as its CPUID reports it (0x19: Zen 3 and Zen 4; 0x1A: Zen 5), 0 on any other processor.</summary>
    public static readonly int AmdFamily = ReadAmdFamily();

    private static int ReadAmdFamily()
    {
        if (!X86Base.IsSupported) return 0;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        // The vendor string "AuthenticAMD", four bytes in each of ebx, edx and ecx.
        if (ebx != 0x68747541 || edx != 0x69746E65 || ecx != 0x444D4163) return 0;
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF;
        return family == 0xF ? family + ((eax >> 20) & 0xFF) : family;
    }
}
