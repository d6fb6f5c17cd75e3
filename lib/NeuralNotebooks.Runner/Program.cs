using System.Globalization;

namespace NeuralNotebooks.Runner;

/// <summary>
/// The command line: <c>dotnet run --project lib/NeuralNotebooks.Runner -- notebooks/</c> runs every
/// notebook in a folder (or the files given), writes the executed copies, prints a summary table and
/// exits non-zero if any cell failed.
/// </summary>
public static class Program
{
    private const string Usage = """
        Runs Polyglot notebooks (.ipynb, .dib) headlessly and writes them with their outputs.

        usage: NeuralNotebooks.Runner [options] <notebook or folder>...
          --output DIR     where executed notebooks go (default: <folder>/output/)
          --in-place       write the outputs into the notebooks themselves
          --timeout SEC    fail a cell that runs longer than this (default 300)
          --export-apps DIR  instead of running, write each notebook as a C# file-based app into DIR
        """;

    /// <summary>Runs the notebooks named on the command line; returns 0 when all succeed.</summary>
    public static async Task<int> Main(string[] args)
    {
        string? output = null, exportApps = null;
        bool inPlace = false;
        double timeout = 300;
        var inputs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--output" when i + 1 < args.Length: output = args[++i]; break;
                case "--in-place": inPlace = true; break;
                case "--export-apps" when i + 1 < args.Length: exportApps = args[++i]; break;
                case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var t): timeout = t; i++; break;
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
                notebooks.AddRange(Directory.GetFiles(input).Where(f => f.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".dib", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal));
            else if (File.Exists(input)) notebooks.Add(input);
            else { Console.Error.WriteLine($"{input}: no such file or folder"); return 2; }
        }

        if (exportApps is not null)
        {
            try
            {
                foreach (var app in AppExporter.ExportAll(notebooks.Where(n => n.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)), exportApps))
                    Console.WriteLine($"wrote {app}");
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }

        var options = new RunnerOptions { CellTimeout = TimeSpan.FromSeconds(timeout) };
        var rows = new List<(string Name, int Cells, double Seconds, string Status)>();
        bool failed = false;
        foreach (var path in notebooks)
        {
            Console.WriteLine($"running {path}");
            NotebookResult result;
            try { result = await NotebookRunner.RunAsync(path, options); }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                rows.Add((Path.GetFileName(path), 0, 0, "unreadable"));
                failed = true;
                continue;
            }
            var target = inPlace && path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)
                ? path
                : Path.Combine(output ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "output"), Path.ChangeExtension(Path.GetFileName(path), ".ipynb"));
            result.Notebook.Save(target);
            if (!result.Succeeded) { Console.Error.WriteLine($"FAILED {result.Error}"); failed = true; }
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
}
