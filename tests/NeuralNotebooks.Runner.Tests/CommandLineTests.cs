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

    private static async Task<(int Code, string Stdout, string Stderr)> Run(params string[] args)
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
