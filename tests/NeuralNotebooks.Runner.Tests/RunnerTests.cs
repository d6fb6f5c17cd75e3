using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

public class RunnerTests
{
    private static readonly RunnerOptions Options = new() { CellTimeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task Cells_share_one_script_state_and_the_last_expression_is_the_result()
    {
        using var f = new Fixture();
        var path = f.Ipynb("state.ipynb", "md:# State", "var x = 41;\nint Twice(int v) => 2 * v;", "x + 1", "var doubled = Twice(x);");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(3, result.CellsRun);
        Assert.Equal(41, result.GetVariable<int>("x"));
        Assert.Equal(82, result.GetVariable<int>("doubled"));
        var cells = result.Notebook.Cells;
        Assert.Empty(cells[1].Outputs);
        var value = Assert.Single(cells[2].Outputs);
        Assert.Equal("execute_result", value.Type());
        Assert.Equal(2, value["execution_count"]!.GetValue<int>());
        Assert.Equal("42", value.Text());
        Assert.Equal(2, cells[2].ExecutionCount);
        Assert.Throws<KeyNotFoundException>(() => result.GetVariable<int>("missing"));
        Assert.Throws<InvalidCastException>(() => result.GetVariable<string>("x"));
    }

    [Fact]
    public async Task A_compile_error_names_the_cell_and_the_line_within_it_and_stops_the_notebook()
    {
        using var f = new Fixture();
        var path = f.Ipynb("broken.ipynb", "md:# Broken", "var a = 1;", "var b = 2;\nvar c = undefinedName + 1;", "var d = 4;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("broken.ipynb cell 3 line 2: CS0103:", result.Error);
        Assert.Contains("undefinedName", result.Error);
        var error = Assert.Single(result.Notebook.Cells[2].Outputs);
        Assert.Equal("error", error.Type());
        Assert.Equal("CompilationError", error["ename"]!.GetValue<string>());
        Assert.Null(result.Notebook.Cells[3].ExecutionCount); // never ran
        Assert.Equal(2, result.CellsRun);
    }

    [Fact]
    public async Task An_exception_reports_its_line_in_the_cell_and_a_traceback_without_machine_paths()
    {
        using var f = new Fixture();
        var path = f.Ipynb("throws.ipynb", "Console.WriteLine(\"before\");\nvar list = new List<int>();\nvar first = list.First();\nConsole.WriteLine(\"after\");");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.Equal("throws.ipynb cell 1 line 3: InvalidOperationException: Sequence contains no elements", result.Error);
        var outputs = result.Notebook.Cells[0].Outputs;
        Assert.Equal("before\n", outputs[0].Text());
        var error = outputs[1];
        Assert.Equal("error", error.Type());
        Assert.Equal("InvalidOperationException", error["ename"]!.GetValue<string>());
        Assert.Equal("Sequence contains no elements", error["evalue"]!.GetValue<string>());
        var traceback = error["traceback"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Contains(traceback, t => t.EndsWith("in cell 1:line 3", StringComparison.Ordinal));
        Assert.DoesNotContain(traceback, t => t.Contains(f.Folder, StringComparison.Ordinal) || t.Contains("CodeAnalysis", StringComparison.Ordinal));
        Assert.Equal(2, outputs.Count);
    }

    [Fact]
    public async Task Console_output_is_captured_as_stdout_and_stderr_streams()
    {
        using var f = new Fixture();
        var path = f.Ipynb("console.ipynb", "Console.WriteLine(\"one\");\nConsole.Write(\"two\");\nConsole.WriteLine(\" three\");\nConsole.Error.WriteLine(\"oops\");\nConsole.WriteLine(\"four\");");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        var outputs = result.Notebook.Cells[0].Outputs;
        Assert.Equal(["stream", "stream", "stream"], outputs.Select(o => o.Type()));
        Assert.Equal(["stdout", "stderr", "stdout"], outputs.Select(o => o["name"]!.GetValue<string>()));
        Assert.Equal("one\ntwo three\n", outputs[0].Text());
        Assert.Equal(["one\n", "two three\n"], outputs[0]["text"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal("oops\n", outputs[1].Text());
        Assert.Equal("four\n", outputs[2].Text());
    }

    [Fact]
    public async Task Display_helpers_work_like_the_kernels_and_update_replaces_the_same_output()
    {
        using var f = new Fixture();
        var path = f.Ipynb("display.ipynb",
            "var progress = display(\"epoch 1\");\nfor (int e = 2; e <= 3; e++) progress.Update($\"epoch {e}\");\nHTML(\"<b>bold</b>\").Display();\ndisplay(new[] { 1, 2, 3 });\ndisplay(HTML(\"<i>x</i>\"), \"text/plain\");",
            "$\"done\"");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        var outputs = result.Notebook.Cells[0].Outputs;
        Assert.Equal(4, outputs.Count);
        Assert.All(outputs, o => Assert.Equal("display_data", o.Type()));
        Assert.Equal("epoch 3", outputs[0].Text());
        Assert.Equal(["text/html"], outputs[1].Mimes());
        Assert.Equal("<b>bold</b>", outputs[1].Text("text/html"));
        Assert.Equal("[ 1, 2, 3 ]", outputs[2].Text());
        Assert.Equal("<i>x</i>", outputs[3].Text());
        Assert.Equal("done", Assert.Single(result.Notebook.Cells[1].Outputs).Text());
    }

    [Fact]
    public async Task Library_types_render_through_their_formatter_source_and_library_code_can_display()
    {
        using var f = new Fixture();
        var path = f.Ipynb("library.ipynb",
            $"#r {Fixture.Literal(Fixture.LibraryPath)}\nusing NeuralNotebooks;\nusing NeuralNotebooks.Display;\nusing NeuralNotebooks.Plots;",
            "Tensor.Zeros(2, 2)",
            "new LineChart().Add(new double[] { 0, 1, 2 }, new double[] { 3, 2, 1 }, \"loss\")",
            "var h = Notebook.Display(\"step 1\");\nh.Update(\"step 2\");");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        var tensor = Assert.Single(result.Notebook.Cells[1].Outputs);
        Assert.Equal(["text/html"], tensor.Mimes()); // the kernel's default mime type for a value with formatters
        Assert.StartsWith("<pre", tensor.Text("text/html"));
        Assert.Contains("tensor([[0., 0.],", tensor.Text("text/html"));
        var chart = Assert.Single(result.Notebook.Cells[2].Outputs);
        Assert.Equal(["text/html"], chart.Mimes());
        Assert.StartsWith("<svg", chart.Text("text/html"));
        var progress = Assert.Single(result.Notebook.Cells[3].Outputs);
        Assert.Equal("display_data", progress.Type());
        Assert.Equal("step 2", progress.Text());
    }

    [Fact]
    public async Task Convention_formatters_follow_preferred_mime_types_and_type_specificity()
    {
        using var f = new Fixture();
        var path = f.Ipynb("convention.ipynb", """
            using System.IO;
            public class TypeFormatterSourceAttribute : Attribute
            {
                public TypeFormatterSourceAttribute(Type t) => FormatterSourceType = t;
                public Type FormatterSourceType { get; }
                public string[] PreferredMimeTypes { get; set; }
            }
            public interface IShape { }
            public class Svg
            {
                public string MimeType => "image/svg+xml";
                public Type Type => typeof(IShape);
                public bool Format(object value, TextWriter writer) { writer.Write("<svg>" + value + "</svg>"); return true; }
            }
            public class SquareOnly
            {
                public string MimeType => "image/svg+xml";
                public Type Type => typeof(Square);
                public bool Format(object value, TextWriter writer) { writer.Write("<svg>square</svg>"); return true; }
            }
            public class Plain
            {
                public string MimeType => "text/plain";
                public Type Type => typeof(IShape);
                public bool Format(object value, TextWriter writer) { writer.Write("shape " + value); return true; }
            }
            public class Source { public IEnumerable<object> CreateTypeFormatters() => new object[] { new Svg(), new SquareOnly(), new Plain() }; }
            [TypeFormatterSource(typeof(Source), PreferredMimeTypes = new[] { "image/svg+xml", "text/plain" })]
            public class Circle : IShape { public override string ToString() => "circle"; }
            public class Square : Circle { public override string ToString() => "square"; }
            """,
            "new Circle()",
            "new Square()");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        var circle = Assert.Single(result.Notebook.Cells[1].Outputs);
        Assert.Equal(["image/svg+xml", "text/plain"], circle.Mimes());
        Assert.Equal("<svg>circle</svg>", circle.Text("image/svg+xml"));
        Assert.Equal("shape circle", circle.Text("text/plain"));
        // Square inherits the attribute; the formatter for Square is more specific than the one for IShape.
        var square = Assert.Single(result.Notebook.Cells[2].Outputs);
        Assert.Equal("<svg>square</svg>", square.Text("image/svg+xml"));
    }

    [Fact]
    public async Task Relative_r_paths_resolve_against_the_notebooks_folder_which_is_the_working_directory()
    {
        using var f = new Fixture();
        Directory.CreateDirectory(Path.Combine(f.Folder, "libs"));
        File.Copy(Fixture.LibraryPath, Path.Combine(f.Folder, "libs", "NeuralNotebooks.dll"));
        f.Write("data.txt", "hello from the notebook's folder");
        var path = f.Ipynb("relative.ipynb",
            "#r \"libs/NeuralNotebooks.dll\"\nvar t = NeuralNotebooks.Tensor.Zeros(3);\nvar size = t.Size;",
            "var text = System.IO.File.ReadAllText(\"data.txt\");");
        var before = Directory.GetCurrentDirectory();

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(3, result.GetVariable<int>("size"));
        Assert.Equal("hello from the notebook's folder", result.GetVariable<string>("text"));
        Assert.Equal(before, Directory.GetCurrentDirectory());
    }

    [Fact]
    public async Task A_nuget_package_that_cannot_be_restored_is_an_error_naming_it()
    {
        using var f = new Fixture();
        var path = f.Ipynb("nuget.ipynb", "var a = 1;", "#r \"nuget: NeuralNotebooks.NoSuchPackage.Anywhere, 1.2.3\"\nvar b = 2;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("nuget.ipynb cell 2", result.Error);
        Assert.Contains("could not restore NuGet package 'NeuralNotebooks.NoSuchPackage.Anywhere' version 1.2.3", result.Error);
        Assert.Contains("NU1101", result.Error);
        Assert.DoesNotContain(Path.GetTempPath(), result.Error); // the message is stored in the notebook
        Assert.Equal("error", Assert.Single(result.Notebook.Cells[1].Outputs).Type());
    }

    [Theory]
    [InlineData("#!time", "cell 1 line 2: unsupported magic command '#!time'")]
    [InlineData("#!fsharp", "cell 1 line 2: unsupported magic command '#!fsharp'")]
    [InlineData("#i \"nuget: https://example.invalid/feed\"", "cell 1 line 2: unsupported directive '#i")]
    public async Task Unsupported_magic_commands_are_errors_naming_them(string magic, string expected)
    {
        using var f = new Fixture();
        var path = f.Ipynb("magic.ipynb", $"var a = 1;\n{magic}\nvar b = 2;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Csharp_kernel_selectors_are_accepted_and_other_kernels_rejected()
    {
        using var f = new Fixture();
        var ok = f.Ipynb("selector.ipynb", "#!csharp\nvar a = 1;", "#!c#\na + 1");
        var other = f.Write("other.ipynb", Fixture.IpynbText("var a = 1;").Replace("\"kernelName\": \"csharp\"", "\"kernelName\": \"fsharp\""));

        var okResult = await NotebookRunner.RunAsync(ok, Options);
        var otherResult = await NotebookRunner.RunAsync(other, Options);

        Assert.True(okResult.Succeeded, okResult.Error);
        Assert.Equal("2", okResult.Notebook.Cells[1].Outputs[0].Text());
        Assert.False(otherResult.Succeeded);
        Assert.Contains("cell kernel 'fsharp' is not supported", otherResult.Error);
    }

    [Fact]
    public async Task A_cell_running_past_the_timeout_fails_with_a_clear_error()
    {
        using var f = new Fixture();
        var path = f.Ipynb("slow.ipynb", "Console.WriteLine(\"start\");\nSystem.Threading.Thread.Sleep(4000);", "var never = 1;");

        var result = await NotebookRunner.RunAsync(path, new RunnerOptions { CellTimeout = TimeSpan.FromSeconds(1.5) });

        Assert.False(result.Succeeded);
        Assert.Contains("slow.ipynb cell 1: timed out after 1.5 s", result.Error);
        Assert.Null(result.Notebook.Cells[1].ExecutionCount);
        Assert.True(result.Seconds < 4, $"took {result.Seconds} s");
    }
}
