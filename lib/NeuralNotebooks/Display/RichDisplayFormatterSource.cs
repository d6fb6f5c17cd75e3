namespace NeuralNotebooks.Display;

/// <summary>
/// Supplies the notebook formatters for every <see cref="IRichDisplay"/> type, following the
/// dotnet-interactive convention (see <see cref="TypeFormatterSourceAttribute"/>).
/// </summary>
public sealed class RichDisplayFormatterSource
{
    /// <summary>Called by the notebook kernel: one formatter for HTML and SVG, one for plain text.</summary>
    public IEnumerable<object> CreateTypeFormatters() =>
    [
        new RichDisplayFormatter("text/html"),
        new RichDisplayFormatter("image/svg+xml"),
        new PlainTextFormatter(),
    ];
}

/// <summary>
/// Writes an <see cref="IRichDisplay"/> in one mime type. SVG is written inside HTML too, so
/// a host that asks for text/html (as VS Code does by default) still shows the picture.
/// </summary>
public sealed class RichDisplayFormatter(string mimeType)
{
    /// <summary>The mime type this formatter writes.</summary>
    public string MimeType { get; } = mimeType;

    /// <summary>The types this formatter applies to: every <see cref="IRichDisplay"/>.</summary>
    public Type Type => typeof(IRichDisplay);

    /// <summary>Writes <paramref name="value"/> if it is displayable; returns whether it did.</summary>
    public bool Format(object value, TextWriter writer)
    {
        if (value is not IRichDisplay d) return false;
        if (MimeType == "image/svg+xml" && d.MimeType != "image/svg+xml") return false;
        writer.Write(d.Render());
        return true;
    }
}

/// <summary>Writes a displayable object's <c>ToString()</c> as text/plain.</summary>
public sealed class PlainTextFormatter
{
    /// <summary>Always text/plain.</summary>
    public string MimeType => "text/plain";

    /// <summary>The types this formatter applies to: every <see cref="IRichDisplay"/>.</summary>
    public Type Type => typeof(IRichDisplay);

    /// <summary>Writes the value's text.</summary>
    public bool Format(object value, TextWriter writer)
    {
        writer.Write(value?.ToString());
        return true;
    }
}
