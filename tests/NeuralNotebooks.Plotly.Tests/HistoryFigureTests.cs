namespace NeuralNotebooks.Plotly.Tests;

public class HistoryFigureTests
{
    private static History Train()
    {
        var rng = new Rng(3);
        var x = rng.Uniform(new Shape(32, 4), -1f, 1f);
        var y = Enumerable.Range(0, 32).Select(i => x.Item(i, 0) > 0 ? 1 : 0).ToArray();
        var model = new Sequential(seed: 1);
        model.Add(new Dense(3, activation: "relu", inputShape: 4));
        model.Add(new Dense(2, activation: "softmax"));
        model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: 3, batchSize: 8, validationData: (x[..8], y[..8]), verbose: false);
    }

    [Fact]
    public void Loss_and_accuracy_panels_carry_every_epoch()
    {
        var history = Train();

        var figure = FigureJson.Parse(history.ToPlotly());
        var traces = figure.GetProperty("data").EnumerateArray().ToArray();

        Assert.Equal(new[] { "loss", "val_loss", "accuracy", "val_accuracy" }, traces.Select(t => t.Text("name")));
        foreach (var trace in traces)
        {
            Assert.Equal(new[] { 1.0, 2, 3 }, trace.GetProperty("x").Numbers());
            Assert.Equal(history[trace.Text("name")!].Select(v => (double)v), trace.GetProperty("y").Numbers());
            Assert.Equal("lines+markers", trace.Text("mode"));
        }
        Assert.Equal(new[] { "x", "x", "x2", "x2" }, traces.Select(t => t.Text("xaxis")));
        Assert.Equal(new[] { "y", "y", "y2", "y2" }, traces.Select(t => t.Text("yaxis")));
        // Each panel restarts the palette, as each static chart does.
        Assert.Equal(new[] { "#1f77b4", "#ff7f0e", "#1f77b4", "#ff7f0e" }, traces.Select(t => t.GetProperty("line").Text("color")));
        var layout = figure.Layout();
        Assert.Equal("epoch", layout.GetProperty("xaxis").Text("title"));
        Assert.Equal("epoch", layout.GetProperty("xaxis2").Text("title"));
        Assert.Equal(new[] { "<b>loss</b>", "<b>accuracy</b>" }, layout.GetProperty("annotations").EnumerateArray().Select(a => a.Text("text")));
        Assert.Equal("x unified", layout.Text("hovermode"));
    }

    [Fact]
    public void An_untrained_history_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new History().ToPlotly());
        Assert.Contains("no epochs", e.Message);
    }

    [Fact]
    public void The_panels_keep_the_static_views_y_axis_labels()
    {
        // The static panels label their y axes "loss" and "accuracy"; the figure's were empty.
        var layout = FigureJson.Parse(Train().ToPlotly()).Layout();
        Assert.Equal("loss", layout.GetProperty("yaxis").Text("title"));
        Assert.Equal("accuracy", layout.GetProperty("yaxis2").Text("title"));
    }
}
