using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Documents;

namespace NeuralNotebooks.Runner;

/// <summary>One cell of a notebook: its kind ("code" or "markdown"), kernel name and source text.</summary>
public sealed class Cell
{
    internal Cell(string kind, string kernel, string source, JsonObject? json)
    {
        Kind = kind; Kernel = kernel; Source = source; Json = json;
    }

    /// <summary>"code" or "markdown".</summary>
    public string Kind { get; }
    /// <summary>The kernel of a code cell ("csharp"), as Polyglot Notebooks records it.</summary>
    public string Kernel { get; }
    /// <summary>The cell's text.</summary>
    public string Source { get; }
    /// <summary>The cell's JSON in an .ipynb (kept as it was, apart from outputs and execution count).</summary>
    internal JsonObject? Json { get; }
    /// <summary>The outputs of the last run, in Jupyter's format.</summary>
    public List<JsonObject> Outputs { get; } = [];
    /// <summary>The execution count of the last run.</summary>
    public int? ExecutionCount { get; set; }
}

/// <summary>
/// A Polyglot notebook read from .ipynb (nbformat 4, as VS Code writes it) or .dib (plain text),
/// written back as .ipynb with outputs the way Jupyter stores them. Everything the runner does not
/// change (metadata, markdown, ids, key order) is written back as it was.
/// </summary>
public sealed class NotebookFile
{
    private static readonly HashSet<string> CSharpNames = ["csharp", "c#", "C#"];
    private static readonly HashSet<string> MarkdownNames = ["markdown", "md"];

    private NotebookFile(string path, List<Cell> cells, JsonObject? json, NotebookJson.Layout? layout = null)
    {
        Path = path; Cells = cells; Json = json; Layout = layout ?? NotebookJson.Layout.VsCode;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }
    /// <summary>The cells, in order.</summary>
    public IReadOnlyList<Cell> Cells { get; }
    private JsonObject? Json { get; }
    private NotebookJson.Layout Layout { get; }

    /// <summary>Reads an .ipynb or .dib file.</summary>
    /// <exception cref="FormatException">The file is not a notebook; the message names it.</exception>
    public static NotebookFile Load(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return System.IO.Path.GetExtension(path).Equals(".dib", StringComparison.OrdinalIgnoreCase) ? ParseDib(path, text) : ParseIpynb(path, text);
        }
        catch (InvalidOperationException e)
        {
            // JSON of the wrong shape (metadata that is an array, a kernel name that is a number...).
            throw new FormatException($"{path}: not a Jupyter notebook ({e.Message}).", e);
        }
    }

    private static NotebookFile ParseIpynb(string path, string text)
    {
        JsonNode? parsed;
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException($"{path}: the file is empty; a notebook is a JSON document (VS Code writes one when it saves a new notebook).");
        try { parsed = JsonNode.Parse(text); }
        catch (JsonException e)
        {
            // The parser counts lines and bytes from 0 and says so in its own words; an editor counts from 1.
            string where = e.LineNumber is long l ? $" at line {l + 1}{(e.BytePositionInLine is long b ? $", column {b + 1}" : "")}" : "";
            string reason = e.Message.Split(" LineNumber:")[0].Split(" Path:")[0].TrimEnd();
            throw new FormatException($"{path}: not valid JSON{where} ({reason}).", e);
        }
        // JsonObject refuses a repeated key only when first read, with an ArgumentException that ended the runner.
        if (NotebookJson.RepeatedKey(text) is var (key, line))
            throw new FormatException($"{path}: the key \"{key}\" appears twice in one object (line {line}); VS Code and Jupyter would silently keep the last one, so remove the one that is not meant.");
        if (parsed is not JsonObject root) throw new FormatException($"{path}: not a Jupyter notebook (the file is JSON but not an object with a \"cells\" array).");
        if (root["cells"] is not JsonArray cellsJson) throw new FormatException($"{path}: not a Jupyter notebook (no \"cells\" array).");
        // Read below, metadata that is not an object failed with "The node must be of type 'JsonObject'", naming neither the notebook's nor a cell's.
        if (root["metadata"] is not (null or JsonObject)) throw new FormatException($"{path}: the notebook's \"metadata\" must be a JSON object.");
        string defaultKernel = Text(root["metadata"]?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]) ?? "csharp";
        var cells = new List<Cell>();
        for (int i = 0; i < cellsJson.Count; i++)
        {
            if (cellsJson[i] is not JsonObject c) throw new FormatException($"{path}: cell {i + 1} is not a JSON object.");
            if (c["metadata"] is not (null or JsonObject)) throw new FormatException($"{path}: cell {i + 1}: \"metadata\" must be a JSON object.");
            string kind = c["cell_type"] is null ? "code" : Text(c["cell_type"]) ?? throw new FormatException($"{path}: cell {i + 1}: \"cell_type\" is not a string.");
            string source = c["source"] switch
            {
                null => "",
                JsonArray a when a.All(l => l is JsonValue v && v.GetValueKind() == JsonValueKind.String) => string.Concat(a.Select(l => l!.GetValue<string>())),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new FormatException($"{path}: cell {i + 1}: \"source\" must be a string or an array of strings."),
            };
            string kernel = Text(c["metadata"]?["polyglot_notebook"]?["kernelName"]) ?? Text(c["metadata"]?["dotnet_interactive"]?["language"]) ?? defaultKernel;
            cells.Add(new Cell(kind, kernel, source, c));
        }
        return new NotebookFile(path, cells, root, NotebookJson.Layout.Of(text));
    }

    /// <summary>A JSON string's value, or null for anything else (a missing key, a number, an object).</summary>
    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>
    /// A .dib file, parsed by the kernel's own document reader (Microsoft.DotNet.Interactive.Documents):
    /// a <c>#!</c> line starts a cell only if it names a known kernel or alias (also those in <c>#!meta</c>).
    /// </summary>
    private static NotebookFile ParseDib(string path, string text)
    {
        var kernels = new KernelInfoCollection
        {
            new KernelInfo("csharp", "C#", ["c#", "C#"]),
            new KernelInfo("markdown", "Markdown", ["md"]),
        };
        kernels.DefaultKernelName = "csharp";
        InteractiveDocument document;
        try { document = CodeSubmission.Parse(text, kernels); }
        catch (JsonException e) { throw new FormatException($"{path}: the #!meta block is not valid JSON ({e.Message}).", e); }
        var cells = new List<Cell>();
        foreach (var element in document.Elements)
        {
            if (string.IsNullOrWhiteSpace(element.Contents)) continue;
            bool markdown = MarkdownNames.Contains(element.KernelName ?? "");
            string kernel = markdown ? "markdown" : CSharpNames.Contains(element.KernelName ?? "csharp") ? "csharp" : element.KernelName!;
            cells.Add(new Cell(markdown ? "markdown" : "code", kernel, element.Contents.Replace("\r\n", "\n").Trim('\n'), null));
        }
        return new NotebookFile(path, cells, null);
    }

    /// <summary>
    /// Writes the notebook with its outputs as .ipynb to <paramref name="path"/>, atomically (temporary file,
    /// then rename). <paramref name="clearCellsNotRun"/>: see <see cref="ToIpynb"/>.
    /// </summary>
    public void Save(string path, bool clearCellsNotRun = false) => WriteAtomically(path, ToIpynb(clearCellsNotRun));

    /// <summary>
    /// The notebook as .ipynb text, with the outputs of the last run. A code cell that did not run (after a
    /// failing one) keeps what it had, as in VS Code's "run all", unless <paramref name="clearCellsNotRun"/>:
    /// an executed copy written elsewhere then shows those cells empty, not with outputs of an older run that
    /// would look like this one's.
    /// </summary>
    public string ToIpynb(bool clearCellsNotRun = false)
    {
        var root = Json?.DeepClone().AsObject() ?? NewIpynb();
        var cellsJson = root["cells"]!.AsArray();
        var outputsWritten = new HashSet<JsonNode>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Cells.Count; i++)
        {
            var cell = Cells[i];
            JsonObject c;
            if (Json is not null) c = cellsJson[i]!.AsObject();
            else
            {
                c = NewCell(cell, i);
                cellsJson.Add(c);
            }
            if (cell.Kind != "code") continue;
            if (cell.ExecutionCount is null)
            {
                if (clearCellsNotRun)
                {
                    NotebookJson.Set(c, "execution_count", null);
                    NotebookJson.Set(c, "outputs", new JsonArray());
                }
                continue;
            }
            var outputs = new JsonArray();
            lock (cell.Outputs) foreach (var o in cell.Outputs) outputs.Add(o.DeepClone());
            NotebookJson.Set(c, "execution_count", JsonValue.Create(cell.ExecutionCount.Value));
            NotebookJson.Set(c, "outputs", outputs);
            outputsWritten.Add(outputs);
        }
        return NotebookJson.Write(root, Layout, outputsWritten);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to a temporary file in the target's folder, then renames it over
    /// the target: a reader (or an interrupted run) sees the old file or the new one, never half of one.
    /// </summary>
    internal static void WriteAtomically(string path, string text)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        var name = System.IO.Path.GetFileName(full);
        Directory.CreateDirectory(folder);
        RemoveStaleTemporaryFiles(folder, name);
        var temp = System.IO.Path.Combine(folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Deletes the temporary files a killed run left beside <paramref name="name"/>: those whose
    /// writing process (the id in the file name) is gone.
    /// </summary>
    private static void RemoveStaleTemporaryFiles(string folder, string name)
    {
        foreach (var file in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            var parts = System.IO.Path.GetFileName(file)[(name.Length + 2)..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || IsRunning(pid)) continue;
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static JsonObject NewIpynb() => new()
    {
        ["cells"] = new JsonArray(),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "csharp" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    };

    private static JsonObject NewCell(Cell cell, int index)
    {
        var lines = cell.Source.Split('\n');
        var source = new JsonArray(lines.Select((l, i) => (JsonNode)JsonValue.Create(i < lines.Length - 1 ? l + "\n" : l)!).ToArray());
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes($"{index}:{cell.Source}")))[..8];
        if (cell.Kind == "markdown") return new JsonObject { ["cell_type"] = "markdown", ["id"] = id, ["metadata"] = new JsonObject(), ["source"] = source };
        return new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = id,
            ["metadata"] = new JsonObject
            {
                ["dotnet_interactive"] = new JsonObject { ["language"] = cell.Kernel },
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = cell.Kernel },
                ["vscode"] = new JsonObject { ["languageId"] = "polyglot-notebook" },
            },
            ["outputs"] = new JsonArray(),
            ["source"] = source,
        };
    }
}
