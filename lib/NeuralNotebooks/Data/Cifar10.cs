using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// CIFAR-10 (Krizhevsky, 2009): 60,000 colour images of 32×32 pixels in ten classes, in its
/// "binary version": each record is one label byte then 3,072 pixel bytes (1,024 red, 1,024 green,
/// 1,024 blue, each row-major). Not shipped (170 MB); see <see cref="Load"/> for how to get it.
/// </summary>
public static class Cifar10
{
    /// <summary>The ten class names, in label order.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private const int Side = 32, Pixels = Side * Side * 3, Record = 1 + Pixels;

    /// <summary>
    /// Loads data_batch_1..5.bin (training) and test_batch.bin from <c>data/cifar-10-batches-bin/</c>
    /// or <paramref name="directory"/>: images (N, 32, 32, 3) in [0, 1] (height, width, channels).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder or some of its files are absent; the message names which and says how to get them.</exception>
    public static ImageDataset Load(string? directory = null)
    {
        string dir;
        try { dir = directory ?? DataDirectory.Find("cifar-10-batches-bin"); }
        catch (FileNotFoundException) { dir = ""; }
        var trainFiles = Enumerable.Range(1, 5).Select(i => Path.Combine(dir, $"data_batch_{i}.bin")).ToArray();
        var testFile = Path.Combine(dir, "test_batch.bin");
        var folderProblem = dir == "" ? null : DataDirectory.FolderProblem(dir, "data_batch_1.bin ... data_batch_5.bin and test_batch.bin");
        var missing = folderProblem is null ? trainFiles.Append(testFile).Where(f => !File.Exists(f) && !Directory.Exists(f)).Select(Path.GetFileName).ToArray() : [];
        if (dir == "" || folderProblem is not null || missing.Length > 0)
            throw new FileNotFoundException(
                // A folder given (or found) is named with what it lacks; the search failing means data/ has none.
                (dir == "" ? $"CIFAR-10 is not in data/cifar-10-batches-bin/: looked {DataDirectory.Searched()}. "
                    : folderProblem is not null ? folderProblem + " "
                    : $"{dir} lacks {string.Join(", ", missing)} of CIFAR-10's six batch files. ") +
                "Download the binary version, cifar-10-binary.tar.gz, from " +
                "https://www.cs.toronto.edu/~kriz/cifar.html and unpack it into data/ (tar xzf cifar-10-binary.tar.gz -C data), " +
                "which creates data/cifar-10-batches-bin/ with data_batch_1.bin ... data_batch_5.bin and test_batch.bin.");
        var parts = trainFiles.Select(ReadBatch).ToList();
        var train = new LabeledImages(Tensor.Concat(parts.Select(p => p.Images).ToList()), parts.SelectMany(p => p.Labels).ToArray());
        return new ImageDataset("CIFAR-10", train, ReadBatch(testFile), ClassNames);
    }

    /// <summary>Reads one batch file of the binary version: images (N, 32, 32, 3) in [0, 1] and labels.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or is a directory.</exception>
    /// <exception cref="DataFormatException">The size is not a whole number of records, or a label is not 0-9.</exception>
    public static LabeledImages ReadBatch(string path)
    {
        DataDirectory.RequireFile(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % Record != 0)
            throw new DataFormatException(path, $"expected a whole number of {Record}-byte records (1 label + 3,072 pixels), found {bytes.Length} bytes.");
        int n = bytes.Length / Record;
        var labels = new int[n];
        var pixels = HugePages.UninitializedArray(n * Pixels);   // every element is written below
        for (int r = 0; r < n; r++)
        {
            int o = r * Record;
            labels[r] = bytes[o];
            if (labels[r] > 9) throw new DataFormatException(path, $"record {r}: expected a label 0-9, found {labels[r]}.");
            // Stored channel-major (all red, then green, then blue); the library's images are channels-last.
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < Side * Side; p++)
                    pixels[r * Pixels + p * 3 + c] = bytes[o + 1 + c * Side * Side + p] / 255f;
        }
        return new LabeledImages(new Tensor(pixels, n, Side, Side, 3), labels);
    }
}
