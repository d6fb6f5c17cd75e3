using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace NeuralNotebooks.Runner;

/// <summary>How to run notebooks.</summary>
public sealed record RunnerOptions
{
    /// <summary>
    /// A cell that runs longer than this fails and its notebook's process is killed. Counted from
    /// the moment the cell is submitted to the started kernel: kernel start-up is not part of it.
    /// </summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The most console text one cell stores; the rest is dropped with a note saying how much.</summary>
    public int MaxStreamChars { get; init; } = 200_000;
}

/// <summary>What happened to one notebook.</summary>
public sealed class NotebookResult
{
    internal NotebookResult(NotebookFile notebook) => Notebook = notebook;

    /// <summary>The notebook, with the outputs of this run.</summary>
    public NotebookFile Notebook { get; }
    /// <summary>How many code cells ran (including a failing one).</summary>
    public int CellsRun { get; internal set; }
    /// <summary>Wall-clock seconds.</summary>
    public double Seconds { get; internal set; }
    /// <summary>Null when every cell succeeded; else "&lt;notebook&gt; cell &lt;n&gt; line &lt;l&gt;: &lt;message&gt;".</summary>
    public string? Error { get; internal set; }
    /// <summary>Whether every cell succeeded.</summary>
    public bool Succeeded => Error is null;
    internal JsonObject Variables { get; set; } = [];

    /// <summary>
    /// The value of a top-level variable of the notebook after the run, for plain data (numbers, text,
    /// arrays, lists and dictionaries of them), as the kernel held it.
    /// </summary>
    public T GetVariable<T>(string name)
    {
        if (!Variables.TryGetPropertyValue(name, out var node)) throw new KeyNotFoundException($"{Notebook.Path} defines no variable '{name}' of plain data.");
        try { return node.Deserialize<T>(Json.Options)!; }
        catch (JsonException e) { throw new InvalidCastException($"{Notebook.Path}: variable '{name}' ({node?.ToJsonString()}) is not a {typeof(T).Name}.", e); }
    }
}

/// <summary>
/// Runs a Polyglot notebook headlessly on the .NET Interactive C# kernel. Each notebook runs in a
/// worker process of its own (a fresh kernel, working in the notebook's folder); this side
/// supervises it: it records every output as it arrives, enforces the per-cell timeout by killing
/// the worker, and reports a worker that exits or crashes in a cell as that cell's failure.
/// </summary>
public static class NotebookRunner
{
    /// <summary>How long a worker may take to start its kernel (tens of seconds of CPU, far longer on a busy machine) before the run gives up.</summary>
    private static readonly TimeSpan StartUpLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long to wait for the worker's next message. Before the first cell starts, what is left of the
    /// start-up limit. Once a cell has started, the per-cell limit, counted from the start of the running
    /// cell or, between cells, from the end of the last one: the start-up limit never applies to a notebook
    /// that has been running cells for longer than it (a slow machine running a long notebook).
    /// </summary>
    internal static TimeSpan WaitLimit(TimeSpan cellTimeout, bool started, TimeSpan sinceNotebookStart, TimeSpan sinceCellEvent) =>
        started ? cellTimeout - sinceCellEvent : StartUpLimit - sinceNotebookStart;

    /// <summary>Runs every code cell of the notebook at <paramref name="path"/> and returns the notebook with its outputs.</summary>
    /// <exception cref="FormatException">The file is not a notebook, or has no code to run; the message names it.</exception>
    public static async Task<NotebookResult> RunAsync(string path, RunnerOptions? options = null)
    {
        options ??= new RunnerOptions();
        var notebook = NotebookFile.Load(path);
        // Reported ok, it would pass for a tested notebook; most likely a file saved empty or the wrong file.
        if (!notebook.Cells.Any(c => c.Kind == "code" && c.Source.Trim().Length > 0))
            throw new FormatException($"{path}: no code cells, so there is nothing to run; an empty notebook is not counted as a passing one.");
        var result = new NotebookResult(notebook);
        var name = Path.GetFileName(path);
        var clock = Stopwatch.StartNew();
        var outputs = new Dictionary<int, CellOutputs>();
        int count = 0, current = -1, lastCell = -1;
        bool finished = false;
        string? failure = null;

        var pipeName = $"nnrun-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using var pipe = new NamedPipeServerStream(pipeName, PipeDirection.In, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
        using var worker = StartWorker(pipeName, path);
        var diagnostics = new BoundedText(8_000);
        worker.OutputDataReceived += (_, e) => { if (e.Data is not null) diagnostics.AppendLine(e.Data); };
        worker.ErrorDataReceived += (_, e) => { if (e.Data is not null) diagnostics.AppendLine(e.Data); };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();

        var events = Channel.CreateUnbounded<JsonObject?>();
        var reading = ReadEvents(pipe, worker, events.Writer);
        var cellStarted = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                var limit = WaitLimit(options.CellTimeout, started: count > 0, clock.Elapsed, cellStarted.Elapsed);
                var message = await Next(events.Reader, limit);
                if (ReferenceEquals(message, TimedOut))
                {
                    failure = current >= 0
                        ? Failure(name, current, 0, $"timed out after {Seconds(options.CellTimeout)} s (the per-cell limit; the notebook's process was stopped here).")
                        : count > 0
                            ? $"{name}: the kernel went silent for {Seconds(options.CellTimeout)} s after cell {lastCell + 1} finished."
                            : $"{name}: the kernel did not start within {Seconds(StartUpLimit)} s.";
                    if (current >= 0) outputs[current].Error("Timeout", failure, []);
                    break;
                }
                if (message is null) break; // the worker is gone
                int cell = message["cell"]?.GetValue<int>() ?? current;
                switch (message["event"]!.GetValue<string>())
                {
                    case "start":
                        current = lastCell = cell;
                        cellStarted.Restart();
                        notebook.Cells[cell].ExecutionCount = ++count;
                        result.CellsRun++;
                        outputs[cell] = new CellOutputs(options.MaxStreamChars);
                        break;
                    case "stream" when outputs.TryGetValue(cell, out var o):
                        o.Stream(message["name"]!.GetValue<string>(), message["text"]!.GetValue<string>());
                        break;
                    case "display" when outputs.TryGetValue(cell, out var o):
                        o.Display(message["id"]?.GetValue<string>(), message["data"]!.AsObject());
                        break;
                    case "update":
                        var id = message["id"]?.GetValue<string>();
                        var data = message["data"]!.AsObject();
                        if (!outputs.Values.Any(o => o.TryUpdate(id, data)))
                            _ = (outputs.TryGetValue(cell, out var here) && here.TryClaim(id, data)) || outputs.OrderByDescending(p => p.Key).Any(p => p.Value.TryClaim(id, data));
                        break;
                    case "result" when outputs.TryGetValue(cell, out var o):
                        o.Result(message["data"]!.AsObject(), notebook.Cells[cell].ExecutionCount!.Value);
                        break;
                    case "done" when message["failure"] is JsonObject f && outputs.TryGetValue(cell, out var o):
                        int line = f["line"]!.GetValue<int>();
                        string ename = f["ename"]!.GetValue<string>(), evalue = f["evalue"]!.GetValue<string>();
                        failure = Failure(name, cell, line, ename is "CompilationError" or "Error" ? evalue : $"{ename}: {evalue}");
                        o.Error(ename, evalue, [failure, .. f["traceback"]!.AsArray().Select(t => t!.GetValue<string>())]);
                        current = -2;
                        cellStarted.Restart();
                        break;
                    case "done":
                        current = -2;
                        cellStarted.Restart();
                        break;
                    case "crash":
                        var crash = message["message"]!.GetValue<string>();
                        if (cell >= 0 && outputs.TryGetValue(cell, out var c))
                        {
                            failure ??= Failure(name, cell, 0, $"unhandled {crash} (thrown on another thread; it ended the notebook's process).");
                            c.Error("UnhandledException", crash, [failure]);
                        }
                        else failure ??= $"{name}: unhandled {crash} (it ended the notebook's process).";
                        finished = false;
                        current = -1;
                        goto stop;
                    case "variables":
                        result.Variables = message["values"]!.AsObject().DeepClone().AsObject();
                        break;
                    case "finished":
                        finished = true;
                        break;
                }
                if (current == -2) current = -1;
            }
        stop:;
        }
        finally
        {
            if (!worker.HasExited)
            {
                try { worker.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
            await worker.WaitForExitAsync();
            await reading;
        }

        if (failure is null && !finished)
        {
            int last = outputs.Keys.DefaultIfEmpty(-1).Max();
            var why = $"the notebook's process exited with code {worker.ExitCode} before the notebook finished";
            var detail = CrashReport(diagnostics.ToString());
            if (last >= 0)
            {
                failure = Failure(name, last, 0, $"{why} (Environment.Exit in a cell, or a crash).{(detail.Length > 0 ? "\n" + detail : "")}");
                outputs[last].Error("ProcessExited", why, [failure]);
            }
            else failure = $"{name}: {why}.{(detail.Length > 0 ? "\n" + detail : "")}";
        }

        foreach (var (index, o) in outputs)
        {
            var cell = notebook.Cells[index];
            cell.Outputs.Clear();
            cell.Outputs.AddRange(o.ToJupyter());
        }
        result.Error = failure;
        result.Seconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>
    /// What the worker wrote to its console before it died, for the failure's message: the runtime's report of a
    /// crash (a stack overflow, Environment.FailFast) without the kernel's own frames below the cell's, which
    /// buried it under about 8 KB of Roslyn's scripting and .NET Interactive's pipeline.
    /// </summary>
    internal static string CrashReport(string text)
    {
        var kept = new List<string>();
        int left = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.StartsWith("at Microsoft.CodeAnalysis.", StringComparison.Ordinal) || line.StartsWith("at Microsoft.DotNet.Interactive.", StringComparison.Ordinal)
                || line.StartsWith("at System.", StringComparison.Ordinal) || line.StartsWith("at NeuralNotebooks.Runner.", StringComparison.Ordinal))
            {
                left++;
                continue;
            }
            kept.Add(raw.TrimEnd());
        }
        var report = string.Join('\n', kept).Trim();
        return left == 0 ? report : $"{report}\n({left} frames of the kernel and the runtime left out)";
    }

    private static string Failure(string notebook, int cell, int line, string message) =>
        $"{notebook} cell {cell + 1}{(line > 0 ? $" line {line}" : "")}: {message}";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static readonly JsonObject TimedOut = [];

    private static async Task<JsonObject?> Next(ChannelReader<JsonObject?> reader, TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero) return TimedOut;
        using var cancel = new CancellationTokenSource(limit);
        try { return await reader.ReadAsync(cancel.Token); }
        catch (OperationCanceledException) { return TimedOut; }
        catch (ChannelClosedException) { return null; }
    }

    private static async Task ReadEvents(NamedPipeServerStream pipe, Process worker, ChannelWriter<JsonObject?> events)
    {
        try
        {
            // A worker that dies before it connects must not leave this side waiting for it.
            using var gone = new CancellationTokenSource();
            var exited = worker.WaitForExitAsync().ContinueWith(_ => gone.Cancel(), TaskScheduler.Default);
            try { await pipe.WaitForConnectionAsync(gone.Token); }
            catch (OperationCanceledException) { return; }
            using var reader = new StreamReader(pipe, new UTF8Encoding(false));
            while (await reader.ReadLineAsync() is { } line)
            {
                JsonObject? message;
                try { message = JsonNode.Parse(line) as JsonObject; }
                catch (JsonException) { continue; }
                if (message is not null) await events.WriteAsync(message);
            }
        }
        catch (IOException) { }
        finally { events.TryComplete(); }
    }

    private static Process StartWorker(string pipeName, string notebook)
    {
        var runner = typeof(NotebookRunner).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(notebook))!,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add("--runtimeconfig");
        start.ArgumentList.Add(Path.ChangeExtension(runner, ".runtimeconfig.json"));
        var deps = Path.ChangeExtension(runner, ".deps.json");
        if (File.Exists(deps))
        {
            start.ArgumentList.Add("--depsfile");
            start.ArgumentList.Add(deps);
        }
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add(Worker.Flag);
        start.ArgumentList.Add(pipeName);
        start.ArgumentList.Add(Path.GetFullPath(notebook));
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the notebook's process");
        process.StandardInput.Close();
        return process;
    }

    /// <summary>The dotnet executable: the one running us, the one the SDK names, or the one on PATH.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is { Length: > 0 } && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}

/// <summary>Text that keeps only its first <c>limit</c> characters (what a crashing process printed).</summary>
internal sealed class BoundedText(int limit)
{
    private readonly StringBuilder _text = new();

    internal void AppendLine(string line)
    {
        lock (_text)
            if (_text.Length < limit) _text.Append(line.AsSpan(0, Math.Min(line.Length, limit - _text.Length))).Append('\n');
    }

    public override string ToString()
    {
        lock (_text) return _text.ToString();
    }
}
