using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner;

/// <summary>Multi-line text as Jupyter stores it: an array of lines, each but the last ending in a newline.</summary>
internal static class JupyterText
{
    internal static JsonArray Lines(string text)
    {
        var arr = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { arr.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) arr.Add(text[start..]);
        return arr;
    }

    internal static string Join(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };
}
