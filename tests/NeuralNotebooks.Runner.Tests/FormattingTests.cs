using NeuralNotebooks.Display;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Runner.Tests;

public class FormattingTests
{
    [Fact]
    public void Rich_library_types_are_written_as_the_kernel_writes_them()
    {
        var tensor = Tensor.Zeros(2);
        var output = Formatting.Format(tensor);
        var (mime, text) = Assert.Single(output);
        Assert.Equal("text/html", mime);
        Assert.Equal(((IRichDisplay)tensor).Render(), text);

        var chart = new BarChart(["a", "b"], [1.0, 2.0]);
        Assert.Equal("<svg", Formatting.Format(chart)[0].Value[..4]);
        Assert.Equal(chart.Render(), Formatting.Format(chart, "image/svg+xml").Single().Value);
        Assert.Equal(chart.ToString(), Formatting.Format(chart, "text/plain").Single().Value);
    }

    [Fact]
    public void Other_values_are_plain_text()
    {
        Assert.Equal([new("text/plain", "hello")], Formatting.Format("hello"));
        Assert.Equal("<null>", Formatting.Format(null).Single().Value);
        Assert.Equal("1.5", Formatting.Format(1.5).Single().Value);
        Assert.Equal("[ 1, 2, 3 ]", Formatting.Format(new List<int> { 1, 2, 3 }).Single().Value);
        Assert.Equal("{ a: 1 }", Formatting.Format(new Dictionary<string, int> { ["a"] = 1 }).Single().Value);
        Assert.Equal("(1, x)", Formatting.Format((1, "x")).Single().Value);
        Assert.EndsWith("... (more) ]", Formatting.PlainText(Enumerable.Range(0, 100).ToArray()));
        // A mime type no formatter writes falls back to plain text rather than losing the value.
        Assert.Equal([new("text/plain", "7")], Formatting.Format(7, "text/html"));
    }

    [Fact]
    public void Without_a_notebook_host_library_displays_go_to_the_console()
    {
        var old = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        try
        {
            var handle = NeuralNotebooks.Display.Notebook.Display("first");
            handle.Update("second");
        }
        finally { Console.SetOut(old); }
        Assert.Equal("first\nsecond\n", writer.ToString().Replace("\r\n", "\n"));
    }
}
