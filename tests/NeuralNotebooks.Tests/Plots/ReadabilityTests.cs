using System.Globalization;
using System.Xml.Linq;
using NeuralNotebooks.Plots;
using static NeuralNotebooks.Tests.Plots.SvgReading;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>What makes a figure readable: no data under a legend, labelled axes, keyed colour scales, captions apart.</summary>
public class ReadabilityTests
{

    private static (double X, double Y, double W, double H) LegendBox(XElement svg)
    {
        var rect = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend").Element(S + "rect")!;
        return (D(rect, "x"), D(rect, "y"), D(rect, "width"), D(rect, "height"));
    }

    /// <summary>Every drawn point of every line, and 20 points between each pair, in SVG coordinates.</summary>
    private static IEnumerable<(double X, double Y)> DrawnPoints(XElement svg)
    {
        foreach (var line in svg.Descendants(S + "polyline").Where(p => p.Attribute("class")?.Value == "series"))
        {
            var pts = line.Attribute("points")!.Value.Split(' ')
                .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();
            for (int i = 0; i < pts.Length; i++)
            {
                yield return pts[i];
                if (i + 1 < pts.Length)
                    for (int k = 1; k < 20; k++)
                        yield return (pts[i].Item1 + k / 20.0 * (pts[i + 1].Item1 - pts[i].Item1), pts[i].Item2 + k / 20.0 * (pts[i + 1].Item2 - pts[i].Item2));
            }
        }
    }

    public static TheoryData<string> Curves => ["relu", "leaky_relu", "sigmoid", "tanh", "arctan", "rising", "falling", "accuracy"];

    [Theory]
    [MemberData(nameof(Curves))]
    public void The_legend_never_covers_a_line(string curve)
    {
        var z = Tensor.Linspace(-5f, 5f, 201);
        LineChart chart = curve switch
        {
            "rising" => Plot.Line(new float[] { 1, 2, 3, 4 }, new float[] { 0.1f, 0.4f, 0.7f, 1f }, "a").Add(new float[] { 1, 2, 3, 4 }, new float[] { 0f, 0.3f, 0.6f, 0.95f }, "b"),
            "falling" => Plot.Line(new float[] { 1, 2, 3, 4 }, new float[] { 1f, 0.6f, 0.3f, 0.1f }, "training loss").Add(new float[] { 1, 2, 3, 4 }, new float[] { 0.9f, 0.7f, 0.5f, 0.4f }, "validation loss"),
            // Keras-style accuracy curves rise fast and sit along the top edge, where a fixed top-right legend hid the last epochs.
            "accuracy" => Plot.Line(new float[] { 1, 2, 3, 4 }, new float[] { 0.95f, 0.98f, 0.985f, 0.99f }, "accuracy").Add(new float[] { 1, 2, 3, 4 }, new float[] { 0.975f, 0.98f, 0.984f, 0.983f }, "val_accuracy"),
            _ => Plot.Line(z, Activations.Get(curve).Forward(z), $"{curve}(z)").Add(z, Activations.Get(curve).Derivative(z), $"{curve}'(z)"),
        };
        var svg = XElement.Parse(chart.XLabel("x").YLabel("y").ToSvg());
        var (x, y, w, h) = LegendBox(svg);
        Assert.DoesNotContain(DrawnPoints(svg), p => p.X >= x && p.X <= x + w && p.Y >= y && p.Y <= y + h);
    }

    [Fact]
    public void A_legend_goes_outside_the_plot_area_when_every_corner_holds_data()
    {
        // A fast zig-zag between the bottom and top edges touches all four corners.
        var x = Enumerable.Range(0, 101).Select(i => (float)i).ToArray();
        var y = x.Select(v => (float)(v % 2)).ToArray();
        var svg = XElement.Parse(Plot.Line(x, y, "zig").Add(x, y.Select(v => 1 - v).ToArray(), "zag").ToSvg());
        var legend = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend");
        Assert.Equal("outside", legend.Attribute("data-placement")!.Value);
        var frame = svg.Elements(S + "rect").Single(r => r.Attribute("stroke")?.Value == "#444");
        Assert.True(LegendBox(svg).X >= D(frame, "x") + D(frame, "width"), "the legend starts right of the plot area");
        Assert.Equal(640, D(svg, "width"));
    }

    [Fact]
    public void Series_past_the_tenth_colour_are_told_apart_by_their_dashes()
    {
        // The palette has ten colours: series 0 and 10 were drawn alike, in the plot and in the legend.
        var x = new float[] { 0, 1, 2 };
        var chart = Plot.Line(x, x, "s0");
        for (int s = 1; s < 21; s++) chart.Add(x, x.Select(v => v + s).ToArray(), $"s{s}");
        var svg = XElement.Parse(chart.ToSvg());
        string Style(XElement e) => $"{e.Attribute("stroke")!.Value} {e.Attribute("stroke-dasharray")?.Value ?? "solid"}";
        var lines = svg.Descendants(S + "polyline").Select(Style).ToList();
        var keys = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend").Elements(S + "line").Select(Style).ToList();
        Assert.Equal(21, lines.Count);
        Assert.Equal(21, lines.Distinct().Count());
        Assert.Equal(lines, keys);
        Assert.Equal("#1f77b4 solid", lines[0]);
        Assert.StartsWith("#1f77b4 ", lines[10]);
    }

    [Fact]
    public void Scatter_classes_past_the_tenth_colour_are_told_apart_by_their_markers()
    {
        // Classes 0 and 10 were dots of one colour, in the plot and in the legend (which drew every class as a line).
        var x = Enumerable.Range(0, 21).Select(i => (float)i).ToArray();
        var svg = XElement.Parse(Plot.Scatter(x, x, Enumerable.Range(0, 21).ToArray()).ToSvg());
        string[] palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
        bool Marker(XElement e) => e.Name.LocalName is "circle" or "rect" && (palette.Contains(e.Attribute("fill")?.Value) || palette.Contains(e.Attribute("stroke")?.Value));
        string Style(XElement e) => $"{e.Name.LocalName} {e.Attribute("fill")!.Value} {e.Attribute("stroke")?.Value ?? "-"}";
        var legend = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend");
        var keys = legend.Elements().Where(Marker).Select(Style).ToList();
        var points = svg.Descendants().Where(e => Marker(e) && !e.Ancestors().Contains(legend)).Select(Style).ToList();
        Assert.Empty(legend.Elements(S + "line"));
        Assert.Equal(21, keys.Count);
        Assert.Equal(21, keys.Distinct().Count());
        Assert.Equal(keys, points);   // one point a class, in class order
        Assert.Equal("circle #1f77b4 -", points[0]);
        Assert.Equal("circle none #1f77b4", points[10]);
        Assert.Equal("rect #1f77b4 -", points[20]);
    }

    [Fact]
    public void Bar_chart_labels_both_axes_and_does_not_use_red_for_the_winner()
    {
        var svg = XElement.Parse(Plot.Bar(["0", "1", "2"], [0.1, 0.7, 0.2]).XLabel("digit class").YLabel("probability").ToSvg());
        Assert.Equal("digit class", svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "xlabel").Value);
        Assert.Equal("probability", svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "ylabel").Value);
        var bars = svg.Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "bar").Select(r => r.Attribute("fill")!.Value).ToList();
        Assert.DoesNotContain("#d62728", bars);
        Assert.NotEqual(bars[0], bars[1]);
    }

    [Fact]
    public void Long_captions_widen_the_columns_so_neighbours_never_overlap()
    {
        var m = Mnist.Load();
        var titles = Enumerable.Range(0, 12).Select(i => $"{i % 10}→{(i + 3) % 10} (100 %)").ToArray();
        var grid = Plot.Images(m.Test.Images, Enumerable.Range(0, 12).ToArray(), titles: titles, columns: 12);
        Assert.True(grid.Width <= ImageGrid.MaxWidth, $"width {grid.Width}");
        var captions = XElement.Parse(grid.ToSvg()).Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "caption")
            .Select(t => (X: D(t, "x"), Y: D(t, "y"), Half: 6.5 * t.Value.Length / 2)).ToList();
        foreach (var row in captions.GroupBy(c => c.Y))
        {
            var ordered = row.OrderBy(c => c.X).ToList();
            for (int i = 1; i < ordered.Count; i++)
                Assert.True(ordered[i].X - ordered[i].Half >= ordered[i - 1].X + ordered[i - 1].Half, $"captions {i - 1} and {i} overlap");
        }
    }

    // Widths as Chromium measures them in DejaVu Sans.
    private const double SneakerBootBold11 = 101.48, W11 = 10.88, WBold15 = 16.55, MnistWeightsBold15 = 137.59, Ellipsis11 = 11, EllipsisBold15 = 15;

    [Fact]
    public void Captions_of_wide_letters_and_bold_wrong_ones_keep_apart()
    {
        // Columns were 6.5 px a character wide: "SNEAKER→BOOT", bold as a wrong prediction, is 101 px, its column 86.
        var items = Enumerable.Range(0, 12).Select(i => new ImageGrid.Item(new float[28 * 28], 28, 28, "SNEAKER→BOOT", Wrong: true));
        var grid = new ImageGrid(items, columns: 12);
        Assert.True(grid.Width <= ImageGrid.MaxWidth, $"width {grid.Width}");
        var captions = XElement.Parse(grid.ToSvg()).Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "caption wrong").ToList();
        Assert.Equal(12, captions.Count);
        foreach (var row in captions.GroupBy(c => D(c, "y")))
        {
            var xs = row.Select(c => D(c, "x")).Order().ToList();
            Assert.True(xs.Count > 1);
            for (int i = 1; i < xs.Count; i++)
                Assert.True(xs[i] - xs[i - 1] >= SneakerBootBold11, $"captions {xs[i] - xs[i - 1]:0.#} px apart, each {SneakerBootBold11} px wide");
        }
    }

    [Fact]
    public void A_caption_wider_than_the_page_is_shortened_to_fit()
    {
        // A 120-character caption made one column 788 px wide, and the picture 804, over the 960 px a notebook shows with a key.
        var caption = new string('W', 120);
        var grid = new ImageGrid([new ImageGrid.Item(new float[4], 2, 2, caption, false)], colormap: "auto");
        var svg = XElement.Parse(grid.ToSvg());
        Assert.True(grid.Width <= ImageGrid.MaxWidth, $"width {grid.Width}");
        Assert.Equal(grid.Width, D(svg, "width"));
        var text = svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "caption");
        Assert.EndsWith("…", text.Value);
        Assert.Matches("^W+…$", text.Value);
        double width = (text.Value.Length - 1) * W11 + Ellipsis11;
        Assert.True(D(text, "x") - width / 2 >= 0, $"the caption starts at {D(text, "x") - width / 2:0}");
        var key = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "key");
        double keyLeft = key.Elements(S + "rect").Min(r => D(r, "x"));
        Assert.True(D(text, "x") + width / 2 <= keyLeft, $"the caption ends at {D(text, "x") + width / 2:0}, the key starts at {keyLeft}");
        Assert.True(width > 600, $"shortened to {width:0} px");
        // Captions that fit are left whole.
        Assert.Equal("WWWW", XElement.Parse(new ImageGrid([new ImageGrid.Item(new float[4], 2, 2, "WWWW", false)]).ToSvg())
            .Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "caption").Value);
    }

    [Fact]
    public void A_grids_title_is_measured_so_it_is_not_cut_off_and_the_key_stays_beside_the_images()
    {
        // The picture was widened to 9 px a character: "MNIST WEIGHTS", 138 px in bold capitals, got 133 px.
        var one = Plot.Images([Tensor.Zeros(28, 28)], cellSize: 56).Title("MNIST WEIGHTS");
        var svg = XElement.Parse(one.ToSvg());
        var title = svg.Descendants(S + "text").Single(t => t.Value == "MNIST WEIGHTS");
        Assert.Equal(one.Width, D(svg, "width"));
        Assert.True(D(title, "x") - MnistWeightsBold15 / 2 >= 0 && D(title, "x") + MnistWeightsBold15 / 2 <= D(svg, "width"),
            $"the title spans {D(title, "x") - MnistWeightsBold15 / 2:0} to {D(title, "x") + MnistWeightsBold15 / 2:0} in a picture {D(svg, "width")} wide");
        // A title wider than the page is shortened to fit it, and the picture keeps to the page.
        var wide = Plot.Images([Tensor.Zeros(28, 28)]).Title(new string('W', 80));
        var wsvg = XElement.Parse(wide.ToSvg());
        var wtitle = wsvg.Descendants(S + "text").Single(t => t.Attribute("font-weight")?.Value == "bold");
        Assert.Matches("^W+…$", wtitle.Value);
        Assert.Equal(ImageGrid.MaxWidth, wide.Width);
        Assert.True((wtitle.Value.Length - 1) * WBold15 + EllipsisBold15 <= ImageGrid.MaxWidth, "the shortened title is still too wide");
        // Under a title wider than the images, the images and their key stay together, centred, the key below the title.
        var maps = Plot.FeatureMaps(new Rng(1).Uniform(new Shape(4, 4, 2))).Title("Activations of the first convolution");
        var msvg = XElement.Parse(maps.ToSvg());
        double imagesRight = msvg.Descendants(S + "image").Max(i => D(i, "x") + D(i, "width")), imagesLeft = msvg.Descendants(S + "image").Min(i => D(i, "x"));
        var keyRects = msvg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "key").Elements(S + "rect").ToList();
        double keyLeft = keyRects.Min(r => D(r, "x")), keyTop = keyRects.Min(r => D(r, "y"));
        Assert.InRange(keyLeft - imagesRight, 0, 40);
        Assert.True(keyTop >= 22 + 8, $"the key starts at y = {keyTop}, under the title's baseline at 22");
        double keyRight = keyLeft + 14 + 72;
        Assert.True(Math.Abs(imagesLeft - (D(msvg, "width") - keyRight)) <= 24, $"{imagesLeft:0} px left of the images, {D(msvg, "width") - keyRight:0} right of the key");
    }

    [Fact]
    public void Filters_share_one_colour_scale_with_a_key_and_fit_the_page()
    {
        var kernel = new Rng(1).Normal(new Shape(28, 28, 1, 64));
        var grid = Plot.Filters(kernel, columns: 16);
        Assert.True(grid.Width <= ImageGrid.MaxWidth, $"width {grid.Width}");
        Assert.True(grid.HasKey);
        float max = kernel.Abs().Max().Item();
        Assert.Equal((-max, max), grid.Range);
        var svg = XElement.Parse(grid.ToSvg());
        var key = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "key");
        Assert.Contains("weight", key.Descendants(S + "text").Select(t => t.Value));
        Assert.Equal(max, float.Parse(key.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "key-high").Value, CultureInfo.InvariantCulture), 2);
    }

    [Fact]
    public void A_key_of_tiny_values_reads_them_not_0_and_minus_0()
    {
        // Filters of weights within ±2.5e-4 had a key from "-0" to "0".
        var kernel = new Rng(1).Uniform(new Shape(3, 3, 1, 4), -2.5e-4f, 2.5e-4f);
        var key = XElement.Parse(Plot.Filters(kernel).ToSvg()).Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "key");
        string Text(string cls) => key.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == cls).Value;
        float max = kernel.Abs().Max().Item();
        Assert.Equal(max, float.Parse(Text("key-high"), CultureInfo.InvariantCulture), 1e-5f);
        Assert.Equal(-max, float.Parse(Text("key-low"), CultureInfo.InvariantCulture), 1e-5f);
        Assert.Matches(@"^-\d(\.\d)?e-4$", Text("key-low"));
        var blank = XElement.Parse(Plot.FeatureMaps(Tensor.Zeros(4, 4, 2)).ToSvg()).Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "key");
        Assert.All(blank.Descendants(S + "text").Where(t => t.Attribute("class")?.Value is "key-high" or "key-low"), t => Assert.Equal("0", t.Value));
    }

    [Fact]
    public void Feature_maps_share_one_grey_range_so_a_brighter_map_responds_more()
    {
        var maps = Tensor.Zeros(4, 4, 2);
        maps.SetItem(1f, 0, 0, 0);   // channel 0 peaks at 1
        maps.SetItem(10f, 0, 0, 1);  // channel 1 peaks at 10
        var grid = Plot.FeatureMaps(maps);
        Assert.Equal((0f, 10f), grid.Range);
        Assert.True(grid.HasKey);
    }

    [Fact]
    public void With_a_pixel_size_smaller_images_are_drawn_smaller()
    {
        var grid = Plot.Images([Tensor.Zeros(28, 28), Tensor.Zeros(26, 26), Tensor.Zeros(14, 14)], pixelSize: 5);
        var widths = XElement.Parse(grid.ToSvg()).Descendants(S + "image").Select(i => D(i, "width")).ToArray();
        Assert.Equal([140.0, 130.0, 70.0], widths);
        Assert.Throws<ArgumentOutOfRangeException>(() => Plot.Images([Tensor.Zeros(2, 2)], pixelSize: 0));
    }

    [Fact]
    public void Weight_histograms_record_every_epoch_of_every_layer_with_weights()
    {
        var model = new Sequential(seed: 3);
        model.Add(new Dense(8, activation: "relu", inputShape: 4));
        model.Add(new Dropout(0.1));
        model.Add(new Dense(3, activation: "softmax"));
        model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy");
        var x = new Rng(4).Normal(new Shape(64, 4));
        var y = Enumerable.Range(0, 64).Select(i => i % 3).ToArray();
        var histograms = new WeightHistograms(model, bins: 10);
        model.Fit(x, y, epochs: 3, batchSize: 16, verbose: false, onEpochEnd: histograms.Record);

        Assert.Equal([1, 2, 3], histograms.Epochs);
        Assert.Equal(2, histograms.Layers.Count);
        var first = histograms.Layers[0];
        Assert.Equal(model.Layers[0].Weights[0].ToArray(), histograms.WeightSnapshots(first)[^1]);
        Assert.NotEqual(histograms.WeightSnapshots(first)[0], histograms.WeightSnapshots(first)[2]);
        Assert.All(histograms.GradientSnapshots(first), g => Assert.Equal(32, g.Length));
        foreach (var kind in new[] { "weights", "gradients" })
        {
            var chart = histograms.Chart(first, kind);
            Assert.Equal(3, chart.AllSeries.Count);
            Assert.All(chart.AllSeries, s => Assert.InRange(s.Y.Sum(), 0.95, 1.0 + 1e-9));   // shares of the values, outliers left out
            var svg = XElement.Parse(chart.ToSvg());
            Assert.Contains(svg.Descendants(S + "text"), t => t.Attribute("class")?.Value == "xlabel");
            Assert.Contains(svg.Descendants(S + "text"), t => t.Attribute("class")?.Value == "ylabel");
        }
        Assert.Throws<ArgumentException>(() => histograms.Chart("nope"));
        // However many epochs were recorded, at most `curves` of them are drawn: the first, the last and evenly between.
        for (int e = 0; e < 9; e++) histograms.Record(new EpochLog(4 + e, 12, 0, new Dictionary<string, float>()));
        Assert.Equal(["epoch 1", "epoch 4", "epoch 7", "epoch 9", "epoch 12"], histograms.Chart(first, curves: 5).AllSeries.Select(s => s.Label));
        Assert.Contains("<svg", histograms.Render());
    }
}
