using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralNotebooks.Tests.Data;

/// <summary>Writes small IDX files (and corrupt variants) for the tests.</summary>
internal static class IdxWriter
{
    public static byte[] Bytes(byte type, int[] dims, byte[] payload)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return [.. header, .. payload];
    }

    public static void Write(string path, byte[] content, bool gzip)
    {
        if (!gzip) { File.WriteAllBytes(path, content); return; }
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(content);
    }

    /// <summary>A tiny MNIST-format dataset: n images of h×w with pixel value (i + k) % 256 and label i % 10.</summary>
    public static string Dataset(string dir, int trainCount, int testCount, int h = 4, int w = 3, int? trainLabelCount = null)
    {
        Directory.CreateDirectory(dir);
        void Part(string prefix, int n, int labels)
        {
            var px = new byte[n * h * w];
            for (int i = 0; i < px.Length; i++) px[i] = (byte)(i % 256);
            Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), Bytes(0x08, [n, h, w], px), gzip: true);
            Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), Bytes(0x08, [labels], Enumerable.Range(0, labels).Select(i => (byte)(i % 10)).ToArray()), gzip: true);
        }
        Part("train", trainCount, trainLabelCount ?? trainCount);
        Part("t10k", testCount, testCount);
        return dir;
    }
}
