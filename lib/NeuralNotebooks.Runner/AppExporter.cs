using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NeuralNotebooks.Runner;

/// <summary>
/// Turns a notebook into a C# file-based app (<c>dotnet run app.cs</c>, .NET 10): markdown becomes
/// comments, code cells keep their order, <c>#r</c> of the library becomes <c>#:project</c>,
/// <c>#r "nuget: ..."</c> becomes <c>#:package</c>, using directives move to the top and type
/// declarations to the end (as a program with top-level statements requires), and a cell's final
/// expression, which a notebook would display, is passed to <c>display(...)</c>.
/// </summary>
public static partial class AppExporter
{
    /// <summary>The app's text for <paramref name="notebook"/>, which lives in <paramref name="notebookFolder"/>; the app goes to <paramref name="appFolder"/>.</summary>
    public static string Export(NotebookFile notebook, string notebookFolder, string appFolder)
    {
        var name = Path.GetFileName(notebook.Path);
        var usings = new List<string>();
        var packages = new List<string>();
        var types = new List<string>();
        var body = new StringBuilder();
        string? project = null;
        var otherProjects = new List<string>();
        string title = name;
        var declaredIn = new Dictionary<string, int>();
        for (int i = 0; i < notebook.Cells.Count; i++)
        {
            var cell = notebook.Cells[i];
            var lines = cell.Source.Replace("\r\n", "\n").Split('\n');
            if (cell.Kind == "markdown")
            {
                if (title == name && lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal)) is { } heading) title = heading[2..].Trim();
                foreach (var l in lines) body.Append(l.Length == 0 ? "//" : "// " + l).Append('\n');
                body.Append('\n');
                continue;
            }
            // A cell of another kernel (HTML, JavaScript...) was pasted into the C# program as it was.
            if (!CSharpKernels.Contains(cell.Kernel))
                throw new InvalidOperationException($"{name} cell {i + 1}: cannot export a cell of the {cell.Kernel} kernel: the app is a C# program.");
            var code = new List<string>();
            var codeLines = new List<int>();
            for (int li = 0; li < lines.Length; li++)
            {
                var line = lines[li];
                var t = line.Trim();
                var nuget = NuGetLine().Match(t);
                var dll = DllLine().Match(t);
                if (nuget.Success) packages.Add($"#:package {nuget.Groups["name"].Value.Trim()}@{nuget.Groups["version"].Value.Trim()}");
                else if (t.StartsWith("#r \"nuget:", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{name} cell {i + 1} line {li + 1}: cannot export {t}: an app's #:package needs a version, as in #r \"nuget: Name, 1.2.3\".");
                else if (CSharpSelector().IsMatch(t)) continue;   // the cell's kernel, which the app is anyway
                else if (t.StartsWith("#!", StringComparison.Ordinal) || t.StartsWith("#i ", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{name} cell {i + 1} line {li + 1}: cannot export {t}: a C# app has no notebook kernel to run a magic command or a package source directive.");
                else if (t.StartsWith("#load", StringComparison.Ordinal) || (t.StartsWith("#r ", StringComparison.Ordinal) && !dll.Success))
                    throw new InvalidOperationException($"{name} cell {i + 1} line {li + 1}: cannot export {t}: an app references only NuGet packages with a version (#r \"nuget: Name, 1.2.3\") and the repository's libraries (#r of their DLL), and loads no scripts.");
                else if (dll.Success)
                {
                    var path = Path.GetFullPath(Path.Combine(notebookFolder, dll.Groups["path"].Value));
                    // A repository library's DLL sits in <project folder>/bin/, next to the project it is built from.
                    var csproj = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", Path.ChangeExtension(Path.GetFileName(path), ".csproj")));
                    if (!File.Exists(csproj))
                        throw new InvalidOperationException($"{name} cell {i + 1}: cannot export #r \"{dll.Groups["path"].Value}\": only the repository's libraries have a project to point to.");
                    var relative = Path.GetRelativePath(appFolder, csproj).Replace('\\', '/');
                    if (Path.GetFileName(path).Equals("NeuralNotebooks.dll", StringComparison.OrdinalIgnoreCase)) project = relative;
                    else otherProjects.Add(relative);
                }
                else if (UsingLine().IsMatch(t)) { if (!usings.Contains(t)) usings.Add(t); }
                else if (TypeLine().IsMatch(line))
                {
                    if (t.EndsWith(';')) { types.Add(line); continue; }
                    // A type over several lines moves as a whole: up to the line where its braces close.
                    int depth = 0, first = li;
                    bool opened = false;
                    for (; li < lines.Length; li++)
                    {
                        foreach (char ch in lines[li]) { if (ch == '{') { depth++; opened = true; } else if (ch == '}') depth--; }
                        if (opened && depth == 0) break;
                    }
                    if (li == lines.Length) throw new InvalidOperationException($"{name} cell {i + 1}: the type declared on line {first + 1} has unbalanced braces, so it cannot be moved to the end of the app.");
                    types.Add(string.Join("\n", lines[first..(li + 1)]));
                }
                else { code.Add(line); codeLines.Add(li + 1); }
            }
            while (code.Count > 0 && code[^1].Trim().Length == 0) { code.RemoveAt(code.Count - 1); codeLines.RemoveAt(codeLines.Count - 1); }
            while (code.Count > 0 && code[0].Trim().Length == 0) { code.RemoveAt(0); codeLines.RemoveAt(0); }
            if (code.Count == 0) continue;
            RefuseRedeclarations(name, i, code, codeLines, declaredIn);
            var (start, end) = FinalExpression(code);
            // A call that returns nothing has no value to display: display(Console.WriteLine(y)) does not compile.
            bool statement = start >= 0 && IsVoidCall(string.Join("\n", code[start..(end + 1)].Select(Strip)));
            for (int k = 0; k < code.Count; k++)
            {
                if (k == start && !statement) body.Append("display(\n");
                body.Append(code[k]).Append('\n');
                if (k == end) body.Append(statement ? ";\n" : ");\n");
            }
            body.Append('\n');
        }
        if (project is null) throw new InvalidOperationException($"{name}: no #r of the library, so the app would not know where NeuralNotebooks is.");
        var app = new StringBuilder();
        app.Append($"#:project {project}\n");
        foreach (var p in otherProjects.Distinct()) app.Append($"#:project {p}\n");
        app.Append("#:property PublishAot=false\n#:property Optimize=true\n");
        foreach (var p in packages.Distinct()) app.Append(p).Append('\n');
        app.Append('\n');
        // Paths a reader types are given from the folder the export ran in, where the reader is likely to be.
        var appFile = Path.Combine(appFolder, Path.ChangeExtension(name, ".cs"));
        var runner = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.Combine(appFolder, project))!)!, "NeuralNotebooks.Runner");
        app.Append($"// {title}: the tutorial notebook {Shown(notebook.Path)} as a C# file-based app.\n");
        app.Append($"// Run it with: dotnet run {Shown(appFile)}\n");
        app.Append($"// Text is printed; charts and tables are written to {Shown(Path.Combine(appFolder, "output", Path.GetFileNameWithoutExtension(name)))}/ and their paths printed.\n");
        app.Append($"// Generated from the notebook by: dotnet run --project {Shown(runner)} -- --export-apps {Shown(appFolder)} {Shown(notebook.Path)}\n\n");
        foreach (var u in usings) app.Append(u).Append('\n');
        app.Append("using static NeuralNotebooks.Display.FileBasedApp;\n\n");
        // The app runs in its notebook's folder, where the notebook's relative paths (data, models) point.
        var notebookFromApp = Slashes(Path.GetRelativePath(appFolder, notebookFolder));
        app.Append($"NeuralNotebooks.Display.FileBasedApp.Start({SymbolDisplay.FormatLiteral(notebookFromApp, quote: true)});\n\n");
        app.Append(body.ToString().TrimEnd('\n')).Append('\n');
        if (types.Count > 0)
        {
            app.Append("\n// Types declared in the notebook (a program's type declarations follow its statements).\n");
            foreach (var t in types) app.Append(t).Append('\n');
        }
        return app.ToString();
    }

    private static string Slashes(string path) => path.Replace('\\', '/');

    /// <summary>A path relative to the current folder, or in full when it is outside it.</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(path));
        return Slashes(relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFullPath(path) : relative);
    }

    /// <summary>Writes one app per notebook into <paramref name="appFolder"/> and returns their paths.</summary>
    /// <remarks>
    /// Every app is made before any is written: a notebook that cannot be exported, or two that would be the same
    /// app, leave the folder as it was rather than holding some apps of this export beside older ones.
    /// </remarks>
    public static IReadOnlyList<string> ExportAll(IEnumerable<string> notebooks, string appFolder)
    {
        var apps = new List<(string Notebook, string Target, string Text)>();
        foreach (var path in notebooks.DistinctBy(Path.GetFullPath))
        {
            var notebook = NotebookFile.Load(path);
            var target = Path.Combine(appFolder, Path.ChangeExtension(Path.GetFileName(path), ".cs"));
            apps.Add((path, target, Export(notebook, Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFullPath(appFolder))));
        }
        var clash = apps.GroupBy(a => Path.GetFullPath(a.Target), OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new InvalidOperationException($"{string.Join(" and ", clash.Select(a => a.Notebook))} would all be exported to {clash.Key}; nothing was written. Export them separately to different folders, or rename one.");
        Directory.CreateDirectory(appFolder);
        foreach (var (_, target, text) in apps) File.WriteAllText(target, text, new UTF8Encoding(false));
        return apps.Select(a => a.Target).ToList();
    }

    /// <summary>
    /// The first and last lines of the cell's final expression (the value a notebook would show), or (-1, -1)
    /// when the cell ends with a statement. Comment and blank lines after it are not part of it; it begins
    /// after the last line that ends a statement or block at nesting depth zero.
    /// </summary>
    internal static (int Start, int End) FinalExpression(List<string> code)
    {
        int end = code.Count - 1;
        while (end >= 0 && Strip(code[end]).Trim().Length == 0) end--;
        if (end < 0) return (-1, -1);
        var last = Strip(code[end]).TrimEnd();
        if (last.EndsWith(';') || last.EndsWith('}') || last.EndsWith('{')) return (-1, -1);
        int depth = 0, start = 0;
        for (int k = 0; k <= end; k++)
        {
            var s = Strip(code[k]);
            foreach (var ch in s) { if (ch is '(' or '[' or '{') depth++; else if (ch is ')' or ']' or '}') depth--; }
            var trimmed = s.TrimEnd();
            if (depth == 0 && (trimmed.EndsWith(';') || trimmed.EndsWith('}'))) start = k + 1;
        }
        while (start <= end && Strip(code[start]).Trim().Length == 0) start++;
        return start <= end ? (start, end) : (-1, -1);
    }

    /// <summary>Whether <paramref name="expression"/> is a call of Console.Write or Console.WriteLine, which has no value.</summary>
    /// <remarks>Without compiling, other void methods are not known; those still come out as display(...) and fail to compile.</remarks>
    internal static bool IsVoidCall(string expression) =>
        SyntaxFactory.ParseExpression(expression) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member }
        && member.Name.Identifier.Text is "Write" or "WriteLine"
        && member.Expression.ToString() is "Console" or "System.Console" or "global::System.Console";

    /// <summary>
    /// Refuses a top-level variable or local function declared again in a later cell: each cell of a notebook is a
    /// submission of its own, so the name is simply taken over, but one program holds both declarations (CS0128).
    /// </summary>
    private static void RefuseRedeclarations(string name, int cell, List<string> code, List<int> codeLines, Dictionary<string, int> declaredIn)
    {
        // Parsed as a program's top-level statements, as the app will hold them (a script's would be fields).
        var tree = CSharpSyntaxTree.ParseText(string.Join("\n", code));
        var here = new List<(string Name, int Line)>();
        foreach (var statement in tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement))
        {
            int line = codeLines[statement.GetLocation().GetLineSpan().StartLinePosition.Line];
            // A final expression without ';' (a bare name) parses as a declaration whose name is missing.
            if (statement is LocalDeclarationStatementSyntax local) here.AddRange(local.Declaration.Variables.Where(v => !v.Identifier.IsMissing).Select(v => (v.Identifier.Text, line)));
            else if (statement is LocalFunctionStatementSyntax function) here.Add((function.Identifier.Text, line));
        }
        foreach (var (variable, line) in here)
        {
            if (declaredIn.TryGetValue(variable, out int earlier) && earlier != cell)
                throw new InvalidOperationException($"{name} cell {cell + 1} line {line}: cannot export: '{variable}' is declared again here after cell {earlier + 1}; a notebook allows that, one program does not. Rename one, or assign to the first.");
            declaredIn.TryAdd(variable, cell);
        }
    }

    private static readonly HashSet<string> CSharpKernels = ["csharp", "c#", "C#"];

    /// <summary>A line without its // comment and string contents (enough to count brackets).</summary>
    private static string Strip(string line)
    {
        var sb = new StringBuilder();
        bool inString = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (inString) { if (c == '\\') i++; else if (c == '"') inString = false; continue; }
            if (c == '"') { inString = true; continue; }
            if (c == '/' && i + 1 < line.Length && line[i + 1] == '/') break;
            sb.Append(c);
        }
        return sb.ToString();
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<name>[^,"]+),\s*(?<version>[^"]+)"\s*$""")]
    private static partial Regex NuGetLine();

    [GeneratedRegex("""^#r\s+"(?<path>[^"]+\.dll)"\s*$""")]
    private static partial Regex DllLine();

    [GeneratedRegex("""^using\s+(static\s+)?([A-Za-z_][A-Za-z0-9_]*\s*=\s*)?[A-Za-z_][A-Za-z0-9_.]*\s*;(\s*//.*)?$""")]
    private static partial Regex UsingLine();

    [GeneratedRegex("""^((public|internal|private|protected|sealed|static|abstract|partial|file|readonly|ref|unsafe|new)\s+)*(record|class|struct|interface|enum)\s+[A-Za-z_]""")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^#!(csharp|c#|C#)\s*$""")]
    private static partial Regex CSharpSelector();
}
