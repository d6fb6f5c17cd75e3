using System.IO.Compression;
using NeuralNotebooks.Tests.Data;

namespace NeuralNotebooks.Tests.Fuzz;

/// <summary>
/// The IDX reader on thousands of mutated files, raw and gzipped, for a few seconds: every outcome
/// is a successful read or a <see cref="DataFormatException"/> naming the file, never another
/// exception, never an allocation out of proportion to the file, never a hang.
/// </summary>
public class IdxFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        IdxWriter.Bytes(0x08, [3, 4, 5], Enumerable.Range(0, 60).Select(i => (byte)(i * 7)).ToArray()),
        IdxWriter.Bytes(0x08, [10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]),
        IdxWriter.Bytes(0x0C, [2, 2], Enumerable.Range(0, 16).Select(i => (byte)i).ToArray()),
        IdxWriter.Bytes(0x0E, [1], [0x3F, 0xF0, 0, 0, 0, 0, 0, 0]),
    ];

    private static byte[] Gzip(byte[] content)
    {
        using var m = new MemoryStream();
        using (var gz = new GZipStream(m, CompressionLevel.Fastest)) gz.Write(content);
        return m.ToArray();
    }

    [Fact]
    public void Mutated_files_are_read_or_rejected_clearly()
    {
        var path = TempFolder.File("fuzz.idx");
        int rejected = 0;
        int cases = Mutator.Run(TimeSpan.FromSeconds(3), minCases: 300, maxCases: 20_000, seed =>
        {
            var rng = new Random(seed);
            var original = Seeds[rng.Next(Seeds.Length)];
            // Three shapes of damage: a raw file, a well-formed gzip of a damaged file, a damaged gzip.
            byte[] bytes = (seed % 3) switch
            {
                0 => Mutator.Mutate(original, rng, headerBytes: 24),
                1 => Gzip(Mutator.Mutate(original, rng, headerBytes: 24)),
                _ => Mutator.Mutate(Gzip(original), rng, headerBytes: 32),
            };
            File.WriteAllBytes(path, bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var f = IdxFile.Read(path);
                Assert.Equal(f.Dimensions.Aggregate(1L, (a, d) => a * d) * IdxFile.ElementSize(f.ElementType), f.Bytes.LongLength);
                Assert.Equal(f.Count, f.ToFloats().Length);
            }
            catch (DataFormatException e)
            {
                Assert.True(e.Message.Contains(path), $"case {seed}: the message does not name the file: {e.Message}");
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {seed} ({Convert.ToHexString(bytes[..Math.Min(64, bytes.Length)])}...): {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 1100L * bytes.Length + (4 << 20), $"case {seed}: a {bytes.Length}-byte file made the reader allocate {allocated:N0} bytes");
        });
        Assert.InRange(rejected, 1, cases - 1);
    }
}
