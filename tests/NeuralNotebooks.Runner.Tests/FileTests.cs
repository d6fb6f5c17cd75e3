using System.Text;
using System.Text.Json.Nodes;

namespace NeuralNotebooks.Runner.Tests;

public class FileTests
{
    private static readonly RunnerOptions Options = new() { CellTimeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public void A_notebook_is_written_back_byte_for_byte_where_nothing_changed()
    {
        using var f = new Fixture();
        // Non-ASCII, an emoji, HTML characters, a tab and a control character in markdown; metadata with numbers.
        var text = Fixture.IpynbText("md:# Tëst 😀 <b>&amp;</b>\n\ttab \u0001 \"quoted\" \\ back", "md:second")
            .Replace("\"nbformat_minor\": 5", "\"nbformat_minor\": 5,\n \"x_custom\": {\n  \"ratio\": 1.50,\n  \"big\": 1e3,\n  \"flag\": true,\n  \"nothing\": null\n }");
        var path = f.Write("same.ipynb", text);

        // Read and written without a run: a notebook without code is refused by the runner.
        Assert.Equal(text, NotebookFile.Load(path).ToIpynb());
    }

    [Fact]
    public void A_notebook_written_with_ascii_escapes_keeps_them_where_nothing_changed()
    {
        // json.dump's default (ensure_ascii=True), as many scripts that write notebooks use it.
        using var f = new Fixture();
        var text = Fixture.IpynbText("md:# Café ✓ 😀", "1").Replace("é", "\\u00e9").Replace("✓", "\\u2713").Replace("😀", "\\ud83d\\ude00");
        var path = f.Write("ascii.ipynb", text);
        Assert.Contains("\\u00e9", text);

        Assert.Equal(text, NotebookFile.Load(path).ToIpynb());
    }

    [Fact]
    public async Task Outputs_of_a_run_have_only_what_json_requires_escaped_while_the_files_escapes_stay()
    {
        using var f = new Fixture();
        var text = Fixture.IpynbText("md:# Café", "Console.WriteLine(\"Café <b>\");\n\"Café <b>\"").Replace("é", "\\u00e9");
        var path = f.Write("mixed.ipynb", text);

        var result = await NotebookRunner.RunAsync(path, Options);
        Assert.True(result.Succeeded, result.Error);
        var written = result.Notebook.ToIpynb();

        Assert.Contains("\"# Caf\\u00e9\"", written);
        Assert.Contains("\"Café <b>\\n\"", written); // printed
        Assert.Contains("\"Café <b>\"", written);      // the kernel's value, sent by the runner's worker with \u escapes
    }

    [Fact]
    public void The_course_notebooks_come_back_byte_for_byte()
    {
        var notebooks = Directory.GetFiles(Path.Combine(Fixture.Root(), "notebooks"), "*.ipynb");
        Assert.NotEmpty(notebooks);
        foreach (var path in notebooks)
            Assert.True(File.ReadAllText(path) == NotebookFile.Load(path).ToIpynb(), $"{Path.GetFileName(path)} changes when read and written");
    }

    [Fact]
    public async Task Running_again_reproduces_the_file_exactly_and_keeps_two_space_indentation()
    {
        using var f = new Fixture();
        var path = f.Ipynb("twice.ipynb", "md:# Twice", "Console.WriteLine(\"hi\");\n40 + 2");

        var first = await NotebookRunner.RunAsync(path, Options);
        File.WriteAllText(path, first.Notebook.ToIpynb());
        var second = await NotebookRunner.RunAsync(path, Options);
        Assert.Equal(first.Notebook.ToIpynb(), second.Notebook.ToIpynb());

        var twoSpaces = f.Write("two.ipynb", JsonNode.Parse(File.ReadAllText(path))!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, IndentSize = 2, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        var third = await NotebookRunner.RunAsync(twoSpaces, Options);
        Assert.Equal(File.ReadAllText(twoSpaces), third.Notebook.ToIpynb());
    }

    [Fact]
    public async Task Outputs_are_stored_as_jupyter_stores_them_with_sorted_keys()
    {
        using var f = new Fixture();
        var path = f.Ipynb("stored.ipynb", "Console.WriteLine(\"a\\nb\");\n\"text\"");

        var result = await NotebookRunner.RunAsync(path, Options);
        var written = result.Notebook.ToIpynb();

        Assert.Contains("""
               "execution_count": 1,
            """, written);
        Assert.Contains("""
               "outputs": [
                {
                 "name": "stdout",
                 "output_type": "stream",
                 "text": [
                  "a\n",
                  "b\n"
                 ]
                },
                {
                 "data": {
                  "text/plain": [
                   "text"
                  ]
                 },
                 "execution_count": 1,
                 "metadata": {},
                 "output_type": "execute_result"
                }
               ],
            """.Replace("\r\n", "\n"), written);
    }

    [Fact]
    public async Task A_dib_notebook_runs_and_is_written_as_a_polyglot_ipynb()
    {
        using var f = new Fixture();
        var path = f.Write("plain.dib", """
            #!meta

            {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

            #!markdown

            # A title

            Some text.

            #!csharp

            var a = 20;
            #!import is not a cell marker; this line is a C# comment?

            #!c#


            #!C#

            a + 22


            """.Replace("#!import is not a cell marker; this line is a C# comment?\n", ""));

        var notebook = NotebookFile.Load(path);
        Assert.Equal(["markdown", "code", "code"], notebook.Cells.Select(c => c.Kind));
        Assert.Equal("# A title\n\nSome text.", notebook.Cells[0].Source);
        Assert.Equal("var a = 20;", notebook.Cells[1].Source);
        Assert.Equal("a + 22", notebook.Cells[2].Source);

        var result = await NotebookRunner.RunAsync(path, Options);
        Assert.True(result.Succeeded, result.Error);
        var ipynb = JsonNode.Parse(result.Notebook.ToIpynb())!;
        Assert.Equal(".net-csharp", ipynb["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", ipynb["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        var cells = ipynb["cells"]!.AsArray();
        Assert.Equal("csharp", cells[1]!["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
        Assert.Equal("polyglot-notebook", cells[1]!["metadata"]!["vscode"]!["languageId"]!.GetValue<string>());
        Assert.Equal("42", JupyterText.Join(cells[2]!["outputs"]![0]!["data"]!["text/plain"]));
    }

    [Fact]
    public void A_magic_command_inside_a_dib_cell_is_not_a_new_cell()
    {
        using var f = new Fixture();
        var path = f.Write("magic.dib", "#!csharp\n\nvar a = 1;\n#!set --name x --value 1\nvar b = 2;\n");

        var cell = Assert.Single(NotebookFile.Load(path).Cells);
        Assert.Equal("var a = 1;\n#!set --name x --value 1\nvar b = 2;", cell.Source);
    }

    [Theory]
    [InlineData("[1, 2, 3]", "not a Jupyter notebook")]
    [InlineData("{\"cells\": [\"a string\"]}", "cell 1 is not a JSON object")]
    [InlineData("{\"cells\": [{\"cell_type\": \"code\", \"source\": 123}]}", "cell 1: \"source\" must be a string or an array of strings")]
    [InlineData("{\"cells\": [{\"cell_type\": 7, \"source\": \"\"}]}", "cell 1: \"cell_type\" is not a string")]
    [InlineData("{\"cells\": [], \"metadata\": []}", "the notebook's \"metadata\" must be a JSON object")]
    [InlineData("{\"cells\": [{\"cell_type\": \"code\", \"metadata\": [], \"source\": \"\"}]}", "cell 1: \"metadata\" must be a JSON object")]
    [InlineData("{\"cells\": [], \"metadata\": {\"polyglot_notebook\": []}}", "not a Jupyter notebook")]
    [InlineData("{\"cells\": {}}", "no \"cells\" array")]
    public void Valid_json_of_the_wrong_structure_is_a_format_error_naming_the_file_and_the_part(string json, string expected)
    {
        using var f = new Fixture();
        var path = f.Write("shape.ipynb", json);
        var e = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.Contains("shape.ipynb", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Broken_JSON_is_a_format_error_at_the_line_and_column_an_editor_shows()
    {
        // The parser's own numbers, from 0, said "LineNumber: 4 | BytePositionInLine: 19" for line 5, column 20.
        using var f = new Fixture();
        var path = f.Write("broken.ipynb", "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"source\": [\"x\"],,\n  }\n ]\n}\n");
        var e = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.Contains("broken.ipynb: not valid JSON at line 5, column 20 (", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);

        var empty = f.Write("empty.ipynb", "");
        Assert.Contains("empty.ipynb: the file is empty", Assert.Throws<FormatException>(() => NotebookFile.Load(empty)).Message);
    }

    [Theory]
    [InlineData("{\"cells\": [], \"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}", "cells", 1)]
    [InlineData("{\"cells\": [\n {\"cell_type\": \"code\",\n  \"source\": \"1\", \"source\": \"2\"}]}", "source", 3)]
    public void A_key_repeated_in_one_object_is_a_format_error_naming_the_file_the_key_and_its_line(string json, string key, int line)
    {
        // VS Code (JSON.parse) and Jupyter (json.load) open it, the last value winning; the runner died with
        // an unhandled ArgumentException (exit 134), before the summary and the notebooks after it.
        using var f = new Fixture();
        var path = f.Write("dup.ipynb", json);
        var e = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.Contains("dup.ipynb", e.Message);
        Assert.Contains($"\"{key}\" appears twice", e.Message);
        Assert.Contains($"(line {line})", e.Message);
    }

    [Fact]
    public void Temporary_files_of_killed_runs_are_removed_by_the_next_write_and_those_of_running_ones_kept()
    {
        using var f = new Fixture();
        var target = f.Write("n.ipynb", "old");
        var stale = f.Write($".n.ipynb.{int.MaxValue - 7}.0123456789abcdef.tmp", "left by a killed run");
        var live = f.Write($".n.ipynb.{Environment.ProcessId}.fedcba9876543210.tmp", "being written now");
        var other = f.Write($".m.ipynb.{int.MaxValue - 7}.0123456789abcdef.tmp", "another notebook's");

        NotebookFile.WriteAtomically(target, "new");

        Assert.Equal("new", File.ReadAllText(target));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public void An_unreadable_notebook_is_a_format_error_naming_the_file()
    {
        using var f = new Fixture();
        var path = f.Write("bad.ipynb", "{ not json");
        var e = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.Contains("bad.ipynb", e.Message);
    }

    [Fact]
    public void Saving_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        using var f = new Fixture();
        var path = f.Write("target.ipynb", "old");
        NotebookFile.WriteAtomically(path, "new content");
        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal(["target.ipynb"], Directory.GetFiles(f.Folder).Select(Path.GetFileName));

        // A write that cannot complete (the target is a folder) leaves neither a temporary file nor a changed target.
        var folderTarget = Path.Combine(f.Folder, "folder.ipynb");
        Directory.CreateDirectory(folderTarget);
        Assert.ThrowsAny<IOException>(() => NotebookFile.WriteAtomically(folderTarget, "x"));
        Assert.True(Directory.Exists(folderTarget));
        Assert.Equal(["target.ipynb"], Directory.GetFiles(f.Folder).Select(Path.GetFileName));
    }
}
