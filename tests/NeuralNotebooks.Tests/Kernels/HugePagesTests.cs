using System.Globalization;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// A dataset-sized array from <see cref="HugePages.UninitializedArray"/> is advised for 2 MB pages wherever
/// Linux has transparent huge pages, read from the kernel's own account of the process's memory
/// (/proc/self/smaps): every mapping inside the array carries the "hg" flag that MADV_HUGEPAGE sets. Whether
/// the kernel then backs it with huge pages is its own choice (it cannot when the garbage collector hands
/// out memory that was already in use), so the test asks for the advice, and reports the pages it got.
/// </summary>
public class HugePagesTests
{
    [Fact]
    public unsafe void ADatasetSizedArrayIsAdvisedForHugePages()
    {
        const int Length = 16 << 20;   // 64 MB: 31 whole 2 MB pages at least, wherever it starts
        var array = HugePages.UninitializedArray(Length);
        Assert.Equal(Length, array.Length);
        for (int i = 0; i < array.Length; i++) array[i] = i;
        Assert.Equal(Length - 1f, array[^1]);
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/sys/kernel/mm/transparent_hugepage")) return;   // no such pages here: an ordinary array
        long start, end;
        fixed (float* p = array)
        {
            const long Huge = 1 << 21;
            start = ((long)p + Huge - 1) & ~(Huge - 1);
            end = ((long)p + (long)Length * sizeof(float)) & ~(Huge - 1);
        }
        var inside = Mappings().Where(m => m.Start < end && m.End > start).ToList();
        Assert.NotEmpty(inside);
        foreach (var m in inside)
            Assert.True(m.Flags.Contains("hg"), $"the mapping {m.Start:x}-{m.End:x} inside the array ({start:x}-{end:x}) is not advised for huge pages: VmFlags {string.Join(' ', m.Flags)}; AnonHugePages {m.HugeKilobytes} kB");
    }

    private sealed record Mapping(long Start, long End, List<string> Flags, long HugeKilobytes);

    /// <summary>The process's mappings with their flags and huge-page kilobytes, from /proc/self/smaps.</summary>
    private static List<Mapping> Mappings()
    {
        var result = new List<Mapping>();
        long start = 0, end = 0, huge = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-'), space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long s)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long e))
            {
                (start, end, huge) = (s, e, 0);
                continue;
            }
            if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                huge = long.Parse(line["AnonHugePages:".Length..].Replace("kB", "").Trim(), CultureInfo.InvariantCulture);
            else if (line.StartsWith("VmFlags:", StringComparison.Ordinal))   // the last line of each mapping
                result.Add(new Mapping(start, end, [.. line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)], huge));
        }
        return result;
    }
}
