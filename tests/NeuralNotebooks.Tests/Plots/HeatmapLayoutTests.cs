using System.Globalization;
using System.Xml.Linq;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>
/// A heatmap's colours, labels, values and title as a learner sees them. Text widths use DejaVu Sans's digit
/// advance, 0.636 em, which no digit, point or minus exceeds.
/// </summary>
public class HeatmapLayoutTests
{
    private static readonly XNamespace S = "http://www.w3.org/2000/svg";
    private static double D(XElement e, string a) => double.Parse(e.Attribute(a)!.Value, CultureInfo.InvariantCulture);
    private static double DigitsWidth(string text, double fontSize) => text.Length * 0.636 * fontSize;
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
}
