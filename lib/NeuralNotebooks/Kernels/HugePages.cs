using System.Runtime.InteropServices;

namespace NeuralNotebooks.Kernels;

/// <summary>
/// Datasets in 2 MB pages instead of 4 KB ones, where Linux grants them on request (transparent huge pages
/// in "madvise" or "always" mode, as on most distributions), as NumPy does for its large arrays. A shuffled
/// batch reads samples scattered over the whole dataset, MNIST's 188 MB of floats: with 4 KB pages nearly
/// every sample lies on a page the TLB does not hold, and the copy waits for a page walk before it waits for
/// the data. Elsewhere, or if the request is refused, the arrays are ordinary ones.
/// </summary>
internal static unsafe partial class HugePages
{
    private const int HugePage = 1 << 21;
    /// <summary>MADV_HUGEPAGE in Linux's headers.</summary>
    private const int AdviseHugePage = 14;
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>
    /// A new array of <paramref name="length"/> floats whose contents are undefined (the caller writes every
    /// element), in 2 MB pages where the system allows.
    /// </summary>
    public static float[] UninitializedArray(int length)
    {
        var array = GC.AllocateUninitializedArray<float>(length);
        Advise(array);
        return array;
    }

    /// <summary>
    /// Advises the whole 2 MB pages inside <paramref name="array"/>, which must not have been written yet:
    /// pages already in memory keep their size, while those touched after this come in 2 MB at a time.
    /// Arrays under two huge pages are left alone. An array this large lives on the large object heap, which
    /// the garbage collector does not move.
    /// </summary>
    private static void Advise(float[] array)
    {
        if (_unavailable || (long)array.Length * sizeof(float) < 2 * HugePage) return;
        fixed (float* p = array)
        {
            long start = ((long)p + HugePage - 1) & ~(long)(HugePage - 1);
            long end = ((long)p + (long)array.Length * sizeof(float)) & ~(long)(HugePage - 1);
            try { _ = madvise((nint)start, (nuint)(end - start), AdviseHugePage); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _unavailable = true; }
        }
    }

    [LibraryImport("libc.so.6")]
    private static partial int madvise(nint address, nuint length, int advice);
}
