using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

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
    public int Count => Bytes.Length / ElementSize(ElementType);

    /// <summary>Reads an IDX file, gzipped (by its content, whatever its name) or raw.</summary>
    /// <remarks>
    /// The header's dimensions are checked against what the file can hold before anything is
    /// allocated: a raw file's length, a gzip file's trailer and the most deflate can compress, so a
    /// corrupt header is reported, not a gigabyte allocated. A gzip file of several members reads as their
    /// concatenation and zero bytes after the last are padding, as gzip -d reads them; the file must end
    /// with the last member's trailer (CRC-32 and length), and damage anywhere in it is reported as corruption.
    /// </remarks>
    /// <exception cref="DataFormatException">The file is truncated, corrupt, has a wrong magic number, or has extra bytes.</exception>
    public static IdxFile Read(string path)
    {
        DataDirectory.RequireFile(path);
        // Stream the file (decompressing on the fly) straight into one array of the exact size the
        // header announces: no intermediate copies of a 47 MB payload.
        using var file = File.OpenRead(path);
        long length = file.Length;
        Span<byte> sniff = stackalloc byte[4];
        int sniffed = file.ReadAtLeast(sniff[..2], 2, throwOnEndOfStream: false);
        bool gzip = sniffed == 2 && sniff[0] == 0x1F && sniff[1] == 0x8B;
        uint recorded = 0;
        if (gzip)
        {
            if (length < MinimumGzipLength)
                throw new DataFormatException(path, $"truncated: a gzip file needs at least {MinimumGzipLength} bytes (a 10-byte header, the data and an 8-byte trailer), found {length}.");
            // The trailer's last field is the content's length (mod 2^32): known before decompressing.
            file.Position = length - 4;
            file.ReadExactly(sniff);
            recorded = BinaryPrimitives.ReadUInt32LittleEndian(sniff);
        }
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        var source = new Source(path, stream, gzip, length, recorded);
        try
        {
            var idx = source.ReadIdx();
            if (gzip && (uint)(idx.HeaderLength + idx.Bytes.Length) != recorded) CheckTrailer(path, file, length, idx);
            return idx;
        }
        catch (InvalidDataException e)
        {
            // zlib's message for a failed CRC or a bad block ("unsupported compression method") misleads; say what happened.
            // GZipStream reads the file in chunks (8 KB), so how far it got bounds where the damage is: a bad block is
            // found early, a changed stored byte only by the CRC at the end.
            throw new DataFormatException(path,
                $"corrupt: the gzip data is damaged (decompression failed after {source.Position} bytes of content, with {file.Position} of the file's {length} bytes read: " +
                $"the damage lies before byte {file.Position}, a changed, missing or extra byte).", e);
        }
    }

    /// <summary>
    /// Checks that a gzip file whose last 4 bytes do not record the content's length still ends with a trailer.
    /// GZipStream reads every member of a file of several and stops at bytes that are not one (zero padding),
    /// and checks each trailer it reads, but reports none missing at the end: the file must end, before any
    /// zero padding, with the CRC-32 and length of the content or of a last part of it (the last member's).
    /// Those were refused as a trailer "missing or damaged, recording 0 bytes" (padding) or a part's length.
    /// </summary>
    private static void CheckTrailer(string path, FileStream file, long length, IdxFile idx)
    {
        var tail = new byte[(int)Math.Min(length, 15)];
        file.Position = length - tail.Length;
        file.ReadExactly(tail);
        var header = HeaderBytes(idx.ElementType, idx.Dimensions);
        long total = header.Length + idx.Bytes.Length;
        var crcs = new Dictionary<uint, uint>();
        // Eight or more zeros read as an empty last part (CRC-32 0, length 0), so fewer than 8 are tried as padding.
        for (int end = tail.Length; end >= 8 && (end == tail.Length || tail[end] == 0); end--)
        {
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end - 8)), size = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end - 4));
            if (size > total) continue;
            if (!crcs.TryGetValue(size, out uint actual))
            {
                long skip = total - size;   // the part's CRC-32 covers the content from here on
                actual = Crc32.Append(0, header.AsSpan((int)Math.Min(skip, header.Length)));
                actual = Crc32.Append(actual, idx.Bytes.AsSpan((int)Math.Max(0, skip - header.Length)));
                crcs[size] = actual;
            }
            if (actual == crc) return;
        }
        throw new DataFormatException(path,
            $"corrupt: the gzip data decompresses to the {total} bytes the header announces, but the file does not end with their trailer " +
            $"(its last 8 bytes, {Convert.ToHexString(tail.AsSpan(tail.Length - 8))}, are not the CRC-32 and length of the content, nor of a last gzip member's): " +
            "the trailer is missing or damaged, or other bytes follow it.");
    }

    private int HeaderLength => 4 + 4 * Dimensions.Length;

    /// <summary>The SHA-256 of the IDX content (header and elements, uncompressed), lowercase hex: the same whether the file on disk is gzipped or not.</summary>
    public string ContentSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(HeaderBytes(ElementType, Dimensions));
        hash.AppendData(Bytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static byte[] HeaderBytes(IdxElementType type, int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = (byte)type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    /// <summary>A gzip file's smallest size: a 10-byte header, a 2-byte empty deflate block, an 8-byte trailer.</summary>
    private const int MinimumGzipLength = 20;

    /// <summary>Deflate's best ratio is 1032:1 (258-byte matches in 2 bits); a header claiming more than that is corrupt.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>The largest gzip payload allocated in one piece on the word of its header and trailer (MNIST's largest is 47 MB).</summary>
    private const long TrustedGzipPayload = 256L << 20;

    /// <summary>The first allocation for a gzip payload not allocated at once: grown only as data arrives.</summary>
    private const int FirstChunk = 1 << 20;

    /// <summary>One file being read: the stream (decompressed if gzip) and what is known of its size.</summary>
    private sealed class Source(string path, Stream stream, bool gzip, long fileLength, uint recordedLength)
    {
        /// <summary>The bytes of content read so far.</summary>
        public long Position { get; private set; }

        private int Fill(Span<byte> buffer)
        {
            // One read at a time, each as much as the stream gives (GZipStream: what one 8 KB chunk of the file
            // decompresses to), so that Position says how far the content got when one fails; filled in a single
            // call, a 47 MB payload damaged anywhere was reported as failing "after 16 bytes of content".
            int filled = 0;
            while (filled < buffer.Length)
            {
                int got = stream.Read(buffer[filled..]);
                if (got == 0) break;
                filled += got;
                Position += got;
            }
            return filled;
        }

        private DataFormatException Error(string message) => new(path, message);

        public IdxFile ReadIdx()
        {
            var magic = new byte[4];
            int got = Fill(magic);
            if (got < 4)
                throw Error($"truncated: expected at least a 4-byte IDX magic number, found {got} bytes.");
            if (magic[0] != 0 || magic[1] != 0 || !Enum.IsDefined((IdxElementType)magic[2]) || magic[3] is 0 or > 8)
                throw Error($"wrong magic number: expected 00 00 then a type byte (08, 09, 0B, 0C, 0D or 0E) and 1-8 dimensions, found {Convert.ToHexString(magic)}." +
                    // A gzip file whose first bytes are damaged is read as an uncompressed one, and only its name says otherwise.
                    (!gzip && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? " The name ends in .gz, but a gzip file starts with 1F 8B: if this is one, its header is damaged." : ""));
            var type = (IdxElementType)magic[2];
            int rank = magic[3];
            int header = 4 + 4 * rank;
            var dimBytes = new byte[4 * rank];
            got = Fill(dimBytes);
            if (got < dimBytes.Length)
                throw Error($"truncated: the header needs {header} bytes for {rank} dimensions, found {4 + got}.");
            var dims = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
                if (dims[i] < 0) throw Error($"dimension {i} is negative ({dims[i]}).");
            }
            string what = $"dimensions ({string.Join(", ", dims)}) of {type}";
            long payload;
            try
            {
                long count = 1;
                foreach (int d in dims) count = checked(count * d);
                payload = checked(count * ElementSize(type));
            }
            catch (OverflowException)
            {
                throw Error($"corrupt header: {what} multiply to more than 2^63 bytes.");
            }
            if (payload > Array.MaxLength)
                throw Error($"{what} need {payload} bytes, more than one array can hold.");
            long total = header + payload;
            if (!gzip && total > fileLength)
                throw Error($"truncated: {what} need {total} bytes, found {fileLength}.");
            if (!gzip && total < fileLength)
                throw Error($"corrupt: {what} need {total} bytes, found {fileLength} (extra data at the end).");
            if (gzip && total > MaxDeflateRatio * fileLength)
                throw Error($"truncated: {what} need {total} bytes, more than a gzip file of {fileLength} bytes can hold (deflate compresses at most {MaxDeflateRatio}:1).");

            // A gzip trailer agreeing with the header is the normal case: allocate once. Otherwise the
            // file is damaged somewhere (or forged), so the buffer grows only as data arrives.
            bool trailerAgrees = !gzip || (uint)total == recordedLength;
            bool allocateOnce = !gzip || (trailerAgrees && payload <= TrustedGzipPayload);
            var bytes = allocateOnce ? ReadExactly(payload) : ReadGrowing(payload);
            if (bytes.Length < payload)
                throw Error($"truncated: {what} need {total} bytes, found {header + bytes.Length}.");
            if (Fill(new byte[1]) > 0)
                throw Error($"corrupt: {what} need {total} bytes, found more (extra data at the end).");
            return new IdxFile(path, type, dims, bytes);
        }

        private byte[] ReadExactly(long length)
        {
            var bytes = new byte[length];
            int got = Fill(bytes);
            return got == bytes.Length ? bytes : bytes[..got];
        }

        private byte[] ReadGrowing(long length)
        {
            var bytes = new byte[Math.Min(length, FirstChunk)];
            int filled = 0;
            while (true)
            {
                int got = Fill(bytes.AsSpan(filled));
                filled += got;
                if (filled < bytes.Length) return bytes[..filled];
                if (filled == length) return bytes;
                Array.Resize(ref bytes, (int)Math.Min(length, 2L * bytes.Length));
            }
        }
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
