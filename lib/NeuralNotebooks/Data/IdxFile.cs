using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralNotebooks;

/// <summary>The element types an IDX file can hold (the third byte of its magic number).</summary>
public enum IdxElementType : byte
{
    /// <summary>Unsigned byte (MNIST pixels and labels).</summary>
    UnsignedByte = 0x08,
    /// <summary>Signed byte.</summary>
    SignedByte = 0x09,
    /// <summary>Big-endian 16-bit integer.</summary>
    Short = 0x0B,
    /// <summary>Big-endian 32-bit integer.</summary>
    Int = 0x0C,
    /// <summary>Big-endian 32-bit float.</summary>
    Float = 0x0D,
    /// <summary>Big-endian 64-bit float.</summary>
    Double = 0x0E,
}

/// <summary>
/// An array read from an IDX file, the format of MNIST and Fashion-MNIST: a magic number
/// (two zero bytes, the element type, the number of dimensions), the dimensions as big-endian
/// 32-bit integers, then the elements in row-major order. Gzipped files are read transparently.
/// </summary>
public sealed class IdxFile
{
    private IdxFile(string path, IdxElementType type, int[] dimensions, byte[] bytes)
    {
        Path = path; ElementType = type; Dimensions = dimensions; Bytes = bytes;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>The element type.</summary>
    public IdxElementType ElementType { get; }
    /// <summary>The size of each dimension, e.g. (60000, 28, 28).</summary>
    public int[] Dimensions { get; }
    /// <summary>The elements' bytes exactly as stored (big-endian for multi-byte types).</summary>
    public byte[] Bytes { get; }
    /// <summary>The number of elements.</summary>
    public int Count => Dimensions.Aggregate(1, (a, d) => a * d);

    /// <summary>Reads an IDX file, gzipped (by its content, whatever its name) or raw.</summary>
    /// <exception cref="DataFormatException">The file is truncated, has a wrong magic number, or has extra bytes.</exception>
    public static IdxFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the file does not exist.", path);
        // Stream the file (decompressing on the fly) straight into one array of the exact size the
        // header announces: no intermediate copies of a 47 MB payload.
        using var file = File.OpenRead(path);
        Span<byte> sniff = stackalloc byte[2];
        int sniffed = file.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = sniffed == 2 && sniff[0] == 0x1F && sniff[1] == 0x8B;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return Read(path, stream);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }

    private static IdxFile Read(string path, Stream stream)
    {
        var magic = new byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new DataFormatException(path, $"truncated: expected at least a 4-byte IDX magic number, found {got} bytes.");
        if (magic[0] != 0 || magic[1] != 0 || !Enum.IsDefined((IdxElementType)magic[2]) || magic[3] is 0 or > 8)
            throw new DataFormatException(path,
                $"wrong magic number: expected 00 00 then a type byte (08, 09, 0B, 0C, 0D or 0E) and 1-8 dimensions, found {Convert.ToHexString(magic)}.");
        var type = (IdxElementType)magic[2];
        int rank = magic[3];
        int header = 4 + 4 * rank;
        var dimBytes = new byte[4 * rank];
        got = stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
            throw new DataFormatException(path, $"truncated: the header needs {header} bytes for {rank} dimensions, found {4 + got}.");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (dims[i] < 0) throw new DataFormatException(path, $"dimension {i} is negative ({dims[i]}).");
            count *= dims[i];
        }
        long payload = count * ElementSize(type);
        if (payload > Array.MaxLength)
            throw new DataFormatException(path, $"dimensions ({string.Join(", ", dims)}) of {type} need {payload} bytes, more than one array can hold.");
        var bytes = new byte[payload];
        got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (got < bytes.Length)
            throw new DataFormatException(path, $"truncated: dimensions ({string.Join(", ", dims)}) of {type} need {header + payload} bytes, found {header + got}.");
        var extra = new byte[1];
        if (stream.Read(extra) > 0)
            throw new DataFormatException(path, $"corrupt: dimensions ({string.Join(", ", dims)}) of {type} need {header + payload} bytes, found more (extra data at the end).");
        return new IdxFile(path, type, dims, bytes);
    }

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSize(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte or IdxElementType.SignedByte => 1,
        IdxElementType.Short => 2,
        IdxElementType.Int or IdxElementType.Float => 4,
        _ => 8,
    };

    /// <summary>The elements converted to float32, in order.</summary>
    public float[] ToFloats()
    {
        var r = new float[Count];
        var b = Bytes.AsSpan();
        for (int i = 0; i < r.Length; i++)
            r[i] = ElementType switch
            {
                IdxElementType.UnsignedByte => b[i],
                IdxElementType.SignedByte => (sbyte)b[i],
                IdxElementType.Short => BinaryPrimitives.ReadInt16BigEndian(b[(2 * i)..]),
                IdxElementType.Int => BinaryPrimitives.ReadInt32BigEndian(b[(4 * i)..]),
                IdxElementType.Float => BinaryPrimitives.ReadSingleBigEndian(b[(4 * i)..]),
                _ => (float)BinaryPrimitives.ReadDoubleBigEndian(b[(8 * i)..]),
            };
        return r;
    }

    /// <inheritdoc/>
    public override string ToString() => $"IdxFile({System.IO.Path.GetFileName(Path)}: {ElementType} ({string.Join(", ", Dimensions)}))";
}
