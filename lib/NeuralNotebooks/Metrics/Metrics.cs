using System.Globalization;
using System.Runtime.CompilerServices;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// Classification metrics with the same definitions as scikit-learn's <c>sklearn.metrics</c>:
/// accuracy, confusion matrix, precision, recall, F1 and the classification report.
/// </summary>
/// <remarks>
/// <para>Labels are passed as <see cref="ClassLabels"/>: an <c>int[]</c>, a <c>byte[]</c>, a
/// <c>List&lt;int&gt;</c>, a collection expression, or a <see cref="Tensor"/> holding class indices
/// (N,) or class scores, probabilities or one-hot rows (N, C), which are arg-maxed. So both
/// <c>Metrics.Accuracy(yTest, model.Predict(xTest))</c> and
/// <c>Metrics.Accuracy(yTest, logits.ArgMax(1))</c> work.</para>
/// <para>Classes are, as in scikit-learn, the sorted union of the labels present in
/// <c>yTrue</c> and <c>yPred</c>, unless <c>numClasses</c> is given, in which case they are
/// 0 … numClasses − 1. A ratio whose denominator is zero (a class never predicted has no
/// precision) is 0, like scikit-learn's <c>zero_division=0</c>, without a warning.</para>
/// </remarks>
public static class Metrics
{
    /// <summary>The fraction of samples whose predicted class equals the true class.</summary>
    /// <example><code>Metrics.Accuracy([0, 1, 2, 2], [0, 2, 2, 2]) // 0.75</code></example>
    public static double Accuracy(ClassLabels yTrue, ClassLabels yPred)
    {
        CheckPair(yTrue, yPred);
        int correct = CountEqual(yTrue.AsSpan(), yPred.AsSpan());
        return (double)correct / yTrue.Count;
    }

    private static int CountEqual(ReadOnlySpan<int> t, ReadOnlySpan<int> p)
    {
        int equal = 0;
        for (int i = 0; i < t.Length; i++) if (t[i] == p[i]) equal++;
        return equal;
    }

    /// <summary>
    /// How many rows of <paramref name="output"/> predict their target: the largest output against the class
    /// index (sparse) or the largest target; a single output is compared with <paramref name="threshold"/> (0.5 for a
    /// probability, 0 for a logit), a single target with 0.5.
    /// </summary>
    /// <remarks>
    /// The count behind <see cref="Accuracy"/> (the predicted class of a row of scores is its first arg-max,
    /// as in <see cref="ClassLabels.FromTensor"/>), read straight from a batch's buffers so that the training
    /// loop's per-batch accuracy allocates no label arrays.
    /// </remarks>
    [MethodImpl(JitHints.PerBatch)]
    internal static int CountCorrect(Tensor output, Tensor target, bool sparse, float threshold = 0.5f)
    {
        int n = output.Shape[0], width = output.Size / n, correct = 0;
        var p = output.data; var t = target.data;
        for (int s = 0; s < n; s++)
        {
            if (width == 1) { correct += (p[s] > threshold) == (t[s] > 0.5f) ? 1 : 0; continue; }
            int predicted = Simd.IndexOfMax(p.AsSpan(s * width, width));
            int truth = sparse ? (int)t[s] : Simd.IndexOfMax(t.AsSpan(s * width, width));
            if (predicted == truth) correct++;
        }
        return correct;
    }

    /// <summary>
    /// The fraction of samples whose true class is among the <paramref name="k"/> highest of its
    /// <paramref name="scores"/> row, like scikit-learn's <c>top_k_accuracy_score</c>.
    /// </summary>
    /// <param name="yTrue">True classes, each in 0 … C − 1.</param>
    /// <param name="scores">Scores (logits or probabilities), shape (N, C).</param>
    /// <param name="k">How many of the best-scored classes count as a hit.</param>
    /// <remarks>Among equal scores the higher class index ranks first, as in scikit-learn.</remarks>
    public static double TopKAccuracy(ClassLabels yTrue, Tensor scores, int k)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Rank != 2)
            throw new ArgumentException($"TopKAccuracy: scores must have shape (N, C); got {scores.Shape}.", nameof(scores));
        int n = scores.Shape[0], c = scores.Shape[1];
        if (yTrue.Count != n)
            throw new ArgumentException($"TopKAccuracy: {yTrue.Count} true labels but {n} rows of scores.", nameof(scores));
        if (n == 0) throw new ArgumentException("TopKAccuracy: there are no samples.", nameof(yTrue));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var s = scores.AsSpan();
        int hits = 0;
        for (int i = 0; i < n; i++)
        {
            int label = yTrue[i];
            if (label < 0 || label >= c)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"TopKAccuracy: label {label} of sample {i} is not a column of scores with {c} classes."), nameof(yTrue));
            var row = s.Slice(i * c, c);
            // A NaN compares false both ways, so nothing ranked ahead of it and a diverged model scored 1.0;
            // scikit-learn refuses NaN scores too.
            for (int j = 0; j < c; j++)
                if (float.IsNaN(row[j]))
                    throw new ArgumentException($"TopKAccuracy: scores[{i}, {j}] is NaN; a model whose training diverged has no ranking to score.", nameof(scores));
            float own = row[label];
            int ahead = 0;
            for (int j = 0; j < c; j++)
                if (row[j] > own || (row[j] == own && j > label)) ahead++;
            if (ahead < k) hits++;
        }
        return (double)hits / n;
    }

    /// <summary>
    /// Counts, for every pair (true class, predicted class), how many samples fall in it.
    /// Rows are true classes, columns predicted classes, like scikit-learn's <c>confusion_matrix</c>.
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes (or a tensor of scores, arg-maxed).</param>
    /// <param name="numClasses">Use classes 0 … numClasses − 1 instead of the labels present.</param>
    /// <param name="normalize">
    /// <c>null</c> (counts), <c>"true"</c> (each row sums to 1: recall per class), <c>"pred"</c>
    /// (each column sums to 1: precision per class) or <c>"all"</c> (everything sums to 1). It
    /// sets <see cref="NeuralNotebooks.ConfusionMatrix.Values"/> and the display; the counts are always kept.
    /// </param>
    public static ConfusionMatrix ConfusionMatrix(ClassLabels yTrue, ClassLabels yPred, int? numClasses = null, string? normalize = null)
    {
        var (labels, counts, _) = Tally(yTrue, yPred, numClasses);
        return new ConfusionMatrix(counts, labels, null, normalize);
    }

    /// <summary>
    /// The confusion matrix of classes 0 … classNames.Count − 1, labelled with
    /// <paramref name="classNames"/> (for example the ten Fashion-MNIST article names).
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes (or a tensor of scores, arg-maxed).</param>
    /// <param name="classNames">One name per class; their number is the number of classes.</param>
    /// <param name="normalize"><c>null</c>, <c>"true"</c>, <c>"pred"</c> or <c>"all"</c>, as in the other overload.</param>
    public static ConfusionMatrix ConfusionMatrix(ClassLabels yTrue, ClassLabels yPred, IReadOnlyList<string> classNames, string? normalize = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("ConfusionMatrix: classNames is empty; give one name per class.", nameof(classNames));
        var (labels, counts, _) = Tally(yTrue, yPred, classNames.Count);
        return new ConfusionMatrix(counts, labels, classNames, normalize);
    }

    /// <summary>
    /// Precision, recall, F1 and support of every class with their averages, printed the way
    /// scikit-learn's <c>classification_report</c> prints them.
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes (or a tensor of scores, arg-maxed).</param>
    /// <param name="targetNames">
    /// Names for the classes. Given without <paramref name="numClasses"/>, it fixes the classes
    /// to 0 … targetNames.Count − 1 (scikit-learn would ask for <c>labels</c> as well).
    /// </param>
    /// <param name="digits">Decimals of the printed scores.</param>
    /// <param name="numClasses">Use classes 0 … numClasses − 1 instead of the labels present.</param>
    public static ClassificationReport ClassificationReport(
        ClassLabels yTrue, ClassLabels yPred, IReadOnlyList<string>? targetNames = null, int digits = 2, int? numClasses = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        if (targetNames is { Count: 0 }) throw new ArgumentException("ClassificationReport: targetNames is empty; give one name per class, or null for the labels.", nameof(targetNames));
        if (targetNames is not null && numClasses is not null && targetNames.Count != numClasses)
            throw new ArgumentException(
                $"ClassificationReport: {targetNames.Count} target names for {numClasses} classes.", nameof(targetNames));
        var (labels, counts, labelsGiven) = Tally(yTrue, yPred, numClasses ?? targetNames?.Count);
        return new ClassificationReport(new Scores(counts), labels, targetNames, digits, labelsGiven);
    }

    /// <summary>
    /// Precision, TP / (TP + FP): of the samples predicted as a class, the fraction that are that class.
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes.</param>
    /// <param name="average">
    /// <c>"macro"</c> (plain mean over classes), <c>"weighted"</c> (mean weighted by support),
    /// <c>"micro"</c> (from the summed counts; equals accuracy for single-label data) or
    /// <c>"binary"</c> (the score of class 1, for labels 0 and 1). For one value per class call
    /// <see cref="PrecisionPerClass"/> (scikit-learn's <c>average=None</c>). The default is <c>"macro"</c>,
    /// which fits MNIST's ten classes; scikit-learn's is <c>"binary"</c>, which refuses more than two.
    /// </param>
    /// <param name="numClasses">Use classes 0 … numClasses − 1 instead of the labels present.</param>
    public static double Precision(ClassLabels yTrue, ClassLabels yPred, string average = "macro", int? numClasses = null) =>
        Precision(yTrue, yPred, MetricOptions.ParseAverage(average, nameof(PrecisionPerClass)), numClasses);

    /// <inheritdoc cref="Precision(ClassLabels, ClassLabels, string, int?)"/>
    public static double Precision(ClassLabels yTrue, ClassLabels yPred, Average average, int? numClasses = null) =>
        Combine(yTrue, yPred, average, numClasses, s => s.Precision, (tp, pred, tru) => Ratio(tp, pred));

    /// <summary>
    /// Recall, TP / (TP + FN): of the samples of a class, the fraction predicted as that class.
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes.</param>
    /// <param name="average"><c>"macro"</c>, <c>"weighted"</c>, <c>"micro"</c> or <c>"binary"</c>, as for <see cref="Precision(ClassLabels, ClassLabels, string, int?)"/>; per class: <see cref="RecallPerClass"/>.</param>
    /// <param name="numClasses">Use classes 0 … numClasses − 1 instead of the labels present.</param>
    public static double Recall(ClassLabels yTrue, ClassLabels yPred, string average = "macro", int? numClasses = null) =>
        Recall(yTrue, yPred, MetricOptions.ParseAverage(average, nameof(RecallPerClass)), numClasses);

    /// <inheritdoc cref="Recall(ClassLabels, ClassLabels, string, int?)"/>
    public static double Recall(ClassLabels yTrue, ClassLabels yPred, Average average, int? numClasses = null) =>
        Combine(yTrue, yPred, average, numClasses, s => s.Recall, (tp, pred, tru) => Ratio(tp, tru));

    /// <summary>
    /// F1 score, the harmonic mean of precision and recall, 2·P·R / (P + R).
    /// </summary>
    /// <param name="yTrue">True classes.</param>
    /// <param name="yPred">Predicted classes.</param>
    /// <param name="average"><c>"macro"</c>, <c>"weighted"</c>, <c>"micro"</c> or <c>"binary"</c>, as for <see cref="Precision(ClassLabels, ClassLabels, string, int?)"/>; per class: <see cref="F1ScorePerClass"/>.</param>
    /// <param name="numClasses">Use classes 0 … numClasses − 1 instead of the labels present.</param>
    /// <remarks>The macro average is the mean of the per-class F1 scores, not the F1 of the mean precision and recall.</remarks>
    public static double F1Score(ClassLabels yTrue, ClassLabels yPred, string average = "macro", int? numClasses = null) =>
        F1Score(yTrue, yPred, MetricOptions.ParseAverage(average, nameof(F1ScorePerClass)), numClasses);

    /// <inheritdoc cref="F1Score(ClassLabels, ClassLabels, string, int?)"/>
    public static double F1Score(ClassLabels yTrue, ClassLabels yPred, Average average, int? numClasses = null) =>
        Combine(yTrue, yPred, average, numClasses, s => s.F1, (tp, pred, tru) => Scores.Harmonic(Ratio(tp, pred), Ratio(tp, tru)));

    /// <summary>The precision of every class, in the order of the sorted labels (or 0 … numClasses − 1).</summary>
    public static double[] PrecisionPerClass(ClassLabels yTrue, ClassLabels yPred, int? numClasses = null) =>
        (double[])new Scores(Tally(yTrue, yPred, numClasses).Counts).Precision.Clone();

    /// <summary>The recall of every class, in the order of the sorted labels (or 0 … numClasses − 1).</summary>
    public static double[] RecallPerClass(ClassLabels yTrue, ClassLabels yPred, int? numClasses = null) =>
        (double[])new Scores(Tally(yTrue, yPred, numClasses).Counts).Recall.Clone();

    /// <summary>The F1 score of every class, in the order of the sorted labels (or 0 … numClasses − 1).</summary>
    public static double[] F1ScorePerClass(ClassLabels yTrue, ClassLabels yPred, int? numClasses = null) =>
        (double[])new Scores(Tally(yTrue, yPred, numClasses).Counts).F1.Clone();

    internal static double Ratio(long numerator, long denominator) =>
        denominator == 0 ? 0.0 : (double)numerator / denominator;

    private static double Combine(
        ClassLabels yTrue, ClassLabels yPred, Average average, int? numClasses,
        Func<Scores, double[]> perClass, Func<long, long, long, double> fromTotals)
    {
        var (labels, counts, _) = Tally(yTrue, yPred, numClasses);
        var scores = new Scores(counts);
        switch (average)
        {
            case NeuralNotebooks.Average.Macro:
                return scores.Macro(perClass(scores));
            case NeuralNotebooks.Average.Weighted:
                return scores.Weighted(perClass(scores));
            case NeuralNotebooks.Average.Micro:
                return fromTotals(scores.TruePositiveTotal, scores.PredictedTotal, scores.SupportTotal);
            case NeuralNotebooks.Average.Binary:
                foreach (int l in labels)
                    if (l is not 0 and not 1)
                        throw new ArgumentException(
                            string.Create(CultureInfo.InvariantCulture, $"average \"binary\" needs labels 0 and 1 only, but {l} occurs; use \"macro\", \"weighted\" or \"micro\"."), nameof(average));
                int positive = Array.IndexOf(labels, 1);
                return positive < 0 ? 0.0 : perClass(scores)[positive];
            default:
                throw new ArgumentOutOfRangeException(nameof(average), $"Unknown average {average}.");
        }
    }

    private static void CheckPair(ClassLabels yTrue, ClassLabels yPred)
    {
        if (yTrue.Count != yPred.Count)
            throw new ArgumentException($"yTrue has {yTrue.Count} labels but yPred has {yPred.Count}; they must have one per sample.", nameof(yPred));
        if (yTrue.Count == 0)
            throw new ArgumentException("There are no samples: yTrue and yPred are empty.", nameof(yTrue));
    }

    /// <summary>
    /// The classes (sorted labels, or 0 … numClasses − 1) and the confusion counts; whether the
    /// classes were given explicitly.
    /// </summary>
    internal static (int[] Labels, int[,] Counts, bool LabelsGiven) Tally(ClassLabels yTrue, ClassLabels yPred, int? numClasses)
    {
        CheckPair(yTrue, yPred);
        var t = yTrue.AsSpan();
        var p = yPred.AsSpan();
        int[] labels;
        if (numClasses is int n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(numClasses));
            for (int i = 0; i < t.Length; i++)
            {
                if ((uint)t[i] >= (uint)n) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"yTrue[{i}] = {t[i]} is not a class in 0..{n - 1}."), nameof(yTrue));
                if ((uint)p[i] >= (uint)n) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"yPred[{i}] = {p[i]} is not a class in 0..{n - 1}."), nameof(yPred));
            }
            labels = Enumerable.Range(0, n).ToArray();
        }
        else
        {
            var set = new SortedSet<int>();
            foreach (int v in t) set.Add(v);
            foreach (int v in p) set.Add(v);
            labels = [.. set];
        }

        var index = new Dictionary<int, int>(labels.Length);
        for (int i = 0; i < labels.Length; i++) index[labels[i]] = i;
        var counts = new int[labels.Length, labels.Length];
        for (int i = 0; i < t.Length; i++) counts[index[t[i]], index[p[i]]]++;
        return (labels, counts, numClasses is not null);
    }
}

/// <summary>Per-class precision, recall, F1 and support from confusion counts.</summary>
internal sealed class Scores
{
    public Scores(int[,] counts)
    {
        Counts = counts;
        int k = counts.GetLength(0);
        Precision = new double[k];
        Recall = new double[k];
        F1 = new double[k];
        Support = new int[k];
        Predicted = new int[k];
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < k; j++)
            {
                Support[c] += counts[c, j];
                Predicted[c] += counts[j, c];
            }
            TruePositiveTotal += counts[c, c];
            SupportTotal += Support[c];
            PredictedTotal += Predicted[c];
        }
        for (int c = 0; c < k; c++)
        {
            Precision[c] = Metrics.Ratio(counts[c, c], Predicted[c]);
            Recall[c] = Metrics.Ratio(counts[c, c], Support[c]);
            F1[c] = Harmonic(Precision[c], Recall[c]);
        }
    }

    public int[,] Counts { get; }
    public double[] Precision { get; }
    public double[] Recall { get; }
    public double[] F1 { get; }
    public int[] Support { get; }
    public int[] Predicted { get; }
    public long TruePositiveTotal { get; }
    public long SupportTotal { get; }
    public long PredictedTotal { get; }

    /// <summary>2PR / (P + R), 0 when both are 0 (scikit-learn 1.2's formula).</summary>
    public static double Harmonic(double p, double r)
    {
        double denominator = p + r;
        return denominator == 0 ? 0.0 : 2 * p * r / denominator;
    }

    public double Macro(double[] values) => NumPySum(values) / values.Length;

    public double Weighted(double[] values)
    {
        if (SupportTotal == 0) return 0.0;
        var products = new double[values.Length];
        for (int c = 0; c < values.Length; c++) products[c] = values[c] * Support[c];
        return NumPySum(products) / SupportTotal;
    }

    /// <summary>
    /// The sum in NumPy's order (a left-to-right loop below 8 values, otherwise blocks of eight
    /// partial sums split in halves above 128), so that averages agree with scikit-learn to the last bit.
    /// </summary>
    public static double NumPySum(ReadOnlySpan<double> a) => Pairwise(a);

    private static double Pairwise(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - n % 8; i += 8)
                for (int j = 0; j < 8; j++) r[j] += a[i + j];
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int half = n / 2;
        half -= half % 8;
        return Pairwise(a[..half]) + Pairwise(a[half..]);
    }

    public AverageScores MacroAverage() => new(Macro(Precision), Macro(Recall), Macro(F1), (int)SupportTotal);

    public AverageScores WeightedAverage() => new(Weighted(Precision), Weighted(Recall), Weighted(F1), (int)SupportTotal);

    public AverageScores MicroAverage()
    {
        double p = Metrics.Ratio(TruePositiveTotal, PredictedTotal);
        double r = Metrics.Ratio(TruePositiveTotal, SupportTotal);
        return new(p, r, Harmonic(p, r), (int)SupportTotal);
    }
}
