using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Events;

namespace NeuralNotebooks.Runner;

/// <summary>What a failed cell reports: the error's name, message, line in the cell and the cell's own stack frames.</summary>
internal static class Failures
{
    internal static JsonObject Describe(CommandFailed failed, Microsoft.DotNet.Interactive.Diagnostic? compileError)
    {
        if (compileError is not null)
            return Make("CompilationError", $"{compileError.Code}: {compileError.Message}", compileError.LinePositionSpan.Start.Line + 1, []);
        if (failed.Exception is { } e)
        {
            var frames = Frames(e).ToList();
            return Make(e.GetType().Name, e.Message, LineInCell(e), frames);
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
    /// The kernel compiles each submission as a script without a file name; its frames are the ones
    /// in "Submission#N" classes. The line is that of the deepest such frame.
    /// </summary>
    private static int LineInCell(Exception e)
    {
        foreach (var frame in new StackTrace(e, true).GetFrames())
            if (frame.GetMethod()?.DeclaringType?.FullName?.StartsWith("Submission#", StringComparison.Ordinal) == true && frame.GetFileLineNumber() > 0)
                return frame.GetFileLineNumber();
        return 0;
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
