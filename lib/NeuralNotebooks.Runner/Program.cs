using System.Globalization;

namespace NeuralNotebooks.Runner;

/// <summary>
/// The command line: <c>dotnet run --project lib/NeuralNotebooks.Runner -- notebooks/</c> runs every
/// notebook in a folder (or the files given), writes the executed copies, prints a summary table and
/// exits non-zero if any cell failed.
/// </summary>
public static class Program
{
    private const double MaxTimeout = 7 * 24 * 3600;

    private const string Usage = """
        Runs Polyglot notebooks (.ipynb, .dib) headlessly and writes them with their outputs.

        usage: NeuralNotebooks.Runner [options] <notebook or folder>...
          --output DIR     where executed notebooks go (default: <folder>/output/)
          --in-place       write the outputs into the notebooks themselves
          --timeout SEC    fail a cell that runs longer than this (default 300; counted from
                           the cell's submission to the started kernel, so kernel start-up is not in it)
          --export-apps DIR  instead of running, write each notebook as a C# file-based app into DIR
        """;

    /// <summary>Runs the notebooks named on the command line; returns 0 when all succeed.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == Worker.Flag) return await Worker.MainAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        string? output = null, exportApps = null;
        bool inPlace = false;
        double timeout = 300;
        var inputs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            // An option's value, not the line's end or the next option (--output --in-place made a folder "--in-place").
            bool ValueFollows() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            switch (args[i])
            {
                case "--output" when ValueFollows(): output = args[++i]; break;
                case "--in-place": inPlace = true; break;
                case "--export-apps" when ValueFollows(): exportApps = args[++i]; break;
                case "--timeout" when ValueFollows():
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out timeout) || !double.IsFinite(timeout) || timeout <= 0 || timeout > MaxTimeout)
                    {
                        Console.Error.WriteLine($"--timeout {args[i]}: give the per-cell limit in seconds, a number above 0 and at most {MaxTimeout} (one week).");
                        return 2;
                    }
                    break;
                case "--output" or "--export-apps" or "--timeout":
                    // Last on the line, or followed by another option: it was called unknown, or --output took
                    // "--in-place" for its folder.
                    Console.Error.WriteLine($"{args[i]} needs {(args[i] == "--timeout" ? "a number of seconds" : "a folder")} after it\n\n{Usage}");
                    return 2;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unknown option {args[i]}\n\n{Usage}"); return 2; }
                    inputs.Add(args[i]);
                    break;
            }
        }
        if (inputs.Count == 0) { Console.Error.WriteLine(Usage); return 2; }

        var notebooks = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.GetFiles(input).Where(IsNotebook).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) { Console.Error.WriteLine($"no notebooks in {input} (looked for .ipynb and .dib files)"); return 2; }
                notebooks.AddRange(found);
            }
            else if (File.Exists(input)) notebooks.Add(input);
            else { Console.Error.WriteLine($"{input}: no such file or folder"); return 2; }
        }

        if (exportApps is not null)
        {
            try
            {
                foreach (var app in AppExporter.ExportAll(notebooks, exportApps))
                    Console.WriteLine($"wrote {app}");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
            {
                // A notebook that cannot be exported or read, or an apps folder that cannot be written: said, not a crash.
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }

        notebooks = notebooks.DistinctBy(Path.GetFullPath).ToList();
        var targets = notebooks.ToDictionary(n => n, n => Target(n, output, inPlace));
        if (Collisions(targets) is { } collision) { Console.Error.WriteLine(collision); return 2; }
        // Found after a long run, a folder that cannot take the results would lose them all.
        if (targets.Values.Select(t => Path.GetDirectoryName(t)!).Distinct().Select(Unwritable).FirstOrDefault(e => e is not null) is { } unwritable)
        {
            Console.Error.WriteLine(unwritable);
            return 2;
        }

        var options = new RunnerOptions { CellTimeout = TimeSpan.FromSeconds(timeout) };
        var rows = new List<(string Name, int Cells, double Seconds, string Status)>();
        bool failed = false;
        foreach (var path in notebooks)
        {
            Console.WriteLine($"running {path}");
            NotebookResult result;
            try { result = await NotebookRunner.RunAsync(path, options); }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"FAILED {e.Message}");
                rows.Add((Path.GetFileName(path), 0, 0, "unreadable"));
                failed = true;
                continue;
            }
            var target = targets[path];
            if (!result.Succeeded) { Console.Error.WriteLine($"FAILED {result.Error}"); failed = true; }
            try
            {
                // An executed copy beside the source shows only this run; a notebook written in place keeps the
                // outputs its later cells had, as VS Code does when a cell fails.
                result.Notebook.Save(target, clearCellsNotRun: target != Path.GetFullPath(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Checked before the run, the folder can still change under it (a disk full, a folder where the file goes).
                Console.Error.WriteLine($"FAILED {path} ran, but {target} could not be written: {e.Message}");
                rows.Add((Path.GetFileName(path), result.CellsRun, result.Seconds, "not written"));
                failed = true;
                continue;
            }
            rows.Add((Path.GetFileName(path), result.CellsRun, result.Seconds, result.Succeeded ? "ok" : "FAILED"));
            Console.WriteLine($"  wrote {target}");
        }

        int width = Math.Max(8, rows.Max(r => r.Name.Length));
        Console.WriteLine();
        Console.WriteLine($"{"notebook".PadRight(width)}  cells  seconds  status");
        foreach (var r in rows)
            Console.WriteLine($"{r.Name.PadRight(width)}  {r.Cells,5}  {r.Seconds.ToString("0.0", CultureInfo.InvariantCulture),7}  {r.Status}");
        return failed ? 1 : 0;
    }

    private static bool IsNotebook(string file) =>
        file.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".dib", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the executed copy of <paramref name="notebook"/> goes.</summary>
    private static string Target(string notebook, string? output, bool inPlace) =>
        Path.GetFullPath(inPlace && notebook.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)
            ? notebook
            : Path.Combine(output ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(notebook))!, "output"), Path.ChangeExtension(Path.GetFileName(notebook), ".ipynb")));

    /// <summary>Why executed notebooks cannot be written into <paramref name="folder"/> (a file in its place, no permission); null if they can.</summary>
    private static string? Unwritable(string folder)
    {
        var existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) return $"{existing} is a file, so executed notebooks cannot be written to {folder}; nothing was run.";
            existing = Path.GetDirectoryName(existing)!;
        }
        // Permissions are only known by trying; the folder itself is made only when a notebook is written.
        var probe = Path.Combine(existing, $".nnrun-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"executed notebooks cannot be written to {folder} ({e.Message}); nothing was run.";
        }
    }

    /// <summary>An error naming the notebooks whose executed copies would overwrite one another, before anything runs; null if none do.</summary>
    private static string? Collisions(Dictionary<string, string> targets)
    {
        var clashes = targets.GroupBy(t => t.Value, OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Select(t => Path.GetFullPath(t.Key)).Distinct().Count() > 1).ToList();
        if (clashes.Count == 0) return null;
        return string.Join("\n", clashes.Select(g => $"{string.Join(" and ", g.Select(t => t.Key).Distinct())} would all be written to {g.Key}; nothing was run. Run them separately with different --output folders, or rename one."));
    }
}
