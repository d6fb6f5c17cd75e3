using System.Globalization;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace NeuralNotebooks.Runner;

/// <summary>What a failed cell reports: the error's name, message, line in the cell and the cell's own stack frames.</summary>
internal static class Failures
{
    /// <summary>
    /// <paramref name="runningPart"/>: the code of the part of the cell (the kernel splits a cell at its magic commands)
    /// that ran last; null if not known.
    /// </summary>
    internal static JsonObject Describe(CommandFailed failed, Microsoft.DotNet.Interactive.Diagnostic? compileError, string? runningPart, string cellSource)
    {
        // The kernel maps a compile error's position back to the cell itself, but not a runtime line.
        if (compileError is not null)
            return Make("CompilationError", $"{compileError.Code}: {compileError.Message}", compileError.LinePositionSpan.Start.Line + 1, []);
        if (failed.Exception is { } e)
        {
            var frames = Frames(e).ToList();
            int line = InSource(LineInCell(e), runningPart ?? cellSource);
            return Make(e.GetType().Name, e.Message, line > 0 ? LinesBefore(cellSource, runningPart) + line : line, frames);
        }
        return Make("Error", failed.Message, 0, []);
    }

    /// <summary>
    /// A cell the kernel threw on instead of reporting a failure. Its parser does so on a magic command whose
    /// argument is not in quotes (<c>#r nuget: XPlot.Plotly, 4.1.0</c>), so the first such line is named.
    /// </summary>
    internal static JsonObject DescribeThrown(Exception e, string cellSource)
    {
        var lines = cellSource.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (!(text.StartsWith("#r ", StringComparison.Ordinal) || text.StartsWith("#i ", StringComparison.Ordinal))) continue;
            var argument = text[3..].Trim();
            if (argument.Length < 2 || argument[0] != '"' || argument[^1] != '"')
                return Make("Error", $"the magic command {text[..2]} takes its argument in quotes, as in #r \"nuget: XPlot.Plotly, 4.1.0\"; this line has {argument} (the kernel failed with {e.GetType().Name}: {e.Message})", i + 1, []);
        }
        return Make(e.GetType().Name, $"the kernel failed on this cell before running it: {e.Message}", 0, Frames(e).ToList());
    }

    /// <summary>
    /// The failure of a command the cell's command started (an imported notebook's cell), which the kernel reports
    /// only as events: at the cell's <c>#!import</c> line, naming the imported file, its cell and line when they are found.
    /// </summary>
    internal static JsonObject DescribeStarted(IReadOnlyList<KernelEvent> errors, string cellSource)
    {
        var diagnostic = errors.OfType<DiagnosticsProduced>().SelectMany(d => d.Diagnostics.Select(x => (Event: (KernelEvent)d, Diagnostic: x)))
            .FirstOrDefault(x => x.Diagnostic.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        var first = diagnostic.Event ?? errors[0];
        var code = ((first.Command as SubmitCode)?.Code ?? "").Replace("\r\n", "\n");
        int lineInCode = diagnostic.Diagnostic is { } d ? d.LinePositionSpan.Start.Line + 1 : 0;
        var imports = cellSource.Split('\n').Select((text, i) => (Text: text.Trim(), Line: i + 1))
            .Where(l => l.Text.StartsWith("#!import ", StringComparison.Ordinal))
            .Select(l => (File: l.Text["#!import ".Length..].Trim().Trim('"'), l.Line)).ToList();
        string? where = null;
        int importLine = imports.Count == 1 ? imports[0].Line : 0;
        foreach (var (file, line) in imports)
        {
            if (code.Length > 0 && Find(file, code, lineInCode) is { } found) { where = found; importLine = line; break; }
        }
        where ??= imports.Count == 1 ? imports[0].File : "a command the cell started";
        string message = diagnostic.Diagnostic is { } error ? $"{error.Code}: {error.Message}"
            : first is CommandFailed failed ? failed.Message : ((ErrorProduced)first).Message;
        return Make(diagnostic.Diagnostic is null ? "Error" : "CompilationError", $"{message} (in {where}{(importLine > 0 ? ", imported here" : "")})", importLine, []);
    }

    /// <summary>"file cell C line L" of <paramref name="code"/> in the notebook <paramref name="file"/>, or null if it is not there.</summary>
    private static string? Find(string file, string code, int lineInCode)
    {
        NotebookFile notebook;
        try { notebook = NotebookFile.Load(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
        for (int c = 0; c < notebook.Cells.Count; c++)
        {
            var source = notebook.Cells[c].Source.Replace("\r\n", "\n");
            if (!source.Contains(code, StringComparison.Ordinal)) continue;
            return $"{file} cell {c + 1}{(lineInCode > 0 ? $" line {LinesBefore(source, code) + lineInCode}" : "")}";
        }
        return null;
    }

    /// <summary>How many lines of <paramref name="cellSource"/> come before <paramref name="part"/>; 0 when it is not a part of it.</summary>
    internal static int LinesBefore(string cellSource, string? part)
    {
        if (string.IsNullOrEmpty(part)) return 0;
        int at = cellSource.IndexOf(part, StringComparison.Ordinal);
        return at <= 0 ? 0 : cellSource.AsSpan(0, at).Count('\n');
    }

    private static JsonObject Make(string name, string message, int line, List<string> traceback) => new()
    {
        ["ename"] = name,
        ["evalue"] = message,
        ["line"] = line,
        ["traceback"] = new JsonArray(traceback.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
    };

    /// <summary>
    /// The kernel compiles each submission as a script without a file name; its frames are the ones in
    /// "Submission#N" classes, N counting submissions. The running cell is the newest submission, so the line
    /// is that of the deepest frame of the highest N: where the cell threw, or called the method of an earlier
    /// cell that did (whose frame's line is in that other cell; the traceback shows it).
    /// </summary>
    internal static int LineInCell(Exception e)
    {
        int newest = -1, line = 0;
        foreach (var frame in new StackTrace(e, true).GetFrames())
        {
            string? type = frame.GetMethod()?.DeclaringType?.FullName;
            if (type is null || !type.StartsWith("Submission#", StringComparison.Ordinal) || frame.GetFileLineNumber() <= 0) continue;
            int start = "Submission#".Length, end = start;
            while (end < type.Length && char.IsAsciiDigit(type[end])) end++;
            int n = int.Parse(type.AsSpan(start, end - start), CultureInfo.InvariantCulture);
            if (n > newest) (newest, line) = (n, frame.GetFileLineNumber());
        }
        return line;
    }

    /// <summary>
    /// <paramref name="line"/> of the code the kernel compiled, as a line of the cell: the kernel takes its
    /// directives out first (<c>#r "nuget: ..."</c>, <c>#i</c>, <c>#!</c> magic commands) and runtime line numbers
    /// count without them. <c>#r</c> of a file stays in the code (the compiler reads it).
    /// </summary>
    internal static int InSource(int line, string cellSource)
    {
        if (line <= 0) return line;
        var kept = cellSource.Split('\n').Select((text, i) => (text.TrimStart(), Line: i + 1))
            .Where(l => !(l.Item1.StartsWith("#!", StringComparison.Ordinal) || l.Item1.StartsWith("#i ", StringComparison.Ordinal)
                || l.Item1.StartsWith("#r \"nuget:", StringComparison.Ordinal)))
            .Select(l => l.Line).ToList();
        return line <= kept.Count ? kept[line - 1] : line;
    }

    /// <summary>The stack frames of the notebook's code and what it called, without the kernel's own frames or file paths of this machine.</summary>
    private static IEnumerable<string> Frames(Exception e)
    {
        foreach (var raw in (e.StackTrace ?? "").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("--- End of stack trace", StringComparison.Ordinal) || line.Contains(" Microsoft.CodeAnalysis.Scripting.", StringComparison.Ordinal) || line.Contains(" Microsoft.DotNet.Interactive.", StringComparison.Ordinal)) break;
            if (line.Length == 0) continue;
            int inAt = line.IndexOf(" in ", StringComparison.Ordinal);
            yield return inAt >= 0 ? line[..inAt] : line;
        }
    }
}
