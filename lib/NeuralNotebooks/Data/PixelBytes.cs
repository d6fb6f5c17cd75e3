using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// The bytes a dataset's images were loaded from, remembered beside the floats they became (each float k / 255f
/// for its byte k). The loader keeps those bytes for the process anyway (see Mnist's cache), so remembering them
/// costs nothing; a fit that gathers shuffled samples can then read a byte a value instead of four, while the
/// batch it trains on holds the same floats.
/// </summary>
internal static class PixelBytes
{
    /// <summary>Keyed by the float array itself: the entry goes when the array does, and every view of it (a reshape shares it) finds it.</summary>
    private static readonly ConditionalWeakTable<float[], byte[]> Sources = new();

    /// <summary>For tests: on this thread <see cref="Matching"/> finds nothing, so fits gather from the floats.</summary>
    [ThreadStatic] internal static bool Off;

    /// <summary>Records that <paramref name="pixels"/> was made from <paramref name="bytes"/> (which nobody may change afterwards) by <see cref="PixelConversion.ToUnitFloats"/>.</summary>
    public static void Remember(float[] pixels, byte[] bytes) => Sources.AddOrUpdate(pixels, bytes);

    /// <summary>
    /// The bytes <paramref name="x"/>'s floats were made from, if every one of them still is k / 255f for its byte k,
    /// bit for bit (a learner may have normalized the images in place since); otherwise null. One pass over x on
    /// every core, which also proves x finite.
    /// </summary>
    public static byte[]? Matching(Tensor x)
    {
        if (Off || !Sources.TryGetValue(x.data, out var bytes)) return null;
        return PixelConversion.AreUnitFloatsParallel(bytes, x.data, x.Size) ? bytes : null;   // false for another length too
    }
}
