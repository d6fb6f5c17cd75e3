using System.Globalization;
using System.Text;
using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// TensorBoard-style histograms of a model's weights and gradients over training: pass
/// <see cref="Record"/> as <c>Fit</c>'s <c>onEpochEnd</c> and it keeps, after every epoch, each layer's
/// kernel and the kernel's gradient from the epoch's last batch; a notebook then shows one chart per
/// layer and kind, one curve per epoch.
/// </summary>
/// <example><code>
/// var histograms = new WeightHistograms(model);
/// model.Fit(x, y, epochs: 5, onEpochEnd: histograms.Record);
/// histograms   // displays the charts
/// </code></example>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class WeightHistograms : IRichDisplay
{
    private readonly Sequential _model;
    private readonly int _bins;
    private readonly List<int> _epochs = [];
    private readonly Dictionary<string, List<float[]>> _weights = [], _gradients = [];
    private readonly List<string> _layers = [];

    /// <summary>Watches <paramref name="model"/>; each histogram has <paramref name="bins"/> bins.</summary>
    public WeightHistograms(Sequential model, int bins = 40)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), string.Create(CultureInfo.InvariantCulture, $"WeightHistograms: need at least 2 bins, got {bins}."));
        _model = model;
        _bins = bins;
    }

    /// <summary>The epochs recorded so far.</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>The layers with weights, by name, in model order.</summary>
    public IReadOnlyList<string> Layers => _layers;

    /// <summary>Copies every layer's kernel and kernel gradient now; meant as <c>Fit</c>'s <c>onEpochEnd</c>.</summary>
    public void Record(EpochLog log)
    {
        _epochs.Add(_epochs.Count == 0 ? log.Epoch : Math.Max(log.Epoch, _epochs[^1] + 1));
        foreach (var layer in _model.Layers)
        {
            if (layer.Weights.Count == 0) continue;
            if (!_weights.ContainsKey(layer.Name)) { _layers.Add(layer.Name); _weights[layer.Name] = []; _gradients[layer.Name] = []; }
            _weights[layer.Name].Add(layer.Weights[0].ToArray());
            var g = layer.Gradients;
            _gradients[layer.Name].Add(g.Count > 0 ? g[0].ToArray() : []);
        }
    }

    /// <summary>The kernel of <paramref name="layer"/> after each recorded epoch.</summary>
    public IReadOnlyList<float[]> WeightSnapshots(string layer) => Snapshots(_weights, layer);

    /// <summary>The kernel gradient of <paramref name="layer"/> on the last batch of each recorded epoch.</summary>
    public IReadOnlyList<float[]> GradientSnapshots(string layer) => Snapshots(_gradients, layer);

    private IReadOnlyList<float[]> Snapshots(Dictionary<string, List<float[]>> store, string layer) =>
        store.TryGetValue(layer, out var s) ? s
        : throw new ArgumentException($"WeightHistograms: no layer '{layer}' with weights; recorded: {string.Join(", ", _layers)}.");

    /// <summary>
    /// Histogram curves of <paramref name="layer"/>'s kernel ("weights") or of its gradient ("gradients"),
    /// one for each of at most <paramref name="curves"/> recorded epochs spread from the first to the last,
    /// on shared bins spanning the middle 99% of every epoch's values, as the share of all values in each bin.
    /// </summary>
    public LineChart Chart(string layer, string kind = "weights", int curves = 5)
    {
        if (curves < 1) throw new ArgumentOutOfRangeException(nameof(curves), string.Create(CultureInfo.InvariantCulture, $"WeightHistograms: curves must be at least 1, got {curves}."));
        var snaps = kind switch
        {
            "weights" => WeightSnapshots(layer),
            "gradients" => GradientSnapshots(layer),
            _ => throw new ArgumentException($"WeightHistograms: kind must be \"weights\" or \"gradients\", got '{kind}'."),
        };
        if (snaps.Count == 0) throw new InvalidOperationException("WeightHistograms: nothing recorded yet; pass Record as Fit's onEpochEnd.");
        var values = snaps.SelectMany(s => s).Where(float.IsFinite).ToArray();
        if (values.Length == 0) throw new InvalidOperationException($"WeightHistograms: layer '{layer}' has no finite {kind}.");
        // The range covers the 0.5th..99.5th percentiles of all epochs, so a few outliers do not squash the
        // shape; values outside it are left out rather than piled into the end bins, where they would look
        // like a real peak.
        var sorted = values.Order().ToArray();
        double lo = sorted[(int)(0.005 * (sorted.Length - 1))], hi = sorted[(int)(0.995 * (sorted.Length - 1))];
        if (hi <= lo) { lo -= 0.5; hi += 0.5; }
        double width = (hi - lo) / _bins;
        var centres = Enumerable.Range(0, _bins).Select(b => lo + (b + 0.5) * width).ToArray();
        var chart = new LineChart(480, 300).Title($"{layer}: {(kind == "weights" ? "kernel weights" : "kernel gradients")}")
            .XLabel(kind == "weights" ? "weight value" : "gradient value").YLabel("share of values");
        // A few epochs, evenly spread, keep the chart and its legend readable however long training ran.
        var shown = Enumerable.Range(0, Math.Min(curves, snaps.Count))
            .Select(k => curves == 1 || snaps.Count == 1 ? snaps.Count - 1 : (int)Math.Round(k * (snaps.Count - 1) / (double)(Math.Min(curves, snaps.Count) - 1)))
            .Distinct().ToList();
        foreach (int e in shown)
        {
            var counts = new double[_bins];
            int n = 0;
            foreach (var v in snaps[e])
            {
                if (!float.IsFinite(v)) continue;
                n++;
                if (v < lo || v > hi) continue;
                counts[Math.Min((int)((v - lo) / width), _bins - 1)]++;
            }
            chart.Add(centres, counts.Select(c => n == 0 ? 0 : c / n).ToArray(), $"epoch {_epochs[e]}");
        }
        return chart;
    }

    /// <summary>SVG: for every layer with weights, its weight and gradient histograms side by side, as one picture.</summary>
    public string MimeType => _epochs.Count == 0 ? "text/html" : "image/svg+xml";

    /// <inheritdoc/>
    public string Render()
    {
        if (_epochs.Count == 0) return "<p>WeightHistograms: nothing recorded yet</p>";
        var charts = new List<Chart>();
        foreach (var layer in _layers)
            foreach (var kind in new[] { "weights", "gradients" })
                if (Snapshots(kind == "weights" ? _weights : _gradients, layer).Any(s => s.Length > 0))
                    charts.Add(Chart(layer, kind));
        return Panels.Compose(charts);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"WeightHistograms: {_epochs.Count} epochs of {string.Join(", ", _layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l} ({_weights[l][^1].Length:N0} weights)")))}";
}
