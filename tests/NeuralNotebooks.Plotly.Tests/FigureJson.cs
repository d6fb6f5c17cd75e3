using System.Text.Json;

namespace NeuralNotebooks.Plotly.Tests;

/// <summary>Reads a figure back the way plotly.js would: from its JSON, not from the C# objects.</summary>
internal static class FigureJson
{
    public static JsonElement Parse(PlotlyFigure figure) => JsonDocument.Parse(figure.ToJson()).RootElement;

    public static JsonElement Trace(this JsonElement figure, int i) => figure.GetProperty("data")[i];

    public static JsonElement Layout(this JsonElement figure) => figure.GetProperty("layout");

    public static double[] Numbers(this JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static string[] Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static string? Text(this JsonElement e, string property) => e.TryGetProperty(property, out var v) ? v.GetString() : null;
}
