using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Plotly.Tests;

public class MatrixFigureTests
{
    private static readonly int[] TrueLabels = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1];
    private static readonly int[] Predicted = [0, 0, 1, 1, 2, 2, 2, 0, 2, 1];

    [Fact]
    public void A_confusion_matrix_carries_its_counts_names_and_axes()
    {
        var matrix = Metrics.ConfusionMatrix(TrueLabels, Predicted, new[] { "zero", "one", "two" });

        var figure = FigureJson.Parse(matrix.ToPlotly());
        var heatmap = figure.Trace(0);

        Assert.Equal("heatmap", heatmap.Text("type"));
        var z = heatmap.GetProperty("z").EnumerateArray().Select(r => r.Numbers()).ToArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(matrix[i, j], z[i][j]);
        Assert.Equal(new[] { "zero", "one", "two" }, heatmap.GetProperty("x").Strings());
        Assert.Equal(new[] { "zero", "one", "two" }, heatmap.GetProperty("y").Strings());
        var layout = figure.Layout();
        Assert.Equal("predicted", layout.GetProperty("xaxis").Text("title"));
        Assert.Equal("true", layout.GetProperty("yaxis").Text("title"));
        Assert.Equal("reversed", layout.GetProperty("yaxis").Text("autorange"));
        // Counts are written in the cells, as in the static figure.
        var cellTexts = layout.GetProperty("annotations").EnumerateArray().Select(a => a.Text("text")).ToArray();
        Assert.Equal(Enumerable.Range(0, 9).Select(k => matrix[k / 3, k % 3].ToString()), cellTexts);
    }

    [Fact]
    public void Hovering_a_cell_shows_its_count_and_share_of_the_true_class()
    {
        var matrix = Metrics.ConfusionMatrix(TrueLabels, Predicted, new[] { "zero", "one", "two" });

        var hover = FigureJson.Parse(matrix.ToPlotly()).Trace(0).GetProperty("text");

        Assert.Equal("true two, predicted two<br>3 images, 75.0% of the true two", hover[2][2].GetString());
        Assert.Equal("true two, predicted zero<br>1 image, 25.0% of the true two", hover[2][0].GetString());
        Assert.Equal("true zero, predicted two<br>0 images, 0.0% of the true zero", hover[0][2].GetString());
        Assert.Equal("text", FigureJson.Parse(matrix.ToPlotly()).Trace(0).Text("hoverinfo"));
    }

    [Fact]
    public void Counts_use_the_static_white_to_blue_scale_from_zero()
    {
        var matrix = Metrics.ConfusionMatrix(TrueLabels, Predicted);
        var heatmap = FigureJson.Parse(matrix.ToPlotly()).Trace(0);
        var scale = heatmap.GetProperty("colorscale");
        Assert.Equal("#f7fbff", scale[0][1].GetString());
        Assert.Equal("#08306b", scale[1][1].GetString());
        Assert.Equal(0, heatmap.GetProperty("zmin").GetDouble());
        Assert.Equal(3, heatmap.GetProperty("zmax").GetDouble());
    }

    [Fact]
    public void Signed_values_get_the_symmetric_diverging_scale()
    {
        var chart = Plot.Heatmap(new double[,] { { -0.5, 0.25 }, { 2, 0 } }, new[] { "a", "b" }, new[] { "c", "d" }).Title("weights");

        var figure = FigureJson.Parse(chart.ToPlotly());
        var heatmap = figure.Trace(0);

        Assert.Equal(new[] { -0.5, 0.25 }, heatmap.GetProperty("z")[0].Numbers());
        Assert.Equal(new[] { 2.0, 0 }, heatmap.GetProperty("z")[1].Numbers());
        Assert.Equal(-2, heatmap.GetProperty("zmin").GetDouble());
        Assert.Equal(2, heatmap.GetProperty("zmax").GetDouble());
        Assert.Equal("#ffffff", heatmap.GetProperty("colorscale")[1][1].GetString());
        Assert.Equal("row a, column d: 0.25", heatmap.GetProperty("text")[0][1].GetString());
        Assert.Equal("weights", figure.Layout().Text("title"));
    }
}
