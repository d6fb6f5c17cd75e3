namespace NeuralNotebooks.Tests.Nn;

/// <summary>What MLPClassifier takes and refuses: its parameters once made, the shapes and values of x and y.</summary>
public class MLPClassifierArgumentTests
{
    private static (Tensor X, int[] Y) Data(int n, int features, int classes, int seed)
    {
        var x = new Rng(seed).Uniform(new Shape(n, features), -1f, 1f);
        var y = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        // Each class shifted along its own feature, so that a few epochs learn something.
        for (int i = 0; i < n; i++) x.data[i * features + y[i] % features] += 2f;
        return (x, y);
    }

    [Fact]
    public void Hidden_layer_sizes_are_a_read_only_copy()
    {
        // The array was kept as given: zeroed after the constructor had checked it, the model had a layer of 0 units.
        int[] sizes = [6, 4];
        var clf = new MLPClassifier(hiddenLayerSizes: sizes, maxIter: 5, randomState: 1);
        sizes[0] = 0;
        Assert.Equal([6, 4], clf.HiddenLayerSizes);
        // And the property handed out that array, so a caller could change the model through it.
        if (clf.HiddenLayerSizes is IList<int> list) Assert.ThrowsAny<NotSupportedException>(() => list[1] = 9);
        Assert.Equal([6, 4], clf.HiddenLayerSizes);
        var (x, y) = Data(40, 3, 3, seed: 2);
        clf.Fit(x, y);
        Assert.Equal(new Shape(3, 6), clf.Coefs[0].Shape);
        Assert.Equal(new Shape(6, 4), clf.Coefs[1].Shape);
    }
}
