using System.Buffers.Binary;
using System.Diagnostics;

namespace NeuralNotebooks.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a valid file, the classic fuzzing moves: flipped bits, boundary values
/// written over integers (big- and little-endian), truncation, insertion and deletion. Each case is
/// drawn from its own seed, so a failure names the seed that reproduces it.
/// </summary>
internal static class Mutator
{
    private static readonly long[] Boundaries =
        [0, 1, -1, 2, 3, 7, 8, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, int.MaxValue, int.MinValue, uint.MaxValue, 1L << 31, 1L << 32, 1L << 40, long.MaxValue, long.MinValue];

    /// <summary>One to four mutations of <paramref name="input"/>; positions favour the first <paramref name="headerBytes"/> bytes, where the parsers' decisions are.</summary>
    public static byte[] Mutate(byte[] input, Random rng, int headerBytes)
    {
        var b = new List<byte>(input);
        int ops = 1 + rng.Next(4);
        for (int k = 0; k < ops; k++)
        {
            int Position() => b.Count == 0 ? 0 : rng.Next(2) == 0 ? rng.Next(Math.Min(b.Count, headerBytes)) : rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0 when b.Count > 0: { int p = Position(); b[p] ^= (byte)(1 << rng.Next(8)); break; }
                case 1 when b.Count > 0: b[Position()] = (byte)rng.Next(256); break;
                case 2 when b.Count > 0: b[Position()] = (byte)new[] { 0x00, 0xFF, 0x7F, 0x80, 0x01 }[rng.Next(5)]; break;
                case 3: Overwrite(b, Position(), 4, Boundaries[rng.Next(Boundaries.Length)], bigEndian: true); break;
                case 4: Overwrite(b, Position(), 8, Boundaries[rng.Next(Boundaries.Length)], bigEndian: false); break;
                case 5: { int cut = rng.Next(b.Count + 1); b.RemoveRange(cut, b.Count - cut); break; }
                case 6: { var extra = new byte[1 + rng.Next(16)]; rng.NextBytes(extra); b.InsertRange(rng.Next(b.Count + 1), extra); break; }
                case 7 when b.Count > 0: { int p = rng.Next(b.Count); b.RemoveRange(p, Math.Min(b.Count - p, 1 + rng.Next(16))); break; }
            }
        }
        return [.. b];
    }

    private static void Overwrite(List<byte> b, int at, int size, long value, bool bigEndian)
    {
        Span<byte> v = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(v, (int)value);
        else BinaryPrimitives.WriteInt64LittleEndian(v, value);
        for (int i = 0; i < size && at + i < b.Count; i++) b[at + i] = v[i];
    }

    /// <summary>
    /// Runs <paramref name="check"/> on case 0, 1, 2, ...: at least <paramref name="minCases"/>, then
    /// more until <paramref name="budget"/> has passed (at most <paramref name="maxCases"/>), on a
    /// worker so that a hang fails the test instead of stalling the run. Returns the number of cases run.
    /// </summary>
    public static int Run(TimeSpan budget, int minCases, int maxCases, Action<int> check)
    {
        int done = 0;
        var clock = Stopwatch.StartNew();
        var worker = Task.Run(() =>
        {
            for (int seed = 0; seed < maxCases && (seed < minCases || clock.Elapsed < budget); seed++)
            {
                check(seed);
                done++;
            }
        });
        bool finished;
        try { finished = worker.Wait(budget + TimeSpan.FromSeconds(120)); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // Surface the failing case's own assertion, not the task's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        if (!finished) Assert.Fail($"a fuzz case hung: case {done} had not finished {clock.Elapsed.TotalSeconds:F0} s after the start");
        return done;
    }
}
