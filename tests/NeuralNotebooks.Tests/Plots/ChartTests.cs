using System.Xml.Linq;
using NeuralNotebooks.Plots;
using static NeuralNotebooks.Tests.Plots.SvgReading;

namespace NeuralNotebooks.Tests.Plots;

public class ChartTests
{

    private static XElement Parse(Chart chart)
    {
        var root = XElement.Parse(chart.ToSvg());
        Assert.Equal(S + "svg", root.Name);
        Assert.NotNull(root.Attribute("viewBox"));
        Assert.Equal("image/svg+xml", chart.MimeType);
        return root;
    }

    private static IEnumerable<string> Texts(XElement root, string? cls = null) =>
        root.Descendants(S + "text").Where(t => cls is null || (t.Attribute("class")?.Value ?? "").Split(' ').Contains(cls)).Select(t => t.Value);

    [Fact]
    public void Line_chart_has_a_line_and_a_legend_entry_per_series_and_nice_ticks()
    {
        var x = new float[] { 1, 2, 3, 4, 5 };
        var chart = Plot.Line(x, new float[] { 0.9f, 0.5f, 0.3f, 0.2f, 0.15f }, label: "loss")
            .Add(x, new float[] { 0.95f, 0.6f, 0.4f, 0.35f, 0.33f }, label: "val_loss")
            .Title("Loss per epoch").XLabel("epoch").YLabel("cross-entropy").Shade(1, 2);
        var svg = Parse(chart);
        var lines = svg.Descendants(S + "polyline").Where(p => p.Attribute("class")?.Value == "series").ToList();
        Assert.Equal(["loss", "val_loss"], lines.Select(l => l.Attribute("data-label")!.Value));
        Assert.All(lines, l => Assert.Equal(5, l.Attribute("points")!.Value.Split(' ').Length));
        var texts = Texts(svg).ToList();
        Assert.Contains("Loss per epoch", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("cross-entropy", texts);
        Assert.Contains("val_loss", Texts(svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend")));
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], Texts(svg, "ytick"));
        Assert.Equal(["1", "2", "3", "4", "5"], Texts(svg, "xtick"));
        Assert.Single(svg.Descendants(S + "rect"), r => r.Attribute("class")?.Value == "band");
        Assert.Equal("LineChart 'Loss per epoch': 2 series (loss: 5 points, val_loss: 5 points)", chart.ToString());
    }

    [Fact]
    public void A_fixed_y_range_clips_the_lines_to_the_plot_area_and_the_same_chart_renders_the_same_svg()
    {
        LineChart Make() => Plot.Line(new double[] { 1, 2, 3 }, new double[] { 2.5, 0.5, 0.3 }, label: "loss").YRange(0, 1);
        var root = Parse(Make());
        var clip = Assert.Single(root.Descendants(S + "clipPath"));
        var area = clip.Element(S + "rect")!;
        var group = Assert.Single(root.Descendants(S + "g"), g => g.Attribute("clip-path") is not null);
        Assert.Equal($"url(#{clip.Attribute("id")!.Value})", group.Attribute("clip-path")!.Value);
        Assert.Single(group.Elements(S + "polyline"));
        // The clip is the plot area's frame (the first rect with a stroke).
        var frame = root.Elements(S + "rect").First(r => (string?)r.Attribute("stroke") == "#444");
        foreach (var a in new[] { "x", "y", "width", "height" }) Assert.Equal(frame.Attribute(a)!.Value, area.Attribute(a)!.Value);
        Assert.Equal(Make().ToSvg(), Make().ToSvg());
        // Without a fixed range nothing is clipped.
        Assert.Empty(Parse(Plot.Line(new double[] { 1, 2 }, new double[] { 2, 3 })).Descendants(S + "clipPath"));
    }

    [Fact]
    public void Non_finite_values_are_an_error_naming_the_series()
    {
        var e = Assert.Throws<ArgumentException>(() => Plot.Line(new float[] { 1, 2 }, new float[] { 1, float.NaN }, label: "loss"));
        Assert.Contains("'loss'", e.Message);
        Assert.Contains("index 1", e.Message);
    }

    [Theory]
    [InlineData(0, 0.97, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(-5, 5, new[] { -6.0, -4, -2, 0, 2, 4, 6 })]
    [InlineData(3, 3, new[] { 2.6, 2.8, 3.0, 3.2, 3.4 })]
    [InlineData(0, 60000, new[] { 0.0, 20000, 40000, 60000 })]
    public void Nice_ticks_cover_the_range_in_steps_of_1_2_or_5(double min, double max, double[] expected)
    {
        var t = Ticks.Nice(min, max);
        Assert.Equal(expected.Length, t.Length);
        for (int i = 0; i < t.Length; i++) Assert.Equal(expected[i], t[i], 9);
    }

    [Fact]
    public void Image_captions_given_for_the_whole_batch_are_refused_with_the_slice_to_pass()
    {
        var images = Tensor.Zeros(50, 2, 2);
        int[] all = Enumerable.Range(0, 50).Select(i => i % 10).ToArray();
        var first = Assert.Throws<ArgumentException>(() => Plot.Images(images, labels: all));
        Assert.Equal("Plot.Images: 40 images but 50 labels: without indices the first 40 images are shown; give their labels (labels[..40]).", first.Message);
        var picked = Assert.Throws<ArgumentException>(() => Plot.Images(images, indices: [3, 7], predictions: all));
        Assert.Equal("Plot.Images: 2 images but 50 predictions: give one per image shown, in the order of indices (indices.Select(i => predictions[i]).ToArray()).", picked.Message);
        var other = Assert.Throws<ArgumentException>(() => Plot.Images(images, indices: [3, 7], labels: [1, 2, 3]));
        Assert.Equal("Plot.Images: 2 images but 3 labels.", other.Message);
        Assert.Equal(["3", "7"], Plot.Images(images, indices: [3, 7], labels: [all[3], all[7]]).Items.Select(i => i.Caption));
    }

    [Fact]
    public void Nice_ticks_reject_non_finite_ranges() => Assert.Throws<ArgumentException>(() => Ticks.Nice(0, double.NaN));

    [Theory]
    [InlineData(1e-30, 3e-30)]              // rounding to 12 decimals made every tick 0, and the labels' format F2147483647
    [InlineData(-5.43e-6, -5.4299992e-6)]   // a narrow range at an ordinary magnitude
    [InlineData(3e-12, 4.463e-12)]          // gave 3e-12, 4e-12, 4e-12, 5e-12
    [InlineData(4.955e-10, 4.961e-10)]      // its last tick fell below the data
    [InlineData(1e6, 1e6 + 1)]              // labelled 1e6 | 1e6 | 1e6
    [InlineData(6000000, 6000907)]
    [InlineData(0, 1e30)]
    [InlineData(-0.3, 0.7)]
    public void Ticks_of_any_finite_range_increase_cover_it_and_have_distinct_labels(double min, double max) => CheckTicks(min, max);

    [Fact]
    public void Ticks_of_random_ranges_at_every_magnitude_increase_cover_them_and_have_distinct_labels()
    {
        var rng = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            double center = (rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-40, 40));
            double width = Math.Abs(center) * Math.Pow(10, -rng.Next(0, 12)) * rng.NextDouble() + (rng.Next(10) == 0 ? 1 : 0);
            CheckTicks(center - width / 2, center + width / 2);
        }
    }

    private static void CheckTicks(double min, double max)
    {
        var ticks = Ticks.Nice(min, max);
        string range = $"[{min:R}, {max:R}]: ticks {string.Join(" | ", ticks.Select(t => t.ToString("R")))}";
        Assert.True(ticks.Length >= 2, range);
        double slack = 1e-9 * (ticks[1] - ticks[0]);   // below any label's precision
        Assert.True(ticks[0] <= min + slack && ticks[^1] >= max - slack, $"{range} do not cover the range");
        for (int i = 1; i < ticks.Length; i++) Assert.True(ticks[i] > ticks[i - 1], $"{range} do not increase");
        var labels = Ticks.Labels(ticks);
        Assert.True(labels.Distinct().Count() == labels.Length, $"{range}: labels {string.Join(" | ", labels)}");
        Assert.All(labels, l => Assert.True(double.Parse(l, System.Globalization.CultureInfo.InvariantCulture) != 0 || !l.StartsWith('-'), $"{range}: label {l}"));
    }

    [Fact]
    public void Tick_labels_are_plain_numbers_in_the_usual_range_and_scientific_outside_it()
    {
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], Ticks.Labels(Ticks.Nice(0, 0.97)));
        Assert.Equal(["0", "1e-7", "2e-7", "3e-7"], Ticks.Labels([0, 1e-7, 2e-7, 3e-7]));
        Assert.Equal(["6.0000e6", "6.0002e6", "6.0004e6"], Ticks.Labels([6000000, 6000200, 6000400]));
        Assert.Equal(["0", "2e6", "4e6"], Ticks.Labels([0, 2e6, 4e6]));
    }

    [Fact]
    public void Bar_chart_has_one_bar_per_label_and_highlights_the_largest()
    {
        var chart = Plot.Bar(["a", "b", "c"], [0.2, 0.7, 0.1]).Title("p");
        var bars = Parse(chart).Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "bar").ToList();
        Assert.Equal(["a", "b", "c"], bars.Select(b => b.Attribute("data-label")!.Value));
        Assert.Equal("#08306b", bars[1].Attribute("fill")!.Value);
        Assert.Equal("#6baed6", bars[0].Attribute("fill")!.Value);
    }

    [Fact]
    public void Image_grid_has_one_image_per_digit_with_labels_and_marks_wrong_predictions()
    {
        var images = new Rng(1).Uniform(new Shape(5, 28, 28, 1));
        var chart = Plot.Images(images, [0, 1, 2, 3, 4], labels: [7, 2, 1, 0, 4], predictions: [7, 2, 8, 0, 4]);
        var svg = Parse(chart);
        var cells = svg.Descendants(S + "image").ToList();
        Assert.Equal(5, cells.Count);
        Assert.All(cells, c => Assert.StartsWith("data:image/png;base64,", c.Attribute("href")!.Value));
        Assert.Equal(["7", "2", "1→8", "0", "4"], Texts(svg, "caption"));
        Assert.Equal(["1→8"], Texts(svg, "wrong"));
        Assert.Single(svg.Descendants(S + "rect"), r => r.Attribute("class")?.Value == "wrong");
        Assert.Equal("ImageGrid: 5 images of 28x28, 1 marked wrong", chart.ToString());
    }

    [Fact]
    public void Image_grid_summary_names_every_size_when_they_differ()
    {
        Assert.Equal("ImageGrid: 1 image of 28x28", Plot.Images(new[] { Tensor.Zeros(28, 28) }).ToString());
        var maps = Plot.Images(new[] { Tensor.Zeros(26, 26), Tensor.Zeros(28, 28), Tensor.Zeros(14, 14) }).Title("maps");
        Assert.Equal("ImageGrid 'maps': 3 images: 26x26, 28x28, 14x14", maps.ToString());
    }

    [Fact]
    public void Sixty_four_digits_stay_small()
    {
        var m = Mnist.Load();
        var svg = Plot.Images(m.Test.Images, Enumerable.Range(0, 64).ToArray(), labels: m.Test.Labels[..64]).ToSvg();
        Assert.True(svg.Length < 200_000, $"{svg.Length} characters");
    }

    [Fact]
    public void Filters_and_feature_maps_one_image_per_channel()
    {
        var filters = Plot.Filters(new Rng(2).Normal(new Shape(3, 3, 1, 28)));
        Assert.Equal(28, Parse(filters).Descendants(S + "image").Count());
        var maps = Plot.FeatureMaps(new Rng(3).Normal(new Shape(1, 26, 26, 28)));
        Assert.Equal(28, Parse(maps).Descendants(S + "image").Count());
        Assert.Throws<ArgumentException>(() => Plot.Filters(Tensor.Zeros(3, 3)));
    }

    [Fact]
    public void Heatmap_of_a_confusion_matrix_has_n_by_n_cells_with_counts()
    {
        var cm = global::NeuralNotebooks.Metrics.ConfusionMatrix(new[] { 0, 0, 1, 1, 2, 2, 2 }, new[] { 0, 1, 1, 1, 2, 0, 2 });
        var svg = Parse(Plot.ConfusionMatrix(cm));
        Assert.Equal(9, svg.Descendants(S + "rect").Count(r => r.Attribute("class")?.Value == "cell"));
        Assert.Equal(["1", "1", "0", "0", "2", "0", "1", "0", "2"], Texts(svg, "value"));
        Assert.Contains("predicted", Texts(svg));
        Assert.Contains("true", Texts(svg));
    }

    [Fact]
    public void A_legend_of_long_labels_widens_the_picture_instead_of_squeezing_the_plot_below_zero()
    {
        // A 120-character label outside the plot gave <rect width="-332">: no frame, the data off the canvas.
        var chart = Plot.Line(new double[] { 1, 2, 3 }, new double[] { 1, 3, 2 }, new string('x', 120)).Add(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, "b");
        var svg = Parse(chart);
        Assert.All(svg.Descendants(S + "rect"), r => Assert.True(double.Parse(r.Attribute("width")?.Value ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 0));
        Assert.True(double.Parse(svg.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 640);
        // Short labels keep the picture's size.
        var usual = Parse(Plot.Line(new double[] { 1, 2, 3 }, new double[] { 1, 3, 2 }, "a").Add(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, "b"));
        Assert.Equal("640", usual.Attribute("width")!.Value);
    }

    [Fact]
    public void Bar_values_from_a_million_on_are_written_in_scientific_notation_and_none_as_minus_zero()
    {
        // 1e30 was written in 31 digits and -0.0004 as -0; values below a thousandth read 0, as in notebook 01's probabilities.
        Assert.Equal("BarChart: a=1e30, b=0, c=1,234, d=0.25, e=0, f=0.002", Plot.Bar(["a", "b", "c", "d", "e", "f"], [1e30, -0.0004, 1234.4, 0.25, 0, 0.002]).ToString());
    }

    [Fact]
    public void Labels_with_characters_xml_forbids_still_give_a_readable_picture()
    {
        // "a\u0001b" went into the SVG as it was, and no XML parser would read the picture.
        var svg = Parse(Plot.Bar(["a\u0001b", "<c&d>"], [1.0, 2.0]).Title("t\u0007"));
        var labels = svg.Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "bar").Select(r => r.Attribute("data-label")!.Value).ToList();
        Assert.Equal(["ab", "<c&d>"], labels);
    }

    [Fact]
    public void A_heatmap_refuses_a_non_finite_value_naming_its_cell()
    {
        // One NaN made every cell white: LINQ's Min over the values is NaN, and so was every colour.
        var e = Assert.Throws<ArgumentException>(() => Plot.Heatmap(new double[,] { { 1, 2 }, { double.NaN, 4 } }));
        Assert.Contains("row 1, column 0", e.Message);
        Assert.Throws<ArgumentException>(() => Plot.Heatmap(Tensor.From(new float[,] { { 1, float.PositiveInfinity } })));
    }

    [Fact]
    public void An_image_grid_refuses_a_non_finite_pixel_naming_its_image_and_pixel()
    {
        // A NaN pixel was drawn white in "ink" and "diverging", black in "gray", as if it were a value.
        var pixels = new float[9];
        pixels[2 * 3 + 1] = float.NaN;
        foreach (var colormap in new[] { "ink", "gray", "auto", "diverging" })
        {
            var e = Assert.Throws<ArgumentException>(() => new ImageGrid(
                [new ImageGrid.Item(new float[9], 3, 3, "fine", false), new ImageGrid.Item(pixels, 3, 3, "7", false)], colormap: colormap));
            Assert.Contains("image 1 ('7')", e.Message);
            Assert.Contains("row 2, column 1", e.Message);
            Assert.Contains("NaN", e.Message);
        }
        // An infinite weight, in a convolution's filters: named by its filter.
        var kernel = Tensor.Zeros(3, 3, 1, 4);
        kernel.SetItem(float.PositiveInfinity, 0, 2, 0, 3);
        var inf = Assert.Throws<ArgumentException>(() => Plot.Filters(kernel));
        Assert.Contains("image 3 ('3')", inf.Message);
        Assert.Contains("row 0, column 2 is Infinity", inf.Message);
    }

    [Fact]
    public void A_heatmap_of_small_values_writes_them_so_they_can_be_told_apart()
    {
        // Weights near 0.001 read 0.00 or -0.00 in every cell and the key ran from 0 to -0.
        var svg = Parse(Plot.Heatmap(new double[,] { { -0.003, 0.002 }, { 0.001, 0.004 } }));
        Assert.Equal(["-3.0e-3", "2.0e-3", "1.0e-3", "4.0e-3"], Texts(svg, "value"));
        Assert.Contains("4.0e-3", Texts(svg));
        Assert.Contains("-4.0e-3", Texts(svg));
        // Larger values keep two decimals, and a value that rounds to zero has no minus sign.
        Assert.Equal(["0.00", "0.50"], Texts(Parse(Plot.Heatmap(new double[,] { { -0.001, 0.5 } })), "value"));
    }

    [Fact]
    public void A_scatter_with_a_negative_class_names_it_by_its_number()
    {
        // -1 is a common "noise" or "unlabelled" class; with class names it indexed the names at -1.
        var chart = Plot.Scatter([1f, 2f, 3f], [1f, 2f, 3f], [0, 1, -1], ["a", "b"]);
        Assert.Contains("-1: 1 point,", chart.ToString());
        Assert.Contains("a: 1 point,", chart.ToString());
        Assert.Contains("b: 1 point)", chart.ToString());
    }

    [Fact]
    public void Png_encoder_writes_a_valid_header_and_chunk_crcs()
    {
        var png = Png.Encode(new byte[] { 0, 128, 255, 64, 32, 16 }, 3, 2);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8;
        var types = new List<string>();
        while (pos < png.Length)
        {
            int len = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var typeAndData = png.AsSpan(pos + 4, 4 + len);
            uint crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(crc, Png.Crc32(typeAndData));
            types.Add(System.Text.Encoding.ASCII.GetString(typeAndData[..4]));
            pos += 12 + len;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
        Assert.Equal(0xCBF43926u, Png.Crc32("123456789"u8));   // the standard CRC-32 check value
        Assert.Throws<ArgumentException>(() => Png.Encode(new byte[5], 3, 2));
    }

    [Fact]
    public void Charts_carry_the_notebook_formatter_attribute()
    {
        foreach (var t in new[] { typeof(LineChart), typeof(BarChart), typeof(ImageGrid), typeof(Heatmap) })
            Assert.Contains(t.GetCustomAttributes(true), a => a.GetType().Name == "TypeFormatterSourceAttribute");
    }
}
