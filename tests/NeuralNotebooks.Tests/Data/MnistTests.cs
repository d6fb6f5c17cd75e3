namespace NeuralNotebooks.Tests.Data;

public class MnistTests
{
    [Fact]
    public void Loads_the_shipped_files_with_the_known_counts_labels_and_statistics()
    {
        var mnist = Mnist.Load();
        Assert.Equal(new Shape(60000, 28, 28), mnist.Train.Images.Shape);
        Assert.Equal(new Shape(10000, 28, 28), mnist.Test.Images.Shape);
        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], mnist.Train.Labels[..10]);
        Assert.Equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], mnist.Test.Labels[..10]);
        var px = mnist.Train.Images.AsSpan();
        double sum = 0, sq = 0;
        foreach (var v in px) { sum += v; sq += (double)v * v; }
        double mean = sum / px.Length, std = Math.Sqrt(sq / px.Length - mean * mean);
        Assert.Equal(0.1307, mean, 4);
        Assert.Equal(0.3081, std, 4);
        Assert.Equal(0f, mnist.Train.Images.Min().Item());
        Assert.Equal(1f, mnist.Train.Images.Max().Item());
    }

    [Fact]
    public void Deconstructs_like_keras_and_adds_a_channel_axis_on_request()
    {
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(channels: true);
        Assert.Equal(new Shape(60000, 28, 28, 1), xTrain.Shape);
        Assert.Equal(new Shape(10000, 28, 28, 1), xTest.Shape);
        Assert.Equal(60000, yTrain.Length);
        Assert.Equal(10000, yTest.Length);
    }

    [Fact]
    public void Raw_bytes_on_request()
    {
        var raw = Mnist.LoadBytes();
        Assert.Equal(60000 * 784, raw.TrainPixels.Length);
        Assert.Equal(5, raw.TrainLabels[0]);
        Assert.Equal((28, 28), (raw.Height, raw.Width));
        Assert.Equal(Mnist.Load().Train.Images.Item(0, 14, 14), raw.TrainPixels[14 * 28 + 14] / 255f);
    }

    [Fact]
    public void Loads_from_an_explicit_directory_and_from_another_working_directory()
    {
        var dir = Path.GetDirectoryName(typeof(MnistTests).Assembly.Location)!;
        var explicitDir = Path.Combine(FindRepo(), "data", "mnist");
        Assert.Equal(60000, Mnist.Load(explicitDir).Train.Count);
        Assert.True(Directory.Exists(dir));
    }

    [Fact]
    public void A_modified_file_fails_its_checksum_naming_the_file()
    {
        // A well-formed gzip file whose content differs by one label: only the checksum can tell.
        var tmp = TempFolder.New();
        foreach (var f in Directory.GetFiles(Path.Combine(FindRepo(), "data", "mnist"), "*.gz")) File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
        var labels = Path.Combine(tmp, "t10k-labels-idx1-ubyte.gz");
        var content = IdxFile.Read(labels);
        var changed = (byte[])content.Bytes.Clone();
        changed[^1] = (byte)((changed[^1] + 1) % 10);
        IdxWriter.Write(labels, IdxWriter.Bytes(0x08, content.Dimensions, changed), gzip: true);
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(tmp));
        Assert.Contains("t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains(Mnist.Sha256["t10k-labels-idx1-ubyte"], e.Message);
    }

    [Fact]
    public void A_missing_directory_says_where_it_looked()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(TempFolder.File("nothing")));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    internal static string FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralNotebooks.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}

public class IdxFileTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reads_gzipped_and_raw_files(bool gzip)
    {
        var path = TempFolder.File("a.idx");
        IdxWriter.Write(path, IdxWriter.Bytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]), gzip);
        var f = IdxFile.Read(path);
        Assert.Equal(IdxElementType.UnsignedByte, f.ElementType);
        Assert.Equal([2, 3], f.Dimensions);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], f.ToFloats());
    }

    [Fact]
    public void Reads_big_endian_floats_and_ints()
    {
        var path = TempFolder.File("f.idx");
        IdxWriter.Write(path, IdxWriter.Bytes(0x0D, [2], [0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0]), gzip: false);
        Assert.Equal([1f, -2.5f], IdxFile.Read(path).ToFloats());
        IdxWriter.Write(path, IdxWriter.Bytes(0x0C, [1], [0xFF, 0xFF, 0xFF, 0xFE]), gzip: true);
        Assert.Equal([-2f], IdxFile.Read(path).ToFloats());
    }

    [Fact]
    public void Wrong_magic_number_names_the_file_and_what_was_found()
    {
        var path = TempFolder.File("bad-magic.idx");
        File.WriteAllBytes(path, [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains("bad-magic.idx", e.Message);
        Assert.Contains("wrong magic number", e.Message);
        Assert.Contains("12340801", e.Message);
        Assert.DoesNotContain("gzip", e.Message);
    }

    [Fact]
    public void A_gz_file_whose_gzip_signature_is_damaged_is_said_to_have_a_damaged_header()
    {
        // One bit flipped in the second byte (8B to 9B): the file was read as uncompressed IDX, and the message
        // spoke only of IDX magic numbers.
        var path = TempFolder.File("labels.gz");
        IdxWriter.Write(path, IdxWriter.Bytes(0x08, [3], [1, 2, 3]), gzip: true);
        var bytes = File.ReadAllBytes(path);
        bytes[1] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains("labels.gz", e.Message);
        Assert.Contains("found 1F9B", e.Message);
        Assert.Contains("The name ends in .gz, but a gzip file starts with 1F 8B: if this is one, its header is damaged.", e.Message);
    }

    [Fact]
    public void Truncated_header_data_and_extra_bytes_are_errors_that_say_expected_and_found()
    {
        var dir = TempFolder.New();
        var shortHeader = Path.Combine(dir, "h.idx");
        File.WriteAllBytes(shortHeader, [0, 0, 0x08, 3, 0, 0, 0, 2]);
        Assert.Contains("header needs 16 bytes", Assert.Throws<DataFormatException>(() => IdxFile.Read(shortHeader)).Message);

        var shortData = Path.Combine(dir, "d.idx.gz");
        IdxWriter.Write(shortData, IdxWriter.Bytes(0x08, [2, 28, 28], new byte[1000]), gzip: true);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(shortData));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("1584 bytes", e.Message);
        Assert.Contains("found 1016", e.Message);

        var extra = Path.Combine(dir, "x.idx");
        IdxWriter.Write(extra, IdxWriter.Bytes(0x08, [2], [1, 2, 3]), gzip: false);
        Assert.Contains("extra data", Assert.Throws<DataFormatException>(() => IdxFile.Read(extra)).Message);

        var tiny = Path.Combine(dir, "t.idx");
        File.WriteAllBytes(tiny, [0, 0]);
        Assert.Contains("found 2 bytes", Assert.Throws<DataFormatException>(() => IdxFile.Read(tiny)).Message);
    }

    [Fact]
    public void Corrupt_and_truncated_gzip_streams_are_errors()
    {
        var dir = TempFolder.New();
        var good = Path.Combine(dir, "g.gz");
        IdxWriter.Write(good, IdxWriter.Bytes(0x08, [100, 28, 28], new byte[78400]), gzip: true);
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(dir, "cut.gz");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(truncated));
        Assert.Contains("cut.gz", e.Message);
        var garbled = Path.Combine(dir, "garbled.gz");
        File.WriteAllBytes(garbled, [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Contains("garbled.gz", Assert.Throws<DataFormatException>(() => IdxFile.Read(garbled)).Message);
    }
}

public class OtherDatasetTests
{
    [Fact]
    public void Fashion_mnist_loads_through_the_same_reader_with_class_names()
    {
        var dir = IdxWriter.Dataset(TempFolder.File("fashion-mnist"), 20, 7, 28, 28);
        var f = FashionMnist.Load(dir, channels: true);
        Assert.Equal(new Shape(20, 28, 28, 1), f.Train.Images.Shape);
        Assert.Equal(7, f.Test.Count);
        Assert.Equal("Ankle boot", f.ClassNames[9]);
        Assert.Equal(3f / 255f, f.Train.Images.Item(0, 0, 3, 0));
    }

    [Fact]
    public void Fashion_mnist_ships_with_the_repository_with_known_counts_and_labels()
    {
        var f = FashionMnist.Load();
        Assert.Equal(new Shape(60000, 28, 28), f.Train.Images.Shape);
        Assert.Equal(new Shape(10000, 28, 28), f.Test.Images.Shape);
        // Zalando's published first labels: ankle boot, T-shirt, T-shirt, dress, T-shirt; test: ankle boot, pullover, trouser.
        Assert.Equal([9, 0, 0, 3, 0], f.Train.Labels[..5]);
        Assert.Equal([9, 2, 1], f.Test.Labels[..3]);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, f.Train.Labels.Count(l => l == c)));
    }

    [Fact]
    public void Fashion_mnist_missing_files_are_named()
    {
        var empty = TempFolder.New();
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(empty));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_an_error()
    {
        var dir = IdxWriter.Dataset(TempFolder.New(), 12, 5, trainLabelCount: 11);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(dir));
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("expected 12 labels", e.Message);
        Assert.Contains("found 11", e.Message);
    }

    [Fact]
    public void A_label_beyond_the_classes_is_refused_naming_the_file_index_and_value()
    {
        // Label 12 of 10 classes was loaded as it was, and failed later in one_hot or a loss, naming no file.
        var dir = IdxWriter.Dataset(TempFolder.New(), 6, 5);
        var labels = Path.Combine(dir, "t10k-labels-idx1-ubyte.gz");
        IdxWriter.Write(labels, IdxWriter.Bytes(0x08, [5], [0, 1, 2, 12, 4]), gzip: true);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(dir));
        Assert.Equal(labels, e.Path);
        Assert.Contains("label at index 3: expected a class 0-9, found 12.", e.Message);
    }

    [Fact]
    public void Train_and_test_images_of_different_sizes_are_refused_naming_both()
    {
        // 4×3 training and 5×5 test images were loaded as they were; a model trained on one cannot read the other.
        var dir = IdxWriter.Dataset(TempFolder.New(), 6, 2);
        IdxWriter.Write(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), IdxWriter.Bytes(0x08, [2, 5, 5], new byte[50]), gzip: true);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(dir));
        Assert.Equal(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), e.Path);
        Assert.Contains("5×5", e.Message);
        Assert.Contains("4×3", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void A_directory_where_a_file_is_expected_is_named_as_a_directory()
    {
        // IdxFile.Read said the file did not exist, ReadBatch gave an UnauthorizedAccessException ("access denied"),
        // and a dataset folder with a directory of a file's name said the file was missing.
        var dir = TempFolder.New();
        var idx = Directory.CreateDirectory(Path.Combine(dir, "labels.idx")).FullName;
        Assert.Contains($"{idx} is a directory, not a file", Assert.Throws<FileNotFoundException>(() => IdxFile.Read(idx)).Message);
        var batch = Directory.CreateDirectory(Path.Combine(dir, "data_batch_1.bin")).FullName;
        Assert.Contains($"{batch} is a directory, not a file", Assert.Throws<FileNotFoundException>(() => Cifar10.ReadBatch(batch)).Message);

        var data = IdxWriter.Dataset(TempFolder.New(), 6, 2);
        var images = Path.Combine(data, "t10k-images-idx3-ubyte");
        File.Delete(images + ".gz");
        Directory.CreateDirectory(images);
        Assert.Contains($"{images} is a directory, not a file", Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(data)).Message);
    }

    [Fact]
    public void Cifar10_in_a_folder_that_does_not_exist_says_so()
    {
        // It said the folder "lacks data_batch_1.bin, ..." as if it were there.
        var dir = Path.Combine(TempFolder.New(), "cifar-10-batches-bin");
        var e = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(dir));
        Assert.StartsWith($"{dir} does not exist: expected a folder holding data_batch_1.bin ... data_batch_5.bin and test_batch.bin.", e.Message);
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);
        Assert.DoesNotContain("lacks", e.Message);

        var file = TempFolder.File("cifar-10-batches-bin");
        File.WriteAllBytes(file, [1]);
        Assert.StartsWith($"{file} is a file, not a folder: expected a folder holding", Assert.Throws<FileNotFoundException>(() => Cifar10.Load(file)).Message);
    }

    [Fact]
    public void An_mnist_format_folder_that_does_not_exist_says_so()
    {
        // It said the folder's first file was missing, as if the folder were there.
        var dir = Path.Combine(TempFolder.New(), "mnist");
        foreach (var load in new Action[] { () => Mnist.Load(dir), () => Mnist.LoadBytes(dir), () => FashionMnist.Load(dir) })
        {
            var e = Assert.Throws<FileNotFoundException>(load);
            Assert.StartsWith($"{dir} does not exist: expected a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz", e.Message);
            Assert.DoesNotContain("is missing", e.Message);
        }

        var file = TempFolder.File("mnist");
        File.WriteAllBytes(file, [1]);
        Assert.StartsWith($"{file} is a file, not a folder: expected a folder holding", Assert.Throws<FileNotFoundException>(() => Mnist.Load(file)).Message);
    }

    [Fact]
    public void Cifar10_batch_format_is_read_channels_last()
    {
        var path = TempFolder.File("data_batch_1.bin");
        var bytes = new byte[2 * 3073];
        bytes[0] = 3; bytes[3073] = 9;
        bytes[1 + 5] = 255;                 // record 0, red plane, pixel 5 (row 0, column 5)
        bytes[3073 + 1 + 1024 + 33] = 51;   // record 1, green plane, pixel 33 (row 1, column 1)
        File.WriteAllBytes(path, bytes);
        var batch = Cifar10.ReadBatch(path);
        Assert.Equal(new Shape(2, 32, 32, 3), batch.Images.Shape);
        Assert.Equal([3, 9], batch.Labels);
        Assert.Equal(1f, batch.Images.Item(0, 0, 5, 0));
        Assert.Equal(0.2f, batch.Images.Item(1, 1, 1, 1));
        Assert.Equal(0f, batch.Images.Item(1, 1, 1, 0));
        Assert.Equal("cat", Cifar10.ClassNames[batch.Labels[0]]);
    }

    [Fact]
    public void Labeled_images_need_one_label_per_image()
    {
        var e = Assert.Throws<ArgumentException>(() => new LabeledImages(Tensor.Zeros(3, 2, 2), [0, 1]));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("(3, 2, 2)", e.Message);
        Assert.Equal(3, new LabeledImages(Tensor.Zeros(3, 2, 2), [0, 1, 2]).Count);
    }

    [Fact]
    public void Cifar10_wrong_size_and_missing_files_are_explained()
    {
        var dir = TempFolder.New();
        var path = Path.Combine(dir, "test_batch.bin");
        File.WriteAllBytes(path, new byte[3074]);
        var e = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(path));
        Assert.Contains("3073-byte records", e.Message);
        Assert.Contains("3074 bytes", e.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(dir));
        Assert.Contains("cifar-10-binary.tar.gz", missing.Message);
        // The folder given is named with the files it lacks (it said "not in data/cifar-10-batches-bin/").
        Assert.StartsWith($"{dir} lacks data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin of", missing.Message);
        Assert.DoesNotContain("test_batch.bin of", missing.Message);
    }
}

public class BatchTests
{
    [Fact]
    public void Batches_cover_every_sample_once_per_epoch_in_a_seeded_order()
    {
        var x = Tensor.Arange(10).Reshape(10, 1);
        var y = Enumerable.Range(0, 10).ToArray();
        var loader = new DataLoader(x, y, batchSize: 4, shuffle: true, seed: 3);
        Assert.Equal(3, loader.BatchCount);
        var epoch1 = loader.ToList();
        Assert.Equal([4, 4, 2], epoch1.Select(b => b.Y.Length));
        var seen = epoch1.SelectMany(b => b.Y).ToArray();
        Assert.Equal(y, seen.Order());
        Assert.NotEqual(y, seen);
        foreach (var (bx, by) in epoch1) Assert.Equal(by.Select(v => (float)v), bx.ToArray());
        var epoch2 = loader.SelectMany(b => b.Y).ToArray();
        Assert.NotEqual(seen, epoch2);
        var again = new DataLoader(x, y, batchSize: 4, shuffle: true, seed: 3).SelectMany(b => b.Y).ToArray();
        Assert.Equal(seen, again);
        Assert.Equal(2, new DataLoader(x, y, batchSize: 4, dropLast: true).Count());
    }

    [Fact]
    public void Mismatched_samples_and_labels_are_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(Tensor.Zeros(5, 2), new int[4]));
        Assert.Contains("5 samples", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    [Fact]
    public void One_hot_encoding()
    {
        var t = Tensor.OneHot([2, 0], 3);
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f], t.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([3], 3));
    }

    [Fact]
    public void Stratified_split_keeps_each_class_share()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i < 80 ? 0 : 1).ToArray();
        var data = new LabeledImages(Tensor.Arange(100).Reshape(100, 1), labels);
        var (train, validation) = data.Split(0.1, seed: 2);
        Assert.Equal(90, train.Count);
        Assert.Equal(10, validation.Count);
        Assert.Equal(8, validation.Labels.Count(l => l == 0));
        Assert.Equal(2, validation.Labels.Count(l => l == 1));
        Assert.Empty(train.Images.ToArray().Intersect(validation.Images.ToArray()));
        Assert.Equal(validation.Labels, data.Split(0.1, seed: 2).Validation.Labels);
    }
}
