namespace NeuralNotebooks.Tests.Metrics;

using M = NeuralNotebooks.Metrics;

public class MetricOptionTests
{
    private static readonly int[] T = [0, 1, 2, 2, 1, 0, 1, 2];
    private static readonly int[] P = [0, 2, 2, 1, 1, 0, 0, 2];

    [Theory]
    [InlineData("macro", Average.Macro)]
    [InlineData("weighted", Average.Weighted)]
    [InlineData("micro", Average.Micro)]
    public void String_averages_are_lookups_of_the_enum(string name, Average average)
    {
        Assert.Equal(M.Precision(T, P, average), M.Precision(T, P, name));
        Assert.Equal(M.Recall(T, P, average), M.Recall(T, P, name));
        Assert.Equal(M.F1Score(T, P, average), M.F1Score(T, P, name));
    }

    [Fact]
    public void A_wrong_average_lists_the_valid_names()
    {
        var e = Assert.Throws<ArgumentException>(() => M.F1Score(T, P, "mean"));
        foreach (var name in new[] { "\"macro\"", "\"weighted\"", "\"micro\"", "\"binary\"" }) Assert.Contains(name, e.Message);
    }

    [Theory]
    [InlineData(null, Normalization.None)]
    [InlineData("true", Normalization.True)]
    [InlineData("pred", Normalization.Pred)]
    [InlineData("all", Normalization.All)]
    public void String_normalizations_are_lookups_of_the_enum(string? name, Normalization mode)
    {
        var cm = M.ConfusionMatrix(T, P, normalize: name);
        Assert.Equal(mode, cm.Normalization);
        Assert.Equal(name, cm.Normalize);
        Assert.Equal(cm.Normalized(mode), cm.Values);
    }

    [Fact]
    public void A_wrong_normalization_lists_the_valid_names()
    {
        var e = Assert.Throws<ArgumentException>(() => M.ConfusionMatrix(T, P, normalize: "rows"));
        Assert.Contains("\"true\", \"pred\" or \"all\"", e.Message);
    }
}
