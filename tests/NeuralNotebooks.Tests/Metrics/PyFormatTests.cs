namespace NeuralNotebooks.Tests.Metrics;

public class PyFormatTests
{
    [Theory]
    // Expected strings produced by Python 3: format(value, ".{digits}f")
    [InlineData(0.125, 2, "0.12")]
    [InlineData(0.375, 2, "0.38")]
    [InlineData(2.675, 2, "2.67")]
    [InlineData(1.005, 2, "1.00")]
    [InlineData(0.045, 2, "0.04")]
    [InlineData(2.5, 0, "2")]
    [InlineData(1.5, 0, "2")]
    [InlineData(0.375, 1, "0.4")]
    [InlineData(123.456, 1, "123.5")]
    [InlineData(1e-7, 3, "0.000")]
    [InlineData(-0.0, 2, "-0.00")]
    [InlineData(0.5, 2, "0.50")]
    public void Fixed_point_matches_python(double value, int digits, string expected) =>
        Assert.Equal(expected, PyFormat.Fixed(value, digits));

    [Fact]
    public void Sums_follow_numpy_order()
    {
        // Produced by NumPy: np.sum([0.1] * 10) == 1.0 and np.sum(np.arange(1, 20) / 7.0) == 27.142857142857146,
        // where a left-to-right loop gives 0.9999999999999999 and 27.142857142857142.
        Assert.Equal(1.0, Scores.NumPySum(Enumerable.Repeat(0.1, 10).ToArray()));
        Assert.Equal(27.142857142857146, Scores.NumPySum(Enumerable.Range(1, 19).Select(i => i / 7.0).ToArray()));
    }
}
