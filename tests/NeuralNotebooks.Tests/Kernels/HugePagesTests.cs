using System.Globalization;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// A dataset-sized array from <see cref="HugePages.UninitializedArray"/> comes in 2 MB pages wherever Linux
/// grants them on request, read from the kernel's own account of the process's memory (/proc/self/smaps).
/// </summary>
public class HugePagesTests
{
    [Fact]
    public unsafe void ADatasetSizedArrayIsBackedByHugePagesOnceWritten()
    {
        const int Length = 16 << 20;   // 64 MB: 31 whole 2 MB pages at least, wherever it starts
        var array = HugePages.UninitializedArray(Length);
        Assert.Equal(Length, array.Length);
        long address;
        fixed (float* p = array) address = (long)p;
        long end = address + (long)Length * sizeof(float);
        long before = AnonHugeKilobytes(address, end);
        for (int i = 0; i < array.Length; i++) array[i] = i;
        Assert.Equal(Length - 1f, array[^1]);
        if (!Granted()) return;   // the system gives only 4 KB pages (or is not Linux): the array is an ordinary one
        long after = AnonHugeKilobytes(address, end);
        // Most of it, not all: a 2 MB page may be refused when memory is fragmented.
        Assert.True(after - before >= 16 * 2048, $"the array's mapping gained {after - before} kB of huge pages (from {before} to {after}); expected at least 32 MB of its 64");
    }

    /// <summary>Whether transparent huge pages are given on request ("madvise" or "always" mode).</summary>
    private static bool Granted()
    {
        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return OperatingSystem.IsLinux() && File.Exists(Setting) && !File.ReadAllText(Setting).Contains("[never]", StringComparison.Ordinal);
    }

    /// <summary>
    /// The AnonHugePages of the mappings that overlap [<paramref name="from"/>, <paramref name="to"/>), in kB
    /// (0 off Linux). Advice splits a mapping at the range it covers, so the array spans several.
    /// </summary>
    private static long AnonHugeKilobytes(long from, long to)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        bool inside = false;
        long sum = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long start)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long end))
            {
                inside = start < to && end > from;
                continue;
            }
            if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                sum += long.Parse(line["AnonHugePages:".Length..].Replace("kB", "").Trim(), CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
