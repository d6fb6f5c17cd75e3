using Newtonsoft.Json.Linq;
using Plotly.NET;

namespace NeuralNotebooks.Plotly.Html;

/// <summary>
/// Writes a Plotly figure (its <c>data</c> and <c>layout</c> JSON) as a complete HTML page through
/// Plotly.NET, with plotly.js embedded so the page works from disk without a network.
/// </summary>
public static partial class PlotlyNetPage
{
    /// <summary>The plotly.js version Plotly.NET embeds in the pages it writes.</summary>
    public static string PlotlyJsVersion => Globals.PLOTLYJS_VERSION;

    /// <summary>
    /// A self-contained page showing the figure whose traces are <paramref name="dataJson"/> (a JSON
    /// array) and whose layout is <paramref name="layoutJson"/> (a JSON object).
    /// </summary>
    public static string Build(string dataJson, string layoutJson, string? pageTitle = null)
    {
        var traces = JArray.Parse(dataJson).Select((t, i) => t is JObject o ? ToTrace(o)
            : throw new ArgumentException($"Plotly page: trace {i} is a {t.Type}, not an object.", nameof(dataJson))).ToList();
        // useDefaults: false keeps the figure as given (Plotly.NET's template would recolour it).
        var chart = GenericChart.ofTraceObjects(false, traces);
        var layout = GenericChart.getLayout(chart);
        foreach (var p in JObject.Parse(layoutJson).Properties()) layout.SetProperty(p.Name, Value(p.Value));
        chart = GenericChart.setLayout(layout, chart);
        var options = DisplayOptions.setPlotlyReference(PlotlyJSReference.Full).Invoke(DisplayOptions.initCDNOnly());
        options = DisplayOptions.setDocumentTitle(pageTitle ?? "Plotly figure").Invoke(options);
        chart = GenericChart.setDisplayOptions(options, chart);
        return GenericChart.toEmbeddedHTML(chart);
    }

    private static Trace ToTrace(JObject json)
    {
        var type = json["type"]?.Value<string>() ?? throw new ArgumentException("Plotly page: a trace has no \"type\".");
        var trace = new Trace2D(type);
        foreach (var p in json.Properties())
            if (p.Name != "type") trace.SetProperty(p.Name, Value(p.Value));
        return trace;
    }

    // Plain values go in as .NET values (some properties are typed); arrays and objects stay JSON,
    // which Plotly.NET's serializer writes back unchanged.
    private static object? Value(JToken token) => ScriptSafe(token) is JValue v ? v.Value : token;

    // Plotly.NET writes the figure's JSON into a <script> as it is: a title holding "</script" ended the script
    // there (the figure was never drawn and the rest of the title became part of the page), and "<!--" kept it
    // open past its end. The "<" of those two sequences goes in as an entity, which plotly.js shows as "<".
    private static JToken ScriptSafe(JToken token)
    {
        if (token is JValue { Type: JTokenType.String } text)
            text.Value = ScriptBreaking().Replace((string)text.Value!, "&lt;");
        else foreach (var child in token.Children()) ScriptSafe(child is JProperty p ? p.Value : child);
        return token;
    }

    [System.Text.RegularExpressions.GeneratedRegex("<(?=/script|!--)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ScriptBreaking();
}
