namespace NeuralNotebooks.Tests.Tensors;

public class RngTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(60_000)]
    public void Shuffle_draws_what_NextInt_would(int n)
    {
        // The shuffle keeps the generator's state in locals: the same swaps, and the same state after, as
        // Fisher-Yates through NextInt, so that every seeded run keeps its batches.
        var reference = new Rng(42);
        var expected = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = reference.NextInt(i + 1);
            (expected[i], expected[j]) = (expected[j], expected[i]);
        }
        var rng = new Rng(42);
        Assert.Equal(expected, rng.Permutation(n));
        Assert.Equal(reference.NextUInt(), rng.NextUInt());
    }

    [Theory]
    [InlineData(0.5f, 0)]
    [InlineData(0.5f, 1)]
    [InlineData(0.25f, 17)]
    [InlineData(0.1f, 1023)]
    [InlineData(0f, 100)]
    [InlineData(0.999f, 100)]
    public void The_dropout_mask_fill_draws_what_a_NextFloat_loop_draws(float rate, int length)
    {
        // The scalar twin: one NextFloat per element, dropped below the rate.
        float keep = 1f / (1f - rate);
        var twin = new Rng(7);
        var expected = new float[length];
        for (int i = 0; i < length; i++) expected[i] = twin.NextFloat() < rate ? 0f : keep;

        var rng = new Rng(7);
        var mask = new float[length];
        rng.FillDropoutMask(mask, rate, keep);
        Assert.Equal(expected, mask);
        // The generator carries on from the same state as the loop's.
        Assert.Equal(twin.NextUInt(), rng.NextUInt());
    }

    [Fact]
    public void A_rate_on_a_float_boundary_drops_exactly_the_numbers_below_it()
    {
        // 0.375 = 6291456 / 2^24: bits >> 8 of 6291455 drop, 6291456 keep. The fill must agree with
        // NextFloat's comparison at the boundary, where rounding the threshold the wrong way would not.
        var twin = new Rng(3);
        var rng = new Rng(3);
        var mask = new float[100_000];
        rng.FillDropoutMask(mask, 0.375f, 1.6f);
        int dropped = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            bool drop = twin.NextFloat() < 0.375f;
            Assert.Equal(drop ? 0f : 1.6f, mask[i]);
            if (drop) dropped++;
        }
        Assert.InRange(dropped, 37_000, 38_000);
    }

    [Fact]
    public void Uniform_never_returns_its_upper_bound()
    {
        // low + (high - low)·u rounds to high now and then: 73 times in 20 million draws in [100, 101).
        var rng = new Rng(0);
        for (int i = 0; i < 2_000_000; i++) Assert.True(rng.Uniform(10f, 10.001f) < 10.001f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).Permutation(-1));
    }

    [Fact]
    public void Reversed_or_infinite_bounds_and_a_negative_std_are_refused_as_in_PyTorch()
    {
        // torch.empty(3).uniform_(1, 0) and normal_(0, -1) raise; here Uniform(1, 0) drew from (0, 1] and
        // Normal(0, -1) mirrored the samples.
        var rng = new Rng(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => rng.Uniform(1f, 0f));
        Assert.Contains("low 1 and high 0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Uniform(new Shape(3), 0f, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Uniform(float.NegativeInfinity, 0f));
        Assert.Contains("std -1", Assert.Throws<ArgumentOutOfRangeException>(() => rng.Normal(0f, -1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.RandomNormal(new Shape(2), rng, 0f, float.NaN));
        Assert.Equal(2.5f, rng.Uniform(2.5f, 2.5f));
        Assert.Equal(4f, rng.Normal(4f, 0f));
    }
}
