using System.Text.Json.Nodes;
using NeuralNotebooks.Runner;

namespace NeuralNotebooks.Runner.Tests;

public class RunnerTests
{
    private static string Dir()
    {
        var d = Path.Combine(Path.GetTempPath(), "nn-runner-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A notebook as VS Code writes it, with the given cells ("md:" prefix for markdown).</summary>
    internal static string Ipynb(string dir, string name, params string[] cells)
    {
        var json = new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select((c, i) => (JsonNode)(c.StartsWith("md:", StringComparison.Ordinal)
                ? new JsonObject { ["cell_type"] = "markdown", ["id"] = $"m{i}", ["metadata"] = new JsonObject(), ["source"] = new JsonArray(c[3..]) }
                : new JsonObject
                {
                    ["cell_type"] = "code", ["execution_count"] = null, ["id"] = $"c{i}",
                    ["metadata"] = new JsonObject
                    {
                        ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                        ["vscode"] = new JsonObject { ["languageId"] = "polyglot-notebook" },
                    },
                    ["outputs"] = new JsonArray(),
                    ["source"] = new JsonArray(c.Split((char)10).Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
                })).ToArray()),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp", ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }) } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        // Multi-line sources are stored one line per string, each but the last ending in \n.
        foreach (var c in json["cells"]!.AsArray())
        {
            var src = c!["source"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
            c["source"] = new JsonArray(src.Select((l, i) => (JsonNode)JsonValue.Create(i < src.Count - 1 ? l + "\n" : l)!).ToArray());
        }
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, Notebook.Serialize(json));
        return path;
    }

    private static JsonArray Outputs(string path, int cell) => JsonNode.Parse(File.ReadAllText(path))!["cells"]![cell]!["outputs"]!.AsArray();

    [Fact]
    public async Task State_carries_across_cells_and_outputs_are_stored_as_jupyter_does()
    {
        var dir = Dir();
        var path = Ipynb(dir, "a.ipynb", "var x = 20;", "md:# Title", "Console.WriteLine(\"hello\");\nx + 22");
        var r = await NotebookRunner.RunAsync(path);
        Assert.True(r.Succeeded, r.Error);
        Assert.Equal(2, r.CellsRun);
        Assert.Equal(20, r.GetVariable<int>("x"));
        var outPath = Path.Combine(dir, "out.ipynb");
        r.Notebook.Save(outPath);
        var outputs = Outputs(outPath, 2);
        Assert.Equal("stream", outputs[0]!["output_type"]!.GetValue<string>());
        Assert.Equal("stdout", outputs[0]!["name"]!.GetValue<string>());
        Assert.Equal("hello\n", outputs[0]!["text"]![0]!.GetValue<string>());
        Assert.Equal("execute_result", outputs[1]!["output_type"]!.GetValue<string>());
        Assert.Equal("42", outputs[1]!["data"]!["text/plain"]!.GetValue<string>());
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(outPath))!["cells"]![2]!["execution_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Metadata_and_markdown_are_preserved_byte_for_byte()
    {
        var dir = Dir();
        var path = Ipynb(dir, "keep.ipynb", "md:Some *markdown* — with unicode ✓", "1 + 1");
        var original = File.ReadAllText(path);
        var r = await NotebookRunner.RunAsync(path);
        var outPath = Path.Combine(dir, "out.ipynb");
        r.Notebook.Save(outPath);
        var written = File.ReadAllText(outPath);
        // Only the code cell's execution_count and outputs differ.
        var expected = original.Replace("\"execution_count\": null", "\"execution_count\": 1");
        var withoutOutputs = System.Text.RegularExpressions.Regex.Replace(written, "\"outputs\": \\[[\\s\\S]*?\\n   \\]", "\"outputs\": []");
        Assert.Equal(expected, withoutOutputs);
    }

    [Fact]
    public async Task A_compile_error_names_notebook_cell_and_line()
    {
        var path = Ipynb(Dir(), "bad.ipynb", "var ok = 1;", "var y = 2;\nint z = \"text\";");
        var r = await NotebookRunner.RunAsync(path);
        Assert.False(r.Succeeded);
        Assert.StartsWith("bad.ipynb cell 2 line 2: CS0029", r.Error);
    }

    [Fact]
    public async Task An_exception_names_the_line_and_stops_the_notebook()
    {
        var path = Ipynb(Dir(), "throws.ipynb", "var a = 1;\nvar b = 2;\nthrow new InvalidOperationException(\"boom\");", "var never = 1;");
        var r = await NotebookRunner.RunAsync(path);
        Assert.Equal("throws.ipynb cell 1 line 3: InvalidOperationException: boom", r.Error);
        Assert.Equal(1, r.CellsRun);
        var error = r.Notebook.Cells[0].Outputs.Single(o => o["output_type"]!.GetValue<string>() == "error");
        Assert.Equal("InvalidOperationException", error["ename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Library_objects_display_through_the_formatter_convention()
    {
        var dir = Dir();
        var lib = Path.Combine(Path.GetDirectoryName(typeof(RunnerTests).Assembly.Location)!, "NeuralNotebooks.dll");
        File.Copy(lib, Path.Combine(dir, "NeuralNotebooks.dll"));
        var path = Ipynb(dir, "display.ipynb",
            "#r \"NeuralNotebooks.dll\"\nusing NeuralNotebooks;\nusing NeuralNotebooks.Plots;",
            "var h = display(Tensor.From(1f, 2f));\nh.Update(Tensor.From(3f));",
            "Plot.Bar([\"a\"], new double[] { 1 })",
            "HTML(\"<b>bold</b>\")");
        var r = await NotebookRunner.RunAsync(path);
        Assert.True(r.Succeeded, r.Error);
        var shown = r.Notebook.Cells[1].Outputs.Single();
        Assert.Equal("display_data", shown["output_type"]!.GetValue<string>());
        Assert.Contains("tensor([3.], shape=(1,))", shown["data"]!["text/html"]!.GetValue<string>());
        Assert.StartsWith("<svg", r.Notebook.Cells[2].Outputs.Single()["data"]!["text/html"]!.GetValue<string>());
        Assert.Equal("<b>bold</b>", r.Notebook.Cells[3].Outputs.Single()["data"]!["text/html"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unsupported_magic_command_is_an_error_naming_it()
    {
        var r = await NotebookRunner.RunAsync(Ipynb(Dir(), "magic.ipynb", "#!time\nvar x = 1;"));
        Assert.Contains("unsupported magic command '#!time'", r.Error);
        Assert.Contains("cell 1 line 1", r.Error);
    }

    [Fact]
    public async Task A_package_that_cannot_be_restored_is_an_error_naming_it()
    {
        var r = await NotebookRunner.RunAsync(Ipynb(Dir(), "nuget.ipynb", "#r \"nuget: No.Such.Package.Anywhere.Zzz, 1.0.0\"\nvar x = 1;"));
        Assert.False(r.Succeeded);
        Assert.Contains("No.Such.Package.Anywhere.Zzz", r.Error);
    }

    [Fact]
    public async Task A_cell_over_the_time_limit_fails()
    {
        var r = await NotebookRunner.RunAsync(Ipynb(Dir(), "slow.ipynb", "System.Threading.Thread.Sleep(5000);"), new RunnerOptions { CellTimeout = TimeSpan.FromSeconds(1) });
        Assert.Contains("timed out after 1 s", r.Error);
    }

    [Fact]
    public async Task Dib_cells_split_on_kernel_lines_only()
    {
        var dir = Dir();
        var path = Path.Combine(dir, "d.dib");
        File.WriteAllText(path, "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\",\"items\":[{\"aliases\":[],\"name\":\"csharp\"}]}}\n\n#!markdown\n\n# Hi\n\n#!csharp\n\nvar n = 2;\n\n#!c#\n\nn * 21\n");
        var r = await NotebookRunner.RunAsync(path);
        Assert.True(r.Succeeded, r.Error);
        Assert.Equal(3, r.Notebook.Cells.Count);
        Assert.Equal("markdown", r.Notebook.Cells[0].Kind);
        Assert.Equal("42", r.Notebook.Cells[2].Outputs.Single()["data"]!["text/plain"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_command_line_writes_atomically_prints_a_summary_and_fails_on_errors()
    {
        var dir = Dir();
        Ipynb(dir, "good.ipynb", "1 + 1");
        var bad = Ipynb(dir, "worse.ipynb", "throw new Exception(\"no\");");
        var before = File.ReadAllText(bad);
        var output = Path.Combine(dir, "executed");
        var console = new StringWriter();
        var old = Console.Out;
        int code;
        try { Console.SetOut(console); code = await Program.Main([dir, "--output", output]); }
        finally { Console.SetOut(old); }
        Assert.Equal(1, code);
        Assert.True(File.Exists(Path.Combine(output, "good.ipynb")));
        Assert.True(File.Exists(Path.Combine(output, "worse.ipynb")));
        Assert.Equal(before, File.ReadAllText(bad));
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
        Assert.Contains("good.ipynb", console.ToString());
        Assert.Contains("FAILED", console.ToString());
    }
}
