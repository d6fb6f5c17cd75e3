using System.Buffers.Binary;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Runner.Tests;

public class FigureTests
{
    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    internal static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void A_chart_rasterizes_at_twice_its_size_with_its_colors_on_white()
    {
        var chart = new BarChart(["a", "b"], [1.0, 2.0]);
        var svg = chart.Render();
        var png = Figures.Png(svg);

        int width = int.Parse(System.Text.RegularExpressions.Regex.Match(svg, "width=\"(\\d+)\"").Groups[1].Value);
        int height = int.Parse(System.Text.RegularExpressions.Regex.Match(svg, "height=\"(\\d+)\"").Groups[1].Value);
        Assert.Equal((2 * width, 2 * height), PngSize(png));
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal(SkiaSharp.SKColors.White, bitmap.GetPixel(2, 2));
        // Bars and text are drawn: plenty of pixels are neither white nor near-white.
        int inked = 0;
        for (int y = 0; y < bitmap.Height; y += 4)
            for (int x = 0; x < bitmap.Width; x += 4)
                if (bitmap.GetPixel(x, y) is var c && c.Red + c.Green + c.Blue < 600) inked++;
        Assert.True(inked > 500, $"only {inked} sampled pixels are drawn");
    }

    [Fact]
    public void Pixelated_images_rasterize_as_sharp_blocks_not_smooth_smears()
    {
        // One 3x3 filter, each row red (1), white (0), blue (-1): drawn 40 px wide, its pixels are blocks.
        var svg = Plot.Filters(Tensor.From(new float[] { 1, 0, -1, 1, 0, -1, 1, 0, -1 }).Reshape(3, 3, 1, 1)).Render();
        var cell = System.Text.RegularExpressions.Regex.Match(svg, "<image class=\"cell\" x=\"([^\"]+)\" y=\"([^\"]+)\" width=\"([^\"]+)\" height=\"([^\"]+)\"");
        Assert.True(cell.Success, "no image cell in the SVG");
        double At(int group) => double.Parse(cell.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) * Figures.Scale;
        double left = At(1), top = At(2), block = At(3) / 3, blockHeight = At(4) / 3;

        using var bitmap = SkiaSharp.SKBitmap.Decode(Figures.Png(svg));
        int row = (int)(top + 1.5 * blockHeight);
        SkiaSharp.SKColor Pixel(double blocks) => bitmap.GetPixel((int)(left + blocks * block), row);

        // Inside one block the colour is one colour, not a blend towards the neighbouring block ...
        Assert.Equal(Pixel(0.5), Pixel(0.9));
        // ... and the neighbouring block (white, for 0) is another colour.
        Assert.NotEqual(Pixel(0.5), Pixel(1.5));
    }

    [Fact]
    public void Svg_is_recognized_only_as_a_whole_document()
    {
        Assert.True(Figures.IsSvg("  <svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"));
        Assert.False(Figures.IsSvg("<pre>tensor</pre>"));
        Assert.False(Figures.IsSvg("<svg></svg><p>more</p>"));
    }

    [Fact]
    public void A_broken_svg_is_an_error_not_an_empty_picture()
    {
        Assert.ThrowsAny<Exception>(() => Figures.Png("<svg this is not XML"));
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
