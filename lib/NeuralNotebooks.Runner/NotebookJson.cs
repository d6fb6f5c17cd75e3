using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner;

/// <summary>
/// Writes notebook JSON the way VS Code (JSON.stringify with an indent) and Jupyter (json.dump with
/// indent=1, ensure_ascii=False) do: the original file's indentation and line ends, keys in the order
/// they were read, and numbers and strings as they were written (a file written with json.dump's default
/// ensure_ascii=True keeps its \u escapes). So every part of a notebook the runner does not change comes
/// back byte for byte. What the runner writes anew has only the characters JSON requires escaped.
/// </summary>
internal static class NotebookJson
{
    /// <summary>How a notebook file is laid out.</summary>
    internal sealed record Layout(string Indent, string NewLine, bool FinalNewLine)
    {
        /// <summary>VS Code's .ipynb layout: one space, \n, a final newline.</summary>
        public static readonly Layout VsCode = new(" ", "\n", true);

        /// <summary>The layout of an existing notebook file.</summary>
        public static Layout Of(string text)
        {
            string newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
            int firstBreak = text.IndexOf('\n');
            string indent = " ";
            if (firstBreak >= 0)
            {
                int i = firstBreak + 1;
                while (i < text.Length && (text[i] == ' ' || text[i] == '\t')) i++;
                if (i > firstBreak + 1) indent = text[(firstBreak + 1)..i];
            }
            return new Layout(indent, newLine, text.EndsWith('\n'));
        }
    }

    /// <summary>
    /// <paramref name="node"/> as notebook text. Strings under <paramref name="written"/> (outputs, parsed
    /// from the kernel's messages, not read from the file) are escaped anew, whatever text they arrived in.
    /// </summary>
    internal static string Write(JsonNode node, Layout layout, IReadOnlySet<JsonNode>? written = null)
    {
        var sb = new StringBuilder();
        Write(sb, node, layout, 0, written ?? new HashSet<JsonNode>(), asRead: true);
        if (layout.FinalNewLine) sb.Append(layout.NewLine);
        return sb.ToString();
    }

    /// <summary>
    /// Sets <paramref name="key"/> keeping the object's key order: in place if present, else where
    /// it keeps sorted keys sorted (VS Code and Jupyter both write keys sorted), else at the end.
    /// </summary>
    internal static void Set(JsonObject obj, string key, JsonNode? value)
    {
        if (obj.ContainsKey(key)) { obj[key] = value; return; }
        var keys = obj.Select(p => p.Key).ToList();
        bool sorted = keys.Zip(keys.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) < 0);
        int at = sorted ? keys.FindIndex(k => string.CompareOrdinal(k, key) > 0) : -1;
        if (at < 0) obj[key] = value; else obj.Insert(at, key, value);
    }

    /// <summary>The first key that occurs twice in one object of the JSON <paramref name="text"/>, and its line; null if none does.</summary>
    internal static (string Key, int Line)? RepeatedKey(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var open = new Stack<HashSet<string>?>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: open.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                case JsonTokenType.StartArray: open.Push(null); break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray: open.Pop(); break;
                case JsonTokenType.PropertyName:
                    var key = reader.GetString()!;
                    if (!open.Peek()!.Add(key))
                        return (key, 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n'));
                    break;
            }
        }
        return null;
    }

    private static void Write(StringBuilder sb, JsonNode? node, Layout layout, int depth, IReadOnlySet<JsonNode> written, bool asRead)
    {
        if (node is not null && written.Contains(node)) asRead = false;
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                if (obj.Count == 0) { sb.Append("{}"); break; }
                sb.Append('{');
                bool firstKey = true;
                foreach (var (key, value) in obj)
                {
                    if (!firstKey) sb.Append(',');
                    firstKey = false;
                    NewLine(sb, layout, depth + 1);
                    String(sb, key);
                    sb.Append(": ");
                    Write(sb, value, layout, depth + 1, written, asRead);
                }
                NewLine(sb, layout, depth);
                sb.Append('}');
                break;
            case JsonArray arr:
                if (arr.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int i = 0; i < arr.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    NewLine(sb, layout, depth + 1);
                    Write(sb, arr[i], layout, depth + 1, written, asRead);
                }
                NewLine(sb, layout, depth);
                sb.Append(']');
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    // A string read from the file keeps its text; one set since then is not backed by the file's JSON.
                    case JsonValueKind.String when asRead && value.TryGetValue<JsonElement>(out var read): sb.Append(read.GetRawText()); break;
                    case JsonValueKind.String: String(sb, value.GetValue<string>()); break;
                    case JsonValueKind.True: sb.Append("true"); break;
                    case JsonValueKind.False: sb.Append("false"); break;
                    case JsonValueKind.Null: sb.Append("null"); break;
                    // Numbers keep the text they were read with; new ones are written invariantly.
                    default: sb.Append(value.ToJsonString()); break;
                }
                break;
        }
    }

    private static void NewLine(StringBuilder sb, Layout layout, int depth)
    {
        sb.Append(layout.NewLine);
        for (int i = 0; i < depth; i++) sb.Append(layout.Indent);
    }

    /// <summary>A JSON string escaped as JSON.stringify does: quote, backslash, control characters and lone surrogates only.</summary>
    internal static void String(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) Unicode(sb, c);
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[i + 1]); i++; }
                    else if (char.IsSurrogate(c)) Unicode(sb, c);
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static void Unicode(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
