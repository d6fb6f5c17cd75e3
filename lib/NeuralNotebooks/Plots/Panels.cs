using System.Text;

namespace NeuralNotebooks.Plots;

/// <summary>
/// Several charts laid out in rows as ONE SVG picture (each chart a nested <c>&lt;svg&gt;</c> at its place),
/// so that a multi-chart view is a single figure: the notebook stores it as SVG and as PNG, and a viewer
/// that shows no HTML (GitHub) still shows it.
/// </summary>
internal static class Panels
{
    /// <summary>Charts left to right, wrapping to a new row before <paramref name="maxWidth"/> pixels.</summary>
    public static string Compose(IReadOnlyList<Chart> charts, int maxWidth = 980, int gap = 8)
    {
        if (charts.Count == 1) return charts[0].ToSvg();
        var placed = new List<(Chart Chart, int X, int Y)>();
        int x = 0, y = 0, rowHeight = 0, width = 0;
        foreach (var chart in charts)
        {
            if (x > 0 && x + chart.Width > maxWidth) { x = 0; y += rowHeight + gap; rowHeight = 0; }
            placed.Add((chart, x, y));
            width = Math.Max(width, x + chart.Width);
            rowHeight = Math.Max(rowHeight, chart.Height);
            x += chart.Width + gap;
        }
        int height = y + rowHeight;
        var sb = Svg.Begin(Math.Max(width, 1), Math.Max(height, 1));
        foreach (var (chart, cx, cy) in placed)
        {
            var svg = chart.ToSvg();
            // The chart's own root element, moved to its place: nested <svg> takes x and y.
            sb.Append("<svg x=\"").Append(cx).Append("\" y=\"").Append(cy).Append("\" ").Append(svg.AsSpan(svg.IndexOf("<svg ", StringComparison.Ordinal) + 5));
        }
        return sb.Append("</svg>").ToString();
    }
}
