using System.Globalization;
using System.Text;
using NeuralNotebooks.Display;

namespace NeuralNotebooks;

/// <summary>
/// A confusion matrix: <c>Counts[i, j]</c> is the number of samples of true class i that were
/// predicted as class j. Made by <see cref="Metrics.ConfusionMatrix(ClassLabels, ClassLabels, int?, string?)"/>.
/// </summary>
/// <remarks>
/// Class positions i, j index <see cref="Labels"/> (the sorted labels present, or
/// 0 … numClasses − 1); when the classes are 0 … K − 1, a position is the class itself.
/// In a notebook it shows as a heat-map table (rows true, columns predicted); <see cref="ToString"/>
/// gives the same as aligned text and <see cref="ToArrayString"/> the NumPy print of the counts.
/// </remarks>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ConfusionMatrix : IRichDisplay
{
    private readonly int[,] _counts;
    private readonly int[] _labels;
    private string[] _classNames;

    /// <summary>Wraps a square table of counts whose classes are 0 … K − 1.</summary>
    /// <param name="counts">Counts, rows true classes and columns predicted classes.</param>
    /// <param name="classNames">Optional names of the classes (default: "0", "1", …).</param>
    /// <param name="normalize"><c>null</c>, <c>"true"</c>, <c>"pred"</c> or <c>"all"</c>: what <see cref="Values"/> and the display show.</param>
    public ConfusionMatrix(int[,] counts, IReadOnlyList<string>? classNames = null, string? normalize = null)
        : this(Validate(counts), Enumerable.Range(0, counts.GetLength(0)).ToArray(), classNames, normalize)
    {
    }

    internal ConfusionMatrix(int[,] counts, int[] labels, IReadOnlyList<string>? classNames, string? normalize)
    {
        _mode = MetricOptions.ParseNormalization(normalize);
        _counts = (int[,])counts.Clone();
        _labels = labels;
        _classNames = classNames is null ? labels.Select(l => l.ToString(CultureInfo.InvariantCulture)).ToArray()
            : Checked(classNames, nameof(classNames));
    }

    /// <summary>The names, one per class, null ones as ""; refused by <paramref name="parameter"/>, the caller's name for them, when their number is wrong.</summary>
    private string[] Checked(IReadOnlyList<string> names, string parameter) => names.Count == NumClasses ? names.Select(n => n ?? "").ToArray()
        : throw new ArgumentException($"ConfusionMatrix: {names.Count} class names for a {NumClasses}-class confusion matrix.", parameter);

    private static int[,] Validate(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.GetLength(0) != counts.GetLength(1) || counts.GetLength(0) == 0)
            throw new ArgumentException($"A confusion matrix is square and not empty; got {counts.GetLength(0)}x{counts.GetLength(1)}.", nameof(counts));
        foreach (int c in counts)
            if (c < 0) throw new ArgumentException("Counts cannot be negative.", nameof(counts));
        return counts;
    }

    private readonly Normalization _mode;

    /// <summary>The number of classes K (the matrix is K × K).</summary>
    public int NumClasses => _labels.Length;

    /// <summary>The class label of each row and column.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>
    /// The names shown in headers, one per class; by default the labels as text. Set it to,
    /// say, the Fashion-MNIST article names.
    /// </summary>
    public IReadOnlyList<string> ClassNames
    {
        get => _classNames;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _classNames = Checked(value, nameof(value));
        }
    }

    /// <summary>How <see cref="Values"/> is normalised: <c>null</c>, <c>"true"</c>, <c>"pred"</c> or <c>"all"</c>.</summary>
    public string? Normalize => MetricOptions.Name(_mode);

    /// <summary>How <see cref="Values"/> is normalised, as a type.</summary>
    public Normalization Normalization => _mode;

    /// <summary>A copy of the counts: rows true classes, columns predicted classes.</summary>
    public int[,] Counts => (int[,])_counts.Clone();

    /// <summary>The values shown: the counts normalised as <see cref="Normalize"/> says (the counts themselves when null).</summary>
    public double[,] Values => Normalized(_mode);

    /// <summary>The number of samples of true class <paramref name="trueClass"/> predicted as <paramref name="predictedClass"/> (positions in <see cref="Labels"/>).</summary>
    public int this[int trueClass, int predictedClass] => _counts[trueClass, predictedClass];

    /// <summary>The number of samples.</summary>
    public int Total
    {
        get
        {
            int total = 0;
            foreach (int c in _counts) total += c;
            return total;
        }
    }

    /// <summary>The fraction of samples on the diagonal.</summary>
    public double Accuracy
    {
        get
        {
            int diagonal = 0;
            for (int i = 0; i < NumClasses; i++) diagonal += _counts[i, i];
            return Metrics.Ratio(diagonal, Total);
        }
    }

    /// <summary>
    /// The counts divided like scikit-learn's <c>normalize</c>: <c>"true"</c> by row sums (each
    /// row is the distribution of predictions for one true class), <c>"pred"</c> by column sums,
    /// <c>"all"</c> by the total, <c>null</c> not at all. An empty row or column gives zeros.
    /// </summary>
    public double[,] Normalized(string? normalize) => Normalized(MetricOptions.ParseNormalization(normalize));

    /// <inheritdoc cref="Normalized(string?)"/>
    public double[,] Normalized(Normalization normalize)
    {
        int k = NumClasses;
        var result = new double[k, k];
        var rowSums = new long[k];
        var colSums = new long[k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) { rowSums[i] += _counts[i, j]; colSums[j] += _counts[i, j]; }
        long total = rowSums.Sum();
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                result[i, j] = normalize switch
                {
                    Normalization.None => _counts[i, j],
                    Normalization.True => Metrics.Ratio(_counts[i, j], rowSums[i]),
                    Normalization.Pred => Metrics.Ratio(_counts[i, j], colSums[j]),
                    _ => Metrics.Ratio(_counts[i, j], total),
                };
        return result;
    }

    /// <summary>
    /// The <paramref name="top"/> largest off-diagonal cells, the pairs of classes the model mixes
    /// up most, largest count first (ties in row, then column order). Empty cells are left out.
    /// </summary>
    public IReadOnlyList<ConfusedPair> MostConfused(int top = 5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var pairs = new List<ConfusedPair>();
        for (int i = 0; i < NumClasses; i++)
            for (int j = 0; j < NumClasses; j++)
                if (i != j && _counts[i, j] > 0)
                    pairs.Add(new ConfusedPair(i, j, _classNames[i], _classNames[j], _counts[i, j]));
        return pairs.OrderByDescending(p => p.Count).ThenBy(p => p.TrueClass).ThenBy(p => p.PredictedClass).Take(top).ToArray();
    }

    /// <summary>Always <c>text/html</c>: the matrix shows as a table.</summary>
    public string MimeType => "text/html";

    /// <summary>
    /// An HTML table shaded like a heat map: one row per true class, one column per predicted
    /// class, each cell holding its count (and its normalised value when normalised).
    /// </summary>
    public string Render()
    {
        var values = Values;
        double max = 0;
        foreach (double v in values) max = Math.Max(max, v);
        var sb = new StringBuilder();
        sb.Append("<table class=\"nn-confusion-matrix\" style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px;text-align:center\">");
        sb.Append("<caption style=\"caption-side:top;padding:4px\">Confusion matrix: rows are true classes, columns predicted classes");
        if (_mode != Normalization.None) sb.Append(" (normalised over ").Append(NormalizeWords).Append(')');
        sb.Append("</caption>");
        sb.Append("<thead><tr><th style=\"padding:4px 8px;text-align:right\">true \\ predicted</th>");
        foreach (string name in _classNames)
            sb.Append("<th style=\"padding:4px 8px\">").Append(Html.Escape(name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        for (int i = 0; i < NumClasses; i++)
        {
            sb.Append("<tr><th style=\"padding:4px 8px;text-align:right\">").Append(Html.Escape(_classNames[i])).Append("</th>");
            for (int j = 0; j < NumClasses; j++)
            {
                var (bg, fg) = Html.Blues(max > 0 ? values[i, j] / max : 0);
                sb.Append("<td style=\"padding:4px 8px;min-width:2.5em;border:1px solid #e0e0e0;background:")
                  .Append(bg).Append(";color:").Append(fg).Append("\" title=\"")
                  .Append(Html.Escape($"true {_classNames[i]}, predicted {_classNames[j]}: {_counts[i, j]}")).Append("\">");
                if (_mode == Normalization.None)
                {
                    sb.Append(_counts[i, j].ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(PyFormat.Fixed(values[i, j], 2))
                      .Append("<br/><small>").Append(_counts[i, j].ToString(CultureInfo.InvariantCulture)).Append("</small>");
                }
                sb.Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        return sb.ToString();
    }

    private string NormalizeWords => _mode switch
    {
        Normalization.True => "true classes: each row sums to 1",
        Normalization.Pred => "predicted classes: each column sums to 1",
        _ => "all samples: the table sums to 1",
    };

    /// <summary>
    /// The matrix as an aligned text table with class names as headers, rows true and columns
    /// predicted; normalised values are printed with two decimals.
    /// </summary>
    public override string ToString()
    {
        var values = Values;
        string[,] cells = new string[NumClasses, NumClasses];
        for (int i = 0; i < NumClasses; i++)
            for (int j = 0; j < NumClasses; j++)
                cells[i, j] = _mode == Normalization.None
                    ? _counts[i, j].ToString(CultureInfo.InvariantCulture)
                    : PyFormat.Fixed(values[i, j], 2);

        const string corner = "true \\ pred";
        int nameWidth = Math.Max(corner.Length, _classNames.Max(PyFormat.Length));
        var widths = new int[NumClasses];
        for (int j = 0; j < NumClasses; j++)
        {
            widths[j] = PyFormat.Length(_classNames[j]);
            for (int i = 0; i < NumClasses; i++) widths[j] = Math.Max(widths[j], cells[i, j].Length);
        }

        var sb = new StringBuilder();
        sb.Append(corner.PadLeft(nameWidth));
        for (int j = 0; j < NumClasses; j++) sb.Append("  ").Append(PyFormat.RightAlign(_classNames[j], widths[j]));
        sb.Append('\n');
        for (int i = 0; i < NumClasses; i++)
        {
            sb.Append(PyFormat.RightAlign(_classNames[i], nameWidth));
            for (int j = 0; j < NumClasses; j++) sb.Append("  ").Append(cells[i, j].PadLeft(widths[j]));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The counts as NumPy prints the array that scikit-learn's <c>confusion_matrix</c> returns,
    /// e.g. <c>[[3 0]\n [1 2]]</c> (for matrices narrow enough that NumPy does not wrap lines).
    /// </summary>
    public string ToArrayString()
    {
        int width = 1;
        foreach (int c in _counts) width = Math.Max(width, c.ToString(CultureInfo.InvariantCulture).Length);
        var sb = new StringBuilder("[");
        for (int i = 0; i < NumClasses; i++)
        {
            if (i > 0) sb.Append("\n ");
            sb.Append('[');
            for (int j = 0; j < NumClasses; j++)
            {
                if (j > 0) sb.Append(' ');
                sb.Append(_counts[i, j].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }
            sb.Append(']');
        }
        return sb.Append(']').ToString();
    }
}

/// <summary>One off-diagonal cell of a confusion matrix: how often one class was taken for another.</summary>
/// <param name="TrueClass">Position of the true class in <see cref="ConfusionMatrix.Labels"/>.</param>
/// <param name="PredictedClass">Position of the predicted class in <see cref="ConfusionMatrix.Labels"/>.</param>
/// <param name="TrueName">Name of the true class.</param>
/// <param name="PredictedName">Name of the predicted class.</param>
/// <param name="Count">Number of samples of the true class predicted as the other.</param>
public readonly record struct ConfusedPair(int TrueClass, int PredictedClass, string TrueName, string PredictedName, int Count)
{
    /// <summary>For example <c>true 4, predicted 9: 12</c>.</summary>
    public override string ToString() => $"true {TrueName}, predicted {PredictedName}: {Count}";
}
