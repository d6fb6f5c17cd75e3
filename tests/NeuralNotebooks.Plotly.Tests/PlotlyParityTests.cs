using System.Text.Json;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Plotly.Tests;

/// <summary>The interactive figure reads as the static chart does: the same colours, the same numbers, the same bars.</summary>
public class PlotlyParityTests
{
    [Fact]
    public void Values_on_dark_cells_of_a_constant_matrix_are_white()
    {
        // zmin 0, zmax 5, every cell 5: every cell is the darkest blue, yet its count was written in #222.
        var figure = FigureJson.Parse(new ConfusionMatrix(new[,] { { 5, 5 }, { 5, 5 } }).ToPlotly());
        Assert.Equal(5, figure.Trace(0).GetProperty("zmax").GetDouble());
        Assert.All(figure.Layout().GetProperty("annotations").EnumerateArray(),
            a => Assert.Equal("white", a.GetProperty("font").GetProperty("color").GetString()));
    }

    [Fact]
    public void Bars_use_the_static_charts_colours_not_red_for_the_largest()
    {
        // BarChart draws the largest bar #08306b and the others #6baed6 ("not red: the course's charts keep red
        // for wrong"), and ToPlotly promises "the largest in the static chart's highlight colour"; the figure
        // drew it red (#d62728) among #1f77b4 bars.
        var chart = Plot.Bar(["a", "b", "c"], new[] { 4.5, 0.61, 0.58 });
        var svg = chart.ToSvg();
        var colors = FigureJson.Parse(chart.ToPlotly()).Trace(0).GetProperty("marker").GetProperty("color").Strings();
        Assert.Contains("fill=\"#08306b\"", svg);
        Assert.Contains("fill=\"#6baed6\"", svg);
        Assert.Equal(new[] { "#08306b", "#6baed6", "#6baed6" }, colors);
    }
}
