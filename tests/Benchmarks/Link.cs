using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// The link between two cores: how long one core takes to see a value another core has just written,
/// one way, measured by two threads passing a counter back and forth. A training step on two cores
/// hands data across it every time a kernel reads what the other core's share of the kernel before
/// wrote (the second half of a product split in depth, added on the calling thread; a gradient the
/// calling thread wrote, read by both cores in the next product), so a slow link slows such steps while
/// the multiply-adds run as fast as ever. Cores that share a cache hand a line over in a few tens of nanoseconds. The 2-core Zen 4 VM
/// measured 27 to 70 ns most of the time and 170 to 215 ns for a minute or more now and then, and in
/// those minutes its MLP and CNN steps took about twice as long (docs/performance.md, "The machines'
/// slow phases"). <c>compare</c> measures it before each of the library's runs and prints it below the
/// ceiling, so that a table says which kind of moment each row met.
/// </summary>
internal static class Link
{
    /// <summary>Round trips in one burst: well under a millisecond at 200 ns a hand-over.</summary>
    private const int RoundTrips = 2_000;

    /// <summary>
    /// Nanoseconds for one hand-over, one way: the median of <paramref name="bursts"/> bursts of round trips
    /// (a burst during which the system ran something else on one of the two cores comes out far longer, and
    /// the median leaves it out). NaN with fewer than two cores, where the two threads would take turns on one.
    /// </summary>
    public static double Measure(int bursts = 5)
    {
        if (Environment.ProcessorCount < 2) return double.NaN;
        // The counter alone in its cache line: the array's other elements on either side pad it.
        var line = new long[24];
        const int At = 12;
        using var go = new Barrier(2);
        var times = new List<double>();
        var answering = new Thread(() =>
        {
            for (int b = 0; b < bursts; b++)
            {
                go.SignalAndWait();
                long first = (long)b * 2 * RoundTrips;
                for (long i = first + 1; i < first + 2 * RoundTrips; i += 2)
                {
                    while (Volatile.Read(ref line[At]) != i) { }
                    Volatile.Write(ref line[At], i + 1);
                }
            }
        }) { IsBackground = true };
        answering.Start();
        for (int b = 0; b < bursts; b++)
        {
            go.SignalAndWait();
            long first = (long)b * 2 * RoundTrips;
            long start = Stopwatch.GetTimestamp();
            for (long i = first; i < first + 2 * RoundTrips; i += 2)
            {
                Volatile.Write(ref line[At], i + 1);
                while (Volatile.Read(ref line[At]) != i + 2) { }
            }
            times.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / (2.0 * RoundTrips));
        }
        answering.Join();
        return Compare.MedianOf(times);
    }
}
