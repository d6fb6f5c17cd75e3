using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// Vertical bars with a label under each and its value above, the largest highlighted in a darker blue
/// (not red: the course's charts keep red for "wrong").
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class BarChart : Chart
{
    private readonly string[] _labels;
    private readonly double[] _values;
    private string? _yLabel, _xLabel;
    private bool _highlightMax = true;

    /// <summary>One bar per label.</summary>
    public BarChart(IReadOnlyList<string> labels, IReadOnlyList<double> values, int width = 640, int height = 360)
    {
        if (labels.Count != values.Count) throw new ArgumentException($"Bar chart: {labels.Count} labels but {values.Count} values.");
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("Bar chart: every value must be finite.");
        _labels = labels.ToArray(); _values = values.ToArray(); Width = width; Height = height;
    }

    /// <summary>The bars' labels.</summary>
    public IReadOnlyList<string> Labels => _labels;
    /// <summary>The bars' values.</summary>
    public IReadOnlyList<double> Values => _values;

    // Shared with the Plotly twin, which drew the largest bar red.
    internal const string Colour = "#6baed6", HighlightColour = "#08306b";

    internal string? YLabelValue => _yLabel;
    internal string? XLabelValue => _xLabel;
    internal bool HighlightsMax => _highlightMax;

    /// <summary>Sets the title.</summary>
    public BarChart Title(string title) { TitleText = title; return this; }
    /// <summary>Labels the y axis.</summary>
    public BarChart YLabel(string label) { _yLabel = label; return this; }
    /// <summary>Labels the x axis (under the bars' labels).</summary>
    public BarChart XLabel(string label) { _xLabel = label; return this; }
    /// <summary>Whether the largest bar is drawn in a stronger colour (on by default).</summary>
    public BarChart HighlightMax(bool on) { _highlightMax = on; return this; }

    private protected override int PictureWidth() => WidthForTitle(RequestedWidth);

    private protected override int PictureHeight() => _values.Length == 0 ? RequestedHeight : Arrange().Height;

    /// <summary>Where everything goes: the y ticks, the margins, the bars' labels (their size, angle and step) and the picture's height.</summary>
    private sealed record Layout(double[] YTicks, string[] YLabels, int Left, int Top, int Bottom, int Height, int LabelSize, int LabelAngle, int LabelStep);

    private const int Right = 16;
    // How far below the axis a turned label ends (it is turned about its end).
    private const int LabelGap = 8;

    private Layout Arrange()
    {
        var yt = Ticks.Nice(Math.Min(0, _values.Min()), Math.Max(0, _values.Max()), 6);
        var yl = Ticks.Labels(yt);
        int left = LeftMargin(yl, _yLabel is not null);
        int top = TitleText is null ? 24 : 44;
        int level = _xLabel is null ? 40 : 58;
        // Labels wider than their bars ran into each other (100 bars labelled 0 to 99 were 5.6 px apart): they are
        // turned, 45 degrees where the bars are far enough apart for slanted lines, else upright, and where even
        // upright lines are closer than a line of text only every k-th is drawn. Turned about their ends under the bars,
        // they take the height of their width (0.71 of it, and of a line, slanted), below which the x label goes.
        int size = _labels.Length > 12 ? 10 : 12;
        double widest = _labels.Max(l => Svg.TextWidth(l, size));
        double Slot() => (Width - left - Right) / (double)_labels.Length;
        var (angle, step) = SlotLabels.Fit(widest, Slot(), size);
        if (angle == 45)
        {
            // A slanted label runs down to the left of its bar: the first ones must not run off the picture.
            double slot = Slot();
            double reach = Enumerable.Range(0, _labels.Length).Max(i => Svg.TextWidth(_labels[i], size) * 0.71 - slot * (i + 0.5)) + 4;
            left = Math.Max(left, (int)Math.Ceiling(reach));
            (angle, step) = SlotLabels.Fit(widest, Slot(), size);
        }
        double rise = angle == 45 ? (widest + size) * 0.71 : angle == 90 ? widest : 0;
        int bottom = angle == 0 ? level : Math.Max(level, (int)Math.Ceiling(LabelGap + rise) + (_xLabel is null ? 6 : 24));
        // Long turned labels would squash the bars: the picture grows so that they keep half the height they have under level labels.
        int height = Math.Max(RequestedHeight, top + bottom + (RequestedHeight - top - level) / 2);
        return new Layout(yt, yl, left, top, bottom, height, size, angle, step);
    }

    /// <inheritdoc/>
    public override string ToSvg()
    {
        if (_values.Length == 0) throw new InvalidOperationException("Bar chart: no bars.");
        var (yt, yl, left, top, bottom, height, size, angle, step) = Arrange();
        double pw = Width - left - Right, ph = height - top - bottom, y0 = yt[0], y1 = yt[^1];
        double Y(double v) => top + ph - (v - y0) / (y1 - y0) * ph;
        var sb = Svg.Begin(Width, height);
        WriteTitle(sb, Width / 2.0, 24, Width);
        for (int i = 0; i < yt.Length; i++)
        {
            sb.Append($"<line x1=\"{left}\" y1=\"{Svg.N(Y(yt[i]))}\" x2=\"{Svg.N(left + pw)}\" y2=\"{Svg.N(Y(yt[i]))}\" stroke=\"#e5e5e5\"/>");
            Svg.Text(sb, left - 8, Y(yt[i]) + 4, yl[i], anchor: "end");
        }
        if (_yLabel is not null) Svg.Text(sb, 16, top + ph / 2, _yLabel, size: 13, extra: $"class=\"ylabel\" transform=\"rotate(-90 16 {Svg.N(top + ph / 2)})\"");
        int best = Array.IndexOf(_values, _values.Max());
        double slot = pw / _values.Length, bw = slot * 0.7;
        // Values wider than the room between bars ran into each other ("0.123", 32 px, over 30 bars 18.7 px apart): then
        // none is written, rather than some bars with a value and some without; the y axis still reads them. A value
        // a little wider than its bar ("82.5", 22 px, over 20 px bars 28 px apart) touches nothing and stays.
        bool values = _values.All(v => Svg.TextWidth(FormatValue(v), 10) <= slot - 2);
        for (int i = 0; i < _values.Length; i++)
        {
            double x = left + slot * i + (slot - bw) / 2, ya = Y(Math.Max(0, _values[i])), yb = Y(Math.Min(0, _values[i]));
            string color = _highlightMax && i == best ? HighlightColour : Colour;
            sb.Append($"<rect class=\"bar\" data-label=\"{Svg.Escape(_labels[i])}\" x=\"{Svg.N(x)}\" y=\"{Svg.N(ya)}\" width=\"{Svg.N(bw)}\" height=\"{Svg.N(Math.Max(yb - ya, 0.5))}\" fill=\"{color}\"/>");
            if (angle == 0) Svg.Text(sb, x + bw / 2, top + ph + 18, _labels[i], size: size);
            else if (i % step == 0)
            {
                // Moved right by about half a line (0.35 em upright, 0.25 slanted) so that the text, not its baseline, points at the bar.
                double lx = x + bw / 2 + size * (angle == 90 ? 0.35 : 0.25), ly = top + ph + LabelGap;
                Svg.Text(sb, lx, ly, _labels[i], anchor: "end", size: size, extra: $"class=\"xtick\" transform=\"rotate({-angle} {Svg.N(lx)} {Svg.N(ly)})\"");
            }
            if (values) Svg.Text(sb, x + bw / 2, ya - 4, FormatValue(_values[i]), size: 10, fill: "#444");
        }
        if (_xLabel is not null) Svg.Text(sb, left + pw / 2, height - 10, _xLabel, size: 13, extra: "class=\"xlabel\"");
        sb.Append($"<line x1=\"{left}\" y1=\"{Svg.N(Y(0))}\" x2=\"{Svg.N(left + pw)}\" y2=\"{Svg.N(Y(0))}\" stroke=\"#444\"/>");
        return sb.Append("</svg>").ToString();
    }

    // Also the Plotly twin's bar texts, which wrote 1e30 in 31 digits and -0.0001 as "-0".
    internal static string FormatValue(double v)
    {
        double a = Math.Abs(v);
        // Scientific from a million on, where N0 wrote 1e30 in 31 digits; a value below a thousandth reads 0
        // (a probability of 2e-5 beside ones of 0.99), never -0.
        return Svg.Number(v, a >= 1e6 ? "0.##e0" : a >= 100 ? "N0" : a >= 1 ? "0.##" : "0.###");
    }

    /// <inheritdoc/>
    public override string ToString() => $"BarChart{(TitleText is null ? "" : $" '{TitleText}'")}: " +
        string.Join(", ", _labels.Zip(_values, (l, v) => $"{l}={FormatValue(v)}"));
}
