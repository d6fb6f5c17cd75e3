using System.Diagnostics;
using System.Text;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>What one shell command did: its exit code (null when it was stopped), its output and how long it took.</summary>
public sealed record CommandResult(string Command, int? ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Everything the command printed, for failure messages.</summary>
    public override string ToString() => $"$ {Command}\nexit {ExitCode?.ToString() ?? "(stopped)"} after {Elapsed.TotalSeconds:F0} s\n{Stdout}\n{Stderr}";
}

/// <summary>
/// The repository as a newcomer gets it: every file git would hand out, copied into a temporary folder,
/// and no build output (bin/ and obj/ are ignored by git, so they are never copied). The files are the
/// working tree's, committed or not, so an edit is tested before it is committed; a clone would test only
/// the last commit. Commands run in it with bash, exactly as README writes them.
/// </summary>
public sealed class FreshCopy : IDisposable
{
    private readonly string _temp;

    /// <summary>The root of the copy.</summary>
    public string Root { get; }

    /// <summary>The user's data folder its commands see (XDG_DATA_HOME), where file-based apps are built.</summary>
    public string DataHome => Path.Combine(_temp, "data-home");

    /// <summary>Copies the repository at <paramref name="repository"/> into a new temporary folder.</summary>
    public FreshCopy(string repository)
    {
        _temp = Path.Combine(Path.GetTempPath(), "neuralnotebooks-newcomer-" + Guid.NewGuid().ToString("N")[..8]);
        Root = Path.Combine(_temp, "NeuralNotebooks");
        // Output of file-based apps goes under the user's data folder; keep this run's there, to delete it with the copy.
        Directory.CreateDirectory(DataHome);
        var files = Git(repository, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in files.Distinct())
        {
            var source = Path.Combine(repository, file);
            if (!File.Exists(source)) continue;   // deleted in the working tree but not yet in git
            var target = Path.Combine(Root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, File.GetUnixFileMode(source));
        }
    }

    /// <summary>Runs <paramref name="command"/> with bash in the copy's root and waits for it, at most <paramref name="limit"/>.</summary>
    public Task<CommandResult> Run(string command, TimeSpan limit, IDictionary<string, string>? environment = null) =>
        RunUntil(command, limit, stopWhen: null, environment);

    /// <summary>
    /// Runs <paramref name="command"/> until it exits, or until <paramref name="stopWhen"/> holds for what it has
    /// printed so far (stdout and stderr together), or until <paramref name="limit"/>; then stops it and everything it started.
    /// </summary>
    public async Task<CommandResult> RunUntil(string command, TimeSpan limit, Func<string, bool>? stopWhen, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("bash", ["-c", command])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host runs inside `dotnet test`, whose MSBuild settings must not leak into a newcomer's commands.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";       // no build nodes left running after the test
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["XDG_DATA_HOME"] = DataHome;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var all = new StringBuilder();
        var stop = new TaskCompletionSource();
        void Received(StringBuilder into, string? line)
        {
            if (line is null) return;
            lock (all)
            {
                into.AppendLine(line);
                all.AppendLine(line);
                if (stopWhen is not null && stopWhen(all.ToString())) stop.TrySetResult();
            }
        }
        process.OutputDataReceived += (_, e) => Received(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Received(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        await Task.WhenAny(exited, stop.Task, Task.Delay(limit));
        int? exitCode = null;
        if (exited.IsCompleted) exitCode = process.ExitCode;
        else
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.WaitForExit();   // drains the redirected output
        lock (all) return new CommandResult(command, exitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }

    /// <summary>Deletes the copy and everything built in it.</summary>
    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); }
        catch (IOException) { }   // a file still held open: the temp folder is cleaned by the system later
        catch (UnauthorizedAccessException) { }
    }

    private static string Git(string repository, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed in {repository}: {stderr}");
        return stdoutTask.Result;
    }
}
