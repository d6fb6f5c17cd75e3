using System.Diagnostics;

namespace NeuralNotebooks.Tests;

/// <summary>Runs some of this assembly's tests again in a child `dotnet test` process with extra environment variables (narrower vectors, fewer or more cores).</summary>
internal static class ChildTestRun
{
    /// <summary>The child's exit code and its output (stdout, then stderr), for the tests matching <paramref name="filter"/>.</summary>
    public static async Task<(bool Passed, int Exit, string Output)> RunAsync(string filter, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "test", typeof(ChildTestRun).Assembly.Location, "--filter", filter }) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        string output = stdout + await stderr;
        return (child.ExitCode == 0 && output.Contains("Passed!"), child.ExitCode, output);
    }
}
