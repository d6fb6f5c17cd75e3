using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

/// <summary>A learner's cell must not make a run report success falsely, lose earlier outputs, or leak into the next notebook.</summary>
public class FaultTests
{
    private static readonly RunnerOptions Options = new() { CellTimeout = TimeSpan.FromSeconds(120) };

    [Fact]
    public async Task Environment_exit_in_a_cell_fails_that_cell_and_keeps_the_outputs_before_it()
    {
        using var f = new Fixture();
        var path = f.Ipynb("exit.ipynb", "Console.WriteLine(\"first cell\");", "Console.WriteLine(\"about to exit\");\nEnvironment.Exit(0);", "var never = 1;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("exit.ipynb cell 2: the notebook's process exited with code 0", result.Error);
        var cells = result.Notebook.Cells;
        Assert.Equal("first cell\n", Assert.Single(cells[0].Outputs).Text());
        Assert.Equal("about to exit\n", cells[1].Outputs[0].Text());
        Assert.Equal("error", cells[1].Outputs[^1].Type());
        Assert.Null(cells[2].ExecutionCount);
    }

    [Fact]
    public async Task A_magic_command_without_quotes_fails_its_cell_at_its_line_instead_of_ending_the_process()
    {
        // The kernel's parser threw ("Sequence contains more than one element"), the worker's pipe closed with the
        // exception, and the run said only that the notebook's process exited with code 3.
        using var f = new Fixture();
        var path = f.Ipynb("unquoted.ipynb", "Console.WriteLine(\"first cell\");", "using System;\n// charts\n#r nuget: XPlot.Plotly, 4.1.0\nConsole.WriteLine(2);", "var never = 1;");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("unquoted.ipynb cell 2 line 3: the magic command #r takes its argument in quotes, as in #r \"nuget: XPlot.Plotly, 4.1.0\"; this line has nuget: XPlot.Plotly, 4.1.0", result.Error);
        var cells = result.Notebook.Cells;
        Assert.Equal("first cell\n", Assert.Single(cells[0].Outputs).Text());
        Assert.Equal("error", cells[1].Outputs[^1].Type());
        Assert.Null(cells[2].ExecutionCount);
    }

    [Fact]
    public async Task A_process_killed_by_the_runtime_is_reported_without_the_kernels_stack_frames()
    {
        // The runtime's report was followed by about 8 KB of Roslyn's and the kernel's frames, cut off mid-name.
        using var f = new Fixture();
        var path = f.Ipynb("failfast.ipynb", "Console.WriteLine(\"first cell\");", "Environment.FailFast(\"fail fast here\");");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("failfast.ipynb cell 2: the notebook's process exited with code", result.Error);
        Assert.Contains("fail fast here", result.Error);
        Assert.DoesNotContain("at Microsoft.", result.Error);
        Assert.Matches(@"\(\d+ frames of the kernel and the runtime left out\)", result.Error);
    }

    [Fact]
    public async Task An_exception_on_a_new_thread_fails_the_cell_naming_it_and_keeps_the_outputs_before_it()
    {
        using var f = new Fixture();
        var path = f.Ipynb("thread.ipynb", "Console.WriteLine(\"first cell\");",
            "Console.WriteLine(\"starting\");\nnew System.Threading.Thread(() => throw new InvalidOperationException(\"boom on a thread\")).Start();\nSystem.Threading.Thread.Sleep(20000);");

        var result = await NotebookRunner.RunAsync(path, Options);

        Assert.False(result.Succeeded);
        Assert.StartsWith("thread.ipynb cell 2: unhandled InvalidOperationException: boom on a thread", result.Error);
        var cells = result.Notebook.Cells;
        Assert.Equal("first cell\n", Assert.Single(cells[0].Outputs).Text());
        Assert.Equal("starting\n", cells[1].Outputs[0].Text());
        Assert.Equal("error", cells[1].Outputs[^1].Type());
        Assert.True(result.Seconds < 20, $"the run waited for the dead cell: {result.Seconds} s");
    }

    [Fact]
    public async Task Console_output_beyond_the_cap_is_dropped_with_a_note_and_twenty_thousand_lines_are_taken_whole()
    {
        using var f = new Fixture();
        var path = f.Ipynb("loud.ipynb",
            "for (int i = 0; i < 20000; i++) Console.WriteLine($\"line {i:D5} \" + new string('x', 90));",
            "Console.WriteLine(\"next cell\");");

        var result = await NotebookRunner.RunAsync(path, Options with { MaxStreamChars = 50_000 });

        Assert.True(result.Succeeded, result.Error);
        var text = Assert.Single(result.Notebook.Cells[0].Outputs).Text();
        Assert.StartsWith("line 00000 xxx", text);
        Assert.True(text.Length < 50_200, $"{text.Length} characters stored");
        // 20,000 lines of 102 characters: 2,040,000 printed, 50,000 kept.
        Assert.EndsWith("... output truncated: 1,990,000 more characters were printed; a cell stores at most 50,000.\n", text);
        Assert.Equal("next cell\n", Assert.Single(result.Notebook.Cells[1].Outputs).Text());
    }

    [Fact]
    public async Task A_timed_out_cell_is_stopped_and_its_later_prints_do_not_reach_the_next_notebook()
    {
        using var f = new Fixture();
        f.Ipynb("01-slow.ipynb",
            "Console.WriteLine(\"start\");\nnew System.Threading.Thread(() => { for (int i = 0; ; i++) { System.Threading.Thread.Sleep(500); if (i > 20) Console.WriteLine(\"LATE PRINT\"); } }) { IsBackground = true }.Start();\nSystem.Threading.Thread.Sleep(60000);",
            "var never = 1;");
        f.Ipynb("02-next.ipynb", "System.Threading.Thread.Sleep(4000);\nConsole.WriteLine(\"next notebook\");");

        var (code, stdout, stderr) = await CommandLineTests.Run("--timeout", "6", f.Folder);

        Assert.Equal(1, code);
        Assert.Contains("01-slow.ipynb cell 1: timed out after 6 s", stderr);
        var slow = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Folder, "output", "01-slow.ipynb")))!["cells"]!;
        Assert.Equal("start\n", JupyterText.Join(slow[0]!["outputs"]![0]!["text"]));
        Assert.Equal("error", slow[0]!["outputs"]![1]!["output_type"]!.GetValue<string>());
        var next = File.ReadAllText(Path.Combine(f.Folder, "output", "02-next.ipynb"));
        Assert.Contains("next notebook", next);
        Assert.DoesNotContain("LATE PRINT", next);
        Assert.Matches(@"02-next\.ipynb\s+1\s+\d+\.\d\s+ok", stdout);
    }
}
