using System.Runtime.Versioning;
using System.Text.Json.Nodes;

// README's commands are bash commands and these tests run them with bash: Linux and macOS, as in the dev container and CI.
[assembly: UnsupportedOSPlatform("windows")]

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>The tests that share the newcomer's one pass over a fresh copy of the repository.</summary>
[CollectionDefinition(Name)]
public sealed class NewcomerCollection : ICollectionFixture<Newcomer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "newcomer";
}

/// <summary>
/// Does, once, what a newcomer does with a fresh copy of the repository and records what every command
/// printed: README's Quick start commands as written (the runner over every notebook, whose executed
/// copies land in notebooks/output/), the VS Code path (the library's build command, then each notebook's
/// first cell), the file-based apps and their export command, and the first lines of the benchmark command.
/// The tests of this collection ask for the steps they read with <see cref="Through"/> and only read their results.
/// </summary>
public sealed class Newcomer : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Short = TimeSpan.FromMinutes(8);

    /// <summary>README's heading of the section whose code block a newcomer runs first.</summary>
    public const string QuickStartHeading = "## Quick start";

    /// <summary>The checkout these tests were built from.</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>The notebooks of the course, by file name without extension, in order.</summary>
    public static IReadOnlyList<string> NotebookNames { get; } =
        Directory.GetFiles(Path.Combine(Repository, "notebooks"), "*.ipynb").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>The fresh copy everything ran in.</summary>
    public FreshCopy Copy { get; private set; } = null!;

    /// <summary>README.md of the copy.</summary>
    public string ReadmeText { get; private set; } = "";

    /// <summary>The Quick start commands, as README writes them, in order.</summary>
    public IReadOnlyList<string> QuickStartCommands => Readme.Commands(ReadmeText, QuickStartHeading);

    /// <summary>
    /// What each Quick start command did, in order. Not run: README's test command (it runs these tests) and
    /// the Debian package installer (it may ask for a password); a test checks that CI runs both.
    /// </summary>
    public List<CommandResult> QuickStart { get; } = [];

    /// <summary>The VS Code path: README's build command, run after deleting what the Quick start built.</summary>
    public CommandResult VsCodeBuild { get; private set; } = null!;

    /// <summary>The VS Code path: the runner, without building anything, on each notebook reduced to its first code cell.</summary>
    public CommandResult VsCodeFirstCells { get; private set; } = null!;

    /// <summary>The library file the notebooks' first cells load, as it stood right after README's build command.</summary>
    public bool LibraryExistsAfterVsCodeBuild { get; private set; }

    /// <summary>The repository DLLs that notebooks load with <c>#r</c> and that README's build command did not produce.</summary>
    public List<string> MissingAfterVsCodeBuild { get; private set; } = [];

    /// <summary>Where the first-cell notebooks' executed copies went.</summary>
    public string VsCodeOutput { get; private set; } = "";

    /// <summary>Each file-based app's run, by notebook name, as README's command runs it.</summary>
    public Dictionary<string, CommandResult> Apps { get; } = [];

    /// <summary>README's command that regenerates the apps, run in the copy after the apps ran.</summary>
    public CommandResult Export { get; private set; } = null!;

    /// <summary>The committed apps, by file name, before the export command overwrote them.</summary>
    public Dictionary<string, string> CommittedApps { get; } = [];

    /// <summary>The apps the export command wrote, by file name.</summary>
    public Dictionary<string, string> ExportedApps { get; } = [];

    /// <summary>README's benchmark command, stopped once its first measurement begins.</summary>
    public CommandResult Benchmark { get; private set; } = null!;

    /// <summary>The same command, not rebuilt, where dpkg reports python3-torch as not installed.</summary>
    public CommandResult BenchmarkWithoutTorch { get; private set; } = null!;

    /// <summary>The line the benchmark prints when it starts its first measurement.</summary>
    public const string BenchmarkFirstMeasurement = "SGEMM";

    /// <summary>An executed notebook of the Quick start run, from notebooks/output/ of the copy.</summary>
    public string ExecutedNotebook(string name) => Path.Combine(Copy.Root, "notebooks", "output", name + ".ipynb");

    /// <summary>The newcomer's steps, in the order they run.</summary>
    public enum Step
    {
        /// <summary>README's Quick start commands.</summary>
        QuickStart,
        /// <summary>README's library build, then each notebook's first cell.</summary>
        VsCode,
        /// <summary>README's file-based app commands, then its export command.</summary>
        Apps,
        /// <summary>README's benchmark command, with and without python3-torch.</summary>
        Benchmark,
    }

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _done;

    /// <summary>
    /// Runs the steps up to and including <paramref name="step"/> that have not run yet, one after the other
    /// (each once), so that a filtered test run pays only for the steps its tests read.
    /// </summary>
    public async Task<Newcomer> Through(Step step)
    {
        await _gate.WaitAsync();
        try
        {
            for (; _done <= (int)step; _done++)
                await (((Step)_done) switch
                {
                    Step.QuickStart => RunQuickStart(),
                    Step.VsCode => RunVsCodePath(),
                    Step.Apps => RunApps(),
                    _ => RunBenchmarkCommand(),
                });
        }
        finally { _gate.Release(); }
        return this;
    }

    /// <inheritdoc />
    public Task InitializeAsync()
    {
        Copy = new FreshCopy(Repository);
        ReadmeText = File.ReadAllText(Path.Combine(Copy.Root, "README.md"));
        return Task.CompletedTask;
    }

    private async Task RunQuickStart()
    {
        foreach (var command in QuickStartCommands.Where(c => c is not (Readme.TestCommand or Readme.DebianPackagesCommand)))
        {
            var result = await Copy.Run(command, Long);
            QuickStart.Add(result);
            if (result.ExitCode != 0) break;
        }
    }

    private async Task RunVsCodePath()
    {
        // Without anything the Quick start built under lib/, so that only README's build command can provide it.
        foreach (var project in Directory.GetDirectories(Path.Combine(Copy.Root, "lib")))
            foreach (var dir in new[] { "bin", "obj" })
            {
                var path = Path.Combine(project, dir);
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            }
        VsCodeBuild = await Copy.Run(Readme.CommandStartingWith(ReadmeText, "## Open them in VS Code or a Codespace", "dotnet build"), Short);
        // Every repository DLL that any notebook loads with #r must exist after that one build.
        var notebooksFolder = Path.Combine(Copy.Root, "notebooks");
        MissingAfterVsCodeBuild = NotebookNames
            .SelectMany(name => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(notebooksFolder, name + ".ipynb")), @"#r \\""(\.\./lib/[^\\""]+\.dll)\\""").Select(m => m.Groups[1].Value))
            .Distinct()
            .Where(dll => !File.Exists(Path.GetFullPath(Path.Combine(notebooksFolder, dll))))
            .ToList();
        LibraryExistsAfterVsCodeBuild = File.Exists(Path.Combine(Copy.Root, "lib", "NeuralNotebooks", "bin", "NeuralNotebooks.dll")) && MissingAfterVsCodeBuild.Count == 0;

        // Each notebook cut down to its first code cell, in the notebooks' folder, where VS Code runs it from.
        var firstCells = new List<string>();
        foreach (var name in NotebookNames)
        {
            var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(Copy.Root, "notebooks", name + ".ipynb")))!;
            var first = notebook["cells"]!.AsArray().First(c => c!["cell_type"]!.GetValue<string>() == "code")!.DeepClone();
            first["outputs"] = new JsonArray();
            notebook["cells"] = new JsonArray(first);
            var path = Path.Combine("notebooks", $"first-cell-of-{name}.ipynb");
            File.WriteAllText(Path.Combine(Copy.Root, path), notebook.ToJsonString());
            firstCells.Add(path);
        }
        VsCodeOutput = Path.Combine(Copy.Root, "vscode-output");
        VsCodeFirstCells = await Copy.Run($"dotnet run --no-build --project lib/NeuralNotebooks.Runner -- --output {VsCodeOutput} {string.Join(' ', firstCells)}", Short);
        foreach (var path in firstCells) File.Delete(Path.Combine(Copy.Root, path));
    }

    private async Task RunApps()
    {
        const string heading = "## Without Polyglot Notebooks";
        foreach (var command in Readme.Commands(ReadmeText, heading, 0))
        {
            var name = Path.GetFileNameWithoutExtension(command.Split(' ').Last());
            Apps[name] = await Copy.Run(command, Long);
        }
        var apps = Path.Combine(Copy.Root, "notebooks", "apps");
        foreach (var file in Directory.GetFiles(apps, "*.cs")) CommittedApps[Path.GetFileName(file)] = File.ReadAllText(file);
        Export = await Copy.Run(Readme.CommandStartingWith(ReadmeText, heading, "dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps"), Short);
        foreach (var file in Directory.GetFiles(apps, "*.cs")) ExportedApps[Path.GetFileName(file)] = File.ReadAllText(file);
    }

    private async Task RunBenchmarkCommand()
    {
        var command = Readme.CommandStartingWith(ReadmeText, "## Performance", "dotnet run -c Release --project tests/Benchmarks -- compare");
        Benchmark = await Copy.RunUntil(command, Short, printed => printed.Contains(BenchmarkFirstMeasurement + "\n", StringComparison.Ordinal));

        // A dpkg that knows every package but python3-torch.
        var fakeBin = Path.Combine(Copy.Root, "..", "fake-dpkg");
        Directory.CreateDirectory(fakeBin);
        var fake = Path.Combine(fakeBin, "dpkg-query");
        File.WriteAllText(fake, """
            #!/bin/sh
            for last; do :; done
            if [ "$last" = python3-torch ]; then echo "dpkg-query: no packages found matching $last" >&2; exit 1; fi
            printf 'install ok installed'
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = fakeBin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        BenchmarkWithoutTorch = await Copy.RunUntil(command.Replace(" -c Release ", " -c Release --no-build ", StringComparison.Ordinal), Short,
            printed => printed.Contains(BenchmarkFirstMeasurement + "\n", StringComparison.Ordinal), new Dictionary<string, string> { ["PATH"] = path });
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Copy?.Dispose();
        _gate.Dispose();
        return Task.CompletedTask;
    }

    private static string FindRepository()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralNotebooks.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
