using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// A static SVG picture: a notebook shows it (it is an <see cref="IRichDisplay"/>), <see cref="Save"/>
/// writes it to a file a browser opens, and <see cref="ToSvg"/> gives its text.
/// </summary>
public abstract class Chart : IRichDisplay
{
    /// <summary>The chart's title, drawn above it (null for none).</summary>
    protected string? TitleText { get; set; }

    // What the interactive (Plotly) twin of a chart needs to carry the same labels and colours.
    internal string? TitleValue => TitleText;

    /// <summary>Width of the picture in pixels.</summary>
    public int Width { get => PictureWidth(); protected set => RequestedWidth = value; }

    /// <summary>The width set by the constructor or a method; the picture is this wide unless <see cref="PictureWidth"/> says otherwise.</summary>
    private protected int RequestedWidth { get; private set; }

    // A chart whose picture can grow beyond the width asked for (a line chart's legend outside a narrow plot area)
    // computes it here, so that Width, by which Panels places charts side by side, is always its SVG's width.
    private protected virtual int PictureWidth() => RequestedWidth;

    /// <summary>Height of the picture in pixels.</summary>
    public int Height { get => PictureHeight(); protected set => RequestedHeight = value; }

    /// <summary>The height set by the constructor or a method; the picture is this tall unless <see cref="PictureHeight"/> says otherwise.</summary>
    private protected int RequestedHeight { get; private set; }

    // As PictureWidth, for a picture that grows taller than asked (a line chart's legend of many series), so that
    // Height, by which Panels starts a new row, is always its SVG's height.
    private protected virtual int PictureHeight() => RequestedHeight;

    /// <summary>
    /// The left margin of a chart with y ticks (12 px, ending 8 px left of the plot) and perhaps a y label
    /// (13 px, rotated, its glyphs reaching x = 19): 64 px, which fits ticks of four digits beside the label,
    /// unless wider ticks ("0.0025", "250000") need more; those ran into the label or off the picture.
    /// </summary>
    private protected static int LeftMargin(IEnumerable<string> yTickLabels, bool hasYLabel) =>
        Math.Max(64, (int)Math.Ceiling(8 + yTickLabels.Max(l => Svg.TextWidth(l, 12)) + (hasYLabel ? 24 : 4)));

    // The title is 15 px bold, drawn centred; a long one was cut off at the picture's edges (a 2-class confusion
    // matrix is 266 px wide, "Confusion matrix of the test set" 270).
    private double TitleWidth => TitleText is null ? 0 : Svg.TextWidth(TitleText, 15, bold: true);

    /// <summary><paramref name="width"/>, widened so that the title fits with 8 px each side, up to the widest picture a notebook shows.</summary>
    private protected int WidthForTitle(int width) =>
        TitleText is null ? width : Math.Max(width, Math.Min(ImageGrid.MaxWidth, (int)Math.Ceiling(TitleWidth + 16)));

    /// <summary>
    /// Writes the title centred at <paramref name="x"/>, moved just far enough to keep it 8 px inside the picture;
    /// one wider than the widest picture ends in an ellipsis (it was cut at both edges).
    /// </summary>
    private protected void WriteTitle(System.Text.StringBuilder sb, double x, double y, int width)
    {
        if (TitleText is null) return;
        string shown = Svg.Shorten(TitleText, 15, width - 16, bold: true);
        double half = Svg.TextWidth(shown, 15, bold: true) / 2 + 8;
        Svg.Text(sb, 2 * half >= width ? width / 2.0 : Math.Clamp(x, half, width - half), y, shown, size: 15, extra: "font-weight=\"bold\"");
    }

    /// <summary>The chart as a standalone SVG document.</summary>
    public abstract string ToSvg();

    /// <summary>Writes the SVG to <paramref name="path"/> (conventionally ending in .svg) and returns the path.</summary>
    public string Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToSvg());
        return path;
    }

    /// <summary>Always <c>image/svg+xml</c>.</summary>
    public string MimeType => "image/svg+xml";

    /// <summary>The SVG markup (what a notebook displays).</summary>
    public string Render() => ToSvg();
}
