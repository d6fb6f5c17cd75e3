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

    [Fact]
    public void Bar_values_read_as_the_static_chart_writes_them()
    {
        // The figure wrote "1,000,000,000,000,000,019,884,624,838,656" for 1e30 and "-0" for -0.0001.
        var chart = Plot.Bar(["a", "b", "c", "d"], new[] { 1e30, 2.5e30, -0.0001, 1234.4 });
        var text = FigureJson.Parse(chart.ToPlotly()).Trace(0).GetProperty("text").Strings();
        Assert.Equal(new[] { "1e30", "2.5e30", "0", "1,234" }, text);
        Assert.Equal("BarChart: a=1e30, b=2.5e30, c=0, d=1,234", chart.ToString());
    }

    [Fact]
    public void Heatmap_values_read_as_the_static_chart_writes_them()
    {
        // Values of 0.001 to 0.0045 all read "0.00" in the cells and on hover; the static chart writes 1.0e-3 ...
        var chart = Plot.Heatmap(new double[,] { { 1e-3, 2e-3 }, { 3e-3, 4.5e-3 } });
        var figure = FigureJson.Parse(chart.ToPlotly());
        var annotations = figure.Layout().GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()).ToArray();
        Assert.Equal(new[] { "1.0e-3", "2.0e-3", "3.0e-3", "4.5e-3" }, annotations);
        var hover = figure.Trace(0).GetProperty("text")[0].Strings();
        Assert.Equal(new[] { "row 0, column 0: 1.0e-3", "row 0, column 1: 2.0e-3" }, hover);
        // 1e30 was written in 31 digits, and a value that rounds to zero as "-0.00".
        var huge = FigureJson.Parse(Plot.Heatmap(new double[,] { { 1e30, -0.001, 0.5 } }).ToPlotly());
        Assert.Equal(new[] { "1e30", "0.00", "0.50" }, huge.Layout().GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()));
        var svg = Plot.Heatmap(new double[,] { { 1e30, -0.001, 0.5 } }).ToSvg();
        Assert.Contains(">1e30<", svg);
        Assert.Contains(">0.00<", svg);
    }

    [Fact]
    public void Bars_with_the_same_label_stay_separate_bars()
    {
        // The static chart draws three bars; on a category axis the two "run" bars shared one slot, one over the other.
        var chart = Plot.Bar(["run", "run", "baseline"], new[] { 1.0, 2.0, 3.0 });
        var x = FigureJson.Parse(chart.ToPlotly()).Trace(0).GetProperty("x").Strings();
        Assert.Equal(3, x.Distinct().Count());
        Assert.Equal(new[] { "run", "run", "baseline" }, x.Select(l => l.Replace("\u200B", "")));
        // Labels that differ are kept as they are.
        Assert.Equal(new[] { "a", "b" }, FigureJson.Parse(Plot.Bar(["a", "b"], new[] { 1.0, 2.0 }).ToPlotly()).Trace(0).GetProperty("x").Strings());
        // The same for a heatmap's rows and columns.
        var heat = FigureJson.Parse(Plot.Heatmap(new double[,] { { 1, 2 }, { 3, 4 } }, ["x", "x"], ["y", "y"]).ToPlotly()).Trace(0);
        Assert.Equal(2, heat.GetProperty("x").Strings().Distinct().Count());
        Assert.Equal(2, heat.GetProperty("y").Strings().Distinct().Count());
    }

    [Fact]
    public void A_bar_chart_keeps_its_x_axis_label()
    {
        // The SVG drew "digit" under the bars; the figure's x axis had no title.
        var chart = Plot.Bar(["a", "b"], new[] { 1.0, 2 }).XLabel("digit").YLabel("count");
        var layout = FigureJson.Parse(chart.ToPlotly()).Layout();
        Assert.Equal("digit", layout.GetProperty("xaxis").Text("title"));
        Assert.Equal("count", layout.GetProperty("yaxis").Text("title"));
    }
}
