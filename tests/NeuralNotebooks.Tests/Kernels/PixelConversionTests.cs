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

    [Fact]
    public void A_short_destination_is_an_error_naming_both_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => PixelConversion.ToUnitFloats(new byte[17], new float[16]));
        Assert.Contains("16", e.Message);
        Assert.Contains("17", e.Message);
        Assert.Throws<ArgumentException>(() => PixelConversion.ToUnitFloatsScalar(new byte[1], new float[0]));
    }
}
