using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using NeuralNotebooks.Display;
using NeuralNotebooks.Plotly.Html;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Plotly.Tests;

public partial class HtmlOutputTests
{
    private static PlotlyFigure Figure() =>
        Plot.Line(new[] { 1.0, 2, 3 }, new[] { 0.9, 0.4, 0.45 }, label: "validation loss").Title("Loss </script> per epoch").XLabel("epoch").ToPlotly();

    [Fact]
    public void The_notebook_output_has_a_placeholder_the_plot_div_and_a_script_with_the_figure()
    {
        var figure = Figure();
        var html = figure.Render();

        var id = DivId().Match(html).Groups["id"].Value;
        Assert.NotEmpty(id);
        Assert.Contains($"id=\"{id}-placeholder\"", html);
        Assert.Contains("the static charts and printed tables of the notebook show the same data", html);
        Assert.Contains($"https://cdn.plot.ly/plotly-{PlotlyJs.Version}.min.js", html);
        // A title cannot close the script early; the figure inside it is the figure's JSON.
        Assert.Single(Regex.Matches(html, "</script>"));
        var json = FigureLiteral().Match(html).Groups["json"].Value.Replace("\\u003c", "<");
        Assert.Equal(JsonDocument.Parse(figure.ToJson()).RootElement.ToString(), JsonDocument.Parse(json).RootElement.ToString());
        Assert.Equal("text/html", figure.MimeType);
    }

    [Fact]
    public void Two_outputs_of_one_figure_get_different_ids()
    {
        var figure = Figure();
        Assert.NotEqual(DivId().Match(figure.Render()).Groups["id"].Value, DivId().Match(figure.Render()).Groups["id"].Value);
    }

    [Fact]
    public void The_notebook_formatter_writes_the_figure_as_html_and_a_text_summary()
    {
        var figure = Figure();
        var formatters = new RichDisplayFormatterSource().CreateTypeFormatters().ToArray();
        var html = new StringWriter();
        Assert.True(((RichDisplayFormatter)formatters[0]).Format(figure, html));
        Assert.Contains("Plotly.newPlot", html.ToString());
        Assert.False(((RichDisplayFormatter)formatters[1]).Format(figure, new StringWriter()));   // not an SVG
        Assert.Equal("Plotly figure 'Loss </script> per epoch': validation loss (3 points)", figure.ToString());
    }

    [Fact]
    public void Notebooks_pin_the_plotly_js_that_plotly_net_embeds_in_app_pages()
    {
        Assert.Equal(PlotlyJs.Version, PlotlyNetPage.PlotlyJsVersion);
    }

    [Fact]
    public void An_app_page_is_a_complete_document_with_plotly_js_inside_and_the_same_figure()
    {
        var figure = Plot.Bar(new[] { "a", "b" }, new[] { 1.5, 2.5 }).Title("bars").ToPlotly();

        var page = figure.ToHtmlPage();

        AssertSelfContainedPage(page, figure);
    }

    [Fact]
    public void A_file_based_app_writes_the_figure_as_a_self_contained_html_file()
    {
        var dir = Directory.CreateTempSubdirectory("plotly-app-");
        var before = FileBasedApp.OutputDirectory;
        try
        {
            FileBasedApp.OutputDirectory = dir.FullName;
            var figure = Metrics.ConfusionMatrix(new[] { 0, 1, 1 }, new[] { 0, 1, 0 }).ToPlotly();
            FileBasedApp.display(figure);
            var file = Assert.Single(Directory.GetFiles(dir.FullName));
            Assert.EndsWith("-PlotlyFigure.html", file);
            AssertSelfContainedPage(File.ReadAllText(file), figure);
        }
        finally
        {
            FileBasedApp.OutputDirectory = before;
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_notebook_half_never_references_plotly_net_or_a_newer_fsharp_core()
    {
        // The kernel has FSharp.Core 10.0 and cannot load 10.1, which Plotly.NET 6 needs: the DLL that
        // notebooks load may reach Plotly.NET only through the app-only assembly, never directly.
        var references = AssemblyReferences(typeof(PlotlyFigure).Assembly.Location);
        Assert.DoesNotContain(references, r => r.Name is "Plotly.NET" or "FSharp.Core" or "DynamicObj");
        // Nor a Newtonsoft.Json of its own: a host that restores XPlot.Plotly alone gets 12.0, the kernel has 13.0.
        Assert.DoesNotContain(references, r => r.Name == "Newtonsoft.Json");
        Assert.Contains(references, r => r.Name == "XPlot.Plotly");
        var xplot = AssemblyReferences(typeof(XPlot.Plotly.PlotlyChart).Assembly.Location);
        Assert.True(xplot.Single(r => r.Name == "FSharp.Core").Version <= new Version(10, 0, 0, 0),
            $"XPlot.Plotly asks for FSharp.Core {xplot.Single(r => r.Name == "FSharp.Core").Version}, more than the kernel's 10.0.0.0.");
    }

    private static void AssertSelfContainedPage(string page, PlotlyFigure figure)
    {
        Assert.StartsWith("<!DOCTYPE html>", page.TrimStart(), StringComparison.OrdinalIgnoreCase);
        foreach (var tag in new[] { "html", "head", "body" })
        {
            Assert.Single(Regex.Matches(page, $"<{tag}[ >]"));
            Assert.Single(Regex.Matches(page, $"</{tag}>"));
        }
        Assert.True(page.IndexOf("<head", StringComparison.Ordinal) < page.IndexOf("</head>", StringComparison.Ordinal));
        Assert.True(page.IndexOf("</head>", StringComparison.Ordinal) < page.IndexOf("<body", StringComparison.Ordinal));
        Assert.EndsWith("</html>", page.TrimEnd());
        // plotly.js itself is inside (its banner names the version), and nothing is fetched.
        Assert.Contains($"plotly.js v{PlotlyJs.Version}", page);
        Assert.DoesNotMatch(@"<script[^>]*\ssrc=", page);
        Assert.True(page.Length > 1_000_000, $"page is only {page.Length} characters: plotly.js is not embedded");
        // The page draws the figure's own traces.
        var data = JsonDocument.Parse(figure.DataJson).RootElement;
        foreach (var trace in data.EnumerateArray())
            foreach (var key in new[] { "x", "y", "z" })
                if (trace.TryGetProperty(key, out var values))
                    Assert.Contains(Compact(values), Compact(ExtractData(page)));
    }

    private static string ExtractData(string page)
    {
        var m = Regex.Match(page, @"var data = (?<data>\[.*?\]);\s*var layout", RegexOptions.Singleline);
        Assert.True(m.Success, "the page has no 'var data = [...]' for Plotly.newPlot");
        return JsonDocument.Parse(m.Groups["data"].Value).RootElement.GetRawText();
    }

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);
    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static List<(string Name, Version Version)> AssemblyReferences(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }

    [GeneratedRegex("""<div id="(?<id>nn-plotly-[0-9a-f]+-\d+)" style""")]
    private static partial Regex DivId();

    [GeneratedRegex(@"var figure = (?<json>\{.*?\});\r?\n", RegexOptions.Singleline)]
    private static partial Regex FigureLiteral();

    [Theory]
    [InlineData("a </script><b>oops</b>")]
    [InlineData("<!--<script>")]
    public void A_title_with_script_markup_cannot_break_the_notebook_output_or_the_app_page(string title)
    {
        // "<!--" then "<script" kept the notebook's script open past its own </script> (only "</" was escaped),
        // and the app page, written by Plotly.NET, ended its script at a title's "</script" and made "<b>oops</b>"
        // part of the page: in both the figure was never drawn.
        var figure = new LineChart().Add([0.0, 1], [1.0, 2]).Title(title).ToPlotly();
        var html = figure.Render();
        Assert.Single(Regex.Matches(html, "</script>"));
        Assert.DoesNotContain("<!--", html);
        var json = FigureLiteral().Match(html).Groups["json"].Value;
        Assert.Equal(title, JsonDocument.Parse(json).RootElement.GetProperty("layout").GetProperty("title").GetString());
        var page = figure.ToHtmlPage();
        Assert.DoesNotContain("</script><b>oops", page);
        Assert.DoesNotContain("<!--<script", page);
    }
}
