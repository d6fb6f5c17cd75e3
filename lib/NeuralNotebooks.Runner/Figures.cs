using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using SkiaSharp;
using Svg.Skia;

namespace NeuralNotebooks.Runner;

/// <summary>
/// A displayed value's data as Jupyter stores it. A figure (an SVG document, which the library's
/// formatters write as text/html or image/svg+xml) is stored as image/png, rendered here at twice
/// its size, beside image/svg+xml and a text/plain fallback: GitHub and several notebook viewers
/// show no SVG, and every viewer shows PNG.
/// </summary>
internal static partial class Figures
{
    /// <summary>How many pixels a PNG has per SVG unit: sharp on high-density screens.</summary>
    internal const float Scale = 2;

    internal static JsonObject Data(DisplayEvent e)
    {
        var data = new JsonObject();
        foreach (var v in e.FormattedValues) data[v.MimeType] = JupyterText.Lines(v.Value ?? "");
        string? svg = e.FormattedValues.FirstOrDefault(v => v.MimeType == "image/svg+xml")?.Value;
        var html = e.FormattedValues.FirstOrDefault(v => v.MimeType == HtmlFormatter.MimeType)?.Value;
        if (svg is null && html is not null && IsSvg(html)) svg = html;
        if (svg is null)
        {
            // Every output carries plain text too: what a text-only viewer (or a test) reads.
            if (!data.ContainsKey(PlainTextFormatter.MimeType) && e.Value is not null)
                data[PlainTextFormatter.MimeType] = JupyterText.Lines(e.Value.ToDisplayString(PlainTextFormatter.MimeType));
            return data;
        }

        var figure = new JsonObject();
        try { figure["image/png"] = Convert.ToBase64String(Png(svg)); }
        catch (Exception ex)
        {
            // A picture that cannot be rasterized still shows as SVG; say why there is no PNG.
            figure["text/plain"] = JupyterText.Lines($"(no PNG: {ex.Message})");
        }
        figure["image/svg+xml"] = JupyterText.Lines(svg);
        var plain = e.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value
            ?? (e.Value is null ? null : e.Value.ToDisplayString(PlainTextFormatter.MimeType));
        if (!figure.ContainsKey("text/plain")) figure["text/plain"] = JupyterText.Lines(plain ?? "figure");
        return figure;
    }

    internal static bool IsSvg(string text)
    {
        var t = text.AsSpan().TrimStart();
        return t.StartsWith("<svg", StringComparison.Ordinal) && t.TrimEnd().EndsWith("</svg>", StringComparison.Ordinal);
    }

    /// <summary>The SVG document rasterized at <see cref="Scale"/> on a white background, as PNG bytes.</summary>
    internal static byte[] Png(string svg)
    {
        using var document = new SKSvg();
        var picture = document.FromSvg(PixelateImages(svg)) ?? throw new InvalidOperationException("the SVG has no picture");
        var bounds = picture.CullRect;
        int width = (int)Math.Ceiling(bounds.Width * Scale), height = (int)Math.Ceiling(bounds.Height * Scale);
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
            throw new InvalidOperationException($"the SVG is {bounds.Width} x {bounds.Height}, outside what is rasterized");
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale(Scale);
            canvas.Translate(-bounds.Left, -bounds.Top);
            canvas.DrawPicture(picture);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>
    /// The SVG with every embedded PNG that asks for <c>image-rendering: pixelated</c> (a 3x3 filter or a
    /// 28x28 digit drawn large) already enlarged with nearest-neighbour sampling by a whole factor, to at
    /// least as many pixels as it covers in the PNG. Svg.Skia ignores image-rendering and smooths a small
    /// image drawn large into a smear; drawn from the enlarged copy, only about one pixel at each block edge
    /// is smoothed. Everything else is kept as it is.
    /// </summary>
    internal static string PixelateImages(string svg) => ImageElement().Replace(svg, element =>
    {
        string tag = element.Value;
        var href = PngHref().Match(tag);
        if (!Pixelated().IsMatch(tag) || !href.Success
            || Length(tag, "width") is not double drawnWidth || Length(tag, "height") is not double drawnHeight)
            return tag;
        string base64 = href.Groups[1].Value;
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out int length)) return tag;
        using var source = SKBitmap.Decode(bytes.AsSpan(0, length));
        if (source is null) return tag;
        int factor = (int)Math.Ceiling(Math.Max(drawnWidth * Scale / source.Width, drawnHeight * Scale / source.Height));
        if (factor <= 1 || (long)source.Width * factor > 16384 || (long)source.Height * factor > 16384) return tag;
        using var large = source.Resize(new SKImageInfo(source.Width * factor, source.Height * factor, source.ColorType, source.AlphaType),
            new SKSamplingOptions(SKFilterMode.Nearest));
        if (large is null) return tag;
        using var png = large.Encode(SKEncodedImageFormat.Png, 100);
        return tag.Replace(base64, Convert.ToBase64String(png.AsSpan()));
    });

    /// <summary>A positive number in a tag's attribute (no unit, as the library writes them), or null.</summary>
    private static double? Length(string tag, string attribute)
    {
        var m = Regex.Match(tag, $"\\s{attribute}\\s*=\\s*\"([0-9.eE+-]+)\"");
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
    }

    [GeneratedRegex("<image\\b[^>]*>")]
    private static partial Regex ImageElement();

    // As a style property (image-rendering:pixelated, what ImageGrid writes) or as an attribute.
    [GeneratedRegex("image-rendering\\s*(?::|=\\s*\")\\s*(?:pixelated|crisp-edges|optimizeSpeed)", RegexOptions.IgnoreCase)]
    private static partial Regex Pixelated();

    // ImageGrid writes href; older SVG writes xlink:href.
    [GeneratedRegex("\\s(?:xlink:)?href\\s*=\\s*\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex PngHref();
}
