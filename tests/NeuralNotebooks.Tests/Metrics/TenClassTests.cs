namespace NeuralNotebooks.Tests.Metrics;

// This namespace is itself named Metrics; the alias points at the library's Metrics class.
using Metrics = global::NeuralNotebooks.Metrics;

/// <summary>Ten classes as in MNIST: averages over 8+ values take NumPy's pairwise summation path.</summary>
public class TenClassTests
{
    // Drawn once with NumPy (default_rng(7)): 60 labels, 60% kept, the rest replaced at random.
    private static readonly int[] YTrue =
        [9, 6, 6, 8, 5, 7, 8, 2, 0, 3, 2, 8, 9, 0, 4, 8, 1, 7, 1, 4, 8, 3, 3, 2, 7, 2, 9, 4, 4, 5,
         5, 5, 5, 9, 8, 7, 7, 6, 3, 9, 4, 2, 8, 1, 8, 6, 1, 0, 4, 0, 1, 5, 9, 4, 8, 9, 8, 6, 4, 5];
    private static readonly int[] YPred =
        [9, 6, 6, 8, 5, 7, 8, 2, 4, 3, 2, 7, 9, 0, 7, 3, 1, 7, 1, 1, 8, 3, 3, 2, 7, 2, 0, 4, 4, 5,
         6, 3, 0, 9, 8, 7, 7, 6, 9, 9, 5, 2, 7, 9, 8, 1, 4, 9, 4, 0, 1, 7, 9, 4, 6, 1, 8, 6, 4, 5];

    [Fact]
    public void Report_with_four_digits_matches_scikit_learn()
    {
        // Produced by scikit-learn 1.2: classification_report(y_true, y_pred, digits=4, zero_division=0)
        const string expected =
            "              precision    recall  f1-score   support\n\n           0     0.5000    0.5000    0.5000         4\n           1     0.5000    0.6000    0.5455         5\n           2     1.0000    1.0000    1.0000         5\n           3     0.6000    0.7500    0.6667         4\n           4     0.7143    0.6250    0.6667         8\n           5     0.7500    0.4286    0.5455         7\n           6     0.6667    0.8000    0.7273         5\n           7     0.5556    1.0000    0.7143         5\n           8     1.0000    0.6000    0.7500        10\n           9     0.6250    0.7143    0.6667         7\n\n    accuracy                         0.6833        60\n   macro avg     0.6912    0.7018    0.6782        60\nweighted avg     0.7225    0.6833    0.6820        60\n";
        Assert.Equal(expected, Metrics.ClassificationReport(YTrue, YPred, digits: 4).ToString());
    }

    [Fact]
    public void Averages_match_scikit_learn_to_the_last_bit()
    {
        // Produced by scikit-learn 1.2: precision_score / recall_score / f1_score(y_true, y_pred, average=...)
        Assert.Equal(0.6911507936507937, Metrics.Precision(YTrue, YPred, "macro"));
        Assert.Equal(0.7017857142857143, Metrics.Recall(YTrue, YPred, "macro"));
        Assert.Equal(0.6782467532467533, Metrics.F1Score(YTrue, YPred, "macro"));
        Assert.Equal(0.7225066137566138, Metrics.Precision(YTrue, YPred, "weighted"));
        Assert.Equal(0.6833333333333333, Metrics.Recall(YTrue, YPred, "weighted"));
        Assert.Equal(0.6819985569985569, Metrics.F1Score(YTrue, YPred, "weighted"));
    }

    [Fact]
    public void Confusion_matrix_matches_scikit_learn_and_names_the_worst_mix_up()
    {
        // Produced by scikit-learn 1.2: print(confusion_matrix(y_true, y_pred))
        const string expected =
            "[[2 0 0 0 1 0 0 0 0 1]\n [0 3 0 0 1 0 0 0 0 1]\n [0 0 5 0 0 0 0 0 0 0]\n [0 0 0 3 0 0 0 0 0 1]\n [0 1 0 0 5 1 0 1 0 0]\n [1 0 0 1 0 3 1 1 0 0]\n [0 1 0 0 0 0 4 0 0 0]\n [0 0 0 0 0 0 0 5 0 0]\n [0 0 0 1 0 0 1 2 6 0]\n [1 1 0 0 0 0 0 0 0 5]]";
        var cm = Metrics.ConfusionMatrix(YTrue, YPred);
        Assert.Equal(expected, cm.ToArrayString());
        Assert.Equal(new ConfusedPair(8, 7, "8", "7", 2), cm.MostConfused(1)[0]);
        var rows = HtmlFragment.Parse(cm.Render()).Element("tbody")!.Elements("tr").ToList();
        Assert.Equal(10, rows.Count);
        Assert.All(rows, r => Assert.Equal(10, r.Elements("td").Count()));
    }
}
