using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralNotebooks.Plots;

/// <summary>
/// A minimal PNG encoder (8-bit grayscale or RGB, no interlacing), so image grids can embed their
/// pixels as data URIs: an SVG then stays small and shows the pixels exactly, with no dependency.
/// </summary>
public static class Png
{
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major; 1 byte per pixel for gray, 3 for RGB) as a PNG file.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, bool rgb = false)
    {
        int channels = rgb ? 3 : 1;
        if (width <= 0 || height <= 0) throw new ArgumentException($"PNG: width and height must be positive, got {width}x{height}.");
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"PNG: {width}x{height} {(rgb ? "RGB" : "gray")} needs {width * height * channels} bytes, got {pixels.Length}.");
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;                      // bit depth
        ihdr[9] = (byte)(rgb ? 2 : 0);    // colour type: truecolour or grayscale
        Chunk(png, "IHDR", ihdr);
        // Every row starts with a filter byte; 0 = none.
        var raw = new byte[height * (1 + width * channels)];
        for (int y = 0; y < height; y++)
            pixels.Slice(y * width * channels, width * channels).CopyTo(raw.AsSpan(y * (1 + width * channels) + 1));
        using (var z = new MemoryStream())
        {
            using (var zlib = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw);
            Chunk(png, "IDAT", z.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The PNG as a <c>data:image/png;base64,...</c> URI.</summary>
    public static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        s.Write(four);
        var typeAndData = new byte[4 + data.Length];
        for (int i = 0; i < 4; i++) typeAndData[i] = (byte)type[i];
        data.CopyTo(typeAndData, 4);
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typeAndData));
        s.Write(four);
    }

    /// <summary>The CRC-32 (ISO 3309, as PNG uses) of <paramref name="data"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] MakeCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
