using System.Globalization;
using System.Text;

namespace NeuralNotebooks.Plots;

/// <summary>Small helpers for writing SVG by hand: number formatting, escaping, the palette.</summary>
internal static class Svg
{
    /// <summary>Ten distinguishable colours (matplotlib's "tab10"), used in order for series and classes.</summary>
    public static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public const string Font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

    public static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public static string Escape(string s) =>
        // Characters XML does not allow at all (controls other than tab and line breaks) would make the
        // whole picture unreadable, so they are left out; < & > and quotes become entities.
        System.Security.SecurityElement.Escape(s.Any(c => !IsXmlChar(c)) ? new string(s.Where(IsXmlChar).ToArray()) : s) ?? "";

    /// <summary><paramref name="v"/> in <paramref name="format"/>, without the minus of a value that prints as zero ("-0.00", "-0").</summary>
    public static string Number(double v, string format)
    {
        string text = v.ToString(format, CultureInfo.InvariantCulture);
        return text.StartsWith('-') && double.Parse(text, CultureInfo.InvariantCulture) == 0 ? text[1..] : text;
    }

    // Advances of DejaVu Sans (the first font asked for, and the widest of them) in thousandths of an em, for
    // the printable ASCII characters from ' ' to '~'.
    private static readonly short[] Advances =
    [
        318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
        636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
        1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
        603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
        500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
        635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
    ];

    /// <summary>
    /// About how wide <paramref name="text"/> is at <paramref name="size"/> px: no browser measures for us, so
    /// characters are summed from DejaVu Sans's advances (bold is up to a fifth wider: 1.15 covers a title's mix); others
    /// count as a full em, but for the arrow of a "label→prediction" caption and the times of "26×26", 0.838 em.
    /// </summary>
    public static double TextWidth(string text, double size, bool bold = false) =>
        text.Sum(c => c is >= ' ' and <= '~' ? Advances[c - ' '] : c is '→' or '×' ? 838 : 1000) / 1000.0 * size * (bold ? 1.15 : 1);

    /// <summary>
    /// <paramref name="text"/>, or as much of it as fits <paramref name="width"/> px followed by "…", by <see cref="TextWidth"/>'s measure.
    /// </summary>
    public static string Shorten(string text, double size, double width, bool bold = false)
    {
        if (TextWidth(text, size, bold) <= width) return text;
        int n = text.Length;
        while (n > 0 && TextWidth(string.Concat(text.AsSpan(0, n), "…"), size, bold) > width) n--;
        // Never half of a surrogate pair: alone, it is not a character XML allows.
        if (n > 0 && char.IsHighSurrogate(text[n - 1])) n--;
        return string.Concat(text.AsSpan(0, n).TrimEnd(), "…");
    }

    private static bool IsXmlChar(char c) => c is '\t' or '\n' or '\r' || (c >= ' ' && c != '\uFFFE' && c != '\uFFFF');

    public static StringBuilder Begin(int width, int height) => new StringBuilder()
        .Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" {Font} font-size=\"12\">")
        .Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");

    public static void Text(StringBuilder sb, double x, double y, string text, string anchor = "middle", int size = 12,
        string extra = "", string fill = "#222")
        => sb.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{fill}\" {extra}>{Escape(text)}</text>");

    /// <summary>A colour for a value in [0, 1] on a white-to-blue scale.</summary>
    public static string Sequential(double t)
    {
        t = Math.Clamp(double.IsNaN(t) ? 0 : t, 0, 1);
        int r = (int)(247 - t * (247 - 8)), g = (int)(251 - t * (251 - 48)), b = (int)(255 - t * (255 - 107));
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    /// <summary>RGB for a value in [-1, 1]: blue for negative, white at 0, red for positive.</summary>
    public static (byte R, byte G, byte B) Diverging(double t)
    {
        t = Math.Clamp(double.IsNaN(t) ? 0 : t, -1, 1);
        return t >= 0
            ? ((byte)255, (byte)(255 - 200 * t), (byte)(255 - 215 * t))
            : ((byte)(255 + 215 * t), (byte)(255 + 170 * t), (byte)255);
    }
}
