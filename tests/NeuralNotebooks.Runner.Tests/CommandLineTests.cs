using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

public class CommandLineTests
{
    [Fact]
    public async Task A_folder_run_writes_outputs_to_output_runs_later_notebooks_after_a_failure_and_exits_non_zero()
    {
        using var f = new Fixture();
        var failing = f.Ipynb("01-fails.ipynb", "throw new Exception(\"first notebook fails\");");
        var passing = f.Ipynb("02-passes.ipynb", "1 + 1");
        f.Write("notes.txt", "not a notebook");
        var failingBefore = File.ReadAllText(failing);

        var (code, stdout, stderr) = await Run(f.Folder);

        Assert.Equal(1, code);
        Assert.Contains("01-fails.ipynb cell 1 line 1: Exception: first notebook fails", stderr);
        Assert.Matches(@"01-fails\.ipynb\s+1\s+\d+\.\d\s+FAILED", stdout);
        Assert.Matches(@"02-passes\.ipynb\s+1\s+\d+\.\d\s+ok", stdout);
        Assert.Equal(failingBefore, File.ReadAllText(failing)); // sources untouched without --in-place
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Folder, "output", "02-passes.ipynb")))!;
        Assert.Equal("2", JupyterText.Join(written["cells"]![0]!["outputs"]![0]!["data"]!["text/plain"]));
        Assert.True(File.Exists(Path.Combine(f.Folder, "output", "01-fails.ipynb")));
        Assert.Equal(passing, Path.Combine(f.Folder, "02-passes.ipynb"));
    }

    [Fact]
    public async Task In_place_writes_the_outputs_of_a_failed_run_into_the_notebook_itself()
    {
        using var f = new Fixture();
        var path = f.Ipynb("inplace.ipynb", "md:# Kept", "Console.WriteLine(\"ran\");", "var x = missing;");
        var before = File.ReadAllText(path);

        var (code, _, _) = await Run("--in-place", "--timeout", "60", path);

        Assert.Equal(1, code);
        var after = File.ReadAllText(path);
        Assert.NotEqual(before, after);
        var cells = JsonNode.Parse(after)!["cells"]!.AsArray();
        Assert.Equal("ran\n", JupyterText.Join(cells[1]!["outputs"]![0]!["text"]));
        Assert.Equal("error", cells[2]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Equal(["inplace.ipynb"], Directory.GetFiles(f.Folder).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "output")));
    }

    [Fact]
    public async Task Output_folder_and_usage_errors()
    {
        using var f = new Fixture();
        var path = f.Ipynb("a.ipynb", "var a = 1;");
        var target = Path.Combine(f.Folder, "elsewhere");

        Assert.Equal(0, (await Run("--output", target, path)).Code);
        Assert.True(File.Exists(Path.Combine(target, "a.ipynb")));
        Assert.Equal(2, (await Run()).Code);
        Assert.Equal(2, (await Run("--bogus", path)).Code);
        Assert.Equal(2, (await Run(Path.Combine(f.Folder, "missing.ipynb"))).Code);
    }

    [Fact]
    public async Task An_empty_folder_is_an_error_saying_so()
    {
        using var f = new Fixture();
        f.Write("notes.txt", "not a notebook");

        var (code, _, stderr) = await Run(f.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"no notebooks in {f.Folder}", stderr);
    }

    [Theory]
    [InlineData("--output", "a folder")]
    [InlineData("--export-apps", "a folder")]
    [InlineData("--timeout", "a number of seconds")]
    public async Task An_option_without_its_value_says_what_it_needs_not_that_it_is_unknown(string option, string needs)
    {
        // Last on the line it was an "unknown option"; before another option, --output took "--in-place" for its folder.
        using var f = new Fixture();
        var path = f.Ipynb("a.ipynb", "var a = 1;");
        foreach (var args in new[] { new[] { path, option }, new[] { option, "--in-place", path } })
        {
            var (code, _, stderr) = await Run(args);
            Assert.Equal(2, code);
            Assert.Contains($"{option} needs {needs} after it", stderr);
            Assert.DoesNotContain("unknown option", stderr);
        }
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "output")));
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "--in-place")));
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("1e300")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task A_timeout_that_is_not_a_sane_number_of_seconds_is_rejected_before_anything_runs(string timeout)
    {
        using var f = new Fixture();
        var path = f.Ipynb("a.ipynb", "var a = 1;");

        var (code, _, stderr) = await Run("--timeout", timeout, path);

        Assert.Equal(2, code);
        Assert.Contains($"--timeout {timeout}: give the per-cell limit in seconds", stderr);
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "output")));
    }

    [Fact]
    public async Task Notebooks_that_would_be_written_to_the_same_file_are_refused_before_anything_runs()
    {
        using var f = new Fixture();
        var ipynb = f.Ipynb("a.ipynb", "Console.WriteLine(\"ipynb\");");
        var dib = f.Write("a.dib", "#!csharp\n\nConsole.WriteLine(\"dib\");\n");

        var (code, _, stderr) = await Run(ipynb, dib);

        Assert.Equal(2, code);
        Assert.Contains("a.ipynb and", stderr);
        Assert.Contains("a.dib would all be written to", stderr);
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "output")));
    }

    [Fact]
    public async Task A_notebook_of_the_wrong_structure_fails_alone_the_others_run_and_the_summary_is_printed()
    {
        using var f = new Fixture();
        f.Write("01-array.ipynb", "[1, 2, 3]");
        f.Write("02-source.ipynb", "{\"cells\": [{\"cell_type\": \"code\", \"source\": 123}]}");
        f.Ipynb("03-good.ipynb", "var a = 1;", "a + 1");

        var (code, stdout, stderr) = await Run("--timeout", "10", f.Folder);

        Assert.Equal(1, code);
        Assert.Contains("01-array.ipynb: not a Jupyter notebook", stderr);
        Assert.Contains("02-source.ipynb: cell 1: \"source\" must be", stderr);
        Assert.Matches(@"01-array\.ipynb\s+0\s+0\.0\s+unreadable", stdout);
        Assert.Matches(@"02-source\.ipynb\s+0\s+0\.0\s+unreadable", stdout);
        // Kernel start-up (many seconds on a busy machine) is not counted against a cell.
        Assert.Matches(@"03-good\.ipynb\s+2\s+\d+\.\d\s+ok", stdout);
    }

    [Fact]
    public async Task An_executed_copy_of_a_failed_run_shows_the_cells_after_the_failure_empty_not_with_older_outputs()
    {
        // The copy in output/ showed the later cells' outputs from the notebook file, which looked like this run's.
        using var f = new Fixture();
        var path = f.Ipynb("stale.ipynb", "Console.WriteLine(\"cell 1\");", "Console.WriteLine(\"cell 2\");", "Console.WriteLine(\"cell 3\");");
        Assert.Equal(0, (await Run("--in-place", path)).Code);
        File.WriteAllText(path, File.ReadAllText(path).Replace("Console.WriteLine(\\\"cell 2\\\");", "throw new Exception(\\\"cell 2 broke\\\");"));
        Assert.Contains("cell 2 broke", File.ReadAllText(path));

        var (code, _, _) = await Run(path);

        Assert.Equal(1, code);
        var cells = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Folder, "output", "stale.ipynb")))!["cells"]!.AsArray();
        Assert.Equal("cell 1\n", JupyterText.Join(cells[0]!["outputs"]![0]!["text"]));
        Assert.Equal("error", cells[1]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Empty(cells[2]!["outputs"]!.AsArray());
        Assert.Null(cells[2]!["execution_count"]);
        // In place, the later cell keeps what it had, as in VS Code.
        Assert.Equal(1, (await Run("--in-place", path)).Code);
        var inPlace = JsonNode.Parse(File.ReadAllText(path))!["cells"]!.AsArray();
        Assert.Equal("cell 3\n", JupyterText.Join(inPlace[2]!["outputs"]![0]!["text"]));
    }

    [Theory]
    [InlineData("empty.dib", "")]
    [InlineData("empty.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}")]
    [InlineData("prose.ipynb", "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"# Only words\"}, {\"cell_type\": \"code\", \"source\": \"\\n\"}]}")]
    public async Task A_notebook_without_code_is_an_error_before_a_kernel_starts_and_nothing_is_written(string name, string text)
    {
        // It was "ok" after starting a kernel for nothing, and its copy was written.
        using var f = new Fixture();
        var path = f.Write(name, text);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (code, _, stderr) = await Run(path);

        Assert.Equal(1, code);
        Assert.Contains($"{path}: no code cells", stderr);
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "output")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "a kernel was started");
    }

    [Theory]
    [InlineData("results")]
    [InlineData("results/inside")]
    public async Task An_output_folder_that_is_a_file_is_an_error_before_anything_runs_not_a_crash_after(string output)
    {
        // The notebook ran to the end, then saving it threw an IOException that ended the runner.
        using var f = new Fixture();
        var path = f.Ipynb("one.ipynb", "Console.WriteLine(1);");
        f.Write("results", "a file");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (code, stdout, stderr) = await Run("--output", Path.Combine(f.Folder, output), path);

        Assert.Equal(2, code);
        Assert.Contains($"{Path.Combine(f.Folder, "results")} is a file", stderr);
        Assert.DoesNotContain("running", stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the notebook ran first");
    }

    [Fact]
    public async Task A_notebook_whose_copy_cannot_be_written_fails_alone_and_the_others_are_written()
    {
        using var f = new Fixture();
        var first = f.Ipynb("01-blocked.ipynb", "Console.WriteLine(1);");
        var second = f.Ipynb("02-written.ipynb", "Console.WriteLine(2);");
        Directory.CreateDirectory(Path.Combine(f.Folder, "output", "01-blocked.ipynb"));

        var (code, stdout, stderr) = await Run(first, second);

        Assert.Equal(1, code);
        Assert.Contains($"FAILED {first} ran, but {Path.Combine(f.Folder, "output", "01-blocked.ipynb")} could not be written", stderr);
        Assert.Matches(@"01-blocked\.ipynb\s+1\s+\d+\.\d\s+not written", stdout);
        Assert.Matches(@"02-written\.ipynb\s+1\s+\d+\.\d\s+ok", stdout);
        Assert.True(File.Exists(Path.Combine(f.Folder, "output", "02-written.ipynb")));
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (await Program.Main(args), stdout.ToString(), stderr.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
