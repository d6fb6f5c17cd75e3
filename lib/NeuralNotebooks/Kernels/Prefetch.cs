using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace NeuralNotebooks.Kernels;

/// <summary>Asking for memory before it is read: a hint only (no fault, no wait), and nothing on Arm, which has no such instruction in .NET.</summary>
internal static unsafe class Prefetch
{
    /// <summary>Asks for every cache line of the <paramref name="floats"/> floats from <paramref name="start"/> to be brought into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lines(float* start, int floats) => Lines((byte*)start, floats * sizeof(float));

    /// <summary>Asks for every cache line of the <paramref name="bytes"/> bytes from <paramref name="start"/> to be brought into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lines(byte* start, int bytes)
    {
        if (!Sse.IsSupported) return;
        byte* p = start, end = start + bytes;
        for (; p < end; p += 64) Sse.Prefetch0(p);
        Sse.Prefetch0(end - 1);   // the range need not start on a line
    }
}
