using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// The direct convolution against its twin, im2col followed by the scalar product, on awkward filter
/// counts (around whole vectors of 4, 8 and 16 lanes), paddings, strides and batches of 0 and 1.
/// </summary>
public class DirectConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int, string, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, string, int>();
        foreach (int filters in new[] { 1, 3, 4, 7, 8, 9, 12, 15, 16, 17, 20, 24, 28, 32, 33, 40, 48, 56, 63 })
            data.Add(2, 6, 5, 1, 3, 3, 1, "valid", filters);
        data.Add(0, 6, 5, 1, 3, 3, 1, "valid", 8);
        data.Add(1, 1, 1, 1, 1, 1, 1, "valid", 5);
        data.Add(3, 7, 8, 2, 3, 3, 2, "same", 17);
        data.Add(2, 5, 5, 3, 3, 3, 1, "same", 28);
        data.Add(1, 9, 6, 1, 5, 5, 2, "same", 33);
        data.Add(2, 4, 7, 1, 2, 3, 1, "valid", 64);
        data.Add(4, 28, 28, 1, 3, 3, 1, "valid", 28);
        return data;
    }

    /// <summary>
    /// Whether the kernels refuse the shape (a patch of more than 32 taps, or fewer filters than one vector of
    /// this machine's width or more than eight vectors' worth): then they must say so rather than compute,
    /// and the layer takes im2col instead.
    /// </summary>
    private static bool Refused(in ConvShape s, int filters)
    {
        if (DirectConvolution.Takes(s.Patch, filters)) return false;
        var shape = s;
        var x = new float[s.Batch * s.Height * s.Width * s.Channels];
        var kernel = new float[s.Patch * filters];
        var output = new float[s.Batch * s.Positions * filters];
        var e = Assert.Throws<ArgumentException>(() => DirectConvolution.Forward(x, shape, kernel, filters, [], output));
        Assert.Contains($"got {s.Patch} and {filters}", e.Message);
        return true;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_kernel_gradient_match_im2col_and_the_scalar_product(int batch, int h, int w, int c, int kh, int kw, int stride, string padding, int filters)
    {
        var s = Geometry(batch, h, w, c, kh, kw, stride, padding);
        if (Refused(s, filters)) return;
        var x = Data(batch * h * w * c, 1);
        var kernel = Data(s.Patch * filters, 2);
        var bias = Data(filters, 3);
        int rows = batch * s.Positions;
        var cols = new float[rows * s.Patch];
        Scalar.Im2Col(x, batch, h, w, c, kh, kw, stride, stride, s.PadTop, s.PadLeft, s.OutH, s.OutW, cols);

        var expected = new float[rows * filters];
        for (int r = 0; r < rows; r++) bias.CopyTo(expected, r * filters);
        Scalar.Gemm(rows, filters, s.Patch, cols, false, kernel, false, expected, accumulate: true);
        // One float more than the output: a kernel that wrote past its rows would change it.
        var actual = Data(rows * filters + 1, 4);
        float guard = actual[^1];
        DirectConvolution.Forward(x, s, kernel, filters, bias, actual);
        Close(expected, actual.AsSpan(0, rows * filters), "forward");
        Assert.Equal(guard, actual[^1]);

        var dz = Data(rows * filters, 5);
        var dkExpected = new float[s.Patch * filters];
        Scalar.Gemm(s.Patch, filters, rows, cols, true, dz, false, dkExpected);
        var dbExpected = new float[filters];
        for (int r = 0; r < rows; r++) for (int f = 0; f < filters; f++) dbExpected[f] += dz[r * filters + f];
        var dk = Data(s.Patch * filters, 6);
        var db = Data(filters, 7);
        DirectConvolution.KernelGradient(x, s, dz, filters, dk, db);
        Close(dkExpected, dk, "kernel gradient");
        Close(dbExpected, db, "bias gradient");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(17)]
    [InlineData(28)]
    [InlineData(64)]
    public void With_relu_a_NaN_input_stays_NaN_as_in_the_separate_passes(int filters)
    {
        // ReLU keeps NaN (as ReluOperator and PyTorch do): a fused max(x, 0) that returned 0 would hide it.
        var s = Geometry(2, 6, 5, 1, 3, 3, 1, "same");
        if (Refused(s, filters)) return;
        var x = Data(2 * 6 * 5, 1);
        x[7] = float.NaN;
        var kernel = Data(s.Patch * filters, 2);
        var bias = Data(filters, 3);
        int length = 2 * s.Positions * filters;
        var expected = new float[length];
        DirectConvolution.Forward(x, s, kernel, filters, bias, expected);
        Scalar.Relu(expected, expected);
        Assert.Contains(expected, float.IsNaN);
        var actual = new float[length];
        DirectConvolution.Forward(x, s, kernel, filters, bias, actual, relu: true);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void With_relu_the_forward_pass_and_the_masked_gradient_match_the_separate_passes(int batch, int h, int w, int c, int kh, int kw, int stride, string padding, int filters)
    {
        var s = Geometry(batch, h, w, c, kh, kw, stride, padding);
        if (Refused(s, filters)) return;
        var x = Data(batch * h * w * c, 1);
        var kernel = Data(s.Patch * filters, 2);
        var bias = Data(filters, 3);
        int length = batch * s.Positions * filters;

        // Twin: the plain convolution, then ReLU as a pass of its own.
        var expected = new float[length];
        DirectConvolution.Forward(x, s, kernel, filters, bias, expected);
        Scalar.Relu(expected, expected);
        var actual = Data(length + 1, 4);
        float guard = actual[^1];
        DirectConvolution.Forward(x, s, kernel, filters, bias, actual, relu: true);
        Assert.Equal(expected, actual.AsSpan(0, length).ToArray());
        Assert.Equal(guard, actual[^1]);
        if (length > 0) Assert.Contains(0f, expected);   // the data has negative sums, so the mask is exercised

        // Twin: ReLU's backward as a pass of its own, then the kernel gradient of the masked gradient.
        var dy = Data(length, 5);
        var dz = new float[length];
        Scalar.ReluBackward(expected, dy, dz);
        var dkExpected = new float[s.Patch * filters];
        var dbExpected = new float[filters];
        DirectConvolution.KernelGradient(x, s, dz, filters, dkExpected, dbExpected);
        var dk = Data(s.Patch * filters, 6);
        var db = Data(filters, 7);
        DirectConvolution.KernelGradient(x, s, dy, filters, dk, db, reluOutput: actual);
        Assert.Equal(dkExpected, dk);
        Assert.Equal(dbExpected, db);
    }

    // With AVX-512, 16 to 32 filters take the 512-bit walk (DirectConvolution.WideGradient.cs): without an activation,
    // and behind ReLU when given the pooling's output.
    [Theory]
    [InlineData(2, 8, 8, 9, 2, 1, "valid")]     // windows tile the map; the last vector of filters overlaps
    [InlineData(3, 7, 9, 17, 2, 1, "valid")]    // odd sizes: the last row and column get no gradient
    [InlineData(2, 28, 28, 28, 2, 1, "valid")]  // the course CNN's first layer
    [InlineData(1, 9, 9, 8, 3, 1, "valid")]     // 3x3 windows, exactly one vector of filters
    [InlineData(2, 10, 10, 16, 2, 1, "valid")]  // one 512-bit vector of filters
    [InlineData(2, 9, 12, 32, 2, 1, "same")]    // two whole 512-bit vectors, a padded image
    [InlineData(3, 11, 10, 24, 2, 2, "same")]   // a strided convolution, odd map sizes
    public void Through_max_pooling_the_kernel_gradient_matches_pooling_then_relu_then_the_kernel_gradient(int batch, int h, int w, int filters, int pool,
        int stride, string padding)
    {
        var s = Geometry(batch, h, w, 1, 3, 3, stride, padding);
        var g = new PoolGeometry(s.OutH, s.OutW, filters, pool, pool, pool, pool);
        if (!DirectConvolution.Takes(s.Patch, filters) || !Pooling.GradientByImage(g)) return;
        var x = Data(batch * h * w, 1);
        var kernel = Data(s.Patch * filters, 2);
        var bias = Data(filters, 3);
        var y = new float[batch * s.Positions * filters];
        DirectConvolution.Forward(x, s, kernel, filters, bias, y, relu: true);
        var pooled = new float[batch * g.OutputSize];
        var argmax = new int[pooled.Length];
        Pooling.MaxPool(y, batch, g, pooled, argmax);
        var dPooled = Data(pooled.Length, 4);

        // Twin: the three backward passes one after another, over the whole batch.
        var dy = new float[y.Length];
        Pooling.MaxPoolGradient(dPooled, argmax, batch, g, dy);
        var dz = new float[y.Length];
        Scalar.ReluBackward(y, dy, dz);
        var dkExpected = new float[s.Patch * filters];
        var dbExpected = new float[filters];
        DirectConvolution.KernelGradient(x, s, dz, filters, dkExpected, dbExpected);

        var dk = Data(s.Patch * filters, 5);
        var db = Data(filters, 6);
        DirectConvolution.KernelGradientThroughMaxPool(x, s, dPooled, argmax, g, filters, dk, db, y);
        Assert.Equal(dkExpected, dk);
        Assert.Equal(dbExpected, db);
        Assert.Contains(0f, y);   // some windows' maxima are masked by ReLU
        if (pool == 2) Assert.Contains(0f, pooled);   // and some windows of 2x2 hold no positive value, whose gradient the mask drops

        // With the pooling's output, from which the 512-bit walk takes ReLU's mask.
        dk = Data(s.Patch * filters, 7);
        db = Data(filters, 8);
        DirectConvolution.KernelGradientThroughMaxPool(x, s, dPooled, argmax, g, filters, dk, db, y, pooled);
        Assert.Equal(dkExpected, dk);
        Assert.Equal(dbExpected, db);

        // Without an activation: the pooling's gradient straight into the kernel gradient.
        DirectConvolution.KernelGradient(x, s, dy, filters, dkExpected, dbExpected);
        DirectConvolution.KernelGradientThroughMaxPool(x, s, dPooled, argmax, g, filters, dk, db);
        Assert.Equal(dkExpected, dk);
        Assert.Equal(dbExpected, db);
    }

    // 2×2 windows of stride 2 are pooled in registers where the sums fit: the whole window (up to 4 vectors
    // of filters with 32 registers, 2 with 16) or a row of it at a time (16 registers: 3 vectors with
    // indices, 4 without); the 256- and 128-bit runs of this suite take those and the map for some rows.
    [Theory]
    [InlineData(2, 8, 8, 9, 2, 2, 1, 1, "valid")]
    [InlineData(3, 7, 9, 17, 2, 2, 1, 1, "valid")]    // odd sizes: the last row and column of the map are not pooled
    [InlineData(2, 28, 28, 28, 2, 2, 1, 1, "valid")]  // the course CNN's first two layers
    [InlineData(2, 11, 10, 8, 3, 2, 1, 1, "valid")]   // overlapping windows
    [InlineData(2, 9, 9, 8, 2, 3, 1, 1, "valid")]     // windows with gaps between them
    [InlineData(2, 9, 11, 12, 2, 2, 1, 1, "same")]    // a padded image
    [InlineData(2, 12, 13, 8, 2, 2, 3, 2, "same")]    // three channels (27 taps) and a strided convolution
    [InlineData(2, 10, 10, 40, 2, 2, 1, 1, "valid")]  // more vectors of filters than the registers take: groups of them
    [InlineData(2, 9, 11, 64, 2, 2, 1, 1, "same")]    // 4 to 16 vectors, in groups (two of 4 with AVX-512's 8 lanes and 32 registers)
    [InlineData(3, 8, 10, 33, 2, 2, 2, 1, "valid")]   // a last group of one overlapping vector
    [InlineData(0, 8, 8, 8, 2, 2, 1, 1, "valid")]
    // 16 to 32 filters take 512-bit vectors where Vector<T> is narrower: exactly one and two vectors, an odd
    // number of windows across (two at a time, then one), padding, three channels and a strided convolution.
    [InlineData(2, 9, 11, 16, 2, 2, 1, 1, "same")]
    [InlineData(2, 12, 13, 32, 2, 2, 3, 2, "same")]
    [InlineData(3, 9, 12, 20, 2, 2, 1, 1, "valid")]
    [InlineData(1, 7, 7, 24, 2, 2, 2, 1, "valid")]
    public void Pooled_as_it_goes_the_forward_pass_gives_the_convolution_then_the_pooling(int batch, int h, int w, int filters, int pool, int stride,
        int channels, int convStride, string padding)
    {
        var s = Geometry(batch, h, w, channels, 3, 3, convStride, padding);
        var g = new PoolGeometry(s.OutH, s.OutW, filters, pool, pool, stride, stride);
        if (Refused(s, filters)) return;
        var x = Data(batch * h * w * channels, 1);
        var kernel = Data(s.Patch * filters, 2);
        var bias = Data(filters, 3);
        var map = new float[batch * s.Positions * filters];
        DirectConvolution.Forward(x, s, kernel, filters, bias, map);
        var expected = new float[batch * g.OutputSize];
        var expectedArgmax = new int[expected.Length];
        Pooling.MaxPool(map, batch, g, expected, expectedArgmax);

        // One more element than the output: a kernel that wrote past it would change it.
        var pooled = Data(expected.Length + 1, 4);
        var argmax = new int[expected.Length + 1];
        argmax[^1] = -7;
        float guard = pooled[^1];
        DirectConvolution.ForwardThroughMaxPool(x, s, kernel, filters, bias, g, pooled, argmax);
        Assert.Equal(expected, pooled[..^1]);
        Assert.Equal(expectedArgmax, argmax[..^1]);
        Assert.Equal(guard, pooled[^1]);
        Assert.Equal(-7, argmax[^1]);

        // Inference (no indices) takes the loops' other instantiation: the same values, and nothing written past them.
        var values = Data(expected.Length + 1, 5);
        float valuesGuard = values[^1];
        DirectConvolution.ForwardThroughMaxPool(x, s, kernel, filters, bias, g, values, default);
        Assert.Equal(expected, values[..^1]);
        Assert.Equal(valuesGuard, values[^1]);

        // NaN pixels make NaN sums around them: a window whose first position is NaN keeps it, a later NaN
        // is passed over, in both paths alike (compared bit for bit).
        for (int i = 5; i < x.Length; i += 23) x[i] = float.NaN;
        DirectConvolution.Forward(x, s, kernel, filters, bias, map);
        Pooling.MaxPool(map, batch, g, expected, expectedArgmax);
        DirectConvolution.ForwardThroughMaxPool(x, s, kernel, filters, bias, g, pooled, argmax);
        DirectConvolution.ForwardThroughMaxPool(x, s, kernel, filters, bias, g, values, default);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), pooled[..^1].Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), values[..^1].Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedArgmax, argmax[..^1]);
    }

    [Fact]
    public void A_pooling_that_does_not_tile_the_map_is_refused_by_name()
    {
        var s = Geometry(1, 8, 8, 1, 3, 3, 1, "valid");
        var overlapping = new PoolGeometry(s.OutH, s.OutW, 8, 3, 3, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => DirectConvolution.KernelGradientThroughMaxPool(new float[64], s, new float[100], new int[100],
            overlapping, 8, new float[72], default, new float[s.Positions * 8]));
        Assert.Contains("3x3 pooling with strides 2x2", e.Message);
    }

    [Fact]
    public void No_bias_means_zero_bias()
    {
        var s = Geometry(2, 6, 5, 1, 3, 3, 1, "same");
        var x = Data(2 * 6 * 5, 1);
        var kernel = Data(9 * 12, 2);
        var withZeros = new float[2 * s.Positions * 12];
        var without = new float[withZeros.Length];
        DirectConvolution.Forward(x, s, kernel, 12, new float[12], withZeros);
        DirectConvolution.Forward(x, s, kernel, 12, default, without);
        Assert.Equal(withZeros, without);
    }

    [Fact]
    public void Kernel_gradient_is_the_sum_of_each_images_in_image_order()
    {
        // The batch is shared among the cores; the per-image sums must still be added in image order,
        // so the bits are those of adding one image's gradient at a time, whatever the core count.
        const int Batch = 6, Filters = 28;
        var s = Geometry(Batch, 10, 10, 1, 3, 3, 1, "valid");
        var x = Data(Batch * 100, 1);
        var dz = Data(Batch * s.Positions * Filters, 2);
        var whole = new float[9 * Filters];
        DirectConvolution.KernelGradient(x, s, dz, Filters, whole, default);
        var one = s with { Batch = 1 };
        var summed = new float[9 * Filters];
        var image = new float[9 * Filters];
        for (int b = 0; b < Batch; b++)
        {
            DirectConvolution.KernelGradient(x.AsSpan(b * 100, 100), one, dz.AsSpan(b * s.Positions * Filters, s.Positions * Filters), Filters, image, default);
            for (int i = 0; i < image.Length; i++) summed[i] += image[i];
        }
        Assert.Equal(summed, whole);
    }

    [Fact]
    public void Mismatched_sizes_are_named()
    {
        var s = Geometry(2, 6, 5, 1, 3, 3, 1, "valid");
        var e = Assert.Throws<ArgumentException>(() => DirectConvolution.Forward(new float[10], s, new float[9 * 8], 8, default, new float[2 * s.Positions * 8]));
        Assert.Contains("2x6x5x1", e.Message);
        e = Assert.Throws<ArgumentException>(() => DirectConvolution.Forward(new float[60], s, new float[9 * 8], 8, new float[3], new float[2 * s.Positions * 8]));
        Assert.Contains("3 values for 8 filters", e.Message);
        e = Assert.Throws<ArgumentException>(() => DirectConvolution.KernelGradient(new float[60], s, new float[5], 8, new float[72], default));
        Assert.Contains("dz needs 2x4x3x8", e.Message);
        e = Assert.Throws<ArgumentException>(() => DirectConvolution.Forward(new float[60], s, new float[9 * 200], 200, default, new float[2 * s.Positions * 200]));
        Assert.Contains("200", e.Message);
    }

    private static ConvShape Geometry(int batch, int h, int w, int c, int kh, int kw, int stride, string padding)
    {
        int outH = padding == "same" ? (h + stride - 1) / stride : (h - kh) / stride + 1;
        int outW = padding == "same" ? (w + stride - 1) / stride : (w - kw) / stride + 1;
        int padTop = padding == "same" ? Math.Max((outH - 1) * stride + kh - h, 0) / 2 : 0;
        int padLeft = padding == "same" ? Math.Max((outW - 1) * stride + kw - w, 0) / 2 : 0;
        return new ConvShape(batch, h, w, c, kh, kw, stride, stride, padTop, padLeft, outH, outW);
    }

    private static float[] Data(int n, int seed)
    {
        var rng = new Rng(seed);
        var d = new float[n];
        for (int i = 0; i < n; i++) d[i] = rng.Uniform(-1f, 1f);
        return d;
    }

    private static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])), $"{what}[{i}]: twin {expected[i]}, direct {actual[i]}");
    }

    [Fact]
    public void A_pooling_window_larger_than_the_image_gives_no_output_and_is_refused()
    {
        // ⌊(3 - 4) / 2⌋ + 1 is 0; division toward zero gave 1, and MaxPool then read past the image
        // (IndexOutOfRangeException, or the next image's pixels in a longer buffer).
        var g = new PoolGeometry(3, 3, 1, 4, 4, 2, 2);
        Assert.Equal((0, 0), (g.OutHeight, g.OutWidth));
        var e = Assert.Throws<ArgumentException>(() => Pooling.MaxPool(new float[18], 1, g, new float[1], new int[1]));
        Assert.Contains("a 4x4 window does not fit in a 3x3 image", e.Message);
        Assert.Contains("strides must be 1 or more", Assert.Throws<ArgumentException>(() => Pooling.MaxPool(new float[9], 1, g with { StrideHeight = 0 }, new float[9], new int[9])).Message);
    }
}
