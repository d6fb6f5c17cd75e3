using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

/// <summary>
/// Notebooks run on the real .NET Interactive kernel, one worker process per notebook. Each run
/// starts a kernel (seconds), so each test runs one notebook that checks several things.
/// </summary>
public class RunnerTests
{
    private static readonly RunnerOptions Options = new() { CellTimeout = TimeSpan.FromSeconds(120) };

    [Fact]
    public async Task Cells_run_in_one_kernel_from_the_notebooks_folder_with_console_display_library_formatters_and_figures()
    {
        using var f = new Fixture();
        Directory.CreateDirectory(Path.Combine(f.Folder, "libs"));
        File.Copy(Fixture.LibraryPath, Path.Combine(f.Folder, "libs", "NeuralNotebooks.dll"));
        f.Write("data.txt", "hello from the notebook's folder");
        var path = f.Ipynb("kernel.ipynb",
            "md:# Kernel",
            "#r \"libs/NeuralNotebooks.dll\"\nusing NeuralNotebooks;\nusing NeuralNotebooks.Plots;\nvar x = 41;\nint Twice(int v) => 2 * v;\nvar text = System.IO.File.ReadAllText(\"data.txt\");",
            "x + 1",
            "Console.WriteLine(\"one\");\nConsole.Write(\"two\");\nConsole.WriteLine(\" three\");\nConsole.Error.WriteLine(\"oops\");\nConsole.WriteLine(\"four\");\nvar doubled = Twice(x);",
            "var progress = display(\"epoch 1\");\nfor (int e = 2; e <= 3; e++) progress.Update($\"epoch {e}\");\ndisplay(HTML(\"<b>bold</b>\"));",
            "Tensor.Zeros(2, 2)",
            "new LineChart().Add(new double[] { 0, 1, 2 }, new double[] { 3, 2, 1 }, \"loss\")",
            "var h = NeuralNotebooks.Display.Notebook.Display(\"step 1\");\nh.Update(\"step 2\");\nvar scores = new Dictionary<int, double> { [1] = 0.5, [10] = 0.9 };");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(7, result.CellsRun);
        var cells = result.Notebook.Cells;

        // One script state across cells, the notebook's folder as working directory and #r base.
        Assert.Empty(cells[1].Outputs);
        var value = Assert.Single(cells[2].Outputs);
        Assert.Equal("execute_result", value.Type());
        Assert.Equal(2, value["execution_count"]!.GetValue<int>());
        Assert.Equal(2, cells[2].ExecutionCount);
        Assert.Equal("42", value.Text());
        Assert.Equal(82, result.GetVariable<int>("doubled"));
        Assert.Equal("hello from the notebook's folder", result.GetVariable<string>("text"));
        Assert.Equal(0.9, result.GetVariable<Dictionary<int, double>>("scores")[10]);
        Assert.Throws<KeyNotFoundException>(() => result.GetVariable<int>("missing"));
        Assert.Throws<InvalidCastException>(() => result.GetVariable<int>("text"));

        // Console text as stream outputs, one per run of the same stream.
        var console = cells[3].Outputs;
        Assert.Equal(["stdout", "stderr", "stdout"], console.Select(o => o["name"]!.GetValue<string>()));
        Assert.Equal("one\ntwo three\n", console[0].Text());
        Assert.Equal(["one\n", "two three\n"], console[0]["text"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal("oops\n", console[1].Text());
        Assert.Equal("four\n", console[2].Text());

        // The kernel's display helpers; an update replaces its output.
        var shown = cells[4].Outputs;
        Assert.Equal(2, shown.Count);
        Assert.All(shown, o => Assert.Equal("display_data", o.Type()));
        Assert.Equal("epoch 3", shown[0].Text());
        Assert.Equal("<b>bold</b>", shown[1].Text("text/html"));

        // Library types render through their TypeFormatterSource, found by the kernel itself.
        var tensor = Assert.Single(cells[5].Outputs);
        Assert.StartsWith("<pre", tensor.Text("text/html"));
        Assert.Contains("tensor([[0., 0.],", tensor.Text("text/plain"));

        // A figure: PNG at twice the SVG's size, the SVG, and plain text.
        var chart = Assert.Single(cells[6].Outputs);
        Assert.Equal(["image/png", "image/svg+xml", "text/plain"], chart.Mimes());
        Assert.StartsWith("<svg", chart.Text("image/svg+xml"));
        Assert.Equal("LineChart: 1 series (loss: 3 points)", chart.Text("text/plain"));
        var png = Convert.FromBase64String(chart["data"]!["image/png"]!.GetValue<string>());
        Assert.Equal((1280, 800), FigureTests.PngSize(png));

        // Library code displays through the kernel too (NeuralNotebooks.Display.Notebook).
        Assert.Equal("step 2", Assert.Single(cells[7].Outputs).Text());
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
    public async Task An_exception_is_the_cells_error_with_a_traceback_without_machine_paths_after_the_output_before_it()
    {
        using var f = new Fixture();
        var path = f.Ipynb("throws.ipynb", "Console.WriteLine(\"before\");\nvar list = new List<int>();\nvar first = list.First();\nConsole.WriteLine(\"after\");", "var never = 1;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.Equal("throws.ipynb cell 1 line 3: InvalidOperationException: Sequence contains no elements", result.Error);
        var outputs = result.Notebook.Cells[0].Outputs;
        Assert.Equal(2, outputs.Count);
        Assert.Equal("before\n", outputs[0].Text());
        var error = outputs[1];
        Assert.Equal("error", error.Type());
        Assert.Equal("InvalidOperationException", error["ename"]!.GetValue<string>());
        Assert.Equal("Sequence contains no elements", error["evalue"]!.GetValue<string>());
        var traceback = error["traceback"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Equal(result.Error, traceback[0]);
        Assert.Contains(traceback, t => t.Contains("Enumerable.First", StringComparison.Ordinal));
        Assert.DoesNotContain(traceback, t => t.Contains(f.Folder, StringComparison.Ordinal) || t.Contains("DotNet.Interactive", StringComparison.Ordinal));
        Assert.Null(result.Notebook.Cells[1].ExecutionCount);
    }

    [Fact]
    public async Task An_exception_in_a_method_of_an_earlier_cell_is_reported_at_the_line_of_the_running_cell()
    {
        // It took the deepest notebook frame, line 4 of cell 1, and reported it as "cell 3 line 4" (cell 3 has 3 lines).
        using var f = new Fixture();
        var path = f.Ipynb("earlier.ipynb", "int Explode(int n)\n{\n    if (n > 0)\n        throw new ArgumentException(\"x\");\n    return n;\n}",
            "Console.WriteLine(\"cell 2\");", "// cell 3\nvar z = 5;\nExplode(z);");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.Equal("earlier.ipynb cell 3 line 3: ArgumentException: x", result.Error);
        var traceback = result.Notebook.Cells[2].Outputs[^1]["traceback"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Contains(traceback, t => t.Contains("Explode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_who_and_import_magic_commands_of_polyglot_notebooks_run()
    {
        // #!who and #!whos failed with "Unknown magic command"; VS Code's kernel has them, and #!import.
        using var f = new Fixture();
        f.Ipynb("helpers.ipynb", "var imported = 40 + 2;");
        var path = f.Ipynb("magics.ipynb", "var answer = 42;", "#!who", "#!whos", "#!import helpers.ipynb", "imported");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.True(result.Succeeded, result.Error);
        Assert.Contains("answer", string.Join("", result.Notebook.Cells[1].Outputs.Select(o => o.ToJsonString())));
        Assert.Contains("42", string.Join("", result.Notebook.Cells[4].Outputs.Select(o => o.ToJsonString())));
    }

    [Fact]
    public async Task A_runtime_error_below_a_directive_is_reported_at_its_line_in_the_cell()
    {
        // The kernel takes directive lines out before compiling, and runtime line numbers counted without them.
        using var f = new Fixture();
        var path = f.Ipynb("directive.ipynb", "#!csharp\nvar a = 1;\nthrow new InvalidOperationException(\"third line\");");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.Equal("directive.ipynb cell 1 line 3: InvalidOperationException: third line", result.Error);
    }

    [Theory]
    [InlineData("var a = 1;\n#!who\nvar c = 2;\nthrow new Exception(\"on line 4\");", "cell 1 line 4: Exception: on line 4")]
    [InlineData("var a = 1;\n#!who\n#!whos\nvar c = 2;\nvar d = missing;", "cell 1 line 5: CS0103:")]
    public async Task An_error_after_a_magic_command_in_the_middle_of_a_cell_names_its_own_line(string cell, string expected)
    {
        // The kernel runs the code after a magic command as a submission of its own, whose line 2 was reported as the cell's.
        using var f = new Fixture();
        var path = f.Ipynb("mid.ipynb", cell);

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.StartsWith($"mid.ipynb {expected}", result.Error);
    }

    [Fact]
    public async Task A_compile_error_in_an_imported_notebook_fails_the_importing_cell_naming_the_file_and_its_line()
    {
        // The kernel reports it only as an event of the import's own command: the cell was ok and the run exited 0.
        using var f = new Fixture();
        f.Write("helper.dib", "#!csharp\n\nvar q = 1;\nint w = \"no\";\n");
        var path = f.Ipynb("imports.ipynb", "var a = 1;\n#!import helper.dib\nvar z = 1;", "var never = 1;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded, "the helper does not compile");
        Assert.StartsWith("imports.ipynb cell 1 line 2: CS0029:", result.Error);
        Assert.EndsWith("(in helper.dib cell 1 line 2, imported here)", result.Error);
        Assert.Null(result.Notebook.Cells[1].ExecutionCount);
    }

    [Theory]
    [InlineData(3, 4)]   // the nuget line is taken out: line 3 compiled is line 4 of the cell
    [InlineData(1, 2)]
    [InlineData(4, 6)]   // past a second directive
    [InlineData(0, 0)]   // no line known
    public void Lines_of_the_compiled_code_map_back_to_the_cell_past_its_directives(int compiled, int inCell)
    {
        const string cell = "#r \"nuget: Newtonsoft.Json, 13.0.3\"\nusing Newtonsoft.Json;\nvar s = 1;\nthrow new Exception();\n#!time\nvar t = 2;";
        Assert.Equal(inCell, Failures.InSource(compiled, cell));
        Assert.Equal(3, Failures.InSource(3, "#r \"lib.dll\"\nvar a = 1;\nthrow new Exception();"));   // #r of a file stays in the code
    }

    [Fact]
    public async Task Csharp_kernel_selectors_run_and_a_cell_for_a_kernel_the_runner_does_not_host_fails_naming_it()
    {
        using var f = new Fixture();
        var json = JsonNode.Parse(Fixture.IpynbText("#!csharp\nvar a = 1;", "#!c#\na + 1", "let b = 2"))!;
        json["cells"]![2]!["metadata"]!["polyglot_notebook"]!["kernelName"] = "fsharp";
        json["cells"]![2]!["metadata"]!["dotnet_interactive"]!["language"] = "fsharp";
        var path = f.Write("kernels.ipynb", json.ToJsonString());
        Assert.Equal("fsharp", NotebookFile.Load(path).Cells[2].Kernel);

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.Equal("2", result.Notebook.Cells[1].Outputs[0].Text());
        Assert.False(result.Succeeded);
        Assert.StartsWith("kernels.ipynb cell 3", result.Error);
        Assert.Contains("fsharp", result.Error);
    }

    [Fact]
    public void The_library_has_no_reference_to_the_kernel_packages()
    {
        var references = typeof(NeuralNotebooks.Tensor).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal));
        // The runner hosts the real kernel.
        Assert.Contains(typeof(NotebookRunner).Assembly.GetReferencedAssemblies(), a => a.Name == "Microsoft.DotNet.Interactive.CSharp");
    }
}
