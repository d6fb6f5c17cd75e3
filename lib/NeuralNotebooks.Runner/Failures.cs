using System.Globalization;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Events;

namespace NeuralNotebooks.Runner;

/// <summary>What a failed cell reports: the error's name, message, line in the cell and the cell's own stack frames.</summary>
internal static class Failures
{
    internal static JsonObject Describe(CommandFailed failed, Microsoft.DotNet.Interactive.Diagnostic? compileError, string cellSource)
    {
        // The kernel maps a compile error's position back to the cell itself.
        if (compileError is not null)
            return Make("CompilationError", $"{compileError.Code}: {compileError.Message}", compileError.LinePositionSpan.Start.Line + 1, []);
        if (failed.Exception is { } e)
        {
            var frames = Frames(e).ToList();
            return Make(e.GetType().Name, e.Message, InSource(LineInCell(e), cellSource), frames);
        }
        return Make("Error", failed.Message, 0, []);
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
