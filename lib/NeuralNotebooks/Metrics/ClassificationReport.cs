using System.Globalization;
using System.Text;
using NeuralNotebooks.Display;

namespace NeuralNotebooks;

/// <summary>
/// Precision, recall, F1 and support of every class, with accuracy and the macro and weighted
/// averages: scikit-learn's <c>classification_report</c>. Made by
/// <see cref="Metrics.ClassificationReport(ClassLabels, ClassLabels, IReadOnlyList{string}?, int, int?)"/>.
/// </summary>
/// <remarks>
/// Per-class lists (<see cref="Precision"/>, <see cref="Recall"/>, <see cref="F1"/>,
/// <see cref="Support"/>) are indexed by position in <see cref="Labels"/>. <see cref="ToString"/>
/// reproduces scikit-learn's text character for character, including its rule that the
/// "accuracy" row becomes a "micro avg" row when explicit classes include one absent from both
/// label vectors. One difference is kept on purpose: when no sample is predicted correctly,
/// scikit-learn 1.2 prints every support as a float ("3.0", from a zeros array it starts its
/// counts with in that case); supports here are always whole numbers. In a notebook the report
/// shows as an HTML table.
/// </remarks>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ClassificationReport : IRichDisplay
{
    private const string LongestHeading = "weighted avg";
    private readonly Scores _scores;
    private readonly int[] _labels;
    private readonly string[] _names;

    internal ClassificationReport(Scores scores, int[] labels, IReadOnlyList<string>? targetNames, int digits, bool labelsGiven)
    {
        _scores = scores;
        _labels = labels;
        Digits = digits;
        if (targetNames is not null && targetNames.Count != labels.Length)
            throw new ArgumentException($"{targetNames.Count} target names for {labels.Length} classes.", nameof(targetNames));
        _names = targetNames?.Select(n => n ?? "").ToArray()
            ?? labels.Select(l => l.ToString(CultureInfo.InvariantCulture)).ToArray();
        MacroAvg = scores.MacroAverage();
        WeightedAvg = scores.WeightedAverage();
        MicroAvg = scores.MicroAverage();
        Accuracy = Metrics.Ratio(scores.TruePositiveTotal, scores.SupportTotal);
        // scikit-learn prints "accuracy" unless the classes were given and differ from those present.
        bool allPresent = true;
        for (int c = 0; c < labels.Length; c++)
            if (scores.Support[c] == 0 && scores.Predicted[c] == 0) allPresent = false;
        ShowsAccuracyRow = !labelsGiven || allPresent;
    }

    /// <summary>The class label of each row.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>The row names: the target names given, or the labels as text.</summary>
    public IReadOnlyList<string> TargetNames => _names;

    /// <summary>Precision of each class, TP / (TP + FP); 0 for a class never predicted.</summary>
    public IReadOnlyList<double> Precision => _scores.Precision;

    /// <summary>Recall of each class, TP / (TP + FN); 0 for a class absent from the true labels.</summary>
    public IReadOnlyList<double> Recall => _scores.Recall;

    /// <summary>F1 score of each class, 2PR / (P + R); 0 when P and R are both 0.</summary>
    public IReadOnlyList<double> F1 => _scores.F1;

    /// <summary>Support of each class: how many true labels it has.</summary>
    public IReadOnlyList<int> Support => _scores.Support;

    /// <summary>The fraction of samples predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>Scores from the counts summed over classes (for single-label data all three equal <see cref="Accuracy"/>).</summary>
    public AverageScores MicroAvg { get; }

    /// <summary>Unweighted means over classes: every class counts the same.</summary>
    public AverageScores MacroAvg { get; }

    /// <summary>Means over classes weighted by support: frequent classes count more.</summary>
    public AverageScores WeightedAvg { get; }

    /// <summary>The number of samples.</summary>
    public int TotalSupport => (int)_scores.SupportTotal;

    /// <summary>Decimals of the printed scores.</summary>
    public int Digits { get; }

    /// <summary>Whether the summary row is "accuracy" (true) or "micro avg" (false), as scikit-learn decides.</summary>
    public bool ShowsAccuracyRow { get; }

    /// <summary>Always <c>text/html</c>: the report shows as a table.</summary>
    public string MimeType => "text/html";

    /// <summary>
    /// The accuracy row's number as scikit-learn prints it: the micro-averaged F1, 2PR / (P + R) with P = R =
    /// the accuracy. That is the accuracy mathematically but not always to the last bit, and at a rounding
    /// boundary the text differs (19 of 40 correct: 0.475 as TP / N prints 0.47, scikit-learn's 0.48).
    /// </summary>
    private double AccuracyAsPrinted => MicroAvg.F1;

    private string F(double v) => PyFormat.Fixed(v, Digits);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The report in scikit-learn's exact text layout (right-aligned columns nine wide).</summary>
    public override string ToString()
    {
        int width = Math.Max(Math.Max(_names.Length == 0 ? 0 : _names.Max(PyFormat.Length), LongestHeading.Length), Digits);
        var sb = new StringBuilder();
        sb.Append(new string(' ', width)).Append(' ');
        foreach (string h in new[] { "precision", "recall", "f1-score", "support" }) sb.Append(' ').Append(h.PadLeft(9));
        sb.Append("\n\n");
        for (int c = 0; c < _labels.Length; c++)
            Row(sb, width, _names[c], F(Precision[c]), F(Recall[c]), F(F1[c]), I(Support[c]));
        sb.Append('\n');
        if (ShowsAccuracyRow)
            Row(sb, width, "accuracy", "", "", F(AccuracyAsPrinted), I(TotalSupport));
        else
            Row(sb, width, "micro avg", F(MicroAvg.Precision), F(MicroAvg.Recall), F(MicroAvg.F1), I(MicroAvg.Support));
        Row(sb, width, "macro avg", F(MacroAvg.Precision), F(MacroAvg.Recall), F(MacroAvg.F1), I(MacroAvg.Support));
        Row(sb, width, LongestHeading, F(WeightedAvg.Precision), F(WeightedAvg.Recall), F(WeightedAvg.F1), I(WeightedAvg.Support));
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, int width, string heading, params string[] cells)
    {
        sb.Append(PyFormat.RightAlign(heading, width)).Append(' ');
        foreach (string cell in cells) sb.Append(' ').Append(cell.PadLeft(9));
        sb.Append('\n');
    }

    /// <summary>The report as an HTML table with the same rows and numbers as the text.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("<table class=\"nn-classification-report\" style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">");
        sb.Append("<thead><tr><th></th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr></thead><tbody>");
        for (int c = 0; c < _labels.Length; c++)
            HtmlRow(sb, _names[c], F(Precision[c]), F(Recall[c]), F(F1[c]), I(Support[c]));
        sb.Append("</tbody><tbody style=\"border-top:2px solid #999\">");
        if (ShowsAccuracyRow)
            HtmlRow(sb, "accuracy", "", "", F(AccuracyAsPrinted), I(TotalSupport));
        else
            HtmlRow(sb, "micro avg", F(MicroAvg.Precision), F(MicroAvg.Recall), F(MicroAvg.F1), I(MicroAvg.Support));
        HtmlRow(sb, "macro avg", F(MacroAvg.Precision), F(MacroAvg.Recall), F(MacroAvg.F1), I(MacroAvg.Support));
        HtmlRow(sb, LongestHeading, F(WeightedAvg.Precision), F(WeightedAvg.Recall), F(WeightedAvg.F1), I(WeightedAvg.Support));
        sb.Append("</tbody></table>");
        return sb.ToString();
    }

    private static void HtmlRow(StringBuilder sb, string heading, params string[] cells)
    {
        sb.Append("<tr><th style=\"padding:3px 10px;text-align:right\">").Append(Html.Escape(heading)).Append("</th>");
        foreach (string cell in cells)
            sb.Append("<td style=\"padding:3px 10px;text-align:right;font-variant-numeric:tabular-nums\">").Append(Html.Escape(cell)).Append("</td>");
        sb.Append("</tr>");
    }
}

/// <summary>Averaged precision, recall and F1 of a report row, with the number of samples.</summary>
/// <param name="Precision">Averaged precision.</param>
/// <param name="Recall">Averaged recall.</param>
/// <param name="F1">Averaged F1 score.</param>
/// <param name="Support">Number of samples.</param>
public readonly record struct AverageScores(double Precision, double Recall, double F1, int Support);
