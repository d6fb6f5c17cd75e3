using System.Diagnostics;

namespace NeuralNotebooks.Plotly.Tests;

/// <summary>
/// A real file-based app, as the exporter writes them (<c>#:project</c> of the library and of
/// NeuralNotebooks.Plotly, nothing else): Plotly.NET must reach it through the Plotly project, and
/// <c>display(chart.ToPlotly())</c> must write a self-contained page.
/// </summary>
public class FileBasedAppPageTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuralNotebooks.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("NeuralNotebooks.sln not found above the test folder.");
    }

    [Fact]
    public async Task An_app_writes_a_self_contained_plotly_page_beside_its_svg()
    {
        var root = Root();
        var work = Directory.CreateTempSubdirectory("plotly-app-");
        try
        {
            var apps = Directory.CreateDirectory(Path.Combine(work.FullName, "apps"));
            var app = Path.Combine(apps.FullName, "interactive.cs");
            File.WriteAllText(app, $$"""
                #:project {{Path.Combine(root, "lib", "NeuralNotebooks", "NeuralNotebooks.csproj")}}
                #:project {{Path.Combine(root, "lib", "NeuralNotebooks.Plotly", "NeuralNotebooks.Plotly.csproj")}}
                #:property PublishAot=false
                using NeuralNotebooks;
                using NeuralNotebooks.Plots;
                using NeuralNotebooks.Plotly;
                using static NeuralNotebooks.Display.FileBasedApp;
                NeuralNotebooks.Display.FileBasedApp.Start();
                var chart = Plot.Line(new[] { 1.0, 2, 3 }, new[] { 0.75, 0.5, 0.625 }, label: "val_loss").Title("Loss").XLabel("epoch");
                display(chart);
                display(chart.ToPlotly());
                """);
            var psi = new ProcessStartInfo("dotnet", ["run", app]) { WorkingDirectory = work.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await p.WaitForExitAsync(limit.Token);
            Assert.True(p.ExitCode == 0, $"the app exited with {p.ExitCode}:\n{await stdout}\n{await stderr}");

            var output = Path.Combine(apps.FullName, "output", "interactive");
            Assert.True(File.Exists(Path.Combine(output, "01-LineChart.svg")), await stdout);
            var page = File.ReadAllText(Path.Combine(output, "02-PlotlyFigure.html"));
            Assert.StartsWith("<!DOCTYPE html>", page.TrimStart(), StringComparison.OrdinalIgnoreCase);
            Assert.EndsWith("</html>", page.TrimEnd());
            Assert.Contains($"plotly.js v{PlotlyJs.Version}", page);                    // embedded, not fetched
            Assert.DoesNotContain("cdn.plot.ly/plotly-", page);
            Assert.Contains("\"y\":[0.75,0.5,0.625]", page);
            Assert.Contains("\"name\":\"val_loss\"", page);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
