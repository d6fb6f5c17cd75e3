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

    [Fact]
    public void Classes_and_loss_curve_are_read_only()
    {
        // Both were the model's own array and list behind the interface: cast back, a caller relabelled
        // Predict's answers or rewrote the curve NIter counts.
        var (x, y) = Data(40, 3, 3, seed: 2);
        var clf = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 3, randomState: 1).Fit(x, y);
        var predicted = clf.Predict(x);
        Assert.ThrowsAny<NotSupportedException>(() => ((IList<int>)clf.Classes)[0] = 9);
        Assert.ThrowsAny<NotSupportedException>(() => ((IList<float>)clf.LossCurve).Clear());
        Assert.Equal([0, 1, 2], clf.Classes);
        Assert.Equal(3, clf.NIter);
        Assert.Equal(predicted, clf.Predict(x));
    }

    private static MLPClassifier Fitted(int features = 4)
    {
        var (x, y) = Data(40, features, 3, seed: 2);
        return new MLPClassifier(hiddenLayerSizes: [6], maxIter: 5, randomState: 1).Fit(x, y);
    }

    [Theory]
    [InlineData(new[] { 5 }, 5, "x must be (samples, features)", "(5,)")]           // read as 5 samples of 1 feature
    [InlineData(new[] { 10, 4 }, 9, "10 samples", "9 labels")]
    [InlineData(new[] { 0, 4 }, 0, "no samples", "(0, 4)")]                        // a reshape's error, naming no MLPClassifier
    [InlineData(new[] { 5, 0 }, 5, "no features", "(5, 0)")]
    [InlineData(new[] { 3, 0, 2 }, 3, "no features", "(3, 0, 2)")]
    public void Fit_refuses_x_of_a_wrong_shape_naming_it(int[] shape, int labels, string what, string alsoNamed)
    {
        var x = Tensor.Zeros(shape);
        var y = Enumerable.Range(0, labels).Select(i => i % 2).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new MLPClassifier(hiddenLayerSizes: [3], maxIter: 2).Fit(x, y));
        Assert.StartsWith("MLPClassifier.Fit: ", e.Message);
        Assert.Contains(what, e.Message);
        Assert.Contains(alsoNamed, e.Message);
        Assert.Contains(new Shape(shape).ToString(), e.Message);
        Assert.Equal("x", e.ParamName);
    }

    [Theory]
    [InlineData(new[] { 4 }, "x must be (samples, features)")]   // one sample of 4 features: was read as 4 samples of 1 and refused for its 1 feature
    [InlineData(new[] { 0, 4 }, "no samples")]
    [InlineData(new[] { 3, 5 }, "trained on 4 features")]
    [InlineData(new[] { 3, 2, 2, 2 }, "trained on 4 features")]
    public void PredictProba_Predict_and_Score_refuse_x_of_a_wrong_shape_naming_it(int[] shape, string what)
    {
        var clf = Fitted(features: 4);
        var x = Tensor.Zeros(shape);
        int n = shape.Length > 1 ? shape[0] : 1;
        foreach (var (method, call) in new (string, Action)[]
        {
            ("PredictProba", () => clf.PredictProba(x)),
            ("Predict", () => clf.Predict(x)),
            ("Score", () => clf.Score(x, new int[n])),
        })
        {
            var e = Assert.Throws<ArgumentException>(call);
            Assert.StartsWith($"MLPClassifier.{method}: ", e.Message);
            Assert.Contains(what, e.Message);
            Assert.Contains(new Shape(shape).ToString(), e.Message);
            Assert.Equal("x", e.ParamName);
        }
    }

    [Fact]
    public void Score_refuses_labels_of_another_count_or_none()
    {
        var clf = Fitted(features: 4);
        var x = Data(10, 4, 3, seed: 3).X;
        var e = Assert.Throws<ArgumentException>(() => clf.Score(x, new int[9]));
        Assert.Contains("(10, 4)", e.Message);
        Assert.Contains("10 samples", e.Message);
        Assert.Contains("9 labels", e.Message);
        // A NullReferenceException from deep inside, after predicting.
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => clf.Score(x, null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => clf.Score(null!, new int[10])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => clf.Predict(null!)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => new MLPClassifier().Fit(x, null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => new MLPClassifier().Fit(null!, new int[10])).ParamName);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Fit_and_PredictProba_refuse_a_value_that_is_not_finite_naming_its_row_and_column(float value, string shown)
    {
        // Fit found a NaN only as a diverged loss, inside the batch it fell in; PredictProba returned NaN probabilities for it.
        var (x, y) = Data(40, 4, 3, seed: 2);
        x.data[13 * 4 + 2] = value;
        var fit = Assert.Throws<ArgumentException>(() => new MLPClassifier(hiddenLayerSizes: [6], maxIter: 5).Fit(x, y));
        var clf = Fitted(features: 4);
        var predict = Assert.Throws<ArgumentException>(() => clf.PredictProba(x));
        foreach (var (e, method) in new[] { (fit, "Fit"), (predict, "PredictProba") })
        {
            Assert.StartsWith($"MLPClassifier.{method}: ", e.Message);
            Assert.Contains($"{shown} at row 13, column 2", e.Message);
            Assert.Equal("x", e.ParamName);
        }
    }

    [Fact]
    public void A_refit_that_fails_keeps_the_fitted_model()
    {
        // Fit cleared the layers, the loss curve and the classes before training: a refit that diverged left a
        // model of the new classes with the weights of a broken first batch, and one refused later left none.
        var (x, y) = Data(40, 4, 3, seed: 2);
        var clf = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 5, randomState: 1).Fit(x, y);
        var proba = clf.PredictProba(x).ToArray();
        var curve = clf.LossCurve.ToArray();
        var coefs = clf.Coefs.Select(c => (c.Shape, Values: c.ToArray())).ToArray();

        // Finite, but so large that the first batch's sums overflow: training diverges in its first step.
        var huge = new Tensor(Enumerable.Range(0, 30 * 5).Select(i => i % 2 == 0 ? 3e38f : -3e38f).ToArray(), 30, 5);
        var twoLabels = Enumerable.Range(0, 30).Select(i => 7 + i % 2).ToArray();
        Assert.Throws<TrainingDivergedException>(() => clf.Fit(huge, twoLabels));
        var nan = Data(30, 5, 2, seed: 3).X;
        nan.data[17] = float.NaN;
        Assert.Throws<ArgumentException>(() => clf.Fit(nan, twoLabels));

        Assert.Equal([0, 1, 2], clf.Classes);
        Assert.Equal(curve, clf.LossCurve);
        Assert.Equal(curve.Length, clf.NIter);
        Assert.Equal(coefs.Length, clf.Coefs.Count);
        for (int l = 0; l < coefs.Length; l++)
        {
            Assert.Equal(coefs[l].Shape, clf.Coefs[l].Shape);
            Assert.Equal(coefs[l].Values, clf.Coefs[l].ToArray());
        }
        Assert.Equal(proba, clf.PredictProba(x).ToArray());

        // A model never fitted stays unfitted.
        var fresh = new MLPClassifier(hiddenLayerSizes: [6], maxIter: 5, randomState: 1);
        Assert.Throws<TrainingDivergedException>(() => fresh.Fit(huge, twoLabels));
        Assert.Empty(fresh.Classes);
        Assert.Empty(fresh.LossCurve);
        Assert.Throws<InvalidOperationException>(() => fresh.PredictProba(x));
    }
}
