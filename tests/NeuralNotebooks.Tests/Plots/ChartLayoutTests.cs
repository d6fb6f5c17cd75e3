using System.Globalization;
using System.Xml.Linq;
using NeuralNotebooks.Plots;
using static NeuralNotebooks.Tests.Plots.SvgReading;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>
/// Line and bar charts keep their parts apart and inside the picture: ticks, axis labels, legends, titles.
/// Text widths are measured with SvgReading.DigitsWidth.
/// </summary>
public class ChartLayoutTests
{

    [Fact]
    public void A_title_wider_than_the_widest_picture_ends_in_an_ellipsis_inside_it()
    {
        // The picture widens for a title up to 960 px; past that, line, bar and heatmap titles were cut at both edges
        // (an image grid's was already shortened).
        string title = string.Concat(Enumerable.Repeat("Training and validation loss of every model ", 3));
        var charts = new Chart[]
        {
            Plot.Line(new float[] { 0, 1 }, new float[] { 0, 1 }, "a").Title(title),
            Plot.Bar(["a", "b"], [1, 2]).Title(title),
            Plot.Heatmap(new double[,] { { 1, 2 }, { 3, 4 } }).Title(title),
        };
        foreach (var chart in charts)
        {
            var svg = XElement.Parse(chart.ToSvg());
            double width = D(svg, "width");
            Assert.Equal(960, width);
            var shown = svg.Descendants(S + "text").Single(t => t.Attribute("font-weight")?.Value == "bold");
            Assert.EndsWith("…", shown.Value);
            Assert.StartsWith(shown.Value.TrimEnd('…'), title);
            double half = Svg.TextWidth(shown.Value, 15, bold: true) / 2;
            Assert.InRange(D(shown, "x") - half, 7.99, width - 7.99);   // x is written to 2 decimals
            Assert.InRange(D(shown, "x") + half, 7.99, width - 7.99);
        }
    }

    [Fact]
    public void A_line_charts_width_is_the_width_of_its_svg_so_panels_do_not_cut_a_widened_legend()
    {
        var x = new double[] { 1, 2, 3 };
        var chart = Plot.Line(x, x, "a label so long that the legend goes outside and the picture widens beyond what was asked for").Add(x, new double[] { 3, 2, 1 }, "b");
        var svgWidth = D(XElement.Parse(chart.ToSvg()), "width");
        Assert.True(svgWidth > 640);
        Assert.Equal(svgWidth, chart.Width);                                  // Width said 640, the SVG is 1061 wide
        // Panels lay charts out by Width: the second chart must start right of the first one's whole picture (or below it).
        var composed = XElement.Parse(Panels.Compose([chart, Plot.Line(x, x, "second")]));
        var inner = composed.Elements(S + "svg").ToList();
        Assert.True(D(inner[1], "x") >= svgWidth || D(inner[1], "y") > 0);
        Assert.True(D(composed, "width") >= svgWidth, $"the panel picture is {D(composed, "width")} wide, its first chart {svgWidth}: the legend is cut off");
        // A chart whose legend fits keeps the width it was given.
        Assert.Equal(640, Plot.Line(x, x, "loss").Width);
    }

    [Fact]
    public void Y_tick_labels_do_not_run_into_the_y_axis_label()
    {
        // A loss near convergence (ticks 0.0010 to 0.0030, labelled "loss" as History labels it) and a parameter
        // count: with the left margin fixed at 64 px, "0.0025" and "250000" were drawn across the rotated label.
        var x = Enumerable.Range(1, 10).Select(i => (double)i).ToArray();
        var line = Plot.Line(x, x.Select(i => 0.003 - i * 0.0002).ToArray(), "val_loss").YLabel("loss");
        var bar = Plot.Bar(["dense", "dense_1"], new double[] { 123456, 234567 }).YLabel("parameters");
        foreach (Chart chart in new Chart[] { line, bar })
        {
            var svg = XElement.Parse(chart.ToSvg());
            var label = svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "ylabel");
            // The rotated label's baseline is at x; its glyphs reach a descent (0.24 em of 13 px) to the right.
            double labelRight = D(label, "x") + 0.24 * 13;
            var ticks = svg.Descendants(S + "text").Where(t => t.Attribute("text-anchor")?.Value == "end" && t.Attribute("class")?.Value != "ylabel").ToList();
            Assert.NotEmpty(ticks);
            foreach (var t in ticks)
                Assert.True(D(t, "x") - DigitsWidth(t.Value, 12) > labelRight,
                    $"{chart.GetType().Name}: tick '{t.Value}' starts at x = {D(t, "x") - DigitsWidth(t.Value, 12):0.0}, left of the y label's edge at {labelRight:0.0}");
        }
    }

    [Fact]
    public void Charts_whose_y_ticks_fit_keep_the_64_pixel_margin()
    {
        // The notebooks' charts (ticks such as "0.00", "-1.0", "0.92") must not move.
        var x = new double[] { 1, 2, 3 };
        foreach (var (y, label) in new[] { (new[] { 0.0, 0.03, 0.06 }, "share of values"), (new[] { -1.0, 0.0, 1.0 }, "f(z)"), (new[] { 0.0, 500.0, 1000.0 }, "loss") })
        {
            var svg = XElement.Parse(Plot.Line(x, y).YLabel(label).ToSvg());
            var frame = svg.Descendants(S + "rect").Last(r => r.Attribute("fill")?.Value == "none");
            Assert.Equal(64, D(frame, "x"));
        }
        var bars = XElement.Parse(Plot.Bar(["a", "b"], new[] { 0.2, 0.9 }).YLabel("probability").ToSvg());
        Assert.Equal(64, D(bars.Descendants(S + "line").First(), "x1"));
    }

    // Bold 15 px DejaVu Sans as Chromium measures it.
    private const double LineTitleWidth = 333, BarTitleWidth = 330;

    [Fact]
    public void A_title_wider_than_a_small_chart_widens_the_picture()
    {
        var line = new LineChart(300, 250).Add(new double[] { 1, 2, 3 }, new double[] { 1, 2, 3 }, "loss").Title("A rather long title for a small line chart");
        var bar = new BarChart(["a", "b"], new[] { 1.0, 2.0 }, width: 240).Title("A rather long title for a small bar chart");
        foreach (var (chart, titleWidth) in new (Chart, double)[] { (line, LineTitleWidth), (bar, BarTitleWidth) })
        {
            var svg = XElement.Parse(chart.ToSvg());
            var title = svg.Descendants(S + "text").Single(t => t.Attribute("font-weight")?.Value == "bold");
            Assert.Equal(chart.Width, D(svg, "width"));
            Assert.True(D(title, "x") - titleWidth / 2 >= 0 && D(title, "x") + titleWidth / 2 <= D(svg, "width"),
                $"{chart.GetType().Name}: the title spans {D(title, "x") - titleWidth / 2:0} to {D(title, "x") + titleWidth / 2:0} in a picture {D(svg, "width")} wide");
        }
    }

    [Fact]
    public void A_long_title_over_a_plot_area_moves_left_rather_than_off_the_picture()
    {
        // Notebook 05's "Training loss per batch, same weights and batches (200 batches of 32)" measures 602 px;
        // centred over the plot area (x = 342) its ")" ended at 643 in a picture 640 wide.
        const string text = "Training loss per batch, same weights and batches (200 batches of 32)";
        var chart = Plot.Line(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, "library").Title(text).YLabel("cross-entropy");
        var svg = XElement.Parse(chart.ToSvg());
        Assert.Equal(640, D(svg, "width"));
        var title = svg.Descendants(S + "text").Single(t => t.Value == text);
        Assert.True(D(title, "x") + 602 / 2.0 <= 640, $"the title ends at {D(title, "x") + 301:0}");
        // A title that fits stays centred over the plot area.
        var fits = XElement.Parse(Plot.Line(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }, "loss").Title("Loss per epoch").ToSvg());
        Assert.Equal(342, D(fits.Descendants(S + "text").Single(t => t.Value == "Loss per epoch"), "x"));
    }

    [Fact]
    public void A_legend_of_wide_letters_holds_its_labels()
    {
        // The box was 7 px a character wide; "WWWWWWWWWWWWWWWWWWWW" measures 237 px at 12 px in DejaVu Sans (Chromium).
        var x = new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        var chart = Plot.Line(x, x, "WWWWWWWWWWWWWWWWWWWW").Add(x, x.Select(v => 10 - v).ToArray(), "MMMMMMMMMMMMMMMMMM");
        var svg = XElement.Parse(chart.ToSvg());
        var legend = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend");
        var box = legend.Element(S + "rect")!;
        var label = legend.Elements(S + "text").First();
        Assert.True(D(label, "x") + 237 <= D(box, "x") + D(box, "width"), $"the label ends at {D(label, "x") + 237:0}, the box at {D(box, "x") + D(box, "width")}");
        // Lowercase labels keep the box they had.
        var usual = XElement.Parse(Plot.Line(x, x, "val_accuracy").ToSvg());
        Assert.Equal(24 + 7 * 12 + 12, D(usual.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend").Element(S + "rect")!, "width"));
    }

    private static double Angle(XElement text)
    {
        var transform = text.Attribute("transform")?.Value;
        return transform is null ? 0 : -double.Parse(transform["rotate(".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    public static TheoryData<int, string, bool> ManyBars => new()
    {
        { 100, "digits", false },     // 5.6 px a bar: upright, every second
        { 50, "feature", false },     // "feature 12" 11.2 px apart: upright
        { 30, "feature", true },      // 18.7 px apart: slanted
        { 8, "long", true },          // "a rather long category name 7" 70 px apart: slanted
    };

    [Theory]
    [MemberData(nameof(ManyBars))]
    public void Bar_labels_that_do_not_fit_their_bars_are_turned_and_thinned_so_they_do_not_overlap(int count, string kind, bool xLabel)
    {
        // 100 bars labelled 0 to 99: the level labels, 13 px wide, were drawn 5.6 px apart, all over each other.
        var labels = Enumerable.Range(0, count).Select(i => kind switch { "digits" => $"{i}", "feature" => $"feature {i}", _ => $"a rather long category name {i}" }).ToArray();
        var chart = Plot.Bar(labels, Enumerable.Range(0, count).Select(i => (double)(i % 7 + 1)).ToArray());
        if (xLabel) chart.XLabel("category");
        var svg = XElement.Parse(chart.ToSvg());
        Assert.Equal(chart.Height, D(svg, "height"));
        var bars = svg.Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "bar").ToList();
        double axis = bars.Max(b => D(b, "y") + D(b, "height")), slot = D(bars[1], "x") - D(bars[0], "x");
        // The bars' labels, under them; the y ticks ("0") are level and anchored at their end.
        var shown = svg.Descendants(S + "text").Where(t => labels.Contains(t.Value) && D(t, "y") > axis
            && (t.Attribute("text-anchor")?.Value != "end" || t.Attribute("transform") is not null)).ToList();
        Assert.NotEmpty(shown);
        // Every k-th label from the first, and no fewer than could be drawn apart.
        int step = Array.IndexOf(labels, shown.Count > 1 ? shown[1].Value : labels[0]);
        Assert.Equal(Enumerable.Range(0, count).Where(i => i % Math.Max(step, 1) == 0).Select(i => labels[i]), shown.Select(t => t.Value));
        double size = D(shown[0], "font-size"), angle = Angle(shown[0]);
        Assert.True(angle is 45 or 90, $"labels at {angle} degrees");
        Assert.True(step <= 1 || (step - 1) * slot < size, $"every {step}th label of bars {slot:0.#} px apart");
        // As Chromium measures them in DejaVu Sans: "feature 28" 52 px at 10 px, "a rather long category name 7" 184 px at 12 px.
        double width = kind switch { "digits" => labels.Max(l => DigitsWidth(l, size)), "feature" => 52.02 * size / 10, _ => 183.94 * size / 12 };
        for (int i = 1; i < shown.Count; i++)
        {
            double apart = (D(shown[i], "x") - D(shown[i - 1], "x")) * Math.Sin(angle * Math.PI / 180);
            Assert.True(apart >= size, $"'{shown[i - 1].Value}' and '{shown[i].Value}' are {apart:0.#} px apart in {size} px text");
        }
        // Turned about their ends, under the bars: they stay inside the picture and above the x axis label.
        double lowest = D(shown[0], "y") + width * Math.Sin(angle * Math.PI / 180);
        double limit = xLabel ? D(svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "xlabel"), "y") - 13 : D(svg, "height");
        Assert.True(lowest <= limit, $"the labels reach y = {lowest:0}, beyond {limit:0}");
        Assert.True(D(shown[0], "x") - width * Math.Cos(angle * Math.PI / 180) >= 0, "the first label runs off the left edge");
        Assert.All(shown, t => Assert.True(D(t, "y") > axis && D(t, "y") < axis + 16));
        // The plot area keeps at least half the height it has under level labels.
        var grid = svg.Descendants(S + "line").Where(l => l.Attribute("stroke")?.Value == "#e5e5e5").Select(l => D(l, "y1")).ToList();
        Assert.True(grid.Max() - grid.Min() >= (360 - 24 - (xLabel ? 58 : 40)) / 2.0, $"the plot area is {grid.Max() - grid.Min()} px tall");
    }

    private static List<XElement> BarValues(XElement svg) => svg.Descendants(S + "text").Where(t => t.Attribute("fill")?.Value == "#444").ToList();

    /// <summary>How far apart the bars are.</summary>
    private static double Slot(XElement svg)
    {
        var bars = svg.Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "bar").ToList();
        return D(bars[1], "x") - D(bars[0], "x");
    }

    [Fact]
    public void Values_wider_than_the_room_between_bars_are_left_out()
    {
        // 30 probabilities over bars 18.7 px apart: "0.123" (32 px) ran into its neighbours' values.
        var values = Enumerable.Range(0, 30).Select(i => 0.1 + 0.029 * i).ToArray();
        var crowded = XElement.Parse(Plot.Bar(values.Select((_, i) => $"{i}").ToArray(), values).ToSvg());
        Assert.True(Slot(crowded) < DigitsWidth("0.123", 10));
        Assert.Empty(BarValues(crowded));
        // One value too wide leaves them all out, rather than label some bars and not others.
        var mixed = XElement.Parse(new BarChart(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 123456], width: 400).ToSvg());
        Assert.True(Slot(mixed) < DigitsWidth("123,456", 10) && Slot(mixed) > DigitsWidth("10", 10) + 2, $"bars {Slot(mixed)} px apart");
        Assert.Empty(BarValues(mixed));
        // Values that keep apart are written above their bars: notebook 01's ten probabilities, and values a little
        // wider than their bars ("82.5", 22 px, over 20 px bars 28 px apart).
        var probabilities = new[] { 0.001, 0.002, 0.0005, 0.003, 0.0001, 0.0002, 0.00001, 0.99, 0.001, 0.002 };
        var twenty = Enumerable.Range(0, 20).Select(i => 82.5 + i).ToArray();
        foreach (var fits in new[] { Plot.Bar(Enumerable.Range(0, 10).Select(d => $"{d}").ToArray(), probabilities), Plot.Bar(twenty.Select((_, i) => $"{i}").ToArray(), twenty) })
        {
            var svg = XElement.Parse(fits.ToSvg());
            var written = BarValues(svg);
            Assert.Equal(fits.Values.Count, written.Count);
            var ordered = written.OrderBy(t => D(t, "x")).ToList();
            for (int i = 1; i < ordered.Count; i++)
                Assert.True(D(ordered[i], "x") - D(ordered[i - 1], "x") >= (DigitsWidth(ordered[i].Value, 10) + DigitsWidth(ordered[i - 1].Value, 10)) / 2,
                    $"'{ordered[i - 1].Value}' and '{ordered[i].Value}' overlap");
        }
    }

    [Fact]
    public void Bar_labels_that_fit_stay_level_where_they_were()
    {
        // Notebook 01's ten digit classes and notebook 02's three implementations.
        foreach (var (labels, xLabel) in new[] { (Enumerable.Range(0, 10).Select(d => $"{d}").ToArray(), "digit class"), (new[] { "plain loop", "library SIMD", "TensorPrimitives" }, "implementation") })
        {
            var chart = Plot.Bar(labels, labels.Select((_, i) => 0.1 * (i + 1)).ToArray()).XLabel(xLabel).YLabel("y").Title("t");
            var svg = XElement.Parse(chart.ToSvg());
            Assert.Equal(360, D(svg, "height"));
            var shown = svg.Descendants(S + "text").Where(t => labels.Contains(t.Value) && t.Attribute("font-size")?.Value == "12").ToList();
            Assert.Equal(labels, shown.Select(t => t.Value));
            Assert.All(shown, t => Assert.Null(t.Attribute("transform")));
            Assert.All(shown, t => Assert.Equal(360 - 58 + 18, D(t, "y")));
        }
    }

    [Theory]
    [InlineData(30, 640, 400)]
    [InlineData(20, 640, 400)]
    [InlineData(12, 300, 250)]
    public void A_legend_of_many_series_grows_the_picture_so_nothing_is_cut_off(int count, int width, int height)
    {
        // 30 series in the default 640x400: the legend, 548 px tall, ran 196 px off the picture's bottom (20 series 16 px).
        var x = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        var chart = new LineChart(width, height);
        for (int s = 0; s < count; s++) chart.Add(x, x.Select(v => Math.Sin(v * 0.3 + s * 0.2) + s * 0.1).ToArray(), $"series number {s}");
        var svg = XElement.Parse(chart.Title("Many series").XLabel("x").YLabel("y").ToSvg());
        Assert.Equal(chart.Height, D(svg, "height"));
        Assert.Equal(chart.Width, D(svg, "width"));
        var legend = svg.Descendants(S + "g").Single(g => g.Attribute("class")?.Value == "legend");
        var box = legend.Element(S + "rect")!;
        Assert.True(D(box, "y") + D(box, "height") <= D(svg, "height"), $"the legend ends at {D(box, "y") + D(box, "height")}, the picture at {D(svg, "height")}");
        Assert.True(D(box, "x") + D(box, "width") <= D(svg, "width"), $"the legend ends at x = {D(box, "x") + D(box, "width")}, the picture at {D(svg, "width")}");
        Assert.Equal(count, legend.Elements(S + "text").Count());
        // It does not cover the plot area, and the x axis label stays below the tick labels.
        var frame = svg.Elements(S + "rect").Single(r => r.Attribute("stroke")?.Value == "#444");
        Assert.True(D(box, "x") >= D(frame, "x") + D(frame, "width"), "the legend is over the plot area");
        var xlabel = svg.Descendants(S + "text").Single(t => t.Attribute("class")?.Value == "xlabel");
        Assert.True(D(xlabel, "y") > svg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "xtick").Max(t => D(t, "y")));
        // A chart in panels is placed by that height: the next row starts below the legend.
        var composed = XElement.Parse(Panels.Compose([chart, Plot.Line(x, x, "next")], maxWidth: chart.Width));
        Assert.True(D(composed.Elements(S + "svg").Last(), "y") >= D(svg, "height"));
    }

    [Fact]
    public void A_legend_that_fits_keeps_the_pictures_size()
    {
        // The notebooks' charts: two or four series (notebook 03's dropout comparison), ten in 800x480.
        var x = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        foreach (var (count, width, height) in new[] { (2, 640, 400), (4, 640, 400), (10, 800, 480), (16, 640, 400) })
        {
            var chart = new LineChart(width, height);
            for (int s = 0; s < count; s++) chart.Add(x, x.Select(v => Math.Sin(v * 0.3 + s * 0.2)).ToArray(), $"validation {s}");
            var svg = XElement.Parse(chart.ToSvg());
            Assert.Equal((width, height), ((int)D(svg, "width"), (int)D(svg, "height")));
        }
    }

    [Fact]
    public void A_line_of_one_point_is_described_in_the_singular()
    {
        Assert.Equal("LineChart: 1 series (loss: 1 point)", Plot.Line(new double[] { 1 }, new double[] { 0.5 }, "loss").ToString());
        Assert.Equal("LineChart: 1 series (loss: 2 points)", Plot.Line(new double[] { 1, 2 }, new double[] { 0.5, 0.4 }, "loss").ToString());
    }
}
