using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using NeuralNotebooks.Display;
using XPlot.Plotly;

namespace NeuralNotebooks.Plotly;

/// <summary>
/// An interactive chart: XPlot.Plotly traces and a layout, shown in a notebook as a Plotly figure
/// (hover to read values, drag to zoom, double-click to reset, click a legend entry to hide it).
/// Build one from a library chart with <c>chart.ToPlotly()</c>; keep the static chart beside it,
/// since only the static one shows where no script runs (GitHub, an offline page).
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed partial class PlotlyFigure : IRichDisplay, IHtmlPage
{
    private static int _displayed;
    private readonly Trace[] _traces;

    /// <summary>A figure of <paramref name="traces"/> laid out by <paramref name="layout"/>.</summary>
    public PlotlyFigure(IEnumerable<Trace> traces, Layout.Layout layout)
    {
        _traces = traces.ToArray();
        if (_traces.Length == 0) throw new ArgumentException("Plotly figure: no traces; a figure needs at least one.", nameof(traces));
        Layout = layout ?? throw new ArgumentNullException(nameof(layout));
    }

    /// <summary>The traces (XPlot.Plotly objects: Scatter, Bar, Heatmap), in drawing order.</summary>
    public IReadOnlyList<Trace> Traces => _traces;

    /// <summary>The layout: title, axes, size, shaded bands, annotations.</summary>
    public Layout.Layout Layout { get; }

    /// <summary>The title shown above the figure, if any.</summary>
    public string? Title => Layout.title;

    /// <summary>The traces as plotly.js reads them: a JSON array.</summary>
    public string DataJson => Serialized().Data;

    /// <summary>The layout as plotly.js reads it: a JSON object.</summary>
    public string LayoutJson => Serialized().Layout;

    /// <summary>The whole figure, <c>{"data": [...], "layout": {...}}</c>, the format of plotly.js and of Plotly's Python and JSON tools.</summary>
    public string ToJson()
    {
        var (data, layout) = Serialized();
        return $"{{\"data\":{data},\"layout\":{layout}}}";
    }

    /// <summary>The same figure as an XPlot.Plotly chart, to go on with XPlot's own API (<c>WithTitle</c>, <c>GetHtml</c>...).</summary>
    public PlotlyChart ToXPlot() => Chart.Plot(_traces, Layout);

    /// <summary>Always <c>text/html</c>: a notebook shows the figure.</summary>
    public string MimeType => "text/html";

    /// <summary>
    /// The figure for a notebook: a placeholder that says what is missing (left visible where no
    /// script runs), the plot's div, and the script that loads plotly.js <see cref="PlotlyJs.Version"/> and draws it.
    /// </summary>
    public string Render()
    {
        var json = ToJson();
        // Unique per output (several figures share one page in VS Code), stable for the same figure in the same run.
        var id = $"nn-plotly-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..12].ToLowerInvariant()}-{Interlocked.Increment(ref _displayed)}";
        int width = (int)Math.Round(Layout.width), height = (int)Math.Round(Layout.height);
        // The JSON sits in a <script>, where "</script" ends it and "<!--" then "<script" keeps it open past its
        // end: every "<" (only ever inside JSON strings) goes in as \u003c, which the script reads as "<".
        return $"""
            <div class="neuralnotebooks-plotly">
            <div id="{id}-placeholder" style="box-sizing:border-box;width:{width}px;max-width:100%;padding:12px 16px;border:1px dashed #999;color:#444;background:#fafafa;font:13px sans-serif">{WebUtility.HtmlEncode(PlotlyJs.PlaceholderText(Title))}</div>
            <div id="{id}" style="display:none;width:{width}px;height:{height}px;max-width:100%"></div>
            {PlotlyJs.Loader(id, json.Replace("<", "\\u003c"))}
            </div>
            """;
    }

    /// <summary>
    /// A self-contained page (plotly.js embedded, written by Plotly.NET) that works from disk without
    /// a network: what a file-based app writes for <c>display(figure)</c>. Where Plotly.NET cannot load
    /// (inside the notebook kernel), a page that fetches plotly.js from the CDN instead.
    /// </summary>
    public string ToHtmlPage()
    {
        try { return PlotlyNetPage(); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException)
        {
            return $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(Title ?? "Plotly figure")}</title></head>" +
                   $"<body style=\"font-family:sans-serif\">{Render()}</body></html>";
        }
    }

    // Its own method, so that only calling it (never loading this class) needs Plotly.NET.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private string PlotlyNetPage() => Html.PlotlyNetPage.Build(DataJson, LayoutJson, Title);

    // The JSON exactly as XPlot writes it for plotly.js, taken from XPlot's own script rather than by
    // serializing here: this DLL then needs no JSON library of its own, and loads beside whatever
    // Newtonsoft.Json the host brings for XPlot (the kernel has 13.0, a plain restore gives 12.0).
    private (string Data, string Layout) Serialized()
    {
        var script = ToXPlot().GetInlineJS();
        var m = XPlotScript().Match(script);
        if (!m.Success) throw new InvalidOperationException($"Plotly figure: XPlot.Plotly wrote a script this library does not recognise: {script[..Math.Min(200, script.Length)]}");
        return (m.Groups["data"].Value, m.Groups["layout"].Value);
    }

    [GeneratedRegex(@"var data = (?<data>\[.*\]);\r?\n\s*var layout = (?<layout>\{.*\});\r?\n")]
    private static partial Regex XPlotScript();

    /// <summary>The title and the traces, for a terminal.</summary>
    public override string ToString() =>
        $"Plotly figure{(Title is null ? "" : $" '{Title}'")}: {string.Join(", ", _traces.Select(Describe))}";

    private static string Describe(Trace t) => t switch
    {
        Scatter s => $"{s.name} ({Count(s.x)} points)",
        Bar b => $"bars ({Count(b.x)})",
        XPlot.Plotly.Heatmap h => $"heatmap {Count(h.y)}x{Count(h.x)}",
        _ => t.name ?? t.GetType().Name,
    };

    private static int Count(object? values) => values is System.Collections.ICollection c ? c.Count : 0;
}
