namespace NeuralNotebooks;

/// <summary>
/// The CRC-32 of gzip (and zip and PNG): reflected polynomial 0xEDB88320, started from and finished with all
/// ones. Here to check a gzip trailer that GZipStream leaves unchecked (see <see cref="IdxFile.Read"/>).
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of <paramref name="data"/> appended to data whose CRC-32 is <paramref name="crc"/> (0 for none).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
