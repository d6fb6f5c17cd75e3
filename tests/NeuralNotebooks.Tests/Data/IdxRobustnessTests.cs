using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralNotebooks.Tests.Data;

/// <summary>Corrupt, truncated and hostile IDX files: each is reported as what it is, before any large allocation.</summary>
public class IdxRobustnessTests
{
    private static byte[] Gzip(byte[] content)
    {
        using var m = new MemoryStream();
        using (var gz = new GZipStream(m, CompressionLevel.Optimal)) gz.Write(content);
        return m.ToArray();
    }

    /// <summary>An IDX file of 300 × 7 bytes that compresses, but not trivially.</summary>
    private static byte[] Sample()
    {
        var payload = new byte[2100];
        var rng = new Random(7);
        for (int i = 0; i < payload.Length; i++) payload[i] = (byte)rng.Next(23);
        return IdxWriter.Bytes(0x08, [300, 7], payload);
    }

    private static DataFormatException ReadFails(string path, long maxAllocated = 1 << 20)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < maxAllocated, $"reading {Path.GetFileName(path)} allocated {allocated:N0} bytes before failing: {e.Message}");
        Assert.Contains(Path.GetFileName(path), e.Message);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tiny_file_claiming_2_GB_is_reported_as_truncated_without_allocating_it(bool gzip)
    {
        // 16 bytes of header announcing 2,000 × 1,000 × 1,000 bytes, then 8 bytes of data: 24 bytes.
        var content = IdxWriter.Bytes(0x08, [2000, 1000, 1000], new byte[8]);
        Assert.Equal(24, content.Length);
        var path = Path.Combine(TempFolder.New(), gzip ? "huge.idx.gz" : "huge.idx");
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        var e = ReadFails(path);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("2000, 1000, 1000", e.Message);
        Assert.Contains("2000000016 bytes", e.Message);
        if (!gzip) Assert.Contains("found 24", e.Message);
    }

    [Fact]
    public void A_gzip_payload_whose_trailer_disagrees_is_read_only_as_far_as_it_goes()
    {
        // The header claims 200,008 bytes; the stream and its trailer hold 2,108.
        var content = IdxWriter.Bytes(0x08, [200_000], Sample()[12..]);
        var path = TempFolder.File("short.gz");
        File.WriteAllBytes(path, Gzip(content));
        Assert.True(new FileInfo(path).Length * 1032 > 200_008, "the file must be large enough to be believed");
        var e = ReadFails(path, maxAllocated: 1 << 21);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("200008 bytes", e.Message);
        Assert.Contains($"found {content.Length}", e.Message);
    }

    [Fact]
    public void A_forged_gzip_trailer_cannot_make_the_reader_allocate_what_the_file_does_not_hold()
    {
        // 300 kB of incompressible data under a header claiming 290 MB, with the trailer's length
        // field rewritten to agree: plausible by every check made before reading, yet false.
        var payload = new byte[300_000];
        new Random(3).NextBytes(payload);
        var gz = Gzip(IdxWriter.Bytes(0x08, [290_000_000], payload));
        BinaryPrimitives.WriteUInt32LittleEndian(gz.AsSpan(gz.Length - 4), 290_000_008);
        var path = TempFolder.File("forged.gz");
        File.WriteAllBytes(path, gz);
        Assert.True(gz.Length * 1032L > 290_000_008, "the file must be large enough to be believed");
        var e = ReadFails(path, maxAllocated: 8 << 20);
        Assert.Matches("corrupt|truncated", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1 << 21, 1 << 21, 1 << 22 })]
    [InlineData(new[] { int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, 2 })]
    public void Dimensions_whose_product_overflows_are_rejected(int[] dims)
    {
        var path = TempFolder.File("overflow.idx");
        File.WriteAllBytes(path, IdxWriter.Bytes(0x08, dims, []));
        var e = ReadFails(path);
        Assert.Contains(string.Join(", ", dims), e.Message);
        Assert.Contains("2^63", e.Message);
    }

    [Fact]
    public void A_product_too_large_for_an_array_is_rejected_with_the_byte_count()
    {
        var path = TempFolder.File("big.idx");
        File.WriteAllBytes(path, IdxWriter.Bytes(0x0E, [1 << 20, 1 << 10], []));
        var e = ReadFails(path);
        Assert.Contains("8589934592 bytes", e.Message);
    }

    [Fact]
    public void A_gzip_file_missing_its_8_byte_trailer_is_rejected()
    {
        var gz = Gzip(Sample());
        var path = TempFolder.File("no-trailer.gz");
        File.WriteAllBytes(path, gz[..^8]);
        var e = ReadFails(path);
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("trailer", e.Message);
    }

    [Fact]
    public void A_flipped_data_byte_is_reported_as_corruption()
    {
        var gz = Gzip(Sample());
        var dir = TempFolder.New();
        foreach (int at in new[] { 12, gz.Length / 2, gz.Length - 10, gz.Length - 6 })   // deflate data, and the trailer's CRC-32
        {
            var bad = (byte[])gz.Clone();
            bad[at] ^= 0x10;
            var path = Path.Combine(dir, $"flipped-{at}.gz");
            File.WriteAllBytes(path, bad);
            var e = ReadFails(path);
            Assert.Contains("corrupt", e.Message);
            Assert.DoesNotContain("unsupported compression method", e.Message);
        }
    }

    /// <summary>
    /// A gzip file of <paramref name="content"/> in stored (uncompressed) deflate blocks of <paramref name="block"/>
    /// bytes, laid out by the format itself rather than by a compressor, so that a byte's place is known.
    /// </summary>
    private static byte[] StoredGzip(byte[] content, int block)
    {
        var m = new MemoryStream();
        m.Write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]);
        for (int at = 0; at < content.Length; at += block)
        {
            int n = Math.Min(block, content.Length - at);
            m.WriteByte((byte)(at + n == content.Length ? 1 : 0));   // BFINAL on the last, BTYPE 00 (stored)
            m.Write([(byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)]);
            m.Write(content, at, n);
        }
        m.Write(new byte[4]);   // CRC-32 left 0: the damage below is found before it is read
        m.Write(BitConverter.GetBytes(content.Length));
        return m.ToArray();
    }

    [Fact]
    public void A_damaged_gzip_file_is_reported_with_how_far_into_the_file_and_its_content_the_damage_was_found()
    {
        // The payload was read in one call, so a failure anywhere in it said "after 8 bytes of content"; and the
        // message said nothing of where in the file to look.
        var content = IdxWriter.Bytes(0x08, [400_000], new byte[400_000]);
        var gz = StoredGzip(content, 10_000);
        int damage = 10 + 20 * 10_005 + 3;   // block 20's NLEN, which must be LEN's complement
        gz[damage] ^= 0xFF;
        var path = TempFolder.File("damaged.gz");
        File.WriteAllBytes(path, gz);
        var e = ReadFails(path, maxAllocated: 2 << 20);
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"after (\d+) bytes of content, with (\d+) of the file's (\d+) bytes read");
        Assert.True(m.Success, e.Message);
        long done = long.Parse(m.Groups[1].Value), read = long.Parse(m.Groups[2].Value), length = long.Parse(m.Groups[3].Value);
        Assert.Equal(gz.Length, length);
        Assert.InRange(read, damage + 1, damage + 64 * 1024);   // read in chunks, not all at once
        Assert.InRange(done, 200_000 - 64 * 1024, 200_000);     // 20 blocks of 10,000 bytes come before it
        Assert.Contains($"the damage lies before byte {read}", e.Message);
    }

    [Fact]
    public void A_gzip_file_of_several_members_reads_as_their_concatenation()
    {
        // GZipStream reads every member (as gzip -d does), but the check of the last 4 bytes against the whole
        // content's length called the last member's trailer "missing or damaged".
        var content = Sample();
        var path = TempFolder.File("members.gz");
        File.WriteAllBytes(path, [.. Gzip(content[..1000]), .. Gzip(content[1000..1500]), .. Gzip(content[1500..])]);
        Assert.Equal(content[12..], IdxFile.Read(path).Bytes);

        var cut = TempFolder.File("members-no-trailer.gz");
        File.WriteAllBytes(cut, [.. Gzip(content[..1000]), .. Gzip(content[1000..])[..^8]]);
        var e = ReadFails(cut);
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("trailer", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(5000)]
    public void A_gzip_file_padded_with_zeros_reads_as_gzip_d_reads_it(int zeros)
    {
        // The trailer is intact and checked; the zeros after it (padding from a block device or a tape) were
        // reported as the trailer "missing or damaged, recording 0 bytes of content".
        var content = Sample();
        var path = TempFolder.File("padded.gz");
        File.WriteAllBytes(path, [.. Gzip(content), .. new byte[zeros]]);
        Assert.Equal(content[12..], IdxFile.Read(path).Bytes);
    }

    [Fact]
    public void Other_bytes_after_the_gzip_data_are_reported_as_what_they_are()
    {
        var path = TempFolder.File("garbage.gz");
        File.WriteAllBytes(path, [.. Gzip(Sample()), .. "garbage!"u8.ToArray()]);
        var e = ReadFails(path);
        Assert.Contains("the gzip data decompresses to the 2112 bytes the header announces, but the file does not end with their trailer", e.Message);
        Assert.Contains("6761726261676521", e.Message);
        Assert.Contains("other bytes follow it", e.Message);
    }

    [Fact]
    public void A_good_gzip_file_and_its_raw_twin_read_the_same()
    {
        var dir = TempFolder.New();
        File.WriteAllBytes(Path.Combine(dir, "a.gz"), Gzip(Sample()));
        File.WriteAllBytes(Path.Combine(dir, "a.idx"), Sample());
        var gz = IdxFile.Read(Path.Combine(dir, "a.gz"));
        var raw = IdxFile.Read(Path.Combine(dir, "a.idx"));
        Assert.Equal(raw.Bytes, gz.Bytes);
        Assert.Equal([300, 7], gz.Dimensions);
        Assert.Equal(raw.ContentSha256(), gz.ContentSha256());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Sample())), raw.ContentSha256());
    }
}
