using System.Globalization;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>
/// What the library shows does not depend on the culture of the process that shows it. A notebook kernel
/// runs in the learner's culture (these tests run with invariant globalization, which only the test host
/// has), and in one that writes 0,5 and 1.000 a summary printed "795.010" parameters, an SVG coordinate
/// "12,5" would break the picture, and numbers would stop matching Keras's and scikit-learn's text.
/// </summary>
public class CultureTests
{
    /// <summary>A culture that swaps the invariant culture's decimal and group separators, as German does.</summary>
    private static CultureInfo CommaDecimals()
    {
        var c = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var f = c.NumberFormat;
        f.NumberDecimalSeparator = f.PercentDecimalSeparator = f.CurrencyDecimalSeparator = ",";
        f.NumberGroupSeparator = f.PercentGroupSeparator = f.CurrencyGroupSeparator = ".";
        return c;
    }

    private static string Under(CultureInfo culture, Func<string> show)
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            return show();
        }
        finally { CultureInfo.CurrentCulture = before; }
    }

    [Fact]
    public void Refused_targets_and_rates_are_written_with_a_decimal_point_in_a_culture_with_decimal_commas()
    {
        // They read "1,5" under such a culture, unlike every other message of the library.
        var binary = Under(CommaDecimals(), () => Assert.Throws<ArgumentException>(() =>
            new BinaryCrossentropy().ValidateTargets(new Tensor(new float[] { 1.5f }, 1, 1), 1)).Message);
        Assert.Contains("is 1.5", binary);
        var sparse = Under(CommaDecimals(), () => Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SparseCategoricalCrossentropy().Compute(new Tensor(new float[] { 1.5f }, 1), new Tensor(new float[] { 0.5f, 0.5f }, 1, 2))).Message);
        Assert.Contains("label 1.5", sparse);
        Assert.Contains("got 1.5", Under(CommaDecimals(), () => Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5)).Message));
    }

    /// <summary>A culture that also writes NaN, infinity and the minus sign its own way, as ICU's cultures do ("∞", "−").</summary>
    private static CultureInfo LocalSymbols()
    {
        var c = CommaDecimals();
        var f = c.NumberFormat;
        f.NaNSymbol = "n. def.";
        f.PositiveInfinitySymbol = "∞";
        f.NegativeInfinitySymbol = "−∞";
        f.NegativeSign = "−";
        return c;
    }

    [Fact]
    public void Refused_chart_data_is_written_as_in_the_invariant_culture()
    {
        // A heatmap's NaN cell read "n. def." and its infinite one "∞" in such a culture, an axis range "[0,5, ...]".
        var refusals = new (string What, Func<Exception> Refuse)[]
        {
            ("Heatmap NaN", () => Assert.Throws<ArgumentException>(() => Plot.Heatmap(new double[,] { { 0.5, double.NaN } }))),
            ("Heatmap infinity", () => Assert.Throws<ArgumentException>(() => Plot.Heatmap(new double[,] { { double.NegativeInfinity, 0.5 } }))),
            ("Ticks", () => Assert.Throws<ArgumentException>(() => Ticks.Nice(-0.5, double.NaN))),
            ("Ticks too wide", () => Assert.Throws<ArgumentException>(() => Ticks.Nice(-1.5e308, 1.5e308))),
            ("Line", () => Assert.Throws<ArgumentException>(() => Plot.Line(new double[] { -1.5 }, new double[] { double.PositiveInfinity }, "loss"))),
            ("Pixel size", () => Assert.Throws<ArgumentOutOfRangeException>(() => Plot.Images([Tensor.Zeros(2, 2)], pixelSize: -0.5))),
            ("Image index", () => Assert.Throws<ArgumentOutOfRangeException>(() => Plot.Images(Tensor.Zeros(2, 2, 2), [-1]))),
            ("Histogram bins", () => Assert.Throws<ArgumentOutOfRangeException>(() => new WeightHistograms(new Sequential(), bins: -1))),
            ("Histogram curves", () => Assert.Throws<ArgumentOutOfRangeException>(() => new WeightHistograms(new Sequential()).Chart("dense", curves: -1))),
        };
        var differing = refusals.Where(r => Under(CultureInfo.InvariantCulture, () => r.Refuse().Message) != Under(LocalSymbols(), () => r.Refuse().Message))
            .Select(r => $"{r.What}: {Under(LocalSymbols(), () => r.Refuse().Message)}").ToList();
        Assert.True(differing.Count == 0, $"written in the culture's own way: {string.Join(" | ", differing)}");
        Assert.Contains("is NaN", Under(LocalSymbols(), () => refusals[0].Refuse().Message));
        Assert.Contains("is -Infinity", Under(LocalSymbols(), () => refusals[1].Refuse().Message));
    }

    [Fact]
    public void Every_text_and_picture_is_the_same_in_a_culture_with_decimal_commas()
    {
        var x = new Rng(1).Uniform(new Shape(64, 4), -1f, 1f);
        var labels = Enumerable.Range(0, 64).Select(i => i % 3).ToArray();
        var model = new Sequential(seed: 1);
        model.Add(new Dense(1200, activation: "relu", inputShape: 4));   // over a thousand parameters: a group separator
        model.Add(new Dense(3, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        var histograms = new WeightHistograms(model);
        var history = model.Fit(x, labels, epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: false, onEpochEnd: histograms.Record);
        var predicted = model.Predict(x).ArgMax(1).ToArray().Select(v => (int)v).ToArray();
        var matrix = NeuralNotebooks.Metrics.ConfusionMatrix(labels, predicted);
        var report = NeuralNotebooks.Metrics.ClassificationReport(labels, predicted);
        var clf = new MLPClassifier(hiddenLayerSizes: [5], alpha: 0.0001f, maxIter: 2, randomState: 1);

        var shown = new (string What, Func<string> Show)[]
        {
            ("Tensor", () => x[..3].ToString()),
            ("Summary", () => model.Summary().ToString()),
            ("Summary as HTML", () => model.Summary().Render()),
            ("Layer", () => model.Layers[0].ToString()),
            ("EpochLog", () => new EpochLog(1, 2, 1.25, new Dictionary<string, float> { ["loss"] = 0.5f, ["accuracy"] = 0.75f }).ToString()),
            ("History", () => history.ToString()),
            ("History chart", () => history.Render()),
            ("Evaluation", () => model.Evaluate(x, labels).ToString()),
            ("Confusion matrix", () => matrix.ToString()),
            ("Confusion matrix as HTML", () => matrix.Render()),
            ("Normalized confusion matrix", () => NeuralNotebooks.Metrics.ConfusionMatrix(labels, predicted, normalize: "true").ToString()),
            ("Classification report", () => report.ToString()),
            ("Classification report as HTML", () => report.Render()),
            ("Line chart", () => Plot.Line([0f, 0.5f, 1.5f], [0.25f, 1250.5f, 0.125f], "loss").Render()),
            ("Bar chart", () => Plot.Bar(["a", "b"], [1234.5, 0.25]).Render()),
            ("Heatmap", () => Plot.Heatmap(new double[,] { { 0.5, 1500.25 }, { 2.75, 0 } }).Render()),
            ("Confusion matrix heatmap", () => Plot.ConfusionMatrix(matrix).Render()),
            ("Image grid", () => Plot.Images(x.Reshape(64, 2, 2), [0, 1], labels: [0, 1]).Render()),
            ("Weight histograms", () => histograms.Render()),
            ("Weight histograms as text", () => histograms.ToString()),
            ("MLPClassifier", () => clf.ToString()),
            ("MLPClassifier's verbose log", () =>
            {
                var log = new StringWriter();
                var console = Console.Out;
                Console.SetOut(log);
                try { new MLPClassifier(hiddenLayerSizes: [5], maxIter: 1, verbose: true).Fit(x, labels); }
                finally { Console.SetOut(console); }
                // Only its own lines: another test may write to the console meanwhile.
                return Assert.Single(log.ToString().Split('\n'), l => l.StartsWith("Iteration 1, loss = "));
            }),
            ("Data set", () => Mnist.Load().ToString()),
        };
        var invariant = CultureInfo.InvariantCulture;
        var comma = CommaDecimals();
        var differing = shown.Where(s => Under(invariant, s.Show) != Under(comma, s.Show)).Select(s => s.What).ToList();
        Assert.True(differing.Count == 0, $"shown differently with decimal commas: {string.Join(", ", differing)}");
    }
}
