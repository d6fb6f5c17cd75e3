using System.Globalization;
using System.Text;
using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// Lines (and optionally markers) of one or more series against a common x axis, with nice ticks,
/// axis labels, a legend and shaded bands. Built fluently:
/// <c>Plot.Line(epochs, loss, label: "loss").Add(epochs, valLoss, label: "val_loss").Title("Loss")</c>.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class LineChart : Chart
{
    private readonly List<Series> _series = [];
    private readonly List<(double From, double To)> _bands = [];
    private string? _xLabel, _yLabel;
    private bool _markers;
    private (double Min, double Max)? _yRange;

    /// <summary>One named line.</summary>
    public sealed record Series(string Label, double[] X, double[] Y, bool Scatter);

    /// <summary>An empty chart of the given size.</summary>
    public LineChart(int width = 640, int height = 400) { Width = width; Height = height; }

    internal string? XLabelValue => _xLabel;
    internal string? YLabelValue => _yLabel;
    internal IReadOnlyList<(double From, double To)> Bands => _bands;
    internal bool ShowsMarkers => _markers;
    internal (double Min, double Max)? YRangeValue => _yRange;

    /// <summary>The series drawn, in order.</summary>
    public IReadOnlyList<Series> AllSeries => _series;

    /// <summary>Adds a line. x and y must have the same length; NaN values are an error.</summary>
    public LineChart Add(IReadOnlyList<float> x, IReadOnlyList<float> y, string? label = null) =>
        Add(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), label);

    /// <summary>Adds a line from two vectors.</summary>
    public LineChart Add(Tensor x, Tensor y, string? label = null) => Add(x.ToArray(), y.ToArray(), label);

    /// <summary>Adds a line.</summary>
    public LineChart Add(double[] x, double[] y, string? label = null) => AddSeries(x, y, label, scatter: false);

    internal LineChart AddSeries(double[] x, double[] y, string? label, bool scatter)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Plot: x has {x.Length} values but y has {y.Length}.");
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Plot: series '{label ?? $"series {_series.Count + 1}"}' has a non-finite value at index {i} (x = {x[i]}, y = {y[i]})."));
        _series.Add(new Series(label ?? $"series {_series.Count + 1}", x, y, scatter));
        return this;
    }

    /// <summary>Sets the title.</summary>
    public LineChart Title(string title) { TitleText = title; return this; }
    /// <summary>Labels the x axis.</summary>
    public LineChart XLabel(string label) { _xLabel = label; return this; }
    /// <summary>Labels the y axis.</summary>
    public LineChart YLabel(string label) { _yLabel = label; return this; }
    /// <summary>Shades the vertical band between two x values (e.g. where a gradient vanishes).</summary>
    public LineChart Shade(double from, double to) { _bands.Add((Math.Min(from, to), Math.Max(from, to))); return this; }
    /// <summary>Draws a dot at every point.</summary>
    public LineChart Markers(bool on = true) { _markers = on; return this; }
    /// <summary>Fixes the y range instead of fitting it to the data.</summary>
    public LineChart YRange(double min, double max) { _yRange = (min, max); return this; }

    /// <summary>Where everything goes: the ticks, the margins, the legend and the picture's size.</summary>
    private sealed record Layout(double[] XTicks, double[] YTicks, int Left, int Top, int Right, int Width, int Height,
        bool HasLegend, bool Inside, int Corner, int LegendWidth, int LegendHeight);

    // Below the plot area: the x ticks and the x label.
    private const int Bottom = 52;

    // One computation for both Width and ToSvg: when an outside legend widened the SVG, Width used to keep the
    // requested width, and Panels placed the next chart over the legend and cut the picture at that width.
    private Layout Arrange()
    {
        int requested = RequestedWidth;
        int top = TitleText is null ? 16 : 40;
        bool hasLegend = _series.Count > 1 || _series[0].Label != "series 1";
        // 7 px a character fits most labels; capitals and wide letters ("WWWW", "MNIST") ran out of the box.
        int lw = hasLegend ? 24 + (int)Math.Ceiling(_series.Max(s => Math.Max(7 * s.Label.Length, Svg.TextWidth(s.Label, 12)))) + 12 : 0;
        int lh = 8 + 18 * _series.Count;
        // A legend taller than the plot area (over 16 series in the default 400 px, 15 under a title) ran off the
        // picture's bottom: it goes outside, and the picture grows until the plot area beside it holds it.
        bool tall = hasLegend && lh + 16 > RequestedHeight - top - Bottom;
        int height = tall ? top + lh + 16 + Bottom : RequestedHeight;
        double xMin = _series.SelectMany(s => s.X).Min(), xMax = _series.SelectMany(s => s.X).Max();
        double yMin = _yRange?.Min ?? _series.SelectMany(s => s.Y).Min(), yMax = _yRange?.Max ?? _series.SelectMany(s => s.Y).Max();
        var xt = Ticks.Nice(xMin, xMax, Math.Max(3, requested / 90));
        var yt = Ticks.Nice(yMin, yMax, Math.Max(3, height / 70));
        int left = LeftMargin(Ticks.Labels(yt), _yLabel is not null);
        // The legend goes in the corner of the plot area that covers the fewest data points; when every
        // corner holds data, or the legend is wider or taller than the plot area, it sits outside, right of a
        // narrower plot area.
        var (inside, corner) = !hasLegend ? (true, 0)
            : tall || lw + 16 > requested - left - 20 ? (false, 0)
            : EmptiestCorner(xt, yt, left, top, lw, lh);
        int right = hasLegend && !inside ? 20 + lw + 12 : 20;
        // An outside legend takes its room from the plot area, so the picture keeps its size, unless its labels
        // are so long that the plot area would shrink below half its width (or below zero): then it widens.
        int width = WidthForTitle(Math.Max(requested, left + right + (requested - left - 20) / 2));
        return new Layout(xt, yt, left, top, right, width, height, hasLegend, inside, corner, lw, lh);
    }

    private bool HasData => _series.Count > 0 && _series.Any(s => s.X.Length > 0);

    private protected override int PictureWidth() => HasData ? Arrange().Width : RequestedWidth;

    private protected override int PictureHeight() => HasData ? Arrange().Height : RequestedHeight;

    /// <inheritdoc/>
    public override string ToSvg()
    {
        if (!HasData)
            throw new InvalidOperationException("Plot: the chart has no data; add a series first.");
        var (xt, yt, left, top, right, width, height, hasLegend, inside, corner, lw, lh) = Arrange();
        double pw = width - left - right, ph = height - top - Bottom;
        double x0 = xt[0], x1 = xt[^1], y0 = yt[0], y1 = yt[^1];
        double X(double v) => left + (v - x0) / (x1 - x0) * pw;
        double Y(double v) => top + ph - (v - y0) / (y1 - y0) * ph;

        var sb = Svg.Begin(width, height);
        WriteTitle(sb, left + pw / 2, 24, width);
        foreach (var (from, to) in _bands)
        {
            double a = X(Math.Max(from, x0)), b = X(Math.Min(to, x1));
            if (b > a) sb.Append($"<rect class=\"band\" x=\"{Svg.N(a)}\" y=\"{top}\" width=\"{Svg.N(b - a)}\" height=\"{Svg.N(ph)}\" fill=\"#999\" fill-opacity=\"0.18\"/>");
        }
        var xl = Ticks.Labels(xt); var yl = Ticks.Labels(yt);
        for (int i = 0; i < xt.Length; i++)
        {
            double x = X(xt[i]);
            sb.Append($"<line x1=\"{Svg.N(x)}\" y1=\"{top}\" x2=\"{Svg.N(x)}\" y2=\"{Svg.N(top + ph)}\" stroke=\"#e5e5e5\"/>");
            Svg.Text(sb, x, top + ph + 18, xl[i], extra: "class=\"xtick\"");
        }
        for (int i = 0; i < yt.Length; i++)
        {
            double y = Y(yt[i]);
            sb.Append($"<line x1=\"{left}\" y1=\"{Svg.N(y)}\" x2=\"{Svg.N(left + pw)}\" y2=\"{Svg.N(y)}\" stroke=\"#e5e5e5\"/>");
            Svg.Text(sb, left - 8, y + 4, yl[i], anchor: "end", extra: "class=\"ytick\"");
        }
        sb.Append($"<rect x=\"{left}\" y=\"{top}\" width=\"{Svg.N(pw)}\" height=\"{Svg.N(ph)}\" fill=\"none\" stroke=\"#444\"/>");
        if (_xLabel is not null) Svg.Text(sb, left + pw / 2, height - 12, _xLabel, size: 13, extra: "class=\"xlabel\"");
        if (_yLabel is not null) Svg.Text(sb, 16, top + ph / 2, _yLabel, size: 13, extra: $"class=\"ylabel\" transform=\"rotate(-90 16 {Svg.N(top + ph / 2)})\"");

        // With a fixed y range, values outside it are cut at the plot area's edge instead of running over
        // the title and the axes. The clip's id is derived from the plot's content so that several charts
        // on one page do not share one, and the same chart always renders to the same SVG.
        var lines = new StringBuilder();
        for (int s = 0; s < _series.Count; s++)
        {
            var ser = _series[s];
            var (color, dash, symbol) = SeriesStyle(s);
            if (!ser.Scatter)
            {
                var pts = new StringBuilder();
                for (int i = 0; i < ser.X.Length; i++) pts.Append(Svg.N(X(ser.X[i]))).Append(',').Append(Svg.N(Y(ser.Y[i]))).Append(' ');
                lines.Append($"<polyline class=\"series\" data-label=\"{Svg.Escape(ser.Label)}\" points=\"{pts.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\"{DashAttribute(dash)} stroke-width=\"2\"/>");
            }
            if (_markers || ser.Scatter)
                for (int i = 0; i < ser.X.Length; i++)
                    AppendMarker(lines, X(ser.X[i]), Y(ser.Y[i]), ser.Scatter ? 2.5 : 3, color, symbol, ser.Scatter ? " fill-opacity=\"0.7\"" : "");
        }
        if (_yRange is null) sb.Append(lines);
        else
        {
            string id = $"plot-area-{Fnv(lines.ToString()):x8}";
            sb.Append($"<clipPath id=\"{id}\"><rect x=\"{left}\" y=\"{top}\" width=\"{Svg.N(pw)}\" height=\"{Svg.N(ph)}\"/></clipPath>");
            sb.Append($"<g clip-path=\"url(#{id})\">").Append(lines).Append("</g>");
        }
        if (hasLegend)
        {
            double lx = !inside ? left + pw + 12 : corner % 2 == 0 ? left + pw - lw - 8 : left + 8;
            double ly = !inside || corner < 2 ? top + 8 : top + ph - lh - 8;
            sb.Append($"<g class=\"legend\" data-placement=\"{(inside ? CornerNames[corner] : "outside")}\"><rect x=\"{Svg.N(lx)}\" y=\"{Svg.N(ly)}\" width=\"{lw}\" height=\"{lh}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>");
            for (int s = 0; s < _series.Count; s++)
            {
                double y = ly + 14 + 18 * s;
                var (color, dash, symbol) = SeriesStyle(s);
                // A scatter series' key is its marker: drawn as a line, a dashed one, it promised a line that is not there.
                if (_series[s].Scatter) AppendMarker(sb, lx + 15, y - 4, 4, color, symbol, "");
                else sb.Append($"<line x1=\"{Svg.N(lx + 6)}\" y1=\"{Svg.N(y - 4)}\" x2=\"{Svg.N(lx + 24)}\" y2=\"{Svg.N(y - 4)}\" stroke=\"{color}\"{DashAttribute(dash)} stroke-width=\"3\"/>");
                Svg.Text(sb, lx + 30, y, _series[s].Label, anchor: "start");
            }
            sb.Append("</g>");
        }
        return sb.Append("</svg>").ToString();
    }

    // Ten colours, then the same ten dashed (and their markers hollow, square...): series 0 and 10 were drawn
    // alike, in the plot and in the legend.
    private static readonly string[] Dashes = ["", "7 4", "2 3", "9 3 2 3"];
    private static readonly string[] Symbols = ["circle", "circle-open", "square", "square-open"];

    /// <summary>
    /// Series <paramref name="s"/>'s colour, dash pattern (SVG's stroke-dasharray lengths, "" for a solid line) and
    /// marker (named as Plotly names them).
    /// </summary>
    internal static (string Color, string Dashes, string Symbol) SeriesStyle(int s)
    {
        int round = s / Svg.Palette.Length;
        return (Svg.Palette[s % Svg.Palette.Length], Dashes[round % Dashes.Length], Symbols[round % Symbols.Length]);
    }

    private static void AppendMarker(StringBuilder sb, double x, double y, double r, string color, string symbol, string extra)
    {
        string paint = symbol.EndsWith("-open") ? $"fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"" : $"fill=\"{color}\"";
        if (symbol.StartsWith("square"))
            sb.Append($"<rect x=\"{Svg.N(x - r)}\" y=\"{Svg.N(y - r)}\" width=\"{Svg.N(2 * r)}\" height=\"{Svg.N(2 * r)}\" {paint}{extra}/>");
        else sb.Append($"<circle cx=\"{Svg.N(x)}\" cy=\"{Svg.N(y)}\" r=\"{Svg.N(r)}\" {paint}{extra}/>");
    }

    private static string DashAttribute(string dashes) => dashes == "" ? "" : $" stroke-dasharray=\"{dashes}\"";

    private static uint Fnv(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text) h = (h ^ ch) * 16777619;
        return h;
    }

    private static readonly string[] CornerNames = ["top-right", "top-left", "bottom-right", "bottom-left"];

    /// <summary>
    /// Which corner of the plot area (0 top right, 1 top left, 2 bottom right, 3 bottom left) a legend of
    /// lw × lh pixels would hide the least data in, sampling every line densely so a line crossing the box
    /// between two points counts too; inside is false when no corner is free of data.
    /// </summary>
    private (bool Inside, int Corner) EmptiestCorner(double[] xt, double[] yt, int left, int top, int lw, int lh)
    {
        double pw = RequestedWidth - left - 20, ph = RequestedHeight - top - Bottom;
        double x0 = xt[0], x1 = xt[^1], y0 = yt[0], y1 = yt[^1];
        double X(double v) => left + (v - x0) / (x1 - x0) * pw;
        double Y(double v) => top + ph - (v - y0) / (y1 - y0) * ph;
        var hidden = new int[4];
        const int Margin = 6;
        for (int c = 0; c < 4; c++)
        {
            double bx = c % 2 == 0 ? left + pw - lw - 8 : left + 8, by = c < 2 ? top + 8 : top + ph - lh - 8;
            bool Inside(double px, double py) => px >= bx - Margin && px <= bx + lw + Margin && py >= by - Margin && py <= by + lh + Margin;
            foreach (var s in _series)
                for (int i = 0; i < s.X.Length; i++)
                {
                    if (Inside(X(s.X[i]), Y(s.Y[i]))) hidden[c]++;
                    if (s.Scatter || i + 1 == s.X.Length) continue;
                    for (int k = 1; k < 16; k++)
                    {
                        double t = k / 16.0;
                        if (Inside(X(s.X[i] + t * (s.X[i + 1] - s.X[i])), Y(s.Y[i] + t * (s.Y[i + 1] - s.Y[i])))) hidden[c]++;
                    }
                }
        }
        int best = Array.IndexOf(hidden, hidden.Min());
        return (hidden[best] == 0, best);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"LineChart{(TitleText is null ? "" : $" '{TitleText}'")}: {_series.Count} series ({string.Join(", ", _series.Select(s => $"{s.Label}: {s.X.Length} point{(s.X.Length == 1 ? "" : "s")}"))})";
}
