using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

/// <summary>
/// The independent check: every notebook of the course runs unmodified in dotnet-repl (the
/// repository's local tool, <c>dotnet tool restore</c>), a client of the same .NET Interactive
/// kernel that VS Code uses, and no cell produces an error.
/// </summary>
public class DotnetReplTests
{
    private static string Root() => Fixture.Root();

    public static TheoryData<string> Notebooks() =>
        new(Directory.GetFiles(Path.Combine(Root(), "notebooks"), "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task The_notebook_runs_in_dotnet_repl_without_an_error_output(string notebook)
    {
        var root = Root();
        var folder = Path.Combine(root, "notebooks");
        Assert.Equal(0, (await Dotnet(root, TimeSpan.FromMinutes(5), "tool", "restore")).Code);
        var output = Path.Combine(Directory.CreateTempSubdirectory("nnrun-repl-").FullName, notebook);
        try
        {
            // Run from the notebook's folder, as VS Code does, so relative #r paths and data paths resolve.
            var (code, text) = await Dotnet(folder, TimeSpan.FromMinutes(30),
                "tool", "run", "dotnet-repl", "--", "--run", notebook, "--exit-after-run", "--output-path", output);

            Assert.True(File.Exists(output), $"dotnet-repl wrote no {output} (exit {code}):\n{text}");
            var cells = JsonNode.Parse(File.ReadAllText(output))!["cells"]!.AsArray();
            var errors = cells.SelectMany((c, i) => (c!["outputs"]?.AsArray() ?? []).Select(o => (Cell: i + 1, Output: o!)))
                .Where(x => x.Output["output_type"]?.GetValue<string>() == "error" || x.Output["name"]?.GetValue<string>() == "stderr")
                .Select(x => $"cell {x.Cell}: {x.Output.ToJsonString()}").ToList();
            Assert.True(errors.Count == 0, $"{notebook} has error outputs in dotnet-repl:\n{string.Join("\n", errors)}");
            Assert.True(code == 0, $"dotnet-repl exited with {code}:\n{text}");
            Assert.True(cells.Sum(c => c!["outputs"]?.AsArray().Count ?? 0) > 0, $"{notebook}: no outputs at all, so nothing ran:\n{text}");
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(output)!, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(int Code, string Text)> Dotnet(string folder, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} took longer than {limit}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
