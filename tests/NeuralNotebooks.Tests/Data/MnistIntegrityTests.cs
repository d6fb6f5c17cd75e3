using System.IO.Compression;

namespace NeuralNotebooks.Tests.Data;

/// <summary>The SHA-256 check covers what is loaded, gzipped or not, and the cached data cannot be changed by a caller.</summary>
public class MnistIntegrityTests
{
    private static string CopyMnist(params string[] uncompressed)
    {
        var tmp = TempFolder.New();
        foreach (var f in Directory.GetFiles(Path.Combine(MnistTests.FindRepo(), "data", "mnist"), "*.gz"))
        {
            var name = Path.GetFileNameWithoutExtension(f);
            if (!uncompressed.Contains(name)) { File.Copy(f, Path.Combine(tmp, Path.GetFileName(f))); continue; }
            using var gz = new GZipStream(File.OpenRead(f), CompressionMode.Decompress);
            using var raw = File.Create(Path.Combine(tmp, name));
            gz.CopyTo(raw);
        }
        return tmp;
    }

    [Fact]
    public void Uncompressed_originals_pass_their_checksums()
    {
        var dir = CopyMnist("t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte");
        Assert.True(File.Exists(Path.Combine(dir, "t10k-labels-idx1-ubyte")));
        var m = Mnist.Load(dir);
        Assert.Equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], m.Test.Labels[..10]);
    }

    [Fact]
    public void An_uncompressed_labels_file_with_every_label_changed_fails_its_checksum()
    {
        var dir = CopyMnist("t10k-labels-idx1-ubyte");
        var labels = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        var bytes = File.ReadAllBytes(labels);
        Array.Fill(bytes, (byte)3, 8, bytes.Length - 8);
        File.WriteAllBytes(labels, bytes);
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(dir));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains(Mnist.Sha256["t10k-labels-idx1-ubyte"], e.Message);
        Assert.Throws<DataFormatException>(() => Mnist.LoadBytes(dir));
    }

    [Fact]
    public void A_cell_that_normalizes_in_place_cannot_corrupt_a_later_load()
    {
        var first = Mnist.Load(channels: true);
        float original = first.Train.Images.Item(0, 14, 14, 0);
        Assert.True(original > 0);
        var span = first.Train.Images.AsSpan();
        for (int i = 0; i < span.Length; i++) span[i] = (span[i] - 0.1307f) / 0.3081f;
        first.Train.Labels[0] = 7;

        var again = Mnist.Load();
        Assert.Equal(original, again.Train.Images.Item(0, 14, 14));
        Assert.Equal(0f, again.Train.Images.Min().Item());
        Assert.Equal(5, again.Train.Labels[0]);
        Assert.Equal(original, Mnist.Load(channels: true).Train.Images.Item(0, 14, 14, 0));
        Assert.Equal(Mnist.LoadBytes().TrainPixels[14 * 28 + 14] / 255f, original);

        var (changed, _) = Mnist.Load();
        changed.Images.AsSpan().Clear();
        Assert.Equal(original, Mnist.Load().Train.Images.Item(0, 14, 14));
    }
}
