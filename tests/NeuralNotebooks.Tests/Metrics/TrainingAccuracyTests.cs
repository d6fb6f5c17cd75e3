namespace NeuralNotebooks.Tests.Metrics;

using Metrics = global::NeuralNotebooks.Metrics;

/// <summary>The accuracy Fit and Evaluate report per batch is the one <c>Metrics.Accuracy</c> defines.</summary>
public class TrainingAccuracyTests
{
    [Theory]
    [InlineData(1, 10)]
    [InlineData(37, 10)]
    [InlineData(200, 3)]
    public void Per_batch_count_equals_Metrics_Accuracy_for_class_indices_and_one_hot_targets(int n, int classes)
    {
        var rng = new Rng(7);
        // Scores rounded to a coarse grid so that ties occur: both must take the first arg-max.
        var scores = rng.Uniform(new Shape(n, classes), 0f, 4f);
        var s = scores.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = MathF.Floor(s[i]);
        var labels = new float[n];
        for (int i = 0; i < n; i++) labels[i] = (i * 7 + 3) % classes;
        var sparse = new Tensor(labels, n);
        var oneHot = Tensor.Zeros(n, classes);
        for (int i = 0; i < n; i++) oneHot.AsSpan()[i * classes + (int)labels[i]] = 1f;

        double expected = Metrics.Accuracy(sparse, scores);
        Assert.Equal(expected, (double)Metrics.CountCorrect(scores, sparse, sparse: true) / n, 12);
        Assert.Equal(expected, (double)Metrics.CountCorrect(scores, oneHot, sparse: false) / n, 12);
    }

    [Fact]
    public void A_single_output_is_a_probability_thresholded_at_one_half()
    {
        var p = new Tensor([0.2f, 0.7f, 0.5f, 0.9f], 4, 1);
        var y = new Tensor([0f, 1f, 1f, 0f], 4, 1);
        // 0.2 -> 0 right, 0.7 -> 1 right, 0.5 -> 0 wrong, 0.9 -> 1 wrong.
        Assert.Equal(2, Metrics.CountCorrect(p, y, sparse: false));
    }
}
