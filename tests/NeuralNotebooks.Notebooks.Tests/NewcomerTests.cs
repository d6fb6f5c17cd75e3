using System.Diagnostics;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>README's promises to a newcomer, checked on a fresh copy with nothing built: each command works as written.</summary>
[Collection(NewcomerCollection.Name)]
public class NewcomerTests(Newcomer newcomer)
{
    [Fact]
    public async Task Quick_start_runs_every_notebook_from_a_fresh_copy()
    {
        await newcomer.Through(Newcomer.Step.QuickStart);
        var commands = newcomer.QuickStartCommands;
        Assert.Equal([Readme.DebianPackagesCommand, Readme.TestCommand], commands.TakeLast(2));
        Assert.True(commands.Count >= 3, $"Quick start has {commands.Count} commands");
        Assert.Equal(commands.Count - 2, newcomer.QuickStart.Count);
        foreach (var result in newcomer.QuickStart)
            Assert.True(result.ExitCode == 0, result.ToString());

        foreach (var name in Newcomer.NotebookNames)
        {
            var path = newcomer.ExecutedNotebook(name);
            Assert.True(File.Exists(path), $"no executed {name}.ipynb in notebooks/output/:\n{string.Join("\n", newcomer.QuickStart)}");
            var executed = new ExecutedNotebook(path);
            Assert.True(executed.Errors.Count == 0, $"{name}: {string.Join("; ", executed.Errors)}");
            Assert.False(string.IsNullOrWhiteSpace(executed.Text), $"{name} has no outputs");
        }
    }

    [Fact]
    public void Ci_installs_the_debian_packages_then_runs_exactly_readmes_test_command()
    {
        var lines = File.ReadAllLines(Path.Combine(newcomer.Copy.Root, ".ci", "run"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(["set -euo pipefail", "cd \"$(dirname \"$0\")/..\"", Readme.DebianPackagesCommand, Readme.TestCommand], lines);
        Assert.Equal([Readme.DebianPackagesCommand, Readme.TestCommand], newcomer.QuickStartCommands.TakeLast(2));
    }

    [Fact]
    public void Debian_package_script_is_executable_and_readme_points_to_it()
    {
        var script = Path.Combine(newcomer.Copy.Root, "tests", "install-debian-packages.sh");
        Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), "tests/install-debian-packages.sh is not executable");
        Assert.Contains("tests/install-debian-packages.sh --benchmarks", newcomer.ReadmeText);
        var help = Process.Start(new ProcessStartInfo("bash", [script, "--help"]) { RedirectStandardOutput = true })!;
        var text = help.StandardOutput.ReadToEnd();
        help.WaitForExit();
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--benchmarks", text);
    }

    [Fact]
    public async Task Vs_code_path_builds_the_library_that_every_first_cell_loads()
    {
        await newcomer.Through(Newcomer.Step.VsCode);
        Assert.True(newcomer.VsCodeBuild.ExitCode == 0, newcomer.VsCodeBuild.ToString());
        Assert.True(newcomer.LibraryExistsAfterVsCodeBuild, $"README's build command did not produce every library the notebooks load; missing: {string.Join(", ", newcomer.MissingAfterVsCodeBuild)}");
        Assert.True(newcomer.VsCodeFirstCells.ExitCode == 0, newcomer.VsCodeFirstCells.ToString());
        foreach (var name in Newcomer.NotebookNames)
        {
            var path = Path.Combine(newcomer.VsCodeOutput, $"first-cell-of-{name}.ipynb");
            Assert.True(File.Exists(path), $"first cell of {name} not run:\n{newcomer.VsCodeFirstCells}");
            var executed = new ExecutedNotebook(path);
            Assert.True(executed.Errors.Count == 0, $"first cell of {name}: {string.Join("; ", executed.Errors)}");
        }
    }

    [Fact]
    public async Task Benchmark_command_starts_measuring_or_names_the_missing_packages()
    {
        await newcomer.Through(Newcomer.Step.Benchmark);
        var benchmark = newcomer.Benchmark;
        if (PeerPackagesInstalled())
        {
            Assert.True(benchmark.Stderr.Contains(Newcomer.BenchmarkFirstMeasurement + "\n"), $"the benchmark did not start measuring:\n{benchmark}");
            Assert.Contains("python3-torch", benchmark.Stderr);
        }
        else AssertNamesMissingTorch(benchmark);
    }

    [Fact]
    public async Task Benchmark_command_without_python3_torch_says_so_before_measuring()
    {
        await newcomer.Through(Newcomer.Step.Benchmark);
        AssertNamesMissingTorch(newcomer.BenchmarkWithoutTorch);
    }

    private static void AssertNamesMissingTorch(CommandResult result)
    {
        Assert.True(result.ExitCode is not null and not 0, $"expected a failure:\n{result}");
        Assert.DoesNotContain(Newcomer.BenchmarkFirstMeasurement + "\n", result.Stderr);
        Assert.Contains("missing: python3-torch", result.Stderr);
        Assert.Contains("tests/install-debian-packages.sh --benchmarks", result.Stderr);
    }

    /// <summary>Whether dpkg lists the benchmark peers' packages as installed; off Debian, whether python3 imports torch and sklearn, as the command checks.</summary>
    private static bool PeerPackagesInstalled()
    {
        foreach (var package in new[] { "python3-torch", "python3-sklearn", "libopenblas0-pthread" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo("dpkg-query", ["-W", "-f=${Status}", package]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                var status = p.StandardOutput.ReadToEnd();
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (status.Trim() != "install ok installed") return false;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                using var python = Process.Start(new ProcessStartInfo("python3", ["-c", "import torch, sklearn"]) { RedirectStandardError = true })!;
                python.StandardError.ReadToEnd();
                python.WaitForExit();
                return python.ExitCode == 0;
            }
        }
        return true;
    }
}
