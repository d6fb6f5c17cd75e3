using static NeuralNotebooks.Tests.Metrics.Fixtures;

namespace NeuralNotebooks.Tests.Metrics;

// This namespace is itself named Metrics; the alias points at the library's Metrics class.
using Metrics = global::NeuralNotebooks.Metrics;

public class ScoreTests
{
    [Fact]
    public void Accuracy_matches_scikit_learn()
    {
        // Produced by scikit-learn 1.2: accuracy_score(y_true, y_pred)
        Assert.Equal(0.7, Metrics.Accuracy(NeverPredictedTrue, NeverPredictedPred));
        Assert.Equal(0.625, Metrics.Accuracy(AbsentFromTrueTrue, AbsentFromTruePred));
        Assert.Equal(0.2727272727272727, Metrics.Accuracy(TieTrue, TiePred));
    }

    [Theory]
    // Produced by scikit-learn 1.2: precision_score / recall_score / f1_score(y_true, y_pred, average=..., zero_division=0)
    [InlineData("A", "macro", 0.4666666666666666, 0.6666666666666666, 0.5462962962962963)]
    [InlineData("A", "weighted", 0.5, 0.7, 0.5805555555555555)]
    [InlineData("A", "micro", 0.7, 0.7, 0.7)]
    [InlineData("B", "macro", 0.6666666666666666, 0.4583333333333333, 0.5333333333333333)]
    [InlineData("B", "weighted", 0.875, 0.625, 0.7166666666666667)]
    [InlineData("B", "micro", 0.625, 0.625, 0.625)]
    [InlineData("C", "macro", 0.375, 0.5555555555555555, 0.34074074074074073)]
    [InlineData("C", "weighted", 0.2840909090909091, 0.2727272727272727, 0.23838383838383842)]
    [InlineData("C", "micro", 0.2727272727272727, 0.2727272727272727, 0.2727272727272727)]
    [InlineData("binary", "binary", 1.0, 0.75, 0.8571428571428571)]
    public void Averaged_scores_match_scikit_learn(string fixture, string average, double precision, double recall, double f1)
    {
        var (t, p) = fixture switch
        {
            "A" => (NeverPredictedTrue, NeverPredictedPred),
            "B" => (AbsentFromTrueTrue, AbsentFromTruePred),
            "C" => (TieTrue, TiePred),
            _ => (BinaryTrue, BinaryPred),
        };
        Assert.Equal(precision, Metrics.Precision(t, p, average));
        Assert.Equal(recall, Metrics.Recall(t, p, average));
        Assert.Equal(f1, Metrics.F1Score(t, p, average));
    }

    [Fact]
    public void Per_class_scores_match_scikit_learn()
    {
        // Produced by scikit-learn 1.2: precision_score(..., average=None, zero_division=0) etc.
        Assert.Equal([0.6, 0.0, 0.8], Metrics.PrecisionPerClass(NeverPredictedTrue, NeverPredictedPred));
        Assert.Equal([1.0, 0.0, 1.0], Metrics.RecallPerClass(NeverPredictedTrue, NeverPredictedPred));
        // scikit-learn gives 0.7499999999999999 (not 0.75): 2·0.6·1 / 1.6 in floating point.
        Assert.Equal([0.7499999999999999, 0.0, 0.888888888888889], Metrics.F1ScorePerClass(NeverPredictedTrue, NeverPredictedPred));
        Assert.Equal([0.125, 0.0, 1.0], Metrics.PrecisionPerClass(TieTrue, TiePred));
    }

    [Fact]
    public void Macro_average_over_explicit_classes_counts_the_empty_ones()
    {
        // Produced by scikit-learn 1.2: precision_score(y_true, y_pred, labels=[0, 1, 2, 3], average="macro", zero_division=0)
        Assert.Equal(0.35, Metrics.Precision(NeverPredictedTrue, NeverPredictedPred, "macro", numClasses: 4), 15);
        Assert.Equal(4, Metrics.RecallPerClass(NeverPredictedTrue, NeverPredictedPred, numClasses: 4).Length);
    }

    [Fact]
    public void Averages_are_validated_with_helpful_messages()
    {
        var none = Assert.Throws<ArgumentException>(() => Metrics.Precision(BinaryTrue, BinaryPred, null!));
        Assert.Contains("PrecisionPerClass", none.Message);
        var unknown = Assert.Throws<ArgumentException>(() => Metrics.Recall(BinaryTrue, BinaryPred, "samples"));
        Assert.Contains("\"samples\"", unknown.Message);
        var binary = Assert.Throws<ArgumentException>(() => Metrics.F1Score(NeverPredictedTrue, NeverPredictedPred, "binary"));
        Assert.Contains("labels 0 and 1", binary.Message);
    }

    [Fact]
    public void Label_vectors_must_pair_up()
    {
        var ex = Assert.Throws<ArgumentException>(() => Metrics.Accuracy([0, 1, 2], [0, 1]));
        Assert.Contains("3 labels", ex.Message);
        Assert.Throws<ArgumentException>(() => Metrics.Accuracy(Array.Empty<int>(), Array.Empty<int>()));
    }

    [Fact]
    public void Tensors_of_indices_probabilities_and_one_hot_rows_are_accepted()
    {
        int[] yTrue = [0, 1, 2, 2, 1];
        var indices = Tensor.From(0f, 1f, 1f, 2f, 1f);
        var probabilities = Tensor.From(new float[,]
        {
            { 0.7f, 0.2f, 0.1f }, { 0.1f, 0.8f, 0.1f }, { 0.3f, 0.4f, 0.3f }, { 0.1f, 0.2f, 0.7f }, { 0.2f, 0.5f, 0.3f },
        });
        var oneHot = Tensor.From(new float[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 0, 1, 0 } });
        var column = Tensor.From(new float[,] { { 0 }, { 1 }, { 1 }, { 2 }, { 1 } });
        Assert.Equal(0.8, Metrics.Accuracy(yTrue, indices));
        Assert.Equal(0.8, Metrics.Accuracy(yTrue, probabilities));
        Assert.Equal(0.8, Metrics.Accuracy(yTrue, oneHot));
        Assert.Equal(0.8, Metrics.Accuracy(yTrue, column));
        Assert.Equal(0.8, Metrics.Accuracy(oneHot.ArgMax(1), yTrue));
        Assert.Equal("[0, 1, 1, 2, 1]", ClassLabels.FromTensor(probabilities).ToString());
    }

    [Fact]
    public void Byte_labels_and_lists_convert_too()
    {
        byte[] mnistStyle = [5, 0, 4, 1, 9];
        var predicted = new List<int> { 5, 0, 4, 7, 9 };
        Assert.Equal(0.8, Metrics.Accuracy(mnistStyle, predicted));
    }

    [Fact]
    public void Tensors_that_are_not_class_indices_are_rejected()
    {
        var sigmoid = Tensor.From(new float[,] { { 0.9f }, { 0.2f } });
        var ex = Assert.Throws<ArgumentException>(() => Metrics.Accuracy([1, 0], sigmoid));
        Assert.Contains("threshold", ex.Message);
        Assert.Throws<ArgumentException>(() => Metrics.Accuracy([0, 1], Tensor.From(0f, -1f)));
        Assert.Throws<ArgumentException>(() => Metrics.Accuracy([0], Tensor.Zeros(1, 2, 2)));
    }

    [Fact]
    public void Top_k_accuracy_matches_scikit_learn()
    {
        // Produced by scikit-learn 1.2: top_k_accuracy_score(y, scores, k=1 / k=2, labels=[0, 1, 2])
        var scores = Tensor.From(new float[,]
        {
            { 0.5f, 0.3f, 0.2f }, { 0.1f, 0.2f, 0.7f }, { 0.3f, 0.3f, 0.4f }, { 0.4f, 0.4f, 0.2f }, { 0.2f, 0.2f, 0.6f },
        });
        int[] y = [0, 1, 2, 2, 1];
        Assert.Equal(0.4, Metrics.TopKAccuracy(y, scores, 1));
        Assert.Equal(0.8, Metrics.TopKAccuracy(y, scores, 2));
        Assert.Equal(1.0, Metrics.TopKAccuracy(y, scores, 3));
    }

    [Fact]
    public void Ties_in_top_k_rank_the_higher_class_first()
    {
        // Row scores are equal; scikit-learn's order puts class 2, then 1, then 0.
        var scores = Tensor.From(new float[,] { { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 } });
        Assert.Equal(1.0 / 3, Metrics.TopKAccuracy([0, 1, 2], scores, 1), 15);
        Assert.Equal(2.0 / 3, Metrics.TopKAccuracy([0, 1, 2], scores, 2), 15);
    }

    [Fact]
    public void Top_k_accuracy_refuses_NaN_scores()
    {
        // All-NaN scores (a diverged model) scored 1.0: NaN compares false both ways, so no class ranked
        // ahead of the true one. scikit-learn 1.2's top_k_accuracy_score raises "Input contains NaN".
        var allNaN = new Tensor(Enumerable.Repeat(float.NaN, 6).ToArray(), 2, 3);
        Assert.Contains("scores[0, 0] is NaN", Assert.Throws<ArgumentException>(() => Metrics.TopKAccuracy([0, 1], allNaN, 1)).Message);
        var oneNaN = Tensor.From(new float[,] { { 0.2f, 0.5f, 0.3f }, { 0.1f, float.NaN, 0.9f } });
        Assert.Contains("scores[1, 1] is NaN", Assert.Throws<ArgumentException>(() => Metrics.TopKAccuracy([0, 1], oneNaN, 2)).Message);
    }
}
