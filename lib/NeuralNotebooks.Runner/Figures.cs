using System.Text.Json.Nodes;
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
internal static class Figures
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
        var picture = document.FromSvg(svg) ?? throw new InvalidOperationException("the SVG has no picture");
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
}
