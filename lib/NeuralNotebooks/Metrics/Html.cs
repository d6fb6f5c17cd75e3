using System.Globalization;
using System.Net;

namespace NeuralNotebooks;

/// <summary>Small helpers for the HTML tables of the metric objects.</summary>
internal static class Html
{
    /// <summary>Text made safe for HTML element content and attribute values.</summary>
    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>
    /// A colour on a white-to-dark-blue ramp for <paramref name="t"/> in [0, 1], and the text
    /// colour (black or white) that reads best on it.
    /// </summary>
    public static (string Background, string Foreground) Blues(double t)
    {
        if (double.IsNaN(t)) t = 0;
        t = Math.Clamp(t, 0, 1);
        // Light end and dark end of a sequential blue scale.
        (double r0, double g0, double b0) = (247, 251, 255);
        (double r1, double g1, double b1) = (8, 48, 107);
        int r = (int)Math.Round(r0 + (r1 - r0) * t);
        int g = (int)Math.Round(g0 + (g1 - g0) * t);
        int b = (int)Math.Round(b0 + (b1 - b0) * t);
        double luminance = 0.2126 * Linear(r) + 0.7152 * Linear(g) + 0.0722 * Linear(b);
        // Pick whichever of black and white has the higher contrast ratio against the cell.
        double contrastBlack = (luminance + 0.05) / 0.05;
        double contrastWhite = 1.05 / (luminance + 0.05);
        string fg = contrastWhite > contrastBlack ? "#ffffff" : "#000000";
        return (string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}"), fg);
    }

    private static double Linear(int channel)
    {
        double c = channel / 255.0;
        return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
    }
}
