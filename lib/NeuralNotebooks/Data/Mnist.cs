using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace NeuralNotebooks;

/// <summary>
/// The MNIST handwritten digits: 60,000 training and 10,000 test images of 28×28 pixels, shipped
/// with the repository in <c>data/mnist/</c>. Like <c>keras.datasets.mnist.load_data()</c>, but the
/// pixels come scaled to [0, 1].
/// </summary>
public static class Mnist
{
    /// <summary>The SHA-256 of each shipped file (gzipped), checked on every load.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
        ["train-labels-idx1-ubyte.gz"] = "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
        ["t10k-images-idx3-ubyte.gz"] = "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
        ["t10k-labels-idx1-ubyte.gz"] = "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
    };

    /// <summary>The digit names "0" to "9".</summary>
    public static readonly IReadOnlyList<string> ClassNames = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();

    /// <summary>
    /// Loads MNIST with pixels as floats in [0, 1]: images (N, 28, 28), or (N, 28, 28, 1) with
    /// <paramref name="channels"/>. Finds <c>data/mnist/</c> from the current directory upwards unless
    /// <paramref name="directory"/> is given; checks every file's SHA-256.
    /// </summary>
    public static ImageDataset Load(string? directory = null, bool channels = false) =>
        IdxDataset.Load("MNIST", directory ?? DataDirectory.Find("mnist"), channels, ClassNames, Sha256);

    /// <summary>The raw bytes (pixels 0-255 and labels), as stored in the files, without conversion.</summary>
    public static RawImages LoadBytes(string? directory = null) =>
        IdxDataset.LoadBytes(directory ?? DataDirectory.Find("mnist"), Sha256);
}

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 28×28 grayscale pictures of ten kinds of clothing, 60,000 for
/// training and 10,000 for testing, in MNIST's format; a harder test for a classifier. Shipped with the
/// repository in <c>data/fashion-mnist/</c>.
/// </summary>
public static class FashionMnist
{
    /// <summary>The SHA-256 of each shipped file (gzipped), checked when the shipped copy is loaded.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "f46450982819e161325683178a5324fc64e606fb3758c65c6ca7dcc91aa489fd",
        ["train-labels-idx1-ubyte.gz"] = "bee2410e017aef275ad0716cfa389481fe80dd89f974536e863d982da161f14c",
        ["t10k-images-idx3-ubyte.gz"] = "55ec2dd7358c56fba81678bf2cd00a44de07bae64c342921600298a2b5eb517d",
        ["t10k-labels-idx1-ubyte.gz"] = "bad34aa92450454a281e4959ab5a22f03213e21212f4261dadf52e42fa6cd580",
    };

    /// <summary>The ten class names, in label order.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads Fashion-MNIST like <see cref="Mnist.Load"/>: the shipped <c>data/fashion-mnist/</c> (found from
    /// the current directory upwards, every file's SHA-256 checked), or the four files in
    /// <paramref name="directory"/> (read as they are).
    /// </summary>
    public static ImageDataset Load(string? directory = null, bool channels = false) =>
        directory is null
            ? IdxDataset.Load("Fashion-MNIST", DataDirectory.Find("fashion-mnist"), channels, ClassNames, Sha256)
            : IdxDataset.Load("Fashion-MNIST", directory, channels, ClassNames, checksums: null);
}

/// <summary>Images and labels exactly as stored: one byte per pixel (0-255) and per label.</summary>
public sealed record RawImages(byte[] TrainPixels, byte[] TrainLabels, byte[] TestPixels, byte[] TestLabels, int Height, int Width);

/// <summary>Reads the four files of an MNIST-format dataset (train/t10k images and labels).</summary>
internal static class IdxDataset
{
    private static readonly string[] Files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
    private static readonly ConcurrentDictionary<string, IdxFile[]> Cache = new();

    public static bool HasFiles(string directory) => Files.All(f => Resolve(directory, f) is not null);

    private static string? Resolve(string directory, string name)
    {
        foreach (var candidate in new[] { Path.Combine(directory, name + ".gz"), Path.Combine(directory, name) })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    private static IdxFile[] ReadAll(string directory, IReadOnlyDictionary<string, string>? checksums) =>
        Cache.GetOrAdd(Path.GetFullPath(directory) + "|" + (checksums is null ? "" : "checked"), _ =>
        {
            var files = new IdxFile[4];
            try
            {
                Parallel.For(0, 4, i =>
                {
                    var path = Resolve(directory, Files[i]) ?? throw new FileNotFoundException(
                        $"{Path.Combine(directory, Files[i])}(.gz) is missing: the dataset needs {string.Join(", ", Files.Select(f => f + ".gz"))}.");
                    if (checksums is not null && checksums.TryGetValue(Path.GetFileName(path), out var expected))
                    {
                        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
                        if (actual != expected)
                            throw new DataFormatException(path, $"checksum mismatch: expected SHA-256 {expected}, found {actual}. The file is corrupt or not the original; the script data/fetch-mnist.sh or data/fetch-fashion-mnist.sh restores it.");
                    }
                    files[i] = IdxFile.Read(path);
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // Report the first file's problem as itself, not wrapped by the parallel loop.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            Check(files[0], files[1]);
            Check(files[2], files[3]);
            return files;
        });

    private static void Check(IdxFile images, IdxFile labels)
    {
        if (images.ElementType != IdxElementType.UnsignedByte || images.Dimensions.Length != 3)
            throw new DataFormatException(images.Path, $"expected unsigned-byte images of rank 3 (count, height, width), found {images.ElementType} of rank {images.Dimensions.Length}.");
        if (labels.ElementType != IdxElementType.UnsignedByte || labels.Dimensions.Length != 1)
            throw new DataFormatException(labels.Path, $"expected unsigned-byte labels of rank 1, found {labels.ElementType} of rank {labels.Dimensions.Length}.");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFormatException(labels.Path, $"expected {images.Dimensions[0]} labels to match {Path.GetFileName(images.Path)}, found {labels.Dimensions[0]}.");
    }

    private static readonly ConcurrentDictionary<string, ImageDataset> Converted = new();

    /// <summary>
    /// Loads and converts once per process and folder; later calls return the same tensors (the library's
    /// operations never modify their inputs, so sharing them is safe; with channels the same memory is
    /// viewed as (N, 28, 28, 1)).
    /// </summary>
    public static ImageDataset Load(string name, string directory, bool channels, IReadOnlyList<string> classNames, IReadOnlyDictionary<string, string>? checksums)
    {
        var flat = Converted.GetOrAdd(Path.GetFullPath(directory) + "|" + name, _ =>
        {
            var f = ReadAll(directory, checksums);
            return new ImageDataset(name, Part(f[0], f[1]), Part(f[2], f[3]), classNames);
        });
        return channels
            ? flat with { Train = WithChannel(flat.Train), Test = WithChannel(flat.Test) }
            : flat;
    }

    private static LabeledImages WithChannel(LabeledImages part) =>
        part with { Images = new Tensor(part.Images.data, [.. part.Images.Shape, 1]) };

    public static RawImages LoadBytes(string directory, IReadOnlyDictionary<string, string>? checksums)
    {
        var f = ReadAll(directory, checksums);
        return new RawImages((byte[])f[0].Bytes.Clone(), (byte[])f[1].Bytes.Clone(), (byte[])f[2].Bytes.Clone(), (byte[])f[3].Bytes.Clone(),
            f[0].Dimensions[1], f[0].Dimensions[2]);
    }

    private static LabeledImages Part(IdxFile images, IdxFile labels)
    {
        var pixels = new float[images.Bytes.Length];
        ToUnitFloats(images.Bytes, pixels);
        var dims = images.Dimensions;
        var y = new int[labels.Bytes.Length];
        for (int i = 0; i < y.Length; i++) y[i] = labels.Bytes[i];
        return new LabeledImages(new Tensor(pixels, dims), y);
    }

    /// <summary>Bytes 0-255 to floats in [0, 1], in parallel chunks.</summary>
    private static void ToUnitFloats(byte[] source, float[] destination)
    {
        const int Chunk = 1 << 20;
        Parallel.For(0, (source.Length + Chunk - 1) / Chunk, c =>
        {
            int start = c * Chunk, n = Math.Min(Chunk, source.Length - start);
            ToUnitFloats(source.AsSpan(start, n), destination.AsSpan(start, n));
        });
    }

    /// <summary>
    /// Widens 64 bytes at a time to four vectors of 16 floats and divides by 255 (a true division, not
    /// a multiplication by 1/255, so the result is bit-identical to PyTorch's <c>x / 255</c>).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void ToUnitFloats(ReadOnlySpan<byte> s, Span<float> d)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(255f);
            ref byte src = ref MemoryMarshal.GetReference(s);
            ref float dst = ref MemoryMarshal.GetReference(d);
            for (; i <= s.Length - 64; i += 64)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                var (a, b) = Vector512.Widen(lo);
                var (c, e) = Vector512.Widen(hi);
                (Vector512.ConvertToSingle(a) / scale).StoreUnsafe(ref dst, (nuint)i);
                (Vector512.ConvertToSingle(b) / scale).StoreUnsafe(ref dst, (nuint)i + 16);
                (Vector512.ConvertToSingle(c) / scale).StoreUnsafe(ref dst, (nuint)i + 32);
                (Vector512.ConvertToSingle(e) / scale).StoreUnsafe(ref dst, (nuint)i + 48);
            }
        }
        for (; i < s.Length; i++) d[i] = s[i] / 255f;
    }
}
