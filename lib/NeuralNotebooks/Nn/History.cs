using System.Globalization;
using System.Text;
using NeuralNotebooks.Display;
using NeuralNotebooks.Plots;

namespace NeuralNotebooks;

/// <summary>What one epoch of training measured: passed to <c>Fit</c>'s <c>onEpochEnd</c> callback.</summary>
public sealed record EpochLog(int Epoch, int Epochs, double Seconds, IReadOnlyDictionary<string, float> Metrics)
{
    /// <summary>Keras's progress line: "Epoch 1/5 - 4.1s - loss: 0.2134 - accuracy: 0.9370 - val_loss: ...".</summary>
    public override string ToString() =>
        $"Epoch {Epoch}/{Epochs} - {Seconds.ToString("0.0", CultureInfo.InvariantCulture)}s - " +
        string.Join(" - ", Metrics.Select(kv => $"{kv.Key}: {kv.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// The per-epoch record of <c>Fit</c>, like Keras's <c>History</c>: <c>history["loss"]</c>,
/// <c>history["val_accuracy"]</c>... A notebook shows it as charts of loss and accuracy.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class History : IRichDisplay
{
    private readonly Dictionary<string, List<float>> _values = [];
    private readonly List<double> _seconds = [];
    private long _samples;
    private double _trainSeconds;

    /// <summary>The recorded series by name ("loss", "accuracy", "val_loss", "val_accuracy").</summary>
    public IReadOnlyDictionary<string, float[]> Values => _values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    /// <summary>One series, e.g. <c>history["val_loss"]</c>.</summary>
    /// <exception cref="KeyNotFoundException">
    /// No such series: "accuracy" needs <c>metrics: ["accuracy"]</c> in Compile, and the "val_" series a validation
    /// split or validation data in Fit. The message lists the series there are.
    /// </exception>
    public float[] this[string name] => _values.TryGetValue(name, out var v) ? v.ToArray()
        : throw new KeyNotFoundException($"History has no '{name}'; it has: {string.Join(", ", _values.Keys)}.");

    /// <summary>The epoch numbers 1, 2, ... as floats, for plotting.</summary>
    public float[] Epochs => Enumerable.Range(1, _seconds.Count).Select(e => (float)e).ToArray();

    /// <summary>Wall-clock seconds of each epoch (training and validation).</summary>
    public IReadOnlyList<double> Seconds => _seconds;

    /// <summary>
    /// Set when training went wrong without a NaN: an epoch's training loss far above what guessing every class
    /// alike scores (<see cref="Loss.GuessingLoss"/>), the network sure of wrong answers. Fit also prints it on
    /// the error output. Null when no epoch did.
    /// </summary>
    public string? Warning { get; internal set; }

    /// <summary>Training samples per second, over all epochs (the training passes only).</summary>
    public double SamplesPerSecond => _trainSeconds > 0 ? _samples / _trainSeconds : 0;

    internal void Add(EpochLog log, long samples, double trainSeconds)
    {
        foreach (var (k, v) in log.Metrics)
        {
            if (!_values.TryGetValue(k, out var list)) _values[k] = list = [];
            list.Add(v);
        }
        _seconds.Add(log.Seconds);
        _samples += samples;
        _trainSeconds += trainSeconds;
    }

    /// <summary>SVG: the loss chart and the accuracy chart (if measured), side by side as one picture.</summary>
    public string MimeType => _seconds.Count == 0 ? "text/html" : "image/svg+xml";

    /// <summary>The loss chart (and the accuracy chart, if measured) as one SVG picture.</summary>
    public string Render()
    {
        if (_seconds.Count == 0) return "<p>History: no epochs yet</p>";
        var charts = new List<Chart>();
        foreach (var group in new[] { "loss", "accuracy" })
        {
            var names = _values.Keys.Where(k => k == group || k == "val_" + group).ToList();
            if (names.Count == 0) continue;
            var chart = new LineChart(480, 320).Title(group).XLabel("epoch").YLabel(group).Markers();
            foreach (var n in names) chart.Add(Epochs, _values[n], n);
            charts.Add(chart);
        }
        return Panels.Compose(charts);
    }

    /// <summary>One line per epoch, like Keras prints while training.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder($"History: {_seconds.Count} epochs");
        for (int e = 0; e < _seconds.Count; e++)
            sb.Append('\n').Append(new EpochLog(e + 1, _seconds.Count, _seconds[e], _values.ToDictionary(kv => kv.Key, kv => kv.Value[e])));
        return sb.ToString();
    }
}

/// <summary>
/// The live view of a training run: a notebook shows every epoch so far (one output, updated after each
/// epoch); a terminal prints each epoch's line as it ends.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class TrainingProgress : IRichDisplay
{
    private readonly List<EpochLog> _epochs = [];

    internal void Add(EpochLog log) => _epochs.Add(log);

    /// <summary>The epochs finished so far.</summary>
    public IReadOnlyList<EpochLog> Epochs => _epochs;

    /// <summary>HTML: one line per finished epoch.</summary>
    public string MimeType => "text/html";

    /// <summary>The epoch lines in a fixed-width block.</summary>
    public string Render() =>
        $"<pre style=\"margin:0\">{System.Net.WebUtility.HtmlEncode(string.Join("\n", _epochs))}</pre>";

    /// <summary>The latest epoch's line (what a terminal prints after each epoch).</summary>
    public override string ToString() => _epochs.Count == 0 ? "" : _epochs[^1].ToString();
}

/// <summary>A model's loss and accuracy on a dataset; deconstructs as <c>var (loss, accuracy) = model.Evaluate(x, y);</c>.</summary>
public readonly record struct Evaluation(float Loss, float Accuracy)
{
    /// <summary>The record's usual text, its numbers written with a decimal point whatever the culture.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Evaluation {{ Loss = {Loss}, Accuracy = {Accuracy} }}");
}
