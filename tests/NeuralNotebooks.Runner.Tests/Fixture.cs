using System.Text;
using System.Text.Json.Nodes;

// The command-line tests capture this process's Console, and every notebook run starts a kernel process
// on a machine with few cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace NeuralNotebooks.Runner.Tests;

/// <summary>Notebook files written the way VS Code writes them, in a fresh folder per test.</summary>
internal sealed class Fixture : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("nnrun-test-").FullName;

    /// <summary>The library, as notebooks load it with <c>#r</c>.</summary>
    public static string LibraryPath => typeof(NeuralNotebooks.Display.IRichDisplay).Assembly.Location;

    /// <summary>The repository's root folder, where the course notebooks are.</summary>
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralNotebooks.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    /// <summary>A code cell's source; a cell starting with "md:" is a markdown cell.</summary>
    public string Ipynb(string name, params string[] cells) => Write(name, IpynbText(cells));

    public static string IpynbText(params string[] cells)
    {
        var sb = new StringBuilder("{\n \"cells\": [\n");
        for (int i = 0; i < cells.Length; i++)
        {
            bool markdown = cells[i].StartsWith("md:", StringComparison.Ordinal);
            var source = markdown ? cells[i][3..] : cells[i];
            var lines = source.Split('\n');
            var sourceJson = string.Join(",\n", lines.Select((l, j) => "    " + JsonString(j < lines.Length - 1 ? l + "\n" : l)));
            sb.Append(markdown
                ? $"  {{\n   \"cell_type\": \"markdown\",\n   \"metadata\": {{}},\n   \"source\": [\n{sourceJson}\n   ]\n  }}"
                : $$"""
                  {
                   "cell_type": "code",
                   "execution_count": null,
                   "metadata": {
                    "dotnet_interactive": {
                     "language": "csharp"
                    },
                    "polyglot_notebook": {
                     "kernelName": "csharp"
                    },
                    "vscode": {
                     "languageId": "polyglot-notebook"
                    }
                   },
                   "outputs": [],
                   "source": [
                {{sourceJson}}
                   ]
                  }
                """);
            sb.Append(i < cells.Length - 1 ? ",\n" : "\n");
        }
        sb.Append("""
             ],
             "metadata": {
              "kernelspec": {
               "display_name": ".NET (C#)",
               "language": "C#",
               "name": ".net-csharp"
              },
              "language_info": {
               "name": "csharp"
              },
              "polyglot_notebook": {
               "kernelInfo": {
                "defaultKernelName": "csharp",
                "items": [
                 {
                  "aliases": [],
                  "name": "csharp"
                 }
                ]
               }
              }
             },
             "nbformat": 4,
             "nbformat_minor": 5
            }

            """);
        return sb.ToString();
    }

    /// <summary>A JSON string as VS Code writes it (only quote, backslash and control characters escaped).</summary>
    private static string JsonString(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return $"\"{sb}\"";
    }

    /// <summary>The C# string literal of a path, for <c>#r</c>.</summary>
    public static string Literal(string path) => JsonValue.Create(path)!.ToJsonString();

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class OutputExtensions
{
    public static string Type(this JsonObject output) => output["output_type"]!.GetValue<string>();

    /// <summary>The text of one mime type of a display_data / execute_result, or of a stream.</summary>
    public static string Text(this JsonObject output, string mime = "text/plain") =>
        JupyterText.Join(output.Type() == "stream" ? output["text"] : output["data"]![mime]);

    public static IEnumerable<string> Mimes(this JsonObject output) => output["data"]!.AsObject().Select(p => p.Key);
}
