using System.Globalization;
namespace NeuralNotebooks.Plots;

/// <summary>
/// Short ways to draw the course's pictures, in the spirit of matplotlib: every method returns a chart
/// that a notebook displays when it is the cell's value (or with <c>display(...)</c>), and that
/// <c>Save("file.svg")</c> writes to disk.
/// </summary>
public static class Plot
{
    /// <summary>A line chart of y against x.</summary>
    public static LineChart Line(IReadOnlyList<float> x, IReadOnlyList<float> y, string? label = null) => new LineChart().Add(x, y, label);

    /// <summary>A line chart of y against x.</summary>
    public static LineChart Line(Tensor x, Tensor y, string? label = null) => new LineChart().Add(x, y, label);

    /// <summary>A line chart of y against x.</summary>
    public static LineChart Line(double[] x, double[] y, string? label = null) => new LineChart().Add(x, y, label);

    /// <summary>A scatter plot; with <paramref name="classes"/>, one colour and legend entry per class.</summary>
    public static LineChart Scatter(IReadOnlyList<float> x, IReadOnlyList<float> y, IReadOnlyList<int>? classes = null, IReadOnlyList<string>? classNames = null)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Scatter: x has {x.Count} values but y has {y.Count}.");
        var chart = new LineChart();
        if (classes is null) return chart.AddSeries(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), "points", scatter: true);
        if (classes.Count != x.Count) throw new ArgumentException($"Scatter: {x.Count} points but {classes.Count} classes.");
        foreach (var c in classes.Distinct().Order())
        {
            var idx = Enumerable.Range(0, x.Count).Where(i => classes[i] == c).ToArray();
            chart.AddSeries(idx.Select(i => (double)x[i]).ToArray(), idx.Select(i => (double)y[i]).ToArray(),
                classNames is not null && c >= 0 && c < classNames.Count ? classNames[c] : c.ToString(CultureInfo.InvariantCulture), scatter: true);
        }
        return chart;
    }

    /// <summary>A bar per label.</summary>
    public static BarChart Bar(IReadOnlyList<string> labels, IReadOnlyList<double> values) => new(labels, values);

    /// <summary>A bar per label.</summary>
    public static BarChart Bar(IReadOnlyList<string> labels, IReadOnlyList<float> values) => new(labels, values.Select(v => (double)v).ToArray());

    /// <summary>
    /// Images <paramref name="indices"/> of a batch (N, H, W) or (N, H, W, 1), captioned with their labels,
    /// or "label → prediction" with wrong predictions marked in red, or free <paramref name="titles"/>.
    /// </summary>
    /// <remarks>
    /// <paramref name="labels"/>, <paramref name="predictions"/> and <paramref name="titles"/> hold one entry per
    /// image shown, in the order of <paramref name="indices"/> (without indices, the first 40 images), not one
    /// per image of the batch: for <c>indices: wrong</c>, pass <c>labels: wrong.Select(i => yTest[i]).ToArray()</c>.
    /// </remarks>
    public static ImageGrid Images(Tensor images, IReadOnlyList<int>? indices = null, IReadOnlyList<int>? labels = null,
        IReadOnlyList<int>? predictions = null, IReadOnlyList<string>? titles = null, int columns = 10, string colormap = "ink",
        IReadOnlyList<string>? classNames = null)
    {
        var (h, w) = ImageSize(images.Shape, batch: true, "Plot.Images");
        var which = indices ?? Enumerable.Range(0, Math.Min(images.Shape[0], 40)).ToArray();
        int per = h * w;
        foreach (var (name, list) in new[] { ("labels", labels), ("predictions", predictions) })
            if (list is not null && list.Count != which.Count)
                throw new ArgumentException($"Plot.Images: {which.Count} images but {list.Count} {name}" + (list.Count != images.Shape[0] ? "."
                    : indices is null ? $": without indices the first {which.Count} images are shown; give their {name} ({name}[..{which.Count}])."
                    : $": give one per image shown, in the order of indices (indices.Select(i => {name}[i]).ToArray())."));
        if (titles is not null && titles.Count != which.Count) throw new ArgumentException($"Plot.Images: {which.Count} images but {titles.Count} titles.");
        string Name(int c) => classNames is not null && c >= 0 && c < classNames.Count ? classNames[c] : c.ToString();
        var items = which.Select((index, k) =>
        {
            if (index < 0 || index >= images.Shape[0]) throw new ArgumentOutOfRangeException(nameof(indices),
                string.Create(CultureInfo.InvariantCulture, $"Plot.Images: index {index} is outside 0..{images.Shape[0] - 1}."));
            var px = images.AsSpan().Slice(index * per, per).ToArray();
            bool wrong = labels is not null && predictions is not null && labels[k] != predictions[k];
            string? caption = titles?[k]
                ?? (labels is not null && predictions is not null ? (wrong ? $"{Name(labels[k])}→{Name(predictions[k])}" : Name(labels[k]))
                : labels is not null ? Name(labels[k]) : predictions is not null ? Name(predictions[k]) : null);
            return new ImageGrid.Item(px, h, w, caption, wrong);
        });
        return new ImageGrid(items, columns, colormap);
    }

    /// <summary>
    /// Separate images, each (H, W) or (H, W, 1), side by side with optional titles. With
    /// <paramref name="pixelSize"/> every image pixel is that many screen pixels, so a 26×26 map is drawn
    /// smaller than a 28×28 digit; without it each image fills a <paramref name="cellSize"/> square.
    /// </summary>
    public static ImageGrid Images(IReadOnlyList<Tensor> images, IReadOnlyList<string>? titles = null, string colormap = "ink", int columns = 10, int cellSize = 140,
        double? pixelSize = null)
    {
        if (titles is not null && titles.Count != images.Count) throw new ArgumentException($"Plot.Images: {images.Count} images but {titles.Count} titles.");
        var items = images.Select((t, k) =>
        {
            var (h, w) = ImageSize(t.Shape, batch: false, "Plot.Images");
            return new ImageGrid.Item(t.ToArray(), h, w, titles?[k], false);
        });
        return new ImageGrid(items, columns, colormap, cellSize, pixelSize);
    }

    /// <summary>
    /// A convolution's filters, kernel shape (height, width, in channels, filters) as Keras stores it:
    /// one image per filter (its first input channel), blue negative, red positive, on one scale for all
    /// filters with a colour key.
    /// </summary>
    public static ImageGrid Filters(Tensor kernel, int columns = 14)
    {
        if (kernel.Rank != 4) throw new ArgumentException($"Plot.Filters: expected a kernel (height, width, in channels, filters), got shape {kernel.Shape}.");
        int kh = kernel.Shape[0], kw = kernel.Shape[1], cin = kernel.Shape[2], f = kernel.Shape[3];
        var d = kernel.AsSpan();
        var items = new List<ImageGrid.Item>();
        for (int j = 0; j < f; j++)
        {
            var px = new float[kh * kw];
            for (int y = 0; y < kh; y++) for (int x = 0; x < kw; x++) px[y * kw + x] = d[((y * kw + x) * cin) * f + j];
            items.Add(new ImageGrid.Item(px, kh, kw, j.ToString(), false));
        }
        return new ImageGrid(items, columns, "diverging", cellSize: kh * kw <= 25 ? 40 : 56).KeyLabel("weight");
    }

    /// <summary>
    /// The channels of one feature map (height, width, channels), dark to light on one scale shared by all
    /// channels (so a brighter map really responds more), with a colour key.
    /// </summary>
    public static ImageGrid FeatureMaps(Tensor maps, int columns = 14)
    {
        if (maps.Rank == 4 && maps.Shape[0] == 1) maps = maps.Reshape(maps.Shape[1], maps.Shape[2], maps.Shape[3]);
        if (maps.Rank != 3) throw new ArgumentException($"Plot.FeatureMaps: expected (height, width, channels), got shape {maps.Shape}.");
        int h = maps.Shape[0], w = maps.Shape[1], c = maps.Shape[2];
        var d = maps.AsSpan();
        var items = new List<ImageGrid.Item>();
        for (int k = 0; k < c; k++)
        {
            var px = new float[h * w];
            for (int i = 0; i < h * w; i++) px[i] = d[i * c + k];
            items.Add(new ImageGrid.Item(px, h, w, k.ToString(), false));
        }
        return new ImageGrid(items, columns, "auto", cellSize: 52).KeyLabel("activation");
    }

    /// <summary>A matrix as coloured cells (signed values get a blue-white-red scale).</summary>
    public static Heatmap Heatmap(double[,] values, IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null) =>
        new(values, rowLabels, columnLabels);

    /// <summary>A 2-D tensor as coloured cells.</summary>
    public static Heatmap Heatmap(Tensor matrix, IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null)
    {
        if (matrix.Rank != 2) throw new ArgumentException($"Plot.Heatmap: expected a matrix, got shape {matrix.Shape}.");
        var v = new double[matrix.Shape[0], matrix.Shape[1]];
        var d = matrix.AsSpan();
        for (int i = 0; i < v.GetLength(0); i++) for (int j = 0; j < v.GetLength(1); j++) v[i, j] = d[i * v.GetLength(1) + j];
        return new Heatmap(v, rowLabels, columnLabels);
    }

    /// <summary>A confusion matrix as a heatmap of counts, rows the true class and columns the predicted one.</summary>
    public static Heatmap ConfusionMatrix(ConfusionMatrix matrix)
    {
        var counts = matrix.Counts;
        var v = new double[counts.GetLength(0), counts.GetLength(1)];
        for (int i = 0; i < v.GetLength(0); i++) for (int j = 0; j < v.GetLength(1); j++) v[i, j] = counts[i, j];
        return new Heatmap(v, matrix.ClassNames, matrix.ClassNames).AxisTitles("true", "predicted");
    }

    private static (int H, int W) ImageSize(Shape s, bool batch, string op)
    {
        int o = batch ? 1 : 0;
        if (s.Rank == o + 2) return (s[o], s[o + 1]);
        if (s.Rank == o + 3 && s[o + 2] == 1) return (s[o], s[o + 1]);
        throw new ArgumentException($"{op}: expected {(batch ? "(N, height, width) or (N, height, width, 1)" : "(height, width) or (height, width, 1)")}, got shape {s}.");
    }
}
