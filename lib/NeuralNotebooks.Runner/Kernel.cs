using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using NeuralNotebooks.Runner.Scripting;

namespace NeuralNotebooks.Runner.Scripting
{
    /// <summary>
    /// The globals of every notebook script: the Polyglot kernel's helpers with the same names and
    /// meaning, <c>display(value)</c> (returns a handle whose <c>Update(value)</c> replaces that output)
    /// and <c>HTML(text)</c>.
    /// </summary>
    public class KernelGlobals
    {
        /// <summary>
        /// Shows <paramref name="value"/> now, as its own output (in <paramref name="mimeTypes"/> if given),
        /// and returns a handle to update it.
        /// </summary>
        public DisplayedValue display(object? value, params string[] mimeTypes) => Kernel.Current.Display(value, mimeTypes);

        /// <summary>Text that displays as HTML.</summary>
        public HtmlString HTML(string html) => new(html);
    }

    /// <summary>An output that can be replaced later, like the kernel's <c>DisplayedValue</c>.</summary>
    public sealed class DisplayedValue
    {
        private readonly Kernel _kernel;
        private readonly JsonObject _output;
        private readonly string[] _mimeTypes;

        internal DisplayedValue(Kernel kernel, JsonObject output, string[] mimeTypes)
        {
            _kernel = kernel; _output = output; _mimeTypes = mimeTypes;
        }

        /// <summary>Replaces the displayed value with <paramref name="value"/> (the same output, updated in place).</summary>
        public void Update(object? value)
        {
            var data = Formatting.ToData(value, _mimeTypes);
            lock (_kernel) _output["data"] = data;
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
        public static DisplayedValue Display(this object? value, params string[] mimeTypes) => Kernel.Current.Display(value, mimeTypes);
    }
}

namespace NeuralNotebooks.Runner
{
    /// <summary>Routes what a running cell shows (console text, displayed values) into that cell's outputs.</summary>
    internal sealed class Kernel
    {
        private static readonly AsyncLocal<Kernel?> CurrentKernel = new();
        private static Kernel? _last;
        private Cell? _cell;

        static Kernel()
        {
            // The library's display hook (NeuralNotebooks.Display.Notebook.Host): set by reflection on every
            // copy of the library that gets loaded, so the runner needs no reference to it.
            AppDomain.CurrentDomain.AssemblyLoad += (_, e) => ConnectLibrary(e.LoadedAssembly);
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) ConnectLibrary(assembly);
        }

        /// <summary>Makes sure the static constructor ran (it connects the library's display hook).</summary>
        internal static void EnsureConnected() { }

        private static readonly Func<object?, Action<object?>?> LibraryHost = value =>
            CurrentKernel.Value is { _cell: not null } kernel ? kernel.Display(value, []).Update : null;

        private static void ConnectLibrary(Assembly assembly)
        {
            if (assembly.GetName().Name != "NeuralNotebooks") return;
            var host = assembly.GetType("NeuralNotebooks.Display.Notebook")?.GetProperty("Host", BindingFlags.Public | BindingFlags.Static);
            if (host is not null && host.PropertyType == typeof(Func<object?, Action<object?>?>)) host.SetValue(null, LibraryHost);
        }

        internal static Kernel Current => CurrentKernel.Value ?? _last ?? throw new InvalidOperationException("display() is only available while a notebook runs.");

        internal void Enter(Cell cell)
        {
            lock (this) _cell = cell;
            CurrentKernel.Value = this;
            _last = this;
        }

        internal void Leave()
        {
            lock (this) _cell = null;
        }

        internal DisplayedValue Display(object? value, string[] mimeTypes)
        {
            var output = new JsonObject
            {
                ["data"] = Formatting.ToData(value, mimeTypes),
                ["metadata"] = new JsonObject(),
                ["output_type"] = "display_data",
            };
            lock (this) _cell?.Outputs.Add(output);
            return new DisplayedValue(this, output, mimeTypes);
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
                    var all = JupyterText.Join(outputs[^1]["text"]) + text;
                    outputs[^1]["text"] = JupyterText.Lines(all);
                }
                else outputs.Add(new JsonObject { ["name"] = stream, ["output_type"] = "stream", ["text"] = JupyterText.Lines(text) });
            }
        }
    }

    /// <summary>Multi-line text as Jupyter stores it: an array of lines, each but the last ending in a newline.</summary>
    internal static class JupyterText
    {
        internal static JsonArray Lines(string text)
        {
            var arr = new JsonArray();
            int start = 0;
            for (int i = 0; i < text.Length; i++)
                if (text[i] == '\n') { arr.Add(text[start..(i + 1)]); start = i + 1; }
            if (start < text.Length) arr.Add(text[start..]);
            return arr;
        }

        internal static string Join(JsonNode? node) => node switch
        {
            JsonArray a => string.Concat(a.Select(l => l?.GetValue<string>() ?? "")),
            JsonValue v => v.GetValue<string>(),
            _ => "",
        };
    }

    /// <summary>A TextWriter that sends what the notebook writes to Console into the running cell.</summary>
    internal sealed class CellWriter(Kernel kernel, string stream) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override IFormatProvider FormatProvider => CultureInfo.InvariantCulture;
        public override void Write(char value) => kernel.Write(stream, value.ToString());
        public override void Write(string? value) => kernel.Write(stream, value ?? "");
        public override void Write(char[] buffer, int index, int count) => kernel.Write(stream, new string(buffer, index, count));
        public override void WriteLine(string? value) => kernel.Write(stream, (value ?? "") + "\n");
        public override void WriteLine() => kernel.Write(stream, "\n");
    }
}
