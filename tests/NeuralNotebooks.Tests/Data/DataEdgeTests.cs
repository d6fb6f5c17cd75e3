namespace NeuralNotebooks.Tests.Data;

/// <summary>Edge cases of the data classes that gave a wrong answer or an error naming nothing.</summary>
public class DataEdgeTests
{
    [Fact]
    public void Mnist_Load_of_the_Fashion_folder_fails_its_checksums_even_after_FashionMnist_Load()
    {
        // The cache was keyed by "checked", not by which table: after FashionMnist.Load, Mnist.Load of the same
        // folder returned Fashion-MNIST as MNIST without a check.
        var fashion = Path.Combine(MnistTests.FindRepo(), "data", "fashion-mnist");
        _ = FashionMnist.Load();
        Assert.Contains("checksum mismatch", Assert.Throws<DataFormatException>(() => Mnist.Load(fashion)).Message);
    }

    [Fact]
    public void A_batch_size_near_int_MaxValue_gives_one_batch_of_everything()
    {
        // (Count + BatchSize - 1) overflowed: 0 batches for 10 samples, -1 for 2, and nothing trained.
        var loader = new DataLoader(Tensor.Zeros(10, 2), new int[10], batchSize: int.MaxValue, shuffle: false);
        Assert.Equal(1, loader.BatchCount);
        Assert.Equal(10, Assert.Single(loader).Y.Length);
        Assert.Equal(1, new DataLoader(Tensor.Zeros(2, 2), new int[2], batchSize: int.MaxValue).BatchCount);
        Assert.Equal(0, new DataLoader(Tensor.Zeros(2, 2), new int[2], batchSize: int.MaxValue, dropLast: true).BatchCount);
        Assert.Equal(3, new DataLoader(Tensor.Zeros(10, 2), new int[10], batchSize: 4).BatchCount);
    }

    [Fact]
    public void Predict_and_Evaluate_take_a_batch_size_near_int_MaxValue()
    {
        var model = new Sequential(seed: 1);
        model.Add(new Dense(2, activation: "softmax", inputShape: 3));
        model.Compile("sgd", "sparse_categorical_crossentropy");
        var x = new Rng(2).Normal(new Shape(5, 3));
        Assert.Equal(model.Predict(x).ToArray(), model.Predict(x, batchSize: int.MaxValue).ToArray());
        Assert.Equal(model.Evaluate(x, [0, 1, 0, 1, 1]), model.Evaluate(x, [0, 1, 0, 1, 1], batchSize: int.MaxValue));
    }

    [Theory]
    [InlineData(25, 0.1, 25)]   // scikit-learn's stratified train_test_split: ceil(0.1 * 250) = 25; rounded per class, 20
    [InlineData(10, 0.25, 25)]  // ceil(25) = 25
    [InlineData(7, 0.15, 11)]   // ceil(10.5) = 11, one class gets the leftover
    public void Split_gives_the_validation_set_scikit_learn_gives(int perClass, double fraction, int expected)
    {
        var labels = Enumerable.Range(0, 10 * perClass).Select(i => i % 10).ToArray();
        var data = new LabeledImages(Tensor.Arange(labels.Length).Reshape(labels.Length, 1), labels);
        var (train, validation) = data.Split(fraction, seed: 3);
        Assert.Equal(expected, validation.Count);
        Assert.Equal(labels.Length - expected, train.Count);
        Assert.Equal(10, validation.Labels.Distinct().Count());
        Assert.All(Enumerable.Range(0, 10), c => Assert.InRange(validation.Labels.Count(l => l == c), expected / 10, expected / 10 + 1));
        Assert.Empty(train.Images.ToArray().Intersect(validation.Images.ToArray()));
    }

    [Fact]
    public void Split_refuses_a_part_with_fewer_images_than_classes()
    {
        // 10 classes of 5 at 0.1 gave an empty validation set, silently; scikit-learn refuses it.
        var labels = Enumerable.Range(0, 50).Select(i => i % 10).ToArray();
        var data = new LabeledImages(Tensor.Arange(50).Reshape(50, 1), labels);
        var e = Assert.Throws<ArgumentException>(() => data.Split(0.1));
        Assert.Contains("50 images of 10 classes would leave 5 for validation", e.Message);
        Assert.Throws<ArgumentException>(() => data.Split(0.95));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(double.NaN));
    }

    [Fact]
    public void Split_refuses_to_leave_a_class_out_of_either_part()
    {
        // Enough images in each part for every class, yet a small class's share rounded to none in validation
        // (96, 2 and 2 images at 0.1: 10 of class 0) or to all of it (10 and 1 at 0.6: class 1's one image), silently.
        int[] small = [.. Enumerable.Repeat(0, 96), 1, 1, 2, 2];
        var data = new LabeledImages(Tensor.Arange(100).Reshape(100, 1), small);
        var e = Assert.Throws<ArgumentException>(() => data.Split(0.1));
        Assert.Contains("class 1, of 2 images, would have none in validation (its share of the 10 validation images rounds to 0)", e.Message);
        Assert.Equal(1, data.Split(0.5).Validation.Labels.Count(l => l == 1));   // half of each class is no trouble

        int[] single = [.. Enumerable.Repeat(0, 10), 1];
        var one = new LabeledImages(Tensor.Arange(11).Reshape(11, 1), single);
        Assert.Contains("class 1, of 1 image, would have none in training", Assert.Throws<ArgumentException>(() => one.Split(0.6)).Message);
    }

    [Fact]
    public void Gather_and_Take_name_a_bad_index_or_count()
    {
        var data = new LabeledImages(Tensor.Zeros(3, 2, 2), [0, 1, 2]);
        Assert.Contains("index 3 (at position 1) is outside 0..2 for images of shape (3, 2, 2)", Assert.Throws<ArgumentOutOfRangeException>(() => data.Gather([0, 3])).Message);
        Assert.Contains("index -1", Assert.Throws<ArgumentOutOfRangeException>(() => data.Gather([-1])).Message);
        Assert.Contains("Take: -1 images asked for, of 3", Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(-1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(4));
        Assert.Equal(3, data.Take(3).Count);
    }

    [Fact]
    public void OneHot_refuses_a_class_count_below_1_by_name()
    {
        // -1 classes gave an OverflowException from the allocation; 0 said "outside 0..-1".
        Assert.Contains("got -1", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([1], -1)).Message);
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([], 0)).Message);
    }

    [Fact]
    public void A_data_folder_not_found_names_where_the_search_began()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DataDirectory.Find("no-such-dataset"));
        Assert.Contains(Path.TrimEndingDirectorySeparator(Directory.GetCurrentDirectory()), e.Message);
        Assert.Contains(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), e.Message);
    }
}
