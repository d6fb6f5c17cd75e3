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
    public int Width { get; protected set; }

    /// <summary>Height of the picture in pixels.</summary>
    public int Height { get; protected set; }

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
