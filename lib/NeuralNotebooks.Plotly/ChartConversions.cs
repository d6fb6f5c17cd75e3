using System.Globalization;
using NeuralNotebooks.Plots;
using XPlot.Plotly;
using PlotLayout = XPlot.Plotly.Layout.Layout;

namespace NeuralNotebooks.Plotly;

/// <summary>
/// <c>ToPlotly()</c> for the library's charts, confusion matrices and training histories: the same
/// numbers, titles, axis labels and colours as the static figure, as an interactive Plotly figure.
/// </summary>
public static class ChartConversions
{
    private const string Grid = "#e5e5e5", Frame = "#444", Band = "#999";
    private const string FontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif";

    /// <summary>Lines, markers and shaded bands of a line or scatter chart; hover shows every series at one x.</summary>
    public static PlotlyFigure ToPlotly(this LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        if (chart.AllSeries.Count == 0 || chart.AllSeries.All(s => s.X.Length == 0))
            throw new InvalidOperationException("ToPlotly: the chart has no data; add a series first.");
        var traces = chart.AllSeries.Select((s, i) =>
        {
            var (color, dashes, symbol) = LineChart.SeriesStyle(i);
            return LineTrace(s, color, chart.ShowsMarkers, dashes, symbol);
        }).ToList();
        var layout = BaseLayout(chart.TitleValue, chart.Width, chart.Height);
        layout.xaxis = Axis(chart.XLabelValue);
        layout.yaxis = YAxis(chart.YLabelValue);
        if (chart.YRangeValue is { } range) layout.yaxis.range = new[] { range.Min, range.Max };
        // The static chart shows a legend unless it holds one unnamed series.
        layout.showlegend = chart.AllSeries.Count > 1 || chart.AllSeries[0].Label != "series 1";
        layout.hovermode = chart.AllSeries.All(s => s.Scatter) ? "closest" : "x unified";
        double xMin = chart.AllSeries.SelectMany(s => s.X).Min(), xMax = chart.AllSeries.SelectMany(s => s.X).Max();
        layout.shapes = chart.Bands
            .Select(b => (From: Math.Max(b.From, xMin), To: Math.Min(b.To, xMax)))
            .Where(b => b.To > b.From)
            .Select(b => new XPlot.Plotly.Shape
            {
                type = "rect", xref = "x", yref = "paper", x0 = b.From, x1 = b.To, y0 = 0, y1 = 1,
                fillcolor = Band, opacity = 0.18, line = new Line { width = 0 },
            }).ToArray();
        return new PlotlyFigure(traces, layout);
    }

    /// <summary>The bars, the largest in the static chart's highlight colour; hover shows each exact value.</summary>
    public static PlotlyFigure ToPlotly(this BarChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        if (chart.Values.Count == 0) throw new InvalidOperationException("ToPlotly: the bar chart has no bars.");
        int best = chart.Values.ToList().IndexOf(chart.Values.Max());
        var bar = new Bar
        {
            x = Distinct(chart.Labels),
            y = chart.Values.ToArray(),
            name = chart.TitleValue ?? "values",
            marker = new Marker { color = chart.Values.Select((_, i) => chart.HighlightsMax && i == best ? BarChart.HighlightColour : BarChart.Colour).ToArray() },
            text = chart.Values.Select(BarChart.FormatValue).ToArray(),
            hoverinfo = "x+text",
        };
        var layout = BaseLayout(chart.TitleValue, chart.Width, chart.Height);
        layout.xaxis = Axis(chart.XLabelValue);
        layout.xaxis.type = "category";
        layout.yaxis = YAxis(chart.YLabelValue);
        layout.showlegend = false;
        return new PlotlyFigure([bar], layout);
    }

    /// <summary>The matrix as coloured cells on the static chart's colour scale, row 0 at the top; hover names the row, the column and the value.</summary>
    public static PlotlyFigure ToPlotly(this Plots.Heatmap chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        string rowTitle = chart.RowTitle ?? "row", columnTitle = chart.ColumnTitle ?? "column";
        var hover = Cells(chart, (i, j, v) => $"{rowTitle} {chart.RowLabels[i]}, {columnTitle} {chart.ColumnLabels[j]}: {chart.ValueText(v)}");
        return HeatmapFigure(chart, hover);
    }

    /// <summary>
    /// The confusion matrix as <c>Plot.ConfusionMatrix</c> draws it (true class down, predicted across,
    /// counts white to blue); hover shows a cell's count and its share of that true class.
    /// </summary>
    public static PlotlyFigure ToPlotly(this ConfusionMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var chart = Plot.ConfusionMatrix(matrix);
        var counts = matrix.Counts;
        var rowTotals = Enumerable.Range(0, matrix.NumClasses).Select(i => Enumerable.Range(0, matrix.NumClasses).Sum(j => counts[i, j])).ToArray();
        var names = matrix.ClassNames;
        var hover = Cells(chart, (i, j, _) =>
        {
            int n = counts[i, j];
            string share = rowTotals[i] == 0 ? "no images of this class" : $"{(100.0 * n / rowTotals[i]).ToString("0.0", CultureInfo.InvariantCulture)}% of the true {names[i]}";
            return $"true {names[i]}, predicted {names[j]}<br>{n} image{(n == 1 ? "" : "s")}, {share}";
        });
        return HeatmapFigure(chart, hover);
    }

    /// <summary>
    /// The training history as its notebook view draws it: losses per epoch on the left, accuracies
    /// on the right (when measured); hover an epoch to read training and validation together.
    /// </summary>
    public static PlotlyFigure ToPlotly(this History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs.Select(e => (double)e).ToArray();
        if (epochs.Length == 0) throw new InvalidOperationException("ToPlotly: the history has no epochs yet; call Fit first.");
        var values = history.Values;
        var groups = new[] { "loss", "accuracy" }
            .Select(g => (Name: g, Series: values.Keys.Where(k => k == g || k == "val_" + g).ToList()))
            .Where(g => g.Series.Count > 0).ToList();
        if (groups.Count == 0) throw new InvalidOperationException($"ToPlotly: the history has no loss or accuracy; it has: {string.Join(", ", values.Keys)}.");
        var traces = new List<Trace>();
        var layout = BaseLayout(null, 480 * groups.Count, 340);
        var annotations = new List<Annotation>();
        for (int p = 0; p < groups.Count; p++)
        {
            string suffix = p == 0 ? "" : (p + 1).ToString(CultureInfo.InvariantCulture);
            for (int s = 0; s < groups[p].Series.Count; s++)
            {
                var name = groups[p].Series[s];
                var series = new LineChart.Series(name, epochs, values[name].Select(v => (double)v).ToArray(), Scatter: false);
                var trace = LineTrace(series, Svg.Palette[s % Svg.Palette.Length], markers: true);
                trace.xaxis = "x" + suffix;
                trace.yaxis = "y" + suffix;
                trace.legendgroup = groups[p].Name;
                traces.Add(trace);
            }
            double from = groups.Count == 1 ? 0 : p * 0.55, to = groups.Count == 1 ? 1 : from + 0.45;
            var x = Axis("epoch");
            x.domain = new[] { from, to };
            x.anchor = "y" + suffix;
            x.dtick = 1;
            var y = YAxis(groups[p].Name);   // the static panels label their y axes "loss" and "accuracy" too
            y.anchor = "x" + suffix;
            if (p == 0) { layout.xaxis = x; layout.yaxis = y; } else { layout.xaxis2 = x; layout.yaxis2 = y; }
            annotations.Add(new Annotation
            {
                text = $"<b>{groups[p].Name}</b>", showarrow = false, xref = "paper", yref = "paper",
                x = (from + to) / 2, y = 1.0, xanchor = "center", yanchor = "bottom", font = new Font { size = 15, family = FontFamily },
            });
        }
        layout.annotations = annotations;
        layout.showlegend = true;
        layout.hovermode = "x unified";
        return new PlotlyFigure(traces, layout);
    }

    private static Scatter LineTrace(LineChart.Series s, string color, bool markers, string dashes = "", string symbol = "circle")
    {
        var line = new Line { color = color, width = 2 };
        var marker = s.Scatter ? new Marker { color = color, size = 5, opacity = 0.7 } : new Marker { color = color, size = 6 };
        // Past the palette's ten colours, the static chart's dashes (Plotly reads them as "7px,4px") and markers. Set only
        // then: a property set is written out, and every figure of ten series or fewer keeps the JSON it had.
        if (dashes != "") line.dash = string.Join(",", dashes.Split(' ').Select(d => d + "px"));
        if (symbol != "circle") marker.symbol = symbol;
        return new Scatter
        {
            x = s.X,
            y = s.Y,
            name = s.Label,
            mode = s.Scatter ? "markers" : markers ? "lines+markers" : "lines",
            line = line,
            marker = marker,
        };
    }

    private static PlotlyFigure HeatmapFigure(Plots.Heatmap chart, string[][] hover)
    {
        int rows = chart.RowCount, columns = chart.ColumnCount;
        var z = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Select(j => chart[i, j]).ToArray()).ToArray();
        var all = z.SelectMany(r => r).ToArray();
        double max = all.Select(Math.Abs).Max(), min = all.Min();
        string[] xs = Distinct(chart.ColumnLabels), ys = Distinct(chart.RowLabels);
        var trace = new XPlot.Plotly.Heatmap
        {
            z = z,
            x = xs,
            y = ys,
            text = hover,
            hoverinfo = "text",
            showscale = true,
            name = chart.TitleValue ?? "heatmap",
        };
        // The static chart's scales: white to blue from min(0, smallest) to the largest,
        // or blue-white-red symmetric around 0 for signed data.
        if (chart.IsDiverging)
        {
            trace.colorscale = new object[][] { [0.0, Hex(Svg.Diverging(-1))], [0.5, Hex(Svg.Diverging(0))], [1.0, Hex(Svg.Diverging(1))] };
            trace.zmin = -max; trace.zmax = max;
        }
        else
        {
            trace.colorscale = new object[][] { [0.0, Svg.Sequential(0)], [1.0, Svg.Sequential(1)] };
            trace.zmin = Math.Min(min, 0); trace.zmax = max == trace.zmin ? trace.zmin + 1 : max;
        }
        var layout = BaseLayout(chart.TitleValue, Math.Max(chart.Width + 60, 400), Math.Max(chart.Height + 40, 360));
        layout.xaxis = Axis(chart.ColumnTitle);
        layout.xaxis.type = "category";
        layout.xaxis.side = "top";
        layout.xaxis.showgrid = false;
        layout.yaxis = YAxis(chart.RowTitle);
        layout.yaxis.type = "category";
        layout.yaxis.autorange = "reversed";
        layout.yaxis.showgrid = false;
        // Column labels and their title sit above the cells, as in the static chart; the title above them.
        layout.margin = new Margin { t = chart.TitleValue is null ? 80 : 130 };
        if (chart.ShowsValues)
        {
            layout.annotations = Enumerable.Range(0, rows).SelectMany(i => Enumerable.Range(0, columns).Select(j =>
            {
                double v = z[i][j];
                // As the static chart: the scale starts at min(0, smallest), so equal values are its darkest end.
                double lo = Math.Min(min, 0);
                double darkness = chart.IsDiverging ? (max == 0 ? 0 : Math.Abs(v / max))
                    : max == lo ? 0 : (v - lo) / (max - lo);
                return new Annotation
                {
                    text = chart.ValueText(v), x = xs[j], y = ys[i], xref = "x", yref = "y", showarrow = false,
                    font = new Font { size = 11, color = darkness > 0.55 ? "white" : "#222", family = FontFamily },
                };
            })).ToArray();
        }
        return new PlotlyFigure([trace], layout);
    }

    private static string[][] Cells(Plots.Heatmap chart, Func<int, int, double, string> text) =>
        Enumerable.Range(0, chart.RowCount).Select(i => Enumerable.Range(0, chart.ColumnCount).Select(j => text(i, j, chart[i, j])).ToArray()).ToArray();

    /// <summary>
    /// The labels, each one seen before followed by as many zero-width spaces as copies came before it: on a category
    /// axis Plotly puts equal labels in one slot, so two bars named "run" were drawn one over the other.
    /// </summary>
    private static string[] Distinct(IReadOnlyList<string> labels)
    {
        var seen = new Dictionary<string, int>();
        return labels.Select(l =>
        {
            int copies = seen.GetValueOrDefault(l);
            seen[l] = copies + 1;
            return l + new string('\u200B', copies);
        }).ToArray();
    }

    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";

    private static PlotLayout BaseLayout(string? title, int width, int height) => new()
    {
        title = title,
        width = width,
        height = height,
        font = new Font { family = FontFamily, size = 12, color = "#222" },
        paper_bgcolor = "white",
        plot_bgcolor = "white",
    };

    private static Xaxis Axis(string? title) => new()
    {
        title = title, gridcolor = Grid, zeroline = false, showline = true, linecolor = Frame, mirror = true,
    };

    private static Yaxis YAxis(string? title) => new()
    {
        title = title, gridcolor = Grid, zeroline = false, showline = true, linecolor = Frame, mirror = true,
    };
}
