using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NeuralNotebooks.Runner.Tests;

/// <summary>--export-apps on notebooks it can and cannot turn into apps: every refusal names the notebook, cell and line.</summary>
public class ExportTests
{
    /// <summary>The library's #r as the course's notebooks write it, with the project file export points the app to.</summary>
    private static string Library(Fixture f)
    {
        f.Write("lib/NeuralNotebooks/NeuralNotebooks.csproj", "<Project />");
        return "#r \"lib/NeuralNotebooks/bin/NeuralNotebooks.dll\"";
    }

    private static Task<(int Code, string Stdout, string Stderr)> Export(Fixture f, params string[] notebooks) =>
        CommandLineTests.Run(["--export-apps", Path.Combine(f.Folder, "apps"), .. notebooks]);

    /// <summary>The C# compiler's errors for an exported app (its #: directives are the SDK's, not the compiler's).</summary>
    private static List<string> CompileErrors(string app)
    {
        var code = string.Join("\n", app.Split('\n').Select(l => l.StartsWith("#:", StringComparison.Ordinal) ? "" : l));
        var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(Fixture.LibraryPath).Select(p => MetadataReference.CreateFromFile(p));
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var usings = "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; global using System.Threading.Tasks;";
        var compilation = CSharpCompilation.Create("app", [CSharpSyntaxTree.ParseText(code, parse), CSharpSyntaxTree.ParseText(usings, parse)],
            refs, new CSharpCompilationOptions(OutputKind.ConsoleApplication).WithNullableContextOptions(NullableContextOptions.Enable));
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
    }

    [Theory]
    [InlineData("var y = 1.5;", "y\n// the value of y\n")]   // a comment after the final expression: it was left a bare 'y'
    [InlineData("var y = 1.5;", "Console.WriteLine(y)")]       // a final void call without ';': it was display(Console.WriteLine(y))
    [InlineData("var y = 1.5;", "y * 2 // doubled")]
    [InlineData("var y = 1.5;\ny", "y")]                           // a bare name in two cells is no declaration
    public async Task A_cells_final_expression_exports_to_an_app_that_compiles(string cell2, string cell3)
    {
        using var f = new Fixture();
        var path = f.Ipynb("app.ipynb", Library(f), cell2, cell3);

        var (code, _, stderr) = await Export(f, path);

        Assert.True(code == 0, stderr);
        var app = File.ReadAllText(Path.Combine(f.Folder, "apps", "app.cs"));
        var errors = CompileErrors(app);
        Assert.True(errors.Count == 0, app + "\n" + string.Join("\n", errors));
    }

    [Theory]
    [InlineData("var x = 1;\nConsole.WriteLine(x);", "Console.WriteLine(0);\nvar x = 2;", "app.ipynb cell 3 line 2: cannot export: 'x' is declared again here after cell 2")]
    [InlineData("var y = 1.5;", "#r \"System.Net.Http\"\nConsole.WriteLine(y);", "app.ipynb cell 3 line 1: cannot export #r \"System.Net.Http\": an app references only")]
    [InlineData("var y = 1.5;", "#load \"helpers.csx\"", "app.ipynb cell 3 line 1: cannot export #load \"helpers.csx\"")]
    public async Task A_cell_an_app_cannot_compile_is_refused_naming_notebook_cell_and_line(string cell2, string cell3, string expected)
    {
        // Each was exported as ok into an app that did not compile.
        using var f = new Fixture();
        var path = f.Ipynb("app.ipynb", Library(f), cell2, cell3);

        var (code, _, stderr) = await Export(f, path);

        Assert.Equal(1, code);
        Assert.Contains(expected, stderr);
        Assert.False(File.Exists(Path.Combine(f.Folder, "apps", "app.cs")));
    }

    [Fact]
    public async Task A_cell_of_another_kernel_is_refused_not_pasted_into_the_csharp_app()
    {
        // The app held "display(\n<b>hello</b>\n);".
        using var f = new Fixture();
        var html = JsonNode.Parse(Fixture.IpynbText(Library(f), "<b>hello</b>"))!;
        html["cells"]![1]!["metadata"]!["polyglot_notebook"]!["kernelName"] = "html";
        html["cells"]![1]!["metadata"]!["dotnet_interactive"]!["language"] = "html";
        var path = f.Write("html.ipynb", html.ToJsonString());

        var (code, _, stderr) = await Export(f, path);

        Assert.Equal(1, code);
        Assert.Contains("html.ipynb cell 2: cannot export a cell of the html kernel", stderr);
    }

    [Fact]
    public async Task A_static_or_partial_class_moves_after_the_statements_like_any_type()
    {
        // Only public, internal and sealed were recognised, so a static class (the usual home of extension
        // methods) stayed among the statements and the app did not compile (CS8803).
        using var f = new Fixture();
        var path = f.Ipynb("types.ipynb", Library(f), "static class Helpers\n{\n    public static int Twice(int x) => 2 * x;\n}",
            "public partial record struct Point(int X, int Y);", "Console.WriteLine(Helpers.Twice(2));");

        var (code, _, stderr) = await Export(f, path);

        Assert.True(code == 0, stderr);
        var app = File.ReadAllText(Path.Combine(f.Folder, "apps", "types.cs"));
        int statement = app.IndexOf("Console.WriteLine(Helpers.Twice(2));", StringComparison.Ordinal);
        Assert.True(statement > 0 && app.IndexOf("static class Helpers", StringComparison.Ordinal) > statement, app);
        Assert.True(app.IndexOf("public partial record struct Point", StringComparison.Ordinal) > statement, app);
    }

    [Theory]
    [InlineData("#r \"nuget: Newtonsoft.Json\"", "needs a version")]
    [InlineData("#!time", "magic command")]
    [InlineData("#i \"nuget: https://example.org/feed\"", "magic command or a package source")]
    public async Task A_line_an_app_cannot_hold_is_refused_naming_notebook_cell_and_line(string line, string why)
    {
        // These were copied into the app as they were; the export said it succeeded and the app did not compile.
        using var f = new Fixture();
        var path = f.Ipynb("magic.ipynb", Library(f), $"var a = 1;\n{line}\nConsole.WriteLine(a);");

        var (code, _, stderr) = await Export(f, path);

        Assert.Equal(1, code);
        Assert.Contains($"magic.ipynb cell 2 line 2: cannot export {line}", stderr);
        Assert.Contains(why, stderr);
    }

    [Fact]
    public async Task A_csharp_kernel_selector_is_left_out_of_the_app()
    {
        using var f = new Fixture();
        var path = f.Ipynb("selector.ipynb", Library(f), "#!csharp\nConsole.WriteLine(1);");

        var (code, _, stderr) = await Export(f, path);

        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("#!csharp", File.ReadAllText(Path.Combine(f.Folder, "apps", "selector.cs")));
    }

    [Fact]
    public async Task A_dib_notebook_is_exported_too()
    {
        // .dib files were left out without a word, and the export reported success.
        using var f = new Fixture();
        var path = f.Write("plain.dib", $"#!meta\n\n{{\"kernelInfo\":{{\"defaultKernelName\":\"csharp\",\"items\":[{{\"name\":\"csharp\"}}]}}}}\n\n#!csharp\n\n{Library(f)}\n\n#!csharp\n\nConsole.WriteLine(\"from a dib\");\n");

        var (code, stdout, stderr) = await Export(f, path);

        Assert.True(code == 0, stderr);
        Assert.Contains("plain.cs", stdout);
        Assert.Contains("Console.WriteLine(\"from a dib\");", File.ReadAllText(Path.Combine(f.Folder, "apps", "plain.cs")));
    }

    [Fact]
    public async Task A_notebook_that_is_not_json_or_an_apps_folder_that_is_a_file_is_an_error_not_a_crash()
    {
        // Both ended in an unhandled exception (exit 134) with a stack trace.
        using var f = new Fixture();
        var bad = f.Write("bad.ipynb", "{\"cells\": [ {\"cell_type\": \"code\", \"source\": \"x\" ,,, ");

        var (code, _, stderr) = await Export(f, bad);

        Assert.Equal(1, code);
        Assert.Contains("bad.ipynb", stderr);
        Assert.DoesNotContain("   at ", stderr);

        var good = f.Ipynb("good.ipynb", Library(f), "Console.WriteLine(1);");
        var file = f.Write("afile", "not a folder");
        var (fileCode, _, fileErr) = await CommandLineTests.Run(["--export-apps", file, good]);
        Assert.Equal(1, fileCode);
        Assert.DoesNotContain("   at ", fileErr);
    }

    [Fact]
    public async Task A_notebook_with_a_repeated_key_is_refused_by_name_not_a_crash()
    {
        using var f = new Fixture();
        var path = f.Write("dup.ipynb", Fixture.IpynbText(Library(f)).Replace("\"nbformat\": 4,", "\"nbformat\": 4,\n \"nbformat\": 4,"));

        var (code, _, stderr) = await Export(f, path);

        Assert.Equal(1, code);
        Assert.Contains("dup.ipynb: the key \"nbformat\" appears twice", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Two_notebooks_exported_to_the_same_app_are_refused_before_anything_is_written()
    {
        // same.cs was written twice and the .dib's app silently lost.
        using var f = new Fixture();
        var lib = Library(f);
        var dib = f.Write("same.dib", $"#!csharp\n\n{lib}\nConsole.WriteLine(\"dib\");\n");
        var ipynb = f.Ipynb("same.ipynb", lib, "Console.WriteLine(\"ipynb\");");

        var (code, _, stderr) = await Export(f, dib, ipynb);

        Assert.Equal(1, code);
        Assert.Contains($"{dib} and {ipynb} would all be exported to", stderr);
        Assert.False(Directory.Exists(Path.Combine(f.Folder, "apps")));
    }

    [Fact]
    public async Task An_export_that_fails_for_one_notebook_writes_no_app()
    {
        // a.cs was written before b.ipynb was refused: the folder held half of an export.
        using var f = new Fixture();
        var good = f.Ipynb("a.ipynb", Library(f), "Console.WriteLine(1);");
        var bad = f.Ipynb("b.ipynb", Library(f), "#!who");

        var (code, _, stderr) = await Export(f, good, bad);

        Assert.Equal(1, code);
        Assert.Contains("b.ipynb cell 2 line 1: cannot export #!who", stderr);
        Assert.False(File.Exists(Path.Combine(f.Folder, "apps", "a.cs")));
    }

    [Theory]
    [InlineData("apps")]             // the course's layout: notebooks/apps/
    [InlineData("build/apps")]       // Start moved to the app folder's parent, build/: data.txt not found
    [InlineData(".")]
    public async Task An_app_runs_in_its_notebooks_folder_wherever_it_was_exported_to(string appsFolder)
    {
        using var f = new Fixture();
        var path = f.Ipynb("reads.ipynb", Library(f), "Console.WriteLine(File.ReadAllText(\"data.txt\"));");
        var apps = Path.GetFullPath(Path.Combine(f.Folder, appsFolder));
        var (code, _, stderr) = await CommandLineTests.Run("--export-apps", apps, path);
        Assert.True(code == 0, stderr);

        // The app's own call, as the app would make it.
        var app = CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(apps, "reads.cs")));
        var start = app.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>()
            .Single(i => i.Expression.ToString() == "NeuralNotebooks.Display.FileBasedApp.Start");
        var folder = (string)((Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)start.ArgumentList.Arguments.Single().Expression).Token.Value!;
        var before = Directory.GetCurrentDirectory();
        AppContext.SetData("EntryPointFilePath", Path.Combine(apps, "reads.cs"));
        try
        {
            NeuralNotebooks.Display.FileBasedApp.Start(folder);
            Assert.Equal(f.Folder, Directory.GetCurrentDirectory());
        }
        finally
        {
            AppContext.SetData("EntryPointFilePath", null);
            Directory.SetCurrentDirectory(before);
        }
    }

    [Fact]
    public async Task An_apps_header_gives_its_real_paths_from_the_folder_the_export_ran_in()
    {
        // They were the course's layout whatever the folders: "notebooks/apps/output/" for an app in build/apps/.
        using var f = new Fixture();
        var path = f.Ipynb("reads.ipynb", Library(f), "Console.WriteLine(1);");
        var before = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(f.Folder);
        try
        {
            var (code, _, stderr) = await CommandLineTests.Run("--export-apps", "build/apps", "reads.ipynb");
            Assert.True(code == 0, stderr);
        }
        finally { Directory.SetCurrentDirectory(before); }

        var app = File.ReadAllText(Path.Combine(f.Folder, "build", "apps", "reads.cs"));
        Assert.Contains("the tutorial notebook reads.ipynb as a C# file-based app", app);
        Assert.Contains("// Run it with: dotnet run build/apps/reads.cs\n", app);
        Assert.Contains("written to build/apps/output/reads/ and their paths printed", app);
        Assert.Contains("dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps build/apps reads.ipynb\n", app);
        Assert.DoesNotContain("notebooks/", app);
    }
}
