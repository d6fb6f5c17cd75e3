using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// The outputs of an executed notebook as a learner reads them: the printed text, and the text/plain and
/// text/html of displayed values, one after the other; headline numbers are found in it by regular expression.
/// </summary>
public sealed class ExecutedNotebook
{
    /// <summary>The notebook file.</summary>
    public string Path { get; }

    /// <summary>Every output's text, in cell order.</summary>
    public string Text { get; }

    /// <summary>The error outputs, as "ename: evalue".</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Reads the executed notebook at <paramref name="path"/>.</summary>
    public ExecutedNotebook(string path)
    {
        Path = path;
        var notebook = JsonNode.Parse(File.ReadAllText(path))!;
        var text = new StringBuilder();
        var errors = new List<string>();
        foreach (var output in notebook["cells"]!.AsArray().SelectMany(c => c!["outputs"]?.AsArray() ?? []))
        {
            switch (output!["output_type"]!.GetValue<string>())
            {
                case "stream":
                    text.Append(Lines(output["text"]));
                    break;
                case "error":
                    errors.Add($"{output["ename"]}: {output["evalue"]}");
                    break;
                default:
                    foreach (var mime in new[] { "text/plain", "text/html" })
                        if (output["data"]?[mime] is { } data) text.AppendLine(Lines(data));
                    break;
            }
        }
        Text = text.ToString();
        Errors = errors;
    }

    /// <summary>The groups of the first match of <paramref name="pattern"/> in the outputs; fails naming the pattern when nothing matches.</summary>
    public string[] Find(string pattern)
    {
        var m = Regex.Match(Text, pattern, RegexOptions.Multiline);
        Assert.True(m.Success, $"{System.IO.Path.GetFileName(Path)} printed nothing matching {pattern}. Its outputs:\n{Text}");
        return m.Groups.Values.Skip(1).Select(g => g.Value).ToArray();
    }

    /// <summary>The groups of the last match of <paramref name="pattern"/>.</summary>
    public string[] FindLast(string pattern)
    {
        var all = Regex.Matches(Text, pattern, RegexOptions.Multiline);
        Assert.True(all.Count > 0, $"{System.IO.Path.GetFileName(Path)} printed nothing matching {pattern}. Its outputs:\n{Text}");
        return all[^1].Groups.Values.Skip(1).Select(g => g.Value).ToArray();
    }

    /// <summary>A number as printed: "1.19E-007", "0.1050", "9,135".</summary>
    public static double Number(string printed) => double.Parse(printed, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    /// <summary>A percentage as printed ("97.05 %"), as a fraction.</summary>
    public static double Percent(string printed) => Number(printed.TrimEnd('%', ' ')) / 100;

    private static string Lines(JsonNode? text) => text switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l!.GetValue<string>())),
        JsonValue single => single.GetValue<string>(),
        _ => "",
    };
}
