using System.Globalization;
using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// A matrix drawn as coloured cells with row and column labels, optional values in the cells and a
/// colour scale: a confusion matrix (counts, white to blue) or weights (diverging blue-white-red).
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class Heatmap : Chart
{
    private readonly double[,] _values;
    private readonly string[] _rows, _columns;
    private string? _rowTitle, _columnTitle;
    private bool _showValues;
    private readonly bool _diverging;

    /// <summary>A heatmap of <paramref name="values"/>; signed data gets the diverging scale automatically.</summary>
    public Heatmap(double[,] values, IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, bool? showValues = null)
    {
        _values = (double[,])values.Clone();
        int r = values.GetLength(0), c = values.GetLength(1);
        if (r == 0 || c == 0) throw new ArgumentException("Heatmap: the matrix is empty.");
        // A NaN made every colour NaN (LINQ's Min is NaN then), so the whole map came out white.
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++)
                if (!double.IsFinite(values[i, j]))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Heatmap: the value at row {i}, column {j} is {values[i, j]}; a heatmap needs finite numbers."), nameof(values));
        _rows = (rowLabels ?? Enumerable.Range(0, r).Select(i => i.ToString()).ToArray()).ToArray();
        _columns = (columnLabels ?? Enumerable.Range(0, c).Select(i => i.ToString()).ToArray()).ToArray();
        if (_rows.Length != r || _columns.Length != c)
            throw new ArgumentException($"Heatmap: {r}x{c} values but {_rows.Length} row and {_columns.Length} column labels.");
        _diverging = values.Cast<double>().Any(v => v < 0);
        _showValues = showValues ?? (r * c <= 400);
        int cell = Math.Clamp(560 / Math.Max(r, c), 8, 48);
        Cell = cell;
        // Column labels wider than a cell ran into each other ("T-shirt/top" into "Trouser" in 48 px, "10" into "11"
        // in 11 px): those are turned, by 45 degrees where the cells leave room between the slanted lines, else
        // upright, and the cells move down by the height they take beyond a line of text. Cells narrower than a
        // line of text (8 px from 70 rows or columns on) label every second or third, as upright labels (and the
        // row labels) one cell apart overlapped.
        double widest = _columns.Max(l => Svg.TextWidth(l, LabelSize));
        (ColumnAngle, ColumnStep) = SlotLabels.Fit(widest, cell, LabelSize);
        RowStep = SlotLabels.Step(cell, LabelSize);
        double rise = ColumnAngle == 45 ? widest * 0.71 + 6 : ColumnAngle == 90 ? widest : 0;
        Top = 60 + Math.Max(0, (int)Math.Ceiling(rise) - 9);
        Height = Top + Math.Max(r * cell, MinKeyHeight) + 50;
    }

    private const int LabelSize = 11;
    // The colour key is as tall as the cells, but no shorter than this: one row of 28 px cells had a key of
    // 28 px, its two 10 px labels almost touching (16 px for two rows of 8 px cells, drawn over each other).
    private const int MinKeyHeight = 60;
    private int Cell { get; }
    // 0 for level column labels, else how many degrees they are turned anticlockwise.
    private int ColumnAngle { get; }
    // 1 when every column (row) is labelled, k when every k-th is.
    private int ColumnStep { get; }
    private int RowStep { get; }
    private int Top { get; }

    /// <summary>The left edge of the cells, how far everything is moved right to centre it under a wide title, and the picture's width.</summary>
    private (int Left, int Shift, int Width) Horizontal()
    {
        int c = _values.GetLength(1);
        // Row labels end 6 px left of the cells; the rotated row title's glyphs reach x = 19. Long labels
        // ("a very long row label") were cut off at the picture's edge by the fixed 90 px.
        int left = Math.Max(90, (int)Math.Ceiling(6 + _rows.Max(l => Svg.TextWidth(l, LabelSize)) + (_rowTitle is null ? 4 : 24)));
        // The key's labels start 38 px right of the cells; "12345.68" or "-4.5e30" did not fit the 80 px.
        var (hi, lo) = KeyLabels();
        int right = Math.Max(80, (int)Math.Ceiling(38 + Math.Max(Svg.TextWidth(hi, 10), Svg.TextWidth(lo, 10)) + 6));
        // A slanted label starts over its cell's middle and runs up to the right, perhaps past the last cell.
        if (ColumnAngle == 45)
        {
            double end = Enumerable.Range(0, c).Max(j => (j + 0.5) * Cell + 4 + Svg.TextWidth(_columns[j], LabelSize) * 0.71);
            right = Math.Max(right, (int)Math.Ceiling(end - c * Cell + 4));
        }
        int content = left + c * Cell + right, width = WidthForTitle(content), shift = (width - content) / 2;
        return (left + shift, shift, width);
    }

    private protected override int PictureWidth() => Horizontal().Width;

    /// <summary>Whether every value is a whole number below a million, and whether they are all below 0.01 in size.</summary>
    // Computed once: ValueText is asked for every cell, and a scan of all values each time was quadratic in the cells
    // (8 billion steps for the hover texts of a 300×300 map's Plotly twin).
    private (bool Integers, bool Small) NumberStyle() => _numberStyle ??= FindNumberStyle();
    private (bool Integers, bool Small)? _numberStyle;

    private (bool Integers, bool Small) FindNumberStyle()
    {
        var all = _values.Cast<double>();
        // 1e30 is a whole number to a double, and was written in 31 digits.
        bool integers = all.All(v => v == Math.Round(v) && Math.Abs(v) < 1e6);
        // Values all below 0.01 in size would all read 0.00 (and the key 0 to -0): those are written 1.5e-3.
        return (integers, !integers && all.Max(Math.Abs) < 0.01);
    }

    /// <summary>
    /// A cell's value as written in it (and in the Plotly twin's cells and hover): whole numbers as such, from a
    /// million up in scientific notation as bar values are, and others with two decimals below 100, none above
    /// (12345.678 as "12346": "12345.68" overflowed a cell).
    /// </summary>
    internal string ValueText(double v)
    {
        var (integers, small) = NumberStyle();
        return Svg.Number(v, Math.Abs(v) >= 1e6 ? "0.##e0" : integers ? "0" : small ? "0.0e0" : Math.Abs(v) >= 100 ? "0" : "0.00");
    }

    /// <summary>The labels at the top and bottom of the colour key.</summary>
    private (string High, string Low) KeyLabels()
    {
        var (integers, small) = NumberStyle();
        double max = _values.Cast<double>().Select(Math.Abs).Max(), low = _diverging ? -max : Math.Min(_values.Cast<double>().Min(), 0);
        string Format(double v) => Svg.Number(v, Math.Abs(v) >= 1e6 ? "0.##e0" : integers ? "0" : small ? "0.0e0" : "0.##");
        return (Format(max), Format(low));
    }

    internal IReadOnlyList<string> RowLabels => _rows;
    internal IReadOnlyList<string> ColumnLabels => _columns;
    internal string? RowTitle => _rowTitle;
    internal string? ColumnTitle => _columnTitle;
    internal bool IsDiverging => _diverging;
    internal bool ShowsValues => _showValues && Cell >= 18;
    internal int RowCount => _values.GetLength(0);
    internal int ColumnCount => _values.GetLength(1);

    /// <summary>The values drawn, by row and column.</summary>
    public double this[int row, int column] => _values[row, column];

    /// <summary>Sets the title.</summary>
    public Heatmap Title(string title) { TitleText = title; return this; }
    /// <summary>Names the axes, e.g. ("true", "predicted").</summary>
    public Heatmap AxisTitles(string rows, string columns) { _rowTitle = rows; _columnTitle = columns; return this; }
    /// <summary>Whether each cell shows its value.</summary>
    public Heatmap ShowValues(bool on) { _showValues = on; return this; }

    /// <inheritdoc/>
    public override string ToSvg()
    {
        int r = _values.GetLength(0), c = _values.GetLength(1);
        double max = _values.Cast<double>().Select(Math.Abs).Max(), min = _values.Cast<double>().Min();
        // The sequential scale, and its key, start at 0 (or below, for a negative minimum): a matrix of equal
        // values is a range from 0 to that value, and only an all-zero one has no range.
        double lo = Math.Min(min, 0);
        var (left, shift, width) = Horizontal();
        int top = Top;
        var sb = Svg.Begin(width, Height);
        WriteTitle(sb, width / 2.0, 22, width);
        for (int i = 0; i < r; i++)
        {
            if (i % RowStep == 0) Svg.Text(sb, left - 6, top + i * Cell + Cell / 2.0 + 4, _rows[i], anchor: "end", size: LabelSize);
            for (int j = 0; j < c; j++)
            {
                double v = _values[i, j];
                string fill; double darkness;
                if (_diverging)
                {
                    var (R, G, B) = Svg.Diverging(max == 0 ? 0 : v / max);
                    fill = $"#{R:x2}{G:x2}{B:x2}"; darkness = max == 0 ? 0 : Math.Abs(v / max);
                }
                else
                {
                    double t = max == lo ? 0 : (v - lo) / (max - lo);
                    fill = Svg.Sequential(t); darkness = t;
                }
                double x = left + j * Cell, y = top + i * Cell;
                sb.Append($"<rect class=\"cell\" x=\"{x}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"{fill}\" stroke=\"white\"/>");
                if (_showValues && Cell >= 18)
                    Svg.Text(sb, x + Cell / 2.0, y + Cell / 2.0 + 4, ValueText(v), size: Cell >= 36 ? 11 : 9,
                        fill: darkness > 0.55 ? "white" : "#222", extra: "class=\"value\"");
            }
        }
        for (int j = 0; j < c; j += ColumnStep)
        {
            double x = left + j * Cell + Cell / 2.0;
            if (ColumnAngle == 0) Svg.Text(sb, x, top - 6, _columns[j], size: LabelSize);
            else
                // Turned about its start, which sits over the cell's middle (moved by half a glyph's height so
                // that the line, not its baseline, is centred there).
                Svg.Text(sb, x + 4, top - 6, _columns[j], anchor: "start", size: LabelSize,
                    extra: $"class=\"column\" transform=\"rotate({-ColumnAngle} {Svg.N(x + 4)} {top - 6})\"");
        }
        if (_columnTitle is not null) Svg.Text(sb, left + c * Cell / 2.0, 36, _columnTitle, size: 13);
        if (_rowTitle is not null) Svg.Text(sb, 16 + shift, top + r * Cell / 2.0, _rowTitle, size: 13, extra: $"transform=\"rotate(-90 {16 + shift} {Svg.N(top + r * Cell / 2.0)})\"");
        // Colour scale.
        double sx = left + c * Cell + 20, sh = Math.Max(r * Cell, MinKeyHeight);
        for (int k = 0; k < 50; k++)
        {
            double t = 1 - k / 49.0;
            string fill = _diverging ? Hex(Svg.Diverging(2 * t - 1)) : Svg.Sequential(t);
            sb.Append($"<rect x=\"{Svg.N(sx)}\" y=\"{Svg.N(top + k * sh / 50)}\" width=\"14\" height=\"{Svg.N(sh / 50 + 0.5)}\" fill=\"{fill}\"/>");
        }
        var (hiLabel, loLabel) = KeyLabels();
        Svg.Text(sb, sx + 18, top + 10, hiLabel, anchor: "start", size: 10);
        Svg.Text(sb, sx + 18, top + sh, loLabel, anchor: "start", size: 10);
        return sb.Append("</svg>").ToString();
    }

    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";

    /// <inheritdoc/>
    public override string ToString() => $"Heatmap{(TitleText is null ? "" : $" '{TitleText}'")}: {_values.GetLength(0)}x{_values.GetLength(1)}";
}
