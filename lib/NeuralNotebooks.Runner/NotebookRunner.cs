using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using NeuralNotebooks.Runner.Scripting;

namespace NeuralNotebooks.Runner;

/// <summary>How to run notebooks.</summary>
public sealed record RunnerOptions
{
    /// <summary>A cell that runs longer than this fails.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(300);
}

/// <summary>What happened to one notebook.</summary>
public sealed class NotebookResult
{
    internal NotebookResult(Notebook notebook) => Notebook = notebook;

    /// <summary>The notebook, with the outputs of this run.</summary>
    public Notebook Notebook { get; }
    /// <summary>How many code cells ran (including a failing one).</summary>
    public int CellsRun { get; internal set; }
    /// <summary>Wall-clock seconds.</summary>
    public double Seconds { get; internal set; }
    /// <summary>Null when every cell succeeded; else "&lt;notebook&gt; cell &lt;n&gt; line &lt;l&gt;: &lt;message&gt;".</summary>
    public string? Error { get; internal set; }
    /// <summary>Whether every cell succeeded.</summary>
    public bool Succeeded => Error is null;
    internal ScriptState<object>? State { get; set; }

    /// <summary>The value of a top-level variable of the notebook after the run (e.g. its reported accuracy).</summary>
    public T GetVariable<T>(string name)
    {
        var v = State?.GetVariable(name) ?? throw new KeyNotFoundException($"{Notebook.Path} defines no variable '{name}'.");
        return v.Value is T t ? t : throw new InvalidCastException($"{Notebook.Path}: variable '{name}' is a {v.Type.Name}, not a {typeof(T).Name}.");
    }
}

/// <summary>
/// Runs a Polyglot notebook headlessly with Roslyn scripting, the engine of the C# kernel: one
/// script state per notebook, code cells in order, each cell's outputs recorded as Jupyter stores
/// them. The notebook's folder is the working directory and the base of relative <c>#r</c> paths.
/// </summary>
public static partial class NotebookRunner
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>
    /// Namespaces every cell sees, as in the C# kernel (which has no System.IO: a notebook that uses
    /// File says <c>using System.IO;</c>), plus the kernel helpers' namespace (<c>x.Display()</c>).
    /// </summary>
    public static readonly string[] DefaultImports =
        ["System", "System.Collections", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks", "NeuralNotebooks.Runner.Scripting"];

    private static readonly HashSet<string> CSharpKernelNames = ["csharp", "c#", "C#"];

    /// <summary>Runs every code cell of the notebook at <paramref name="path"/> and returns the notebook with its outputs.</summary>
    public static async Task<NotebookResult> RunAsync(string path, RunnerOptions? options = null)
    {
        options ??= new RunnerOptions();
        var notebook = Notebook.Load(path);
        var result = new NotebookResult(notebook);
        var name = Path.GetFileName(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var clock = Stopwatch.StartNew();

        // Console and the working directory are process-wide: one notebook at a time.
        await OneAtATime.WaitAsync();
        Kernel.EnsureConnected();
        var (oldOut, oldErr, oldDir) = (Console.Out, Console.Error, Directory.GetCurrentDirectory());
        var kernel = new Kernel();
        try
        {
            Directory.SetCurrentDirectory(folder);
            Console.SetOut(new CellWriter(kernel, "stdout"));
            Console.SetError(new CellWriter(kernel, "stderr"));
            var scriptOptions = ScriptOptions.Default
                .WithReferences(typeof(KernelGlobals).Assembly, typeof(Enumerable).Assembly)
                .WithImports(DefaultImports)
                .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(folder).WithSearchPaths(RuntimeDirectory()))
                .WithSourceResolver(new SourceFileResolver([], folder))
                .WithEmitDebugInformation(true)
                .WithOptimizationLevel(OptimizationLevel.Release)
                .WithAllowUnsafe(true);
            ScriptState<object>? state = null;
            int count = 0;
            for (int i = 0; i < notebook.Cells.Count; i++)
            {
                var cell = notebook.Cells[i];
                if (cell.Kind != "code") continue;
                cell.Outputs.Clear();
                count++;
                result.CellsRun++;
                cell.ExecutionCount = count;
                kernel.Enter(cell);
                string? error = null;
                try
                {
                    if (!CSharpKernelNames.Contains(cell.Kernel))
                        throw new CellException(0, $"cell kernel '{cell.Kernel}' is not supported: the runner runs C# cells (#!csharp) and markdown.");
                    var (code, packages) = Preprocess(cell.Source);
                    foreach (var package in packages)
                        scriptOptions = scriptOptions.AddReferences(await NuGet.RestoreAsync(package.Name, package.Version).ConfigureAwait(false));
                    var cellOptions = scriptOptions.WithFilePath(CellPath(folder, i));
                    // Source with an encoding, so the submission carries debug information (line numbers in stack traces).
                    // Compiled and run on the thread pool: a script runs synchronously until its first await,
                    // and the timeout must be able to give up on a cell that never yields.
                    var previous = state;
                    var run = Task.Run(() =>
                    {
                        using var source = new MemoryStream(Encoding.UTF8.GetBytes(code));
                        return previous is null
                            ? CSharpScript.Create(source, cellOptions, typeof(KernelGlobals)).RunAsync(new KernelGlobals())
                            : previous.Script.ContinueWith(source, cellOptions).RunFromAsync(previous);
                    });
                    var finished = await Task.WhenAny(run, Task.Delay(options.CellTimeout)).ConfigureAwait(false);
                    if (finished != run)
                        throw new CellException(0, $"timed out after {options.CellTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s (the per-cell limit; the run stops here).");
                    state = await run.ConfigureAwait(false);
                    if (state.Exception is { } thrown) throw thrown;
                    if (state.ReturnValue is { } value) lock (kernel) AddResult(cell, count, value);
                }
                catch (CompilationErrorException e)
                {
                    var d = e.Diagnostics.First(x => x.Severity == DiagnosticSeverity.Error);
                    int line = d.Location.GetLineSpan().StartLinePosition.Line + 1;
                    error = $"{name} cell {i + 1} line {line}: {d.Id}: {d.GetMessage()}";
                    AddError(cell, "CompilationError", error, [error]);
                }
                catch (CellException e)
                {
                    error = $"{name} cell {i + 1}{(e.Line > 0 ? $" line {e.Line}" : "")}: {e.Message}";
                    AddError(cell, "RunnerError", error, [error]);
                }
                catch (Exception e)
                {
                    var inner = e is TargetInvocationException { InnerException: { } ie } ? ie : e;
                    int line = LineInCell(inner, CellPath(folder, i));
                    error = $"{name} cell {i + 1}{(line > 0 ? $" line {line}" : "")}: {inner.GetType().Name}: {inner.Message}";
                    AddError(cell, inner.GetType().Name, inner.Message, [error, .. ScriptFrames(inner, folder)]);
                }
                finally
                {
                    Console.Out.Flush();
                    kernel.Leave();
                }
                if (error is not null)
                {
                    result.Error = error;
                    break;
                }
            }
            result.State = state;
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Directory.SetCurrentDirectory(oldDir);
            OneAtATime.Release();
        }
        result.Seconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>The file name a cell's code is compiled under: it names the cell in stack traces.</summary>
    private static string CellPath(string folder, int index) => Path.Combine(folder, $"cell {index + 1}");

    /// <summary>
    /// The stack frames of the notebook's own code and what it called, without the runner's and
    /// Roslyn's frames and without this machine's folders (the traceback is stored in the notebook).
    /// </summary>
    private static IEnumerable<string> ScriptFrames(Exception e, string folder)
    {
        foreach (var raw in (e.StackTrace ?? "").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("--- End of stack trace", StringComparison.Ordinal) || line.Contains(" Microsoft.CodeAnalysis.Scripting.", StringComparison.Ordinal)) break;
            if (line.Length == 0) continue;
            int inAt = line.IndexOf(" in ", StringComparison.Ordinal);
            if (inAt >= 0 && line[(inAt + 4)..].StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                line = line[..(inAt + 4)] + line[(inAt + 4 + folder.Length + 1)..];
            else if (inAt >= 0) line = line[..inAt];
            yield return line;
        }
    }

    private static string RuntimeDirectory() => Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private static void AddResult(Cell cell, int count, object value)
    {
        cell.Outputs.Add(new JsonObject
        {
            ["data"] = Formatting.ToData(value, null),
            ["execution_count"] = count,
            ["metadata"] = new JsonObject(),
            ["output_type"] = "execute_result",
        });
    }

    private static void AddError(Cell cell, string name, string value, IEnumerable<string> traceback) =>
        cell.Outputs.Add(new JsonObject
        {
            ["ename"] = name,
            ["evalue"] = value,
            ["output_type"] = "error",
            ["traceback"] = new JsonArray(traceback.Where(t => t.Length > 0).Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
        });

    /// <summary>The line of the cell where <paramref name="e"/> was thrown (from the deepest frame in the cell), or 0.</summary>
    private static int LineInCell(Exception e, string cellPath)
    {
        foreach (var frame in new StackTrace(e, true).GetFrames())
            if (string.Equals(frame.GetFileName(), cellPath, StringComparison.Ordinal) && frame.GetFileLineNumber() > 0)
                return frame.GetFileLineNumber();
        return 0;
    }

    /// <summary>
    /// Finds <c>#r "nuget: Name, Version"</c> lines and <c>#!csharp</c> kernel selectors (blanked out,
    /// so line numbers stay) and rejects magic commands the runner does not implement.
    /// </summary>
    internal static (string Code, List<(string Name, string? Version)> Packages) Preprocess(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var packages = new List<(string, string?)>();
        for (int i = 0; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            var m = NuGetReference().Match(t);
            if (m.Success)
            {
                packages.Add((m.Groups["name"].Value.Trim(), m.Groups["version"].Success ? m.Groups["version"].Value.Trim() : null));
                lines[i] = "";
            }
            else if (t.StartsWith("#!", StringComparison.Ordinal) && CSharpKernelNames.Contains(t[2..].Trim()))
                lines[i] = "";
            else if (t.StartsWith("#!", StringComparison.Ordinal))
                throw new CellException(i + 1, $"unsupported magic command '{t}': the runner understands #!csharp, #r \"path.dll\" and #r \"nuget: Name, Version\" in C# cells.");
            else if (t.StartsWith("#i ", StringComparison.Ordinal))
                throw new CellException(i + 1, $"unsupported directive '{t}': package sources (#i) are not supported; packages come from the machine's NuGet configuration.");
        }
        return (string.Join("\n", lines), packages);
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<name>[^,"]+)(,\s*(?<version>[^"]+))?"\s*$""")]
    private static partial Regex NuGetReference();
}

/// <summary>A cell failed for a reason the runner itself detected.</summary>
internal sealed class CellException(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}
