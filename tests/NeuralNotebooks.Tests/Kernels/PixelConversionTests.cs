using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>The vectorized byte-to-float conversion against its scalar twin, bit for bit.</summary>
public class PixelConversionTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(15, 1)]
    [InlineData(16, 0)]
    [InlineData(17, 3)]
    [InlineData(31, 0)]
    [InlineData(33, 5)]
    [InlineData(63, 1)]
    [InlineData(64, 0)]
    [InlineData(65, 7)]
    [InlineData(1023, 2)]
    [InlineData(4097, 3)]
    public void Vectorized_equals_scalar_on_awkward_lengths_and_offsets(int n, int offset)
    {
        var source = new byte[n + offset];
        var rng = new Rng(n);
        for (int i = 0; i < source.Length; i++) source[i] = (byte)(i < 256 ? 255 - i : rng.NextInt(256));
        var expected = new float[n + offset + 1];
        var actual = new float[n + offset + 1];
        expected[^1] = actual[^1] = -1f;   // past the end: must stay untouched
        PixelConversion.ToUnitFloatsScalar(source.AsSpan(offset), expected.AsSpan(offset));
        PixelConversion.ToUnitFloats(source.AsSpan(offset), actual.AsSpan(offset));
        for (int i = 0; i < actual.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"[{i}]: scalar {expected[i]}, simd {actual[i]}");
        for (int i = 0; i < n; i++) Assert.Equal(source[offset + i] / 255f, actual[offset + i]);
        Assert.Equal(-1f, actual[^1]);
    }

    [Fact]
    public void Every_byte_value_maps_to_its_true_quotient()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var d = new float[256];
        PixelConversion.ToUnitFloats(all, d);
        for (int i = 0; i < 256; i++) Assert.Equal((float)(i / 255.0), d[i]);
        Assert.Equal(0f, d[0]);
        Assert.Equal(1f, d[255]);
    }

    [Fact]
    public void Parallel_chunks_equal_the_scalar_twin_across_chunk_edges()
    {
        var source = new byte[3 * (1 << 20) + 17];
        new Random(5).NextBytes(source);
        var expected = new float[source.Length];
        var actual = new float[source.Length];
        PixelConversion.ToUnitFloatsScalar(source, expected);
        PixelConversion.ToUnitFloatsParallel(source, actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// The check a fit runs before gathering from bytes: true for exactly what the conversion makes, at lengths
    /// around its vectors and its 4,096-float blocks; false for one float changed anywhere, -0 for 0, a NaN, or
    /// another length.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(1023)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(3 * 4096 + 5)]
    public void AreUnitFloats_holds_for_the_conversion_and_for_nothing_else(int n)
    {
        var source = new byte[n];
        new Random(n).NextBytes(source);
        var floats = new float[n];
        PixelConversion.ToUnitFloatsScalar(source, floats);
        Assert.True(PixelConversion.AreUnitFloats(source, floats));
        Assert.False(PixelConversion.AreUnitFloats(source, new float[n + 1]));
        if (n == 0) return;
        Assert.False(PixelConversion.AreUnitFloats(source.AsSpan(1), floats));
        foreach (int at in new[] { 0, n / 2, n - 1 })
        {
            var changed = (float[])floats.Clone();
            changed[at] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(changed[at]) ^ 1);   // one bit off
            Assert.False(PixelConversion.AreUnitFloats(source, changed), $"one bit changed at {at} of {n}");
            changed[at] = float.NaN;
            Assert.False(PixelConversion.AreUnitFloats(source, changed), $"NaN at {at} of {n}");
            var zeros = new byte[n];
            var negativeZero = new float[n];
            negativeZero[at] = -0f;
            Assert.True(PixelConversion.AreUnitFloats(zeros, new float[n]));
            Assert.False(PixelConversion.AreUnitFloats(zeros, negativeZero), $"-0 at {at} of {n}");
        }
    }

    [Fact]
    public void AreUnitFloats_shared_among_the_cores_finds_one_difference_at_a_chunk_edge()
    {
        var source = new byte[3 * (1 << 20) + 17];
        new Random(6).NextBytes(source);
        var floats = new float[source.Length + 3];   // a longer array, compared over the bytes' length
        PixelConversion.ToUnitFloatsParallel(source, floats);
        Assert.True(PixelConversion.AreUnitFloatsParallel(source, floats, source.Length));
        Assert.False(PixelConversion.AreUnitFloatsParallel(source, floats, source.Length - 1));
        foreach (int at in new[] { 0, (1 << 20) - 1, 1 << 20, 2 << 20, source.Length - 1 })
        {
            float kept = floats[at];
            floats[at] = kept + 1f;
            Assert.False(PixelConversion.AreUnitFloatsParallel(source, floats, source.Length), $"changed at {at}");
            floats[at] = kept;
        }
        Assert.True(PixelConversion.AreUnitFloatsParallel(source, floats, source.Length));
    }

    [Fact]
    public void A_short_destination_is_an_error_naming_both_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => PixelConversion.ToUnitFloats(new byte[17], new float[16]));
        Assert.Contains("16", e.Message);
        Assert.Contains("17", e.Message);
        Assert.Throws<ArgumentException>(() => PixelConversion.ToUnitFloatsScalar(new byte[1], new float[0]));
    }
}
