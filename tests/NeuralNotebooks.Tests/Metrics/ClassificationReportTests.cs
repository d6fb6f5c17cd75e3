using static NeuralNotebooks.Tests.Metrics.Fixtures;

namespace NeuralNotebooks.Tests.Metrics;

// This namespace is itself named Metrics; the alias points at the library's Metrics class.
using Metrics = global::NeuralNotebooks.Metrics;

public class ClassificationReportTests
{
    [Fact]
    public void Text_matches_scikit_learn_when_a_class_is_never_predicted()
    {
        // Produced by scikit-learn 1.2:
        // classification_report(y_true, y_pred, digits=2, zero_division=0)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0       0.60      1.00      0.75         3\n           1       0.00      0.00      0.00         3\n           2       0.80      1.00      0.89         4\n\n    accuracy                           0.70        10\n   macro avg       0.47      0.67      0.55        10\nweighted avg       0.50      0.70      0.58        10\n";
        var report = Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred);
        Assert.Equal(expected, report.ToString());
    }

    [Fact]
    public void Text_matches_scikit_learn_when_a_class_is_absent_from_the_true_labels()
    {
        // Produced by scikit-learn 1.2:
        // classification_report(y_true, y_pred, digits=2, zero_division=0)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0       0.67      0.67      0.67         3\n           1       1.00      0.67      0.80         3\n           2       1.00      0.50      0.67         2\n           3       0.00      0.00      0.00         0\n\n    accuracy                           0.62         8\n   macro avg       0.67      0.46      0.53         8\nweighted avg       0.88      0.62      0.72         8\n";
        var report = Metrics.ClassificationReport(AbsentFromTrueTrue, AbsentFromTruePred);
        Assert.Equal(expected, report.ToString());
        Assert.Equal([0, 1, 2, 3], report.Labels);
        Assert.Equal(0, report.Support[3]);
        Assert.Equal(0.0, report.Recall[3]);
    }

    [Fact]
    public void The_accuracy_row_prints_the_micro_F1_as_scikit_learn_does()
    {
        // 19 of 40 correct: 19/40 is 0.47499999999999998 as a double and would print 0.47; scikit-learn prints
        // its micro-averaged F1, 2·P·R/(P + R) = 0.47500000000000003, as 0.48. Produced by scikit-learn 1.2:
        // classification_report([0]*20 + [1]*20, [0]*10 + [1]*10 + [1]*9 + [0]*11)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0       0.48      0.50      0.49        20\n           1       0.47      0.45      0.46        20\n\n    accuracy                           0.48        40\n   macro avg       0.47      0.47      0.47        40\nweighted avg       0.47      0.47      0.47        40\n";
        int[] yTrue = [.. Enumerable.Repeat(0, 20), .. Enumerable.Repeat(1, 20)];
        int[] yPred = [.. Enumerable.Repeat(0, 10), .. Enumerable.Repeat(1, 19), .. Enumerable.Repeat(0, 11)];
        var report = Metrics.ClassificationReport(yTrue, yPred);
        Assert.Equal(expected, report.ToString());
        Assert.Matches("accuracy</th>(<td[^>]*></td>){2}<td[^>]*>0.48</td>", report.Render());
        Assert.Equal(19.0 / 40, report.Accuracy);
    }

    [Fact]
    public void Exact_halves_round_to_even_as_in_python()
    {
        // Produced by scikit-learn 1.2:
        // classification_report(y_true, y_pred, digits=2, zero_division=0)
        // precision of class 0 is exactly 0.125 and macro precision 0.375.
        const string expected =
            "              precision    recall  f1-score   support\n\n           0       0.12      1.00      0.22         1\n           1       0.00      0.00      0.00         7\n           2       1.00      0.67      0.80         3\n\n    accuracy                           0.27        11\n   macro avg       0.38      0.56      0.34        11\nweighted avg       0.28      0.27      0.24        11\n";
        var report = Metrics.ClassificationReport(TieTrue, TiePred);
        Assert.Equal(expected, report.ToString());
        Assert.Equal(0.125, report.Precision[0]);
        Assert.Equal(0.375, report.MacroAvg.Precision);
    }

    [Fact]
    public void Explicit_classes_with_one_absent_everywhere_print_a_micro_avg_row()
    {
        // Produced by scikit-learn 1.2:
        // classification_report(y_true, y_pred, labels=[0, 1, 2, 3], digits=3, zero_division=0)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0      0.600     1.000     0.750         3\n           1      0.000     0.000     0.000         3\n           2      0.800     1.000     0.889         4\n           3      0.000     0.000     0.000         0\n\n   micro avg      0.700     0.700     0.700        10\n   macro avg      0.350     0.500     0.410        10\nweighted avg      0.500     0.700     0.581        10\n";
        var report = Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred, digits: 3, numClasses: 4);
        Assert.False(report.ShowsAccuracyRow);
        Assert.Equal(expected, report.ToString());
    }

    [Fact]
    public void Target_names_widen_the_first_column()
    {
        // Produced by scikit-learn 1.2:
        // classification_report(y_true, y_pred, target_names=['T-shirt/top', 'Trouser', 'Pullover'], digits=4, zero_division=0)
        const string expected =
            "              precision    recall  f1-score   support\n\n T-shirt/top     0.6000    1.0000    0.7500         3\n     Trouser     0.0000    0.0000    0.0000         3\n    Pullover     0.8000    1.0000    0.8889         4\n\n    accuracy                         0.7000        10\n   macro avg     0.4667    0.6667    0.5463        10\nweighted avg     0.5000    0.7000    0.5806        10\n";
        var report = Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred, ["T-shirt/top", "Trouser", "Pullover"], digits: 4);
        Assert.True(report.ShowsAccuracyRow);
        Assert.Equal(expected, report.ToString());
    }

    [Fact]
    public void Binary_report_matches_scikit_learn()
    {
        // Produced by scikit-learn 1.2: classification_report(y_true, y_pred)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0       0.67      1.00      0.80         2\n           1       1.00      0.75      0.86         4\n\n    accuracy                           0.83         6\n   macro avg       0.83      0.88      0.83         6\nweighted avg       0.89      0.83      0.84         6\n";
        Assert.Equal(expected, Metrics.ClassificationReport(BinaryTrue, BinaryPred).ToString());
    }

    [Fact]
    public void Properties_hold_the_numbers_scikit_learn_computes()
    {
        // Produced by scikit-learn 1.2: precision_recall_fscore_support(..., average=None / "macro" / "weighted"), zero_division=0
        var r = Metrics.ClassificationReport(AbsentFromTrueTrue, AbsentFromTruePred);
        Assert.Equal([0.6666666666666666, 1.0, 1.0, 0.0], r.Precision);
        Assert.Equal([0.6666666666666666, 0.6666666666666666, 0.5, 0.0], r.Recall);
        Assert.Equal([0.6666666666666666, 0.8, 0.6666666666666666, 0.0], r.F1);
        Assert.Equal([3, 3, 2, 0], r.Support);
        Assert.Equal(0.625, r.Accuracy);
        Assert.Equal(new AverageScores(0.6666666666666666, 0.4583333333333333, 0.5333333333333333, 8), r.MacroAvg);
        Assert.Equal(new AverageScores(0.875, 0.625, 0.7166666666666667, 8), r.WeightedAvg);
        Assert.Equal(new AverageScores(0.625, 0.625, 0.625, 8), r.MicroAvg);
        Assert.Equal(8, r.TotalSupport);
    }

    [Fact]
    public void Html_table_has_a_row_per_class_and_the_summary_rows()
    {
        var r = Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred, ["T-shirt/top", "Trouser", "Pullover"]);
        Assert.Equal("text/html", r.MimeType);
        var table = HtmlFragment.Parse(r.Render());
        var rows = table.Descendants("tbody").SelectMany(b => b.Elements("tr")).ToList();
        Assert.Equal(3 + 3, rows.Count);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "accuracy", "macro avg", "weighted avg"],
            rows.Select(tr => tr.Element("th")!.Value));
        Assert.Equal(["0.60", "1.00", "0.75", "3"], rows[0].Elements("td").Select(td => td.Value));
        Assert.Equal(["", "", "0.70", "10"], rows[3].Elements("td").Select(td => td.Value));
        Assert.Equal(["0.50", "0.70", "0.58", "10"], rows[5].Elements("td").Select(td => td.Value));
    }

    [Fact]
    public void Target_names_must_match_the_number_of_classes()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred, ["a", "b"], numClasses: 3));
        Assert.Contains("2 target names for 3 classes", ex.Message);
        // Names alone fix the classes to 0..n-1, so two names cannot cover label 2.
        Assert.Throws<ArgumentException>(() => Metrics.ClassificationReport(NeverPredictedTrue, NeverPredictedPred, ["a", "b"]));
    }

    [Fact]
    public void Report_is_marked_for_rich_notebook_display()
    {
        var attr = typeof(ClassificationReport).GetCustomAttributes(typeof(Display.TypeFormatterSourceAttribute), false)
            .Cast<Display.TypeFormatterSourceAttribute>().Single();
        Assert.Equal(typeof(Display.RichDisplayFormatterSource), attr.FormatterSourceType);
    }

    [Fact]
    public void Names_are_padded_by_characters_as_Python_pads_them()
    {
        // scikit-learn 1.2: classification_report([0,1,1,0], [0,1,0,0], target_names=["🐶🐶🐶🐶🐶🐶🐶 dog", "🐱 cat"]);
        // the width counted UTF-16 units (18 instead of 12) and shifted every row.
        const string expected =
            "              precision    recall  f1-score   support\n\n 🐶🐶🐶🐶🐶🐶🐶 dog       0.67      1.00      0.80         2\n       🐱 cat       1.00      0.50      0.67         2\n\n    accuracy                           0.75         4\n   macro avg       0.83      0.75      0.73         4\nweighted avg       0.83      0.75      0.73         4\n";
        Assert.Equal(expected, Metrics.ClassificationReport([0, 1, 1, 0], [0, 1, 0, 0], targetNames: ["🐶🐶🐶🐶🐶🐶🐶 dog", "🐱 cat"]).ToString());
    }

    [Fact]
    public void Empty_target_names_are_refused_by_their_own_name()
    {
        // Was ArgumentOutOfRangeException on "numClasses", a parameter the caller never passed.
        var e = Assert.ThrowsAny<ArgumentException>(() => Metrics.ClassificationReport([0, 1], [0, 1], targetNames: []));
        Assert.Equal("targetNames", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => Metrics.ConfusionMatrix([0, 1], [0, 1], classNames: []));
        Assert.Equal("classNames", e.ParamName);
    }

    [Fact]
    public void Labels_and_their_errors_print_the_same_in_every_culture()
    {
        // Swedish writes minus as U+2212: ClassLabels printed [−1, 0] and errors "yTrue[1] = −1".
        var culture = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        var before = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
            Assert.Equal("[-1, 0]", ((ClassLabels)new[] { -1, 0 }).ToString());
            Assert.Contains("yTrue[1] = -1 ", Assert.ThrowsAny<ArgumentException>(() => Metrics.Precision([0, -1], [0, 1], numClasses: 2)).Message);
            Assert.Contains("holds 0.25 at", Assert.ThrowsAny<ArgumentException>(() => Metrics.Accuracy(Tensor.From(0.25f, 1f), [0, 1])).Message);
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = before; }
    }
}
