using System.Diagnostics.CodeAnalysis;

namespace NeuralNotebooks.Display;

/// <summary>
/// What a tutorial needs when it runs as a C# file-based app (<c>dotnet run notebooks/apps/05-cnn.cs</c>)
/// instead of in a notebook: the kernel's <c>display</c> and <c>HTML</c> helpers, doing the natural
/// thing in a terminal. Text is printed; charts and HTML are written as .svg/.html files into
/// <c>notebooks/apps/output/&lt;app&gt;/</c> and their paths printed.
/// </summary>
[SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "display and HTML are the notebook kernel's names; the apps keep the notebooks' code unchanged.")]
public static class FileBasedApp
{
    private static int _count;

    /// <summary>Where pictures are written.</summary>
    public static string OutputDirectory { get; set; } = Path.Combine("output", "app");

    /// <summary>
    /// Prepares an exported tutorial: runs it in its notebook's folder (where the notebook's relative
    /// paths point) and writes its pictures to <c>output/&lt;name&gt;/</c> beside the app
    /// (<c>notebooks/apps/output/01-intro/</c>), printing their paths from the folder the app was started in.
    /// </summary>
    /// <param name="notebookFolder">
    /// The notebook's folder relative to the app's (the exporter writes it): <c>".."</c>, the default, for an
    /// app in a folder of the notebooks' folder, as the course's are.
    /// </param>
    public static void Start(string notebookFolder = "..")
    {
        var file = AppContext.GetData("EntryPointFilePath") as string;
        if (file is null) return;
        var appDir = Path.GetDirectoryName(file)!;
        OutputDirectory = Path.Combine(appDir, "output", Path.GetFileNameWithoutExtension(file));
        _startedIn = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetFullPath(Path.Combine(appDir, notebookFolder)));
    }

    // Where the learner's shell is: printed relative to notebooks/, which Start moves to, the paths did not exist
    // from there ("apps/output/01-intro/..." for a file in notebooks/apps/output/01-intro/).
    private static string? _startedIn;

    /// <summary>Shows a value: text is printed; a chart or table is written to a file whose path is printed.</summary>
    public static IDisplayHandle display(object? value)
    {
        int n = ++_count;
        Show(value, n);
        return new Handle(v => Show(v, n));
    }

    /// <summary>HTML markup, written to an .html file when displayed.</summary>
    public static IRichDisplay HTML(string html) => new Html(html);

    /// <summary>The kernel's <c>x.Display()</c>: the same as <see cref="display"/>.</summary>
    public static IDisplayHandle Display(this object? value) => display(value);

    private static void Show(object? value, int n)
    {
        if (value is IRichDisplay rich)
        {
            Directory.CreateDirectory(OutputDirectory);
            bool svg = rich.MimeType == "image/svg+xml";
            var path = Path.Combine(OutputDirectory, $"{n:00}-{value.GetType().Name}{(svg ? ".svg" : ".html")}");
            File.WriteAllText(path, svg ? rich.Render()
                : value is IHtmlPage page ? page.ToHtmlPage()
                : $"<!DOCTYPE html><meta charset=\"utf-8\"><body style=\"font-family:sans-serif\">{rich.Render()}</body>");
            var text = value.ToString();
            string shown = Path.GetRelativePath(_startedIn ?? Directory.GetCurrentDirectory(), Path.GetFullPath(path));
            Console.WriteLine(text is null || text == value.GetType().FullName ? $"[{shown}]" : $"{text}\n[{shown}]");
            return;
        }
        Console.WriteLine(value switch
        {
            null => "<null>",
            string s => s,
            System.Collections.IEnumerable e when value.GetType().GetMethod("ToString", Type.EmptyTypes)?.DeclaringType == typeof(object) || value is Array =>
                List(e),
            _ => value.ToString(),
        });
    }

    /// <summary>
    /// The first 20 items, as the notebook kernel shows a sequence, and how many more there are (or "..." for a
    /// sequence that cannot be counted without running it): 30 items printed as 20 read as the whole array.
    /// </summary>
    internal static string List(System.Collections.IEnumerable e)
    {
        const int Shown = 20;
        var items = e.Cast<object?>().Take(Shown + 1).ToList();
        string head = string.Join(", ", items.Take(Shown));
        if (items.Count <= Shown) return $"[ {head} ]";
        return e is System.Collections.ICollection all ? $"[ {head}, ... ({all.Count - Shown} more) ]" : $"[ {head}, ... ]";
    }

    private sealed class Handle(Action<object?> update) : IDisplayHandle
    {
        public void Update(object? value) => update(value);
    }

    private sealed class Html(string html) : IRichDisplay
    {
        public string MimeType => "text/html";
        public string Render() => html;
        public override string ToString() => "HTML";
    }
}
