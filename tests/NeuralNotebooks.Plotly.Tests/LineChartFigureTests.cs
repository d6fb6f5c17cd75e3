using System.Text.Json;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Plotly.Tests;

public class LineChartFigureTests
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c"];

    [Fact]
    public void Every_series_keeps_its_numbers_name_and_colour()
    {
        var x = new[] { -2.0, -0.5, 0.0, 1.25, 3.0 };
        // The numbers given, not the chart's copies of them: a chart that changed them would change both.
        double[][] ys =
        [
            x.Select(v => Math.Tanh(v)).ToArray(),
            x.Select(v => 1 - Math.Tanh(v) * Math.Tanh(v)).ToArray(),
            x.Select(v => 0.1 * v * v - 1e-7).ToArray(),
        ];
        string[] labels = ["tanh", "tanh'", "third"];
        var chart = Plot.Line(x, ys[0], label: labels[0]).Add(x, ys[1], label: labels[1]).Add(x, ys[2], label: labels[2]);

        var figure = FigureJson.Parse(chart.ToPlotly());

        Assert.Equal(3, figure.GetProperty("data").GetArrayLength());
        for (int s = 0; s < 3; s++)
        {
            var trace = figure.Trace(s);
            Assert.Equal("scatter", trace.Text("type"));
            Assert.Equal(labels[s], trace.Text("name"));
            Assert.Equal(x, trace.GetProperty("x").Numbers());
            Assert.Equal(ys[s], trace.GetProperty("y").Numbers());
            Assert.Equal(Palette[s], trace.GetProperty("line").Text("color"));
            Assert.Equal("lines", trace.Text("mode"));
        }
    }

    [Fact]
    public void Series_past_the_tenth_colour_are_dashed_as_in_the_static_chart()
    {
        // Series 0 and 10 shared a colour and a solid line: the interactive view could not tell them apart.
        var x = new[] { 0.0, 1.0 };
        var chart = Plot.Line(x, x, "s0");
        for (int s = 1; s < 21; s++) chart.Add(x, x.Select(v => v + s).ToArray(), $"s{s}");
        var figure = FigureJson.Parse(chart.ToPlotly());
        var styles = Enumerable.Range(0, 21).Select(s => figure.Trace(s).GetProperty("line"))
            .Select(l => $"{l.Text("color")} {(l.TryGetProperty("dash", out var d) ? d.GetString() : "solid")}").ToList();
        Assert.Equal(21, styles.Distinct().Count());
        Assert.Equal("#1f77b4 solid", styles[0]);
        Assert.Equal("#1f77b4 7px,4px", styles[10]);
        Assert.Equal("#1f77b4 2px,3px", styles[20]);
    }

    [Fact]
    public void Scatter_classes_past_the_tenth_colour_take_the_static_charts_markers()
    {
        var x = Enumerable.Range(0, 21).Select(i => (float)i).ToArray();
        var figure = FigureJson.Parse(Plot.Scatter(x, x, Enumerable.Range(0, 21).ToArray()).ToPlotly());
        string Symbol(int s) => figure.Trace(s).GetProperty("marker").TryGetProperty("symbol", out var v) ? v.GetString()! : "circle";
        Assert.Equal("circle", Symbol(0));
        Assert.False(figure.Trace(0).GetProperty("marker").TryGetProperty("symbol", out _));   // left to Plotly's default, as before
        Assert.Equal("circle-open", Symbol(10));
        Assert.Equal("square", Symbol(20));
        Assert.Equal("#1f77b4", figure.Trace(20).GetProperty("marker").Text("color"));
    }

    [Fact]
    public void Title_axis_labels_bands_and_range_carry_over()
    {
        var chart = Plot.Line(new[] { -5.0, 0, 5 }, new[] { 0.0, 0.5, 1 }, label: "sigmoid")
            .Title("sigmoid").XLabel("z").YLabel("f(z)").Shade(-5, -2).Shade(2, 9).YRange(-0.1, 1.1).Markers();

        var figure = FigureJson.Parse(chart.ToPlotly());
        var layout = figure.Layout();

        Assert.Equal("sigmoid", layout.Text("title"));
        Assert.Equal("z", layout.GetProperty("xaxis").Text("title"));
        Assert.Equal("f(z)", layout.GetProperty("yaxis").Text("title"));
        Assert.Equal(new[] { -0.1, 1.1 }, layout.GetProperty("yaxis").GetProperty("range").Numbers());
        Assert.Equal(640, layout.GetProperty("width").GetDouble());
        Assert.Equal(400, layout.GetProperty("height").GetDouble());
        Assert.Equal("lines+markers", figure.Trace(0).Text("mode"));
        var bands = layout.GetProperty("shapes").EnumerateArray().Select(b => (b.GetProperty("x0").GetDouble(), b.GetProperty("x1").GetDouble())).ToArray();
        // The second band is cut at the last x, as the static chart cuts it at its frame.
        Assert.Equal(new[] { (-5.0, -2.0), (2.0, 5.0) }, bands);
        Assert.All(layout.GetProperty("shapes").EnumerateArray(), b => Assert.Equal("paper", b.Text("yref")));
    }

    [Fact]
    public void A_scatter_plot_is_markers_per_class_with_closest_hover()
    {
        var chart = Plot.Scatter(new[] { 0f, 1f, 2f, 3f }, new[] { 1f, 0.5f, -1f, 2f }, classes: new[] { 1, 0, 1, 0 }, classNames: new[] { "cat", "dog" });

        var figure = FigureJson.Parse(chart.ToPlotly());

        Assert.Equal("markers", figure.Trace(0).Text("mode"));
        Assert.Equal("cat", figure.Trace(0).Text("name"));
        Assert.Equal(new[] { 1.0, 3.0 }, figure.Trace(0).GetProperty("x").Numbers());
        Assert.Equal(new[] { 0.5, 2.0 }, figure.Trace(0).GetProperty("y").Numbers());
        Assert.Equal(new[] { 0.0, 2.0 }, figure.Trace(1).GetProperty("x").Numbers());
        Assert.Equal("closest", figure.Layout().Text("hovermode"));
    }

    [Fact]
    public void An_unnamed_single_series_has_no_legend_like_the_static_chart()
    {
        var figure = FigureJson.Parse(Plot.Line(new[] { 1.0, 2 }, new[] { 3.0, 4 }).ToPlotly());
        Assert.False(figure.Layout().GetProperty("showlegend").GetBoolean());
        var named = FigureJson.Parse(Plot.Line(new[] { 1.0, 2 }, new[] { 3.0, 4 }, label: "loss").ToPlotly());
        Assert.True(named.Layout().GetProperty("showlegend").GetBoolean());
    }

    [Fact]
    public void An_empty_chart_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new LineChart().ToPlotly());
        Assert.Contains("no data", e.Message);
    }

    [Fact]
    public void Bars_keep_labels_values_and_the_highlighted_maximum()
    {
        var chart = Plot.Bar(new[] { "plain loop", "library SIMD", "TensorPrimitives" }, new[] { 4.5, 0.61, 0.58 }).Title("ms").YLabel("milliseconds");

        var figure = FigureJson.Parse(chart.ToPlotly());
        var bar = figure.Trace(0);

        Assert.Equal("bar", bar.Text("type"));
        Assert.Equal(new[] { "plain loop", "library SIMD", "TensorPrimitives" }, bar.GetProperty("x").Strings());
        Assert.Equal(new[] { 4.5, 0.61, 0.58 }, bar.GetProperty("y").Numbers());
        Assert.Equal(new[] { "#08306b", "#6baed6", "#6baed6" }, bar.GetProperty("marker").GetProperty("color").Strings());
        Assert.Equal("ms", figure.Layout().Text("title"));
        Assert.Equal("milliseconds", figure.Layout().GetProperty("yaxis").Text("title"));

        var plain = FigureJson.Parse(chart.HighlightMax(false).ToPlotly());
        Assert.All(plain.Trace(0).GetProperty("marker").GetProperty("color").Strings(), c => Assert.Equal("#6baed6", c));
    }

    [Fact]
    public void The_figure_json_is_what_xplot_would_plot()
    {
        var figure = Plot.Line(new[] { 1.0, 2 }, new[] { 3.0, 4 }, label: "loss").ToPlotly();
        var html = figure.ToXPlot().GetInlineHtml();
        Assert.Contains(figure.DataJson, html);
    }
}
