using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace NeuralNotebooks.Runner;

/// <summary>
/// The child process that runs one notebook: a fresh .NET Interactive kernel (CompositeKernel with a
/// CSharpKernel, as VS Code's Polyglot Notebooks starts it), working in the notebook's folder. It
/// submits the code cells in order and reports every kernel event to the supervising runner over a
/// pipe, as it happens, so that a cell which kills or hangs this process loses nothing before it.
/// </summary>
internal static class Worker
{
    internal const string Flag = "--worker";

    internal static async Task<int> MainAsync(string pipeName, string notebookPath, int supervisor)
    {
        WatchSupervisor(supervisor);
        using var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.Out);
        await pipe.ConnectAsync(60_000);
        var channel = new WorkerChannel(pipe);
        int current = -1;

        // Console text written outside a kernel submission (a thread the cell started) still belongs to
        // the cell running now; the kernel redirects Console for its submissions and falls back to this.
        Console.SetOut(new EventWriter(channel, "stdout", () => current));
        Console.SetError(new EventWriter(channel, "stderr", () => current));
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            channel.Send(new JsonObject { ["event"] = "crash", ["cell"] = current, ["message"] = Describe(e.ExceptionObject as Exception) });
            // Exit now rather than let the runtime abort, which can spend many seconds writing a core dump.
            Environment.Exit(3);
        };

        var notebook = NotebookFile.Load(notebookPath);
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(notebookPath))!);
        using var kernel = CreateKernel(out var csharp);

        // Kernel start-up and Roslyn's first compilation take seconds; they are not any cell's time.
        await kernel.SendAsync(new SubmitCode("0", "csharp"));
        channel.Send(new JsonObject { ["event"] = "ready" });

        // The commands a cell's command starts of its own (the cells of a notebook it imports) report their
        // errors on the kernel's event stream only, not in the cell's result, which says it succeeded.
        var errors = new List<KernelEvent>();
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (current >= 0 && (e is CommandFailed or ErrorProduced || e is DiagnosticsProduced d && d.Diagnostics.Any(IsError)))
                lock (errors) errors.Add(e);
            OnEvent(channel, current, e);
        });
        for (int i = 0; i < notebook.Cells.Count; i++)
        {
            var cell = notebook.Cells[i];
            if (cell.Kind != "code") continue;
            current = i;
            lock (errors) errors.Clear();
            channel.Send(new JsonObject { ["event"] = "start", ["cell"] = i });
            KernelCommandResult result;
            try { result = await kernel.SendAsync(new SubmitCode(cell.Source, cell.Kernel)); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The kernel threw instead of failing the cell (its parser, on a magic command without quotes:
                // "Sequence contains more than one element"), and the exception left this method, closing the
                // pipe before the crash could be told: the notebook "exited with code 3", the cause lost.
                channel.Send(new JsonObject { ["event"] = "done", ["cell"] = i, ["failure"] = Failures.DescribeThrown(e, cell.Source) });
                break;
            }
            var failed = result.Events.OfType<CommandFailed>().LastOrDefault();
            var done = new JsonObject { ["event"] = "done", ["cell"] = i };
            if (failed is not null)
            {
                var diagnostics = result.Events.OfType<DiagnosticsProduced>().FirstOrDefault(d => d.Diagnostics.Any(IsError));
                // The kernel splits a cell at its magic commands and runs the parts one by one; the failing part is the last one it ran.
                var running = result.Events.Select(e => e.Command).OfType<SubmitCode>().LastOrDefault(c => c.Parent is not null);
                done["failure"] = Failures.Describe(failed, diagnostics?.Diagnostics.First(IsError), running?.Code, cell.Source);
            }
            else
            {
                List<KernelEvent> unreported;
                lock (errors) unreported = errors.Where(e => !result.Events.Contains(e)).ToList();
                if (unreported.Count > 0) done["failure"] = Failures.DescribeStarted(unreported, cell.Source);
            }
            channel.Send(done);
            if (done["failure"] is not null) break;
        }
        channel.Send(new JsonObject { ["event"] = "variables", ["values"] = Variables(csharp) });
        channel.Send(new JsonObject { ["event"] = "finished" });
        return 0;
    }

    private static bool IsError(Microsoft.DotNet.Interactive.Diagnostic d) => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error;

    /// <summary>The kernel as the Polyglot Notebooks extension starts it for a C# notebook.</summary>
    private static CompositeKernel CreateKernel(out CSharpKernel csharp)
    {
        csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            }, forceRestore: false)
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        EmitLineNumbers(csharp);
        var kernel = new CompositeKernel();
        kernel.Add(csharp, ["c#", "C#"]);
        kernel.UseImportMagicCommand();
        kernel.DefaultKernelName = csharp.Name;
        return kernel;
    }

    /// <summary>
    /// The kernel compiles cells without debug information, so a runtime exception's stack frames carry
    /// no line numbers and a failure could only name the cell. Its script options are private; with
    /// debug information (and the encoding Roslyn needs to emit it) the frames of "Submission#N" carry the
    /// line inside the cell. If a later kernel renames the field, failures simply name the cell alone.
    /// </summary>
    private static void EmitLineNumbers(CSharpKernel csharp)
    {
        var field = typeof(CSharpKernel).GetField("_scriptOptions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
        if (field?.GetValue(csharp) is Microsoft.CodeAnalysis.Scripting.ScriptOptions options)
            field.SetValue(csharp, options.WithEmitDebugInformation(true).WithFileEncoding(System.Text.Encoding.UTF8));
    }

    private static void OnEvent(WorkerChannel channel, int cell, KernelEvent e)
    {
        // The kernel's own warm-up and helper commands are not part of any cell.
        if (cell < 0) return;
        switch (e)
        {
            case StandardOutputValueProduced o:
                channel.Send(new JsonObject { ["event"] = "stream", ["cell"] = cell, ["name"] = "stdout", ["text"] = PlainText(o) });
                break;
            case StandardErrorValueProduced o:
                channel.Send(new JsonObject { ["event"] = "stream", ["cell"] = cell, ["name"] = "stderr", ["text"] = PlainText(o) });
                break;
            case ReturnValueProduced r:
                channel.Send(new JsonObject { ["event"] = "result", ["cell"] = cell, ["data"] = Figures.Data(r) });
                break;
            case DisplayedValueUpdated u:
                channel.Send(new JsonObject { ["event"] = "update", ["cell"] = cell, ["id"] = u.ValueId, ["data"] = Figures.Data(u) });
                break;
            case DisplayedValueProduced d:
                channel.Send(new JsonObject { ["event"] = "display", ["cell"] = cell, ["id"] = d.ValueId, ["data"] = Figures.Data(d) });
                break;
            case ErrorProduced err when err.Command is not null:
                channel.Send(new JsonObject { ["event"] = "stream", ["cell"] = cell, ["name"] = "stderr", ["text"] = err.Message + "\n" });
                break;
        }
    }

    private static string PlainText(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? e.FormattedValues.FirstOrDefault()?.Value ?? "";

    /// <summary>
    /// The notebook's top-level variables whose values are plain data (numbers, text, and arrays,
    /// lists and dictionaries of them), as JSON: what a test reads after a run.
    /// </summary>
    private static JsonObject Variables(CSharpKernel csharp)
    {
        var values = new JsonObject();
        foreach (var variable in csharp.ScriptState?.Variables ?? [])
        {
            if (!IsData(variable.Type, 0)) continue;
            try
            {
                // Small values only: a test reads headline numbers, not the data set.
                var json = JsonSerializer.SerializeToNode(variable.Value, variable.Type, Json.Options);
                if (json is null || json.ToJsonString().Length <= MaxVariableChars) values[variable.Name] = json;
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException) { }
        }
        return values;
    }

    private const int MaxVariableChars = 10_000;

    private static bool IsData(Type type, int depth)
    {
        if (type.IsPrimitive || type == typeof(string) || type == typeof(decimal)) return true;
        if (depth > 1) return false;
        if (type.IsArray) return IsData(type.GetElementType()!, depth + 1);
        if (!type.IsGenericType) return false;
        var definition = type.GetGenericTypeDefinition();
        return (definition == typeof(List<>) || definition == typeof(Dictionary<,>)) && type.GetGenericArguments().All(a => IsData(a, depth + 1));
    }

    /// <summary>A worker whose runner was killed stops too, rather than run on unsupervised.</summary>
    private static void WatchSupervisor(int pid)
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(1000);
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    if (!p.HasExited) continue;
                }
                catch (ArgumentException) { }
                Environment.Exit(4);
            }
        }) { IsBackground = true, Name = "supervisor watch" };
        thread.Start();
    }

    internal static string Describe(Exception? e) => e is null ? "an unknown error" : $"{e.GetType().Name}: {e.Message}";

    /// <summary>Sends Console text written outside a kernel submission to the supervisor, as the current cell's.</summary>
    private sealed class EventWriter(WorkerChannel channel, string stream, Func<int> cell) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => Write(value.ToString());
        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value) || cell() < 0) return;
            channel.Send(new JsonObject { ["event"] = "stream", ["cell"] = cell(), ["name"] = stream, ["text"] = value });
        }
        public override void WriteLine(string? value) => Write((value ?? "") + "\n");
        public override void WriteLine() => Write("\n");
    }
}

/// <summary>JSON settings shared by the worker and the supervisor: NaN and infinities survive the trip.</summary>
internal static class Json
{
    internal static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, MaxDepth = 16 };
}

/// <summary>One JSON object per line over the pipe, whole lines only, from any thread.</summary>
internal sealed class WorkerChannel(Stream stream)
{
    private readonly StreamWriter _writer = new(stream, new UTF8Encoding(false)) { AutoFlush = false };

    internal void Send(JsonObject message)
    {
        var line = message.ToJsonString();
        lock (_writer)
        {
            try
            {
                _writer.Write(line);
                _writer.Write('\n');
                _writer.Flush();
            }
            catch (IOException) { } // the supervisor is gone (it killed us after a timeout): nothing left to tell
            catch (ObjectDisposedException) { }
        }
    }
}
