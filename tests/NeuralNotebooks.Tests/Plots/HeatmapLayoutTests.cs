using System.Globalization;
using System.Xml.Linq;
using NeuralNotebooks.Plots;
using static NeuralNotebooks.Tests.Plots.SvgReading;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>
/// A heatmap's colours, labels, values and title as a learner sees them. Text widths are measured with
/// SvgReading.DigitsWidth.
/// </summary>
public class HeatmapLayoutTests
{
    private static List<XElement> Cells(XElement svg) => svg.Descendants(S + "rect").Where(r => r.Attribute("class")?.Value == "cell").ToList();

    [Fact]
    public void A_matrix_whose_values_are_all_equal_is_drawn_in_the_keys_top_colour_not_white()
    {
        // The key runs from white (0) to dark blue (5); every cell holds 5, yet every cell was drawn white (#f7fbff)
        // because the guard against a zero range compared the largest value with the smallest, not with the key's 0.
        var svg = XElement.Parse(Plot.ConfusionMatrix(new ConfusionMatrix(new[,] { { 5, 5 }, { 5, 5 } })).ToSvg());
        Assert.All(Cells(svg), c => Assert.Equal("#08306b", c.Attribute("fill")!.Value));
        Assert.All(svg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "value"), t => Assert.Equal("white", t.Attribute("fill")!.Value));
        // A single-class matrix (every sample of the one class, all correct) and a constant real matrix as well.
        var one = XElement.Parse(Plot.ConfusionMatrix(new ConfusionMatrix(new[,] { { 12 } })).ToSvg());
        Assert.Equal("#08306b", Cells(one).Single().Attribute("fill")!.Value);
        var constant = XElement.Parse(Plot.Heatmap(new double[,] { { 0.3, 0.3 }, { 0.3, 0.3 } }).ToSvg());
        Assert.All(Cells(constant), c => Assert.Equal("#08306b", c.Attribute("fill")!.Value));
        // An all-zero matrix has no range at all: white, as its key's only value 0.
        var zeros = XElement.Parse(Plot.Heatmap(new double[,] { { 0, 0 } }).ToSvg());
        Assert.All(Cells(zeros), c => Assert.Equal("#f7fbff", c.Attribute("fill")!.Value));
    }

    private static double Rotation(XElement text)
    {
        var transform = text.Attribute("transform")?.Value;
        return transform is null ? 0 : double.Parse(transform["rotate(".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Column_labels_wider_than_a_cell_are_turned_so_they_do_not_overlap()
    {
        // 47 classes in 11 px cells: level labels "10", "11", ... (14 px each) ran together.
        var counts = new int[47, 47];
        for (int i = 0; i < 47; i++) counts[i, i] = 10;
        var svg = XElement.Parse(Plot.ConfusionMatrix(new ConfusionMatrix(counts)).ToSvg());
        var cells = Cells(svg);
        double cell = D(cells[0], "width"), top = cells.Min(c => D(c, "y"));
        var columns = svg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "column").ToList();
        Assert.Equal(47, columns.Count);
        foreach (var label in columns)
        {
            // Upright labels one cell apart do not touch when the cell is at least a line of text high.
            Assert.Equal(-90, Rotation(label));
            Assert.True(D(label, "font-size") <= cell);
            Assert.True(D(label, "y") - DigitsWidth(label.Value, D(label, "font-size")) >= 0, $"'{label.Value}' runs off the top");
            Assert.True(D(label, "y") < top);
        }
        // Fashion-MNIST's names in 48 px cells: "T-shirt/top" (57 px) touched "Trouser"; slanted, they keep apart,
        // and the last one, "Ankle boot", stays inside the picture.
        string[] fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
        var chart = Plot.ConfusionMatrix(new ConfusionMatrix(new int[10, 10], fashion));
        var fsvg = XElement.Parse(chart.ToSvg());
        var slanted = fsvg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "column").ToList();
        Assert.Equal(10, slanted.Count);
        Assert.All(slanted, t => Assert.Equal(-45, Rotation(t)));
        // Widths as Chromium measures them in DejaVu Sans at 11 px: "Ankle boot" 59 px, "T-shirt/top" 57 px.
        var last = slanted[^1];
        Assert.True(D(last, "x") + 0.71 * 59 <= D(fsvg, "width"), "'Ankle boot' runs off the right edge");
        Assert.True(D(slanted[0], "y") - 0.71 * 57 - 6 >= 36, "the slanted labels reach into the column title");
        Assert.Equal(chart.Width, D(fsvg, "width"));
        Assert.Equal(chart.Height, D(fsvg, "height"));
        // Digits 0 to 9 in 48 px cells fit level, and the picture keeps its size.
        var digits = Plot.ConfusionMatrix(new ConfusionMatrix(new int[10, 10]));
        Assert.DoesNotContain(XElement.Parse(digits.ToSvg()).Descendants(S + "text"), t => t.Attribute("class")?.Value == "column");
        Assert.Equal((650, 590), (digits.Width, digits.Height));
    }

    [Fact]
    public void The_colour_key_of_a_heatmap_of_few_rows_is_at_least_60_pixels_tall()
    {
        // The key was as tall as the cells: 28 px for one row of 20 columns, 16 px for 2 rows of 70, where its
        // two labels, 10 px high, were drawn over each other.
        foreach (var (rows, columns) in new[] { (1, 20), (2, 70), (1, 2) })
        {
            var values = new double[rows, columns];
            for (int j = 0; j < columns; j++) values[0, j] = j;
            var chart = Plot.Heatmap(values);
            var svg = XElement.Parse(chart.ToSvg());
            var key = svg.Descendants(S + "rect").Where(r => r.Attribute("width")?.Value == "14").ToList();
            double keyTop = key.Min(r => D(r, "y")), keyBottom = key.Max(r => D(r, "y") + D(r, "height"));
            Assert.True(keyBottom - keyTop >= 60, $"{rows}x{columns}: the key is {keyBottom - keyTop:0.#} px tall");
            var labels = svg.Descendants(S + "text").Where(t => t.Attribute("text-anchor")?.Value == "start" && t.Attribute("class") is null).ToList();
            Assert.Equal(2, labels.Count);
            Assert.True(D(labels[1], "y") - D(labels[0], "y") >= 10 + 10, $"{rows}x{columns}: the key's labels are {D(labels[1], "y") - D(labels[0], "y"):0} px apart");
            Assert.True(keyBottom + 4 <= D(svg, "height"), $"{rows}x{columns}: the key ends at {keyBottom:0}, the picture at {D(svg, "height")}");
            Assert.Equal(chart.Height, D(svg, "height"));
        }
        // A key as tall as the cells when they are 60 px or more, in a picture of the same height as before.
        var two = Plot.ConfusionMatrix(new ConfusionMatrix(new[,] { { 50, 3 }, { 7, 40 } }));
        Assert.Equal(60 + 2 * 48 + 50, two.Height);
    }

    [Theory]
    [InlineData(80)]   // 8 px cells
    [InlineData(60)]   // 9 px
    [InlineData(56)]   // 10 px
    public void Labels_of_cells_narrower_than_a_line_of_text_are_thinned_so_they_do_not_overlap(int n)
    {
        // In 8 px cells the upright 11 px column labels "0", "1", ... overlapped by 3 px, as did the row labels.
        var chart = Plot.Heatmap(new double[n, n]);
        var svg = XElement.Parse(chart.ToSvg());
        double cell = D(Cells(svg)[0], "width");
        Assert.True(cell < 11, $"{cell} px cells");
        var columns = svg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "column").ToList();
        var rows = svg.Descendants(S + "text").Where(t => t.Attribute("text-anchor")?.Value == "end").ToList();
        foreach (var (labels, position) in new[] { (columns, "x"), (rows, "y") })
        {
            Assert.Equal("0", labels[0].Value);
            for (int i = 1; i < labels.Count; i++)
                Assert.True(D(labels[i], position) - D(labels[i - 1], position) >= D(labels[i], "font-size"),
                    $"'{labels[i - 1].Value}' and '{labels[i].Value}' are {D(labels[i], position) - D(labels[i - 1], position)} px apart");
            // Every second (or third) label is left out, no more.
            int step = int.Parse(labels[1].Value) - int.Parse(labels[0].Value);
            Assert.True(step * cell < 2 * 11, $"every {step}th label of {cell} px cells");
            Assert.Equal((n + step - 1) / step, labels.Count);
        }
    }

    [Fact]
    public void Long_row_labels_are_not_cut_off_on_the_left()
    {
        var chart = Plot.Heatmap(new double[,] { { 1, 2 }, { 3, 4 } }, ["a very long row label indeed", "short"], ["x", "y"]);
        var svg = XElement.Parse(chart.ToSvg());
        var label = svg.Descendants(S + "text").Single(t => t.Value == "a very long row label indeed");
        // Chromium measures it 157 px wide in DejaVu Sans at 11 px; it ends at x (text-anchor end), and used to start at -71.
        Assert.True(D(label, "x") - 157 >= 0, $"the label starts at x = {D(label, "x") - 157:0}");
        Assert.Equal(chart.Width, D(svg, "width"));
    }

    [Fact]
    public void A_small_heatmaps_title_is_not_cut_off()
    {
        // A 2-class confusion matrix was 266 px wide; its title, 32 characters of 15 px bold, measures 270 px in
        // Chromium, so it was clipped on both sides.
        var chart = Plot.ConfusionMatrix(new ConfusionMatrix(new[,] { { 50, 3 }, { 7, 40 } }, ["cat", "dog"])).Title("Confusion matrix of the test set");
        var svg = XElement.Parse(chart.ToSvg());
        Assert.True(chart.Width >= 270 + 16, $"the picture is {chart.Width} px wide");
        Assert.Equal(chart.Width, D(svg, "width"));
        var title = svg.Descendants(S + "text").Single(t => t.Value == "Confusion matrix of the test set");
        Assert.Equal(chart.Width / 2.0, D(title, "x"));
        // The cells, labels and key are centred under it: as much room left of the row title as right of the key.
        var cells = Cells(svg);
        Assert.True(cells.Min(c => D(c, "x")) > 90);
        // Without a title, the picture keeps its size.
        Assert.Equal(266, Plot.ConfusionMatrix(new ConfusionMatrix(new[,] { { 50, 3 }, { 7, 40 } }, ["cat", "dog"])).Width);
    }

    private static List<XElement> Values(XElement svg) => svg.Descendants(S + "text").Where(t => t.Attribute("class")?.Value == "value").ToList();

    [Fact]
    public void Huge_and_large_fractional_values_fit_their_cells_and_the_key()
    {
        // 1e30 is a whole number to a double: it was written '1000000000000000019884624838656' across the picture.
        var huge = XElement.Parse(Plot.Heatmap(new double[,] { { 1e30, 2e30 }, { 3e30, 4.5e30 } }).ToSvg());
        Assert.Equal(new[] { "1e30", "2e30", "3e30", "4.5e30" }, Values(huge).Select(v => v.Value));
        // 12345.678 was written "12345.68", 56 px in a 48 px cell; its key label ran off the picture.
        var chart = Plot.Heatmap(new double[,] { { 12345.678, 2.5 }, { 3.25, 100.25 } });
        var svg = XElement.Parse(chart.ToSvg());
        Assert.Equal(new[] { "12346", "2.50", "3.25", "100" }, Values(svg).Select(v => v.Value));
        foreach (var doc in new[] { huge, svg })
        {
            double cell = D(Cells(doc)[0], "width");
            Assert.All(Values(doc), v => Assert.True(DigitsWidth(v.Value, D(v, "font-size")) <= cell, $"'{v.Value}' in a {cell} px cell"));
            var key = doc.Descendants(S + "text").Where(t => t.Attribute("text-anchor")?.Value == "start" && t.Attribute("class") is null).ToList();
            Assert.Equal(2, key.Count);
            Assert.All(key, k => Assert.True(D(k, "x") + DigitsWidth(k.Value, 10) <= D(doc, "width"), $"key label '{k.Value}' ends at {D(k, "x") + DigitsWidth(k.Value, 10):0} in a picture {D(doc, "width")} wide"));
        }
        Assert.Equal(chart.Width, D(svg, "width"));
        // Counts stay whole numbers, small values keep their scientific form, and a matrix whose key fits keeps its size.
        Assert.Equal(new[] { "1", "20" }, Values(XElement.Parse(Plot.Heatmap(new double[,] { { 1, 20 } }).ToSvg())).Select(v => v.Value));
        Assert.Equal(new[] { "1.0e-3", "4.5e-3" }, Values(XElement.Parse(Plot.Heatmap(new double[,] { { 1e-3, 4.5e-3 } }).ToSvg())).Select(v => v.Value));
        Assert.Equal(266, Plot.Heatmap(new double[,] { { 0.25, 0.5 }, { 1.5, 2 } }).Width);
    }
}
