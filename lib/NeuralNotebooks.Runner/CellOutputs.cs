using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner;

/// <summary>
/// One cell's outputs as they arrive: console text joined into one stream output per run of the
/// same stream (in a StringBuilder, so printing n lines costs O(n)), displayed values that later
/// updates replace in place, the result, and an error. Console text beyond the cap is counted,
/// not stored, and a note at the end of the stream says so.
/// </summary>
internal sealed class CellOutputs(int maxStreamChars)
{
    private readonly List<object> _items = []; // StreamText or JsonObject
    private readonly Dictionary<string, JsonObject> _displayed = [];
    private int _streamChars;
    private long _droppedChars;

    private sealed class StreamText(string name)
    {
        public string Name { get; } = name;
        public StringBuilder Text { get; } = new();
    }

    internal void Stream(string name, string text)
    {
        if (text.Length == 0) return;
        int room = maxStreamChars - _streamChars;
        if (room <= 0) { _droppedChars += text.Length; return; }
        if (text.Length > room)
        {
            _droppedChars += text.Length - room;
            text = text[..room];
        }
        _streamChars += text.Length;
        if (_items.Count > 0 && _items[^1] is StreamText last && last.Name == name) last.Text.Append(text);
        else
        {
            var s = new StreamText(name);
            s.Text.Append(text);
            _items.Add(s);
        }
    }

    internal void Display(string? id, JsonObject data)
    {
        var output = new JsonObject { ["data"] = data.DeepClone(), ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
        _items.Add(output);
        _unclaimed.Add(output);
        if (id is not null) _displayed[id] = output;
    }

    private readonly List<JsonObject> _unclaimed = [];

    /// <summary>Replaces a displayed value's data if this cell displayed it under <paramref name="id"/>.</summary>
    internal bool TryUpdate(string? id, JsonObject data)
    {
        if (id is null || !_displayed.TryGetValue(id, out var output)) return false;
        output["data"] = data.DeepClone();
        _unclaimed.Remove(output);
        return true;
    }

    /// <summary>
    /// The kernel (1.0.0-beta.26120.1) gives a displayed value one id when it is shown and another,
    /// made on the first <c>Update</c>, when it is updated. An update under an id not seen before
    /// therefore belongs to a display not updated yet: the most recent one, which is what a
    /// progress display (show, then update in a loop) needs.
    /// </summary>
    internal bool TryClaim(string? id, JsonObject data)
    {
        if (id is null || _unclaimed.Count == 0) return false;
        var output = _unclaimed[^1];
        _unclaimed.RemoveAt(_unclaimed.Count - 1);
        _displayed[id] = output;
        output["data"] = data.DeepClone();
        return true;
    }

    internal void Result(JsonObject data, int executionCount) =>
        _items.Add(new JsonObject { ["data"] = data.DeepClone(), ["execution_count"] = executionCount, ["metadata"] = new JsonObject(), ["output_type"] = "execute_result" });

    internal void Error(string name, string value, IEnumerable<string> traceback) =>
        _items.Add(new JsonObject
        {
            ["ename"] = name,
            ["evalue"] = value,
            ["output_type"] = "error",
            ["traceback"] = new JsonArray(traceback.Where(t => t.Length > 0).Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
        });

    /// <summary>The outputs in Jupyter's format.</summary>
    internal List<JsonObject> ToJupyter()
    {
        if (_droppedChars > 0)
        {
            int lastStream = _items.FindLastIndex(i => i is StreamText);
            var note = $"\n... output truncated: {_droppedChars.ToString("N0", CultureInfo.InvariantCulture)} more characters were printed; a cell stores at most {maxStreamChars.ToString("N0", CultureInfo.InvariantCulture)}.\n";
            var s = (StreamText)_items[lastStream];
            if (s.Text.Length > 0 && s.Text[^1] == '\n') note = note[1..];
            s.Text.Append(note);
        }
        return _items.Select(i => i is StreamText s
            ? new JsonObject { ["name"] = s.Name, ["output_type"] = "stream", ["text"] = JupyterText.Lines(s.Text.ToString()) }
            : (JsonObject)i).ToList();
    }
}
