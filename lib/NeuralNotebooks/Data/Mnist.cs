using System.Collections.Concurrent;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// The MNIST handwritten digits: 60,000 training and 10,000 test images of 28×28 pixels, shipped
/// with the repository in <c>data/mnist/</c>. Like <c>keras.datasets.mnist.load_data()</c>, but the
/// pixels come scaled to [0, 1].
/// </summary>
public static class Mnist
{
    /// <summary>
    /// The SHA-256 of each file's IDX content (uncompressed), checked on every load whether the file
    /// on disk is gzipped or not: what is checked is what is loaded.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>The digit names "0" to "9".</summary>
    public static readonly IReadOnlyList<string> ClassNames = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();

    /// <summary>
    /// Loads MNIST with pixels as floats in [0, 1]: images (N, 28, 28), or (N, 28, 28, 1) with
    /// <paramref name="channels"/>. Finds <c>data/mnist/</c> from the current directory upwards unless
    /// <paramref name="directory"/> is given; checks every file's SHA-256.
    /// </summary>
    /// <remarks>
    /// The files are read once per process; every call returns new tensors and label arrays, so a
    /// caller that changes them in place (normalizing, say) changes only its own copy.
    /// </remarks>
    public static ImageDataset Load(string? directory = null, bool channels = false) =>
        IdxDataset.Load("MNIST", directory ?? DataDirectory.Find("mnist"), channels, ClassNames, Sha256);

    /// <summary>The raw bytes (pixels 0-255 and labels), as stored in the files, without conversion.</summary>
    public static RawImages LoadBytes(string? directory = null) =>
        IdxDataset.LoadBytes(directory ?? DataDirectory.Find("mnist"), ClassNames.Count, Sha256);
}

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 28×28 grayscale pictures of ten kinds of clothing, 60,000 for
/// training and 10,000 for testing, in MNIST's format; a harder test for a classifier. Shipped with the
/// repository in <c>data/fashion-mnist/</c>.
/// </summary>
public static class FashionMnist
{
    /// <summary>
    /// The SHA-256 of each shipped file's content (the uncompressed IDX bytes, keyed by file name), checked
    /// when the shipped copy is loaded, whether it is stored gzipped or not.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ["train-labels-idx1-ubyte"] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ["t10k-images-idx3-ubyte"] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ["t10k-labels-idx1-ubyte"] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
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
            // A directory is returned too, for IdxFile.Read to name as one: skipped, it was reported as missing.
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        return null;
    }

    private static IdxFile[] ReadAll(string directory, int classes, IReadOnlyDictionary<string, string>? checksums)
    {
        if (DataDirectory.FolderProblem(directory, $"{string.Join(", ", Files[..3].Select(f => f + ".gz"))} and {Files[3]}.gz (or the same files without .gz)") is { } problem)
            throw new FileNotFoundException(problem, directory);
        // Keyed by the checksums themselves: keyed by "checked", Fashion-MNIST's folder, once loaded with its own
        // table, was returned to Mnist.Load without a check, as MNIST.
        return Cache.GetOrAdd(Path.GetFullPath(directory) + "|" + classes + "|" + (checksums is null ? "" : string.Join(",", checksums.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value))), _ =>
        {
            var files = new IdxFile[4];
            try
            {
                Parallel.For(0, 4, i =>
                {
                    var path = Resolve(directory, Files[i]) ?? throw new FileNotFoundException(
                        $"{Path.Combine(directory, Files[i])}(.gz) is missing: the dataset needs {string.Join(", ", Files.Select(f => f + ".gz"))}.");
                    var file = IdxFile.Read(path);
                    if (checksums is not null)
                    {
                        // A table without this file's name would skip the check silently: that is a bug here, not bad data.
                        if (!checksums.TryGetValue(Files[i], out var expected))
                            throw new InvalidOperationException($"no SHA-256 listed for {Files[i]}: the checksum table must name every file by its uncompressed name.");
                        var actual = file.ContentSha256();
                        if (actual != expected)
                            throw new DataFormatException(path, $"checksum mismatch: its content{(path.EndsWith(".gz") ? " (uncompressed)" : "")} has SHA-256 {actual}, expected {expected}. The file is corrupt or not the original; data/fetch-mnist.sh (MNIST) or data/fetch-fashion-mnist.sh (Fashion-MNIST) restores it.");
                    }
                    files[i] = file;
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // Report the first file's problem as itself, not wrapped by the parallel loop.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            Check(files[0], files[1], classes);
            Check(files[2], files[3], classes);
            // Else 28×28 training and 32×32 test images loaded as they were: a model trained on one cannot read the other.
            if (!files[0].Dimensions.AsSpan(1).SequenceEqual(files[2].Dimensions.AsSpan(1)))
                throw new DataFormatException(files[2].Path,
                    $"expected images of {Size(files[0])} pixels like those of {Path.GetFileName(files[0].Path)}, found {Size(files[2])}.");
            return files;
        });
    }

    private static string Size(IdxFile images) => $"{images.Dimensions[1]}×{images.Dimensions[2]}";

    private static void Check(IdxFile images, IdxFile labels, int classes)
    {
        if (images.ElementType != IdxElementType.UnsignedByte || images.Dimensions.Length != 3)
            throw new DataFormatException(images.Path, $"expected unsigned-byte images of rank 3 (count, height, width), found {images.ElementType} of rank {images.Dimensions.Length}.");
        if (labels.ElementType != IdxElementType.UnsignedByte || labels.Dimensions.Length != 1)
            throw new DataFormatException(labels.Path, $"expected unsigned-byte labels of rank 1, found {labels.ElementType} of rank {labels.Dimensions.Length}.");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFormatException(labels.Path, $"expected {images.Dimensions[0]} labels to match {Path.GetFileName(images.Path)}, found {labels.Dimensions[0]}.");
        // A label past the last class was loaded as it was, and failed later in one_hot or a loss, naming no file.
        int bad = labels.Bytes.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)Math.Min(classes - 1, byte.MaxValue));
        if (bad >= 0)
            throw new DataFormatException(labels.Path, $"label at index {bad}: expected a class 0-{classes - 1}, found {labels.Bytes[bad]}.");
    }

    /// <summary>
    /// Reads the files once per process and folder (the bytes stay private), then converts them to
    /// new tensors on every call: a caller that normalizes its images in place cannot change what the
    /// next caller gets. Converting is cheap next to reading (a vectorized pass, no gunzip, no hashing).
    /// </summary>
    public static ImageDataset Load(string name, string directory, bool channels, IReadOnlyList<string> classNames, IReadOnlyDictionary<string, string>? checksums)
    {
        var f = ReadAll(directory, classNames.Count, checksums);
        return new ImageDataset(name, Part(f[0], f[1], channels), Part(f[2], f[3], channels), classNames);
    }

    public static RawImages LoadBytes(string directory, int classes, IReadOnlyDictionary<string, string>? checksums)
    {
        var f = ReadAll(directory, classes, checksums);
        return new RawImages((byte[])f[0].Bytes.Clone(), (byte[])f[1].Bytes.Clone(), (byte[])f[2].Bytes.Clone(), (byte[])f[3].Bytes.Clone(),
            f[0].Dimensions[1], f[0].Dimensions[2]);
    }

    private static LabeledImages Part(IdxFile images, IdxFile labels, bool channels)
    {
        // Every element is written by the conversion, so the array need not be zeroed first (which would also
        // bring its pages in before they could be asked for in 2 MB).
        var pixels = HugePages.UninitializedArray(images.Bytes.Length);
        PixelConversion.ToUnitFloatsParallel(images.Bytes, pixels);
        // The cached bytes stay in memory for the process anyway: a fit may gather its batches from them.
        PixelBytes.Remember(pixels, images.Bytes);
        int[] dims = channels ? [.. images.Dimensions, 1] : [.. images.Dimensions];
        var y = new int[labels.Bytes.Length];
        for (int i = 0; i < y.Length; i++) y[i] = labels.Bytes[i];
        return new LabeledImages(new Tensor(pixels, dims), y);
    }
}
