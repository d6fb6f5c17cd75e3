using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NeuralNotebooks.Runner;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// Every tutorial also ships as a C# file-based app (notebooks/apps/). The apps must be current (a fresh
/// export gives the same files) and each must run with <c>dotnet run</c> and print the same headline
/// result as its notebook's committed output (the computations are seeded, so the numbers are identical).
/// </summary>
public class FileBasedAppTests
{
    private static string Root => Path.GetDirectoryName(NotebookTests.Notebooks())!;
    private static string Apps => Path.Combine(NotebookTests.Notebooks(), "apps");

    public static TheoryData<string, string> Headlines => new()
    {
        { "01-intro", @"Correct on (\S+ %) of the" },
        { "02-tensors-and-activations", @"library SIMD .* max \|difference\| from TensorPrimitives: (\S+)" },
        { "03-mlp", @"test loss (\S+), test accuracy (\S+ %)" },
        { "04-digits-from-scratch", @"epoch 10: loss (\S+), test accuracy (\S+ %)" },
        { "05-cnn", @"test accuracy (\S+ %), test loss (\S+);" },
    };

    [Fact]
    public void The_committed_apps_are_what_the_exporter_writes_today()
    {
        foreach (var notebook in Directory.GetFiles(NotebookTests.Notebooks(), "*.ipynb"))
        {
            var app = Path.Combine(Apps, Path.ChangeExtension(Path.GetFileName(notebook), ".cs"));
            Assert.True(File.Exists(app), $"{app} is missing: run dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/");
            var fresh = AppExporter.Export(NotebookFile.Load(notebook), NotebookTests.Notebooks(), Apps);
            Assert.True(fresh == File.ReadAllText(app), $"{Path.GetFileName(app)} is out of date: run dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/");
        }
    }

    [Theory, MemberData(nameof(Headlines))]
    public async Task App_runs_and_reaches_its_notebooks_headline(string name, string pattern)
    {
        var psi = new ProcessStartInfo("dotnet", ["run", Path.Combine("notebooks", "apps", name + ".cs")])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(limit.Token);
        var (stdout, stderr) = (await stdoutTask, await stderrTask);
        Assert.True(p.ExitCode == 0, $"{name}.cs exited with {p.ExitCode}:\n{stdout}\n{stderr}");
        var fromApp = Regex.Match(stdout, pattern, RegexOptions.Multiline);
        Assert.True(fromApp.Success, $"{name}.cs printed no line matching {pattern}:\n{stdout}");

        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(NotebookTests.Notebooks(), name + ".ipynb")))!;
        var streams = string.Concat(notebook["cells"]!.AsArray()
            .SelectMany(c => c!["outputs"]?.AsArray() ?? [])
            .Where(o => o!["output_type"]!.GetValue<string>() == "stream")
            .SelectMany(o => o!["text"]!.AsArray().Select(t => t!.GetValue<string>())));
        var fromNotebook = Regex.Match(streams, pattern, RegexOptions.Multiline);
        Assert.True(fromNotebook.Success, $"{name}.ipynb has no committed output matching {pattern}: run the notebooks with --in-place");
        Assert.Equal(fromNotebook.Groups.Values.Skip(1).Select(g => g.Value), fromApp.Groups.Values.Skip(1).Select(g => g.Value));
    }
}
