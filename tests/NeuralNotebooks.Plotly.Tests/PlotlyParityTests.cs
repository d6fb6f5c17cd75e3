using System.Text.Json;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks.Plotly.Tests;

/// <summary>The interactive figure reads as the static chart does: the same colours, the same numbers, the same bars.</summary>
public class PlotlyParityTests
{
    [Fact]
    public void Values_on_dark_cells_of_a_constant_matrix_are_white()
    {
        // zmin 0, zmax 5, every cell 5: every cell is the darkest blue, yet its count was written in #222.
        var figure = FigureJson.Parse(new ConfusionMatrix(new[,] { { 5, 5 }, { 5, 5 } }).ToPlotly());
        Assert.Equal(5, figure.Trace(0).GetProperty("zmax").GetDouble());
        Assert.All(figure.Layout().GetProperty("annotations").EnumerateArray(),
            a => Assert.Equal("white", a.GetProperty("font").GetProperty("color").GetString()));
    }
}
