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
