using System.Globalization;
using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner;

/// <summary>
/// The globals of every notebook script: the Polyglot kernel's helpers with the same names and
/// meaning, <c>display(value)</c> (returns a handle whose <c>Update(value)</c> replaces that output)
/// and <c>HTML(text)</c>.
/// </summary>
public class KernelGlobals
{
    /// <summary>Shows <paramref name="value"/> now, as its own output, and returns a handle to update it.</summary>
    public DisplayedValue display(object? value) => Kernel.Current.Display(value);

    /// <summary>Text that displays as HTML.</summary>
    public HtmlString HTML(string html) => new(html);
}

/// <summary>An output that can be replaced later, like the kernel's <c>DisplayedValue</c>.</summary>
public sealed class DisplayedValue
{
    private readonly JsonObject _output;
    internal DisplayedValue(JsonObject output) => _output = output;

    /// <summary>Replaces the displayed value with <paramref name="value"/> (the same output, updated in place).</summary>
    public void Update(object? value)
    {
        var (mime, text) = Formatting.Format(value);
        _output["data"] = new JsonObject { [mime] = text };
    }
}

/// <summary>HTML markup that a notebook shows rendered.</summary>
public sealed class HtmlString(string html)
{
    /// <summary>The markup.</summary>
    public string Html { get; } = html;
    /// <inheritdoc/>
    public override string ToString() => Html;
}

/// <summary><c>x.Display()</c>, like the kernel's extension method.</summary>
public static class DisplayExtensions
{
    /// <summary>Shows <paramref name="value"/> as its own output and returns a handle to update it.</summary>
    public static DisplayedValue Display(this object? value) => Kernel.Current.Display(value);
}

/// <summary>Routes what a running cell shows (console text, displayed values) into that cell's outputs.</summary>
internal sealed class Kernel
{
    private static readonly AsyncLocal<Kernel?> CurrentKernel = new();
    private static Kernel? _last;
    private Cell? _cell;

    internal static Kernel Current => CurrentKernel.Value ?? _last ?? throw new InvalidOperationException("display() is only available while a notebook runs.");

    internal void Enter(Cell cell)
    {
        _cell = cell;
        CurrentKernel.Value = this;
        _last = this;
    }

    internal void Leave() => _cell = null;

    internal DisplayedValue Display(object? value)
    {
        var (mime, text) = value is HtmlString h ? ("text/html", h.Html) : Formatting.Format(value);
        var output = new JsonObject { ["data"] = new JsonObject { [mime] = text }, ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
        lock (this) _cell?.Outputs.Add(output);
        return new DisplayedValue(output);
    }

    /// <summary>Appends console text to the current cell as a stream output (merged with the previous one if the same stream).</summary>
    internal void Write(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (this)
        {
            if (_cell is null) return;
            var outputs = _cell.Outputs;
            if (outputs.Count > 0 && outputs[^1]["output_type"]?.GetValue<string>() == "stream" && outputs[^1]["name"]?.GetValue<string>() == stream)
            {
                var arr = outputs[^1]["text"]!.AsArray();
                var all = string.Concat(arr.Select(n => n!.GetValue<string>())) + text;
                outputs[^1]["text"] = Lines(all);
            }
            else outputs.Add(new JsonObject { ["name"] = stream, ["output_type"] = "stream", ["text"] = Lines(text) });
        }
    }

    internal static JsonArray Lines(string text)
    {
        var arr = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { arr.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) arr.Add(text[start..]);
        return arr;
    }
}

/// <summary>A TextWriter that sends what the notebook writes to Console into the running cell.</summary>
internal sealed class CellWriter(Kernel kernel, string stream) : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    public override IFormatProvider FormatProvider => CultureInfo.InvariantCulture;
    public override void Write(char value) => kernel.Write(stream, value.ToString());
    public override void Write(string? value) => kernel.Write(stream, value ?? "");
    public override void Write(char[] buffer, int index, int count) => kernel.Write(stream, new string(buffer, index, count));
    public override void WriteLine(string? value) => kernel.Write(stream, (value ?? "") + "\n");
}
