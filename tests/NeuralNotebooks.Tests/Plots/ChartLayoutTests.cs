using System.Globalization;
using System.Xml.Linq;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>
/// Line and bar charts keep their parts apart and inside the picture: ticks, axis labels, legends, titles.
/// Text widths use DejaVu Sans's digit advance, 0.636 em, which no digit, point or minus exceeds.
/// </summary>
public class ChartLayoutTests
{
    private static readonly XNamespace S = "http://www.w3.org/2000/svg";
    private static double D(XElement e, string a) => double.Parse(e.Attribute(a)!.Value, CultureInfo.InvariantCulture);
    private static double DigitsWidth(string text, double fontSize) => text.Length * 0.636 * fontSize;

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
}
