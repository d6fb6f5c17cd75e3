using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>The optimizer, pooling and divergence-check kernels against their scalar twins, bit for bit, on awkward lengths.</summary>
public class TrainingKernelTests
{
    // Every vector width and tail: 3 (scalar only), 4 and 7 (128-bit), 12 and 15 (256 + 128), 28 and 31 (512 + 256 + 128), a parallel length.
    // 65,535 and 65,536: either side of sharing among the cores; 78,400: the MLP's first kernel.
    public static readonly TheoryData<int> Lengths = new() { 0, 1, 3, 4, 7, 12, 15, 16, 17, 28, 31, 1023, (1 << 16) - 1, 1 << 16, 78_400, 1 << 18, (1 << 18) + 13 };

    private static float[] Values(int n, int seed, float lo = -2f, float hi = 2f)
    {
        var rng = new Rng(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rng.Uniform(lo, hi);
        return v;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_update_matches_its_scalar_twin(int n)
    {
        foreach (bool inside in new[] { false, true })
        {
            var g = Values(n, 1);
            float[] p1 = Values(n, 2), m1 = Values(n, 3, -0.1f, 0.1f), v1 = Values(n, 4, 0f, 0.01f);
            float[] p2 = (float[])p1.Clone(), m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone();
            for (int step = 0; step < 3; step++)
            {
                AdamKernel.UpdateScalar(p1, g, m1, v1, 1e-3f, 0.9f, 0.999f, 1e-7f, inside);
                AdamKernel.Update(p2, g, m2, v2, 1e-3f, 0.9f, 0.999f, 1e-7f, inside);
            }
            Assert.Equal(p1, p2);
            Assert.Equal(m1, m2);
            Assert.Equal(v1, v2);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_update_into_a_second_array_matches_its_scalar_twin_and_the_update_in_place(int n)
    {
        foreach (bool inside in new[] { false, true })
        {
            var g = Values(n, 1);
            float[] p = Values(n, 2), m1 = Values(n, 3, -0.1f, 0.1f), v1 = Values(n, 4, 0f, 0.01f);
            float[] m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone(), m3 = (float[])m1.Clone(), v3 = (float[])v1.Clone();
            float[] before = (float[])p.Clone(), inPlace = (float[])p.Clone(), next1 = new float[n], next2 = new float[n];
            Assert.True(AdamKernel.UpdateIntoScalar(p, next1, g, m1, v1, 1e-3f, 0.9f, 0.999f, 1e-7f, inside, 1e10f));
            Assert.True(AdamKernel.UpdateInto(p, next2, g, m2, v2, 1e-3f, 0.9f, 0.999f, 1e-7f, inside, 1e10f));
            AdamKernel.Update(inPlace, g, m3, v3, 1e-3f, 0.9f, 0.999f, 1e-7f, inside);
            Assert.Equal(before, p);
            Assert.Equal(next1, next2);
            Assert.Equal(inPlace, next2);
            Assert.Equal(m1, m2); Assert.Equal(m3, m2);
            Assert.Equal(v1, v2); Assert.Equal(v3, v2);
        }
    }

    /// <summary>
    /// Where the gradient stays 0, m would shrink into the subnormal floats and stick there (0.9 times four of
    /// the smallest steps rounds back to four), slowing every later step on x86: it is stored as 0 instead, in
    /// the vector kernels and their scalar twins alike, while an m that stays normal is kept, and the weights
    /// come out as they would with m stuck. Every lane of every width meets each kind of element.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_stores_a_first_moment_below_the_smallest_normal_float_as_zero(int n)
    {
        float smallest = BitConverter.Int32BitsToSingle(0x0080_0000), stuck = 4 * float.Epsilon;
        float[] Pattern(Func<int, float> f) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = f(i); return a; }
        // Cycling through five kinds of element: m stuck at 4·2⁻¹⁴⁹ (and its negative) under a zero gradient, m
        // just large enough that 0.9·m stays normal, m at the smallest normal (0.9·m is not), and an ordinary one.
        float[] m0 = Pattern(i => (i % 5) switch { 0 => stuck, 1 => -stuck, 2 => smallest / 0.89f, 3 => -smallest, _ => 0.05f });
        float[] g = Pattern(i => i % 5 == 4 ? 0.3f : 0f);
        float[] p = Values(n, 2), v0 = Values(n, 4, 1e-6f, 0.01f);
        foreach (bool inside in new[] { false, true })
        {
            float[] m1 = (float[])m0.Clone(), m2 = (float[])m0.Clone(), m3 = (float[])m0.Clone();
            float[] v1 = (float[])v0.Clone(), v2 = (float[])v0.Clone(), v3 = (float[])v0.Clone();
            float[] scalar = (float[])p.Clone(), inPlace = (float[])p.Clone(), next = new float[n];
            AdamKernel.UpdateScalar(scalar, g, m1, v1, 1e-3f, 0.9f, 0.999f, 1e-7f, inside);
            AdamKernel.Update(inPlace, g, m2, v2, 1e-3f, 0.9f, 0.999f, 1e-7f, inside);
            Assert.True(AdamKernel.UpdateInto(p, next, g, m3, v3, 1e-3f, 0.9f, 0.999f, 1e-7f, inside, 1e10f));
            Assert.Equal(m1, m2); Assert.Equal(m1, m3);
            Assert.Equal(scalar, inPlace); Assert.Equal(scalar, next);
            for (int i = 0; i < n; i++)
            {
                switch (i % 5)
                {
                    case 0 or 1 or 3: Assert.Equal(0f, m1[i]); break;
                    case 2: Assert.Equal(0.9f * m0[i], m1[i]); Assert.True(float.IsNormal(m1[i]), $"m[{i}] = {m1[i]}"); break;
                    default: Assert.Equal(0.9f * 0.05f + (1 - 0.9f) * 0.3f, m1[i]); break;
                }
                // A stuck m would have moved no weight either: the weight is where the zero gradient left it.
                if (i % 5 != 4) Assert.Equal(p[i], next[i]);
            }
        }
    }

    /// <summary>
    /// An L2 term added as the gradient is read gives the bits of adding it to the gradient first
    /// (<see cref="Simd.AddScaled"/>) and updating from that, in the vector kernel and its scalar twin, and
    /// leaves the gradient as it was.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_update_with_an_L2_term_gives_the_bits_of_adding_it_to_the_gradient_first(int n)
    {
        // MLPClassifier's α / batch, and one large enough to change the step visibly.
        foreach (float l2 in new[] { 1e-4f / 200, 0.3f })
        {
            var g = Values(n, 1);
            float[] p = Values(n, 2), m1 = Values(n, 3, -0.1f, 0.1f), v1 = Values(n, 4, 0f, 0.01f);
            float[] m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone(), m3 = (float[])m1.Clone(), v3 = (float[])v1.Clone();
            float[] gradient = (float[])g.Clone(), next1 = new float[n], next2 = new float[n], next3 = new float[n];
            Simd.AddScaled(l2, p, gradient);
            Assert.True(AdamKernel.UpdateInto(p, next1, gradient, m1, v1, 1e-3f, 0.9f, 0.999f, 1e-8f, false, 1e10f));
            Assert.True(AdamKernel.UpdateInto(p, next2, g, m2, v2, 1e-3f, 0.9f, 0.999f, 1e-8f, false, 1e10f, l2));
            Assert.True(AdamKernel.UpdateIntoScalar(p, next3, g, m3, v3, 1e-3f, 0.9f, 0.999f, 1e-8f, false, 1e10f, l2));
            Assert.Equal(next1, next2); Assert.Equal(next1, next3);
            Assert.Equal(m1, m2); Assert.Equal(m1, m3);
            Assert.Equal(v1, v2); Assert.Equal(v1, v3);
            Assert.Equal(Values(n, 1), g);
            if (n > 0 && l2 > 0.1f)
            {
                // The term is there: without it the step comes out otherwise.
                var without = new float[n];
                AdamKernel.UpdateInto(p, without, g, Values(n, 3, -0.1f, 0.1f), Values(n, 4, 0f, 0.01f), 1e-3f, 0.9f, 0.999f, 1e-8f, false, 1e10f);
                Assert.NotEqual(without, next2);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_update_into_a_second_array_finds_a_value_beyond_the_limit_wherever_it_is(int n)
    {
        if (n == 0) return;
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, 2e10f, -3e10f })
            foreach (int at in new[] { 0, n / 2, n - 1 }.Distinct())
            {
                // A parameter that is already bad stays bad after a small step (NaN and infinity stay as they are).
                var p = Values(n, 2);
                p[at] = bad;
                var next = new float[n];
                Assert.False(AdamKernel.UpdateInto(p, next, Values(n, 1), new float[n], new float[n], 1e-3f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
                Assert.False(AdamKernel.UpdateIntoScalar(p, next, Values(n, 1), new float[n], new float[n], 1e-3f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
                Assert.Equal(at, Finite.IndexOfNonFinite(next, 1e10f));
            }
        // A gradient that is NaN makes the new value NaN.
        var g = Values(n, 1);
        g[n - 1] = float.NaN;
        Assert.False(AdamKernel.UpdateInto(Values(n, 2), new float[n], g, new float[n], new float[n], 1e-3f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
    }

    [Fact]
    public void Adam_update_into_a_second_array_checks_lengths_and_overlap()
    {
        var p = Values(40, 2);
        Assert.Throws<ArgumentException>(() => AdamKernel.UpdateInto(p, new float[39], new float[40], new float[40], new float[40], 0.1f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
        Assert.Throws<ArgumentException>(() => AdamKernel.UpdateInto(p.AsSpan(0, 20), p.AsSpan(10, 20), new float[20], new float[20], new float[20], 0.1f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
        // The scalar twin refuses the same overlap (it copied p over itself and changed it).
        var before = p.ToArray();
        Assert.Throws<ArgumentException>(() => AdamKernel.UpdateIntoScalar(p.AsSpan(0, 20), p.AsSpan(10, 20), new float[20], new float[20], new float[20], 0.1f, 0.9f, 0.999f, 1e-7f, false, 1e10f));
        Assert.Equal(before, p);
    }

    [Fact]
    public void Adam_update_on_a_slice_leaves_the_rest_alone_and_checks_lengths()
    {
        var p = new float[40]; var m = new float[40]; var v = new float[40]; var g = Values(40, 5);
        AdamKernel.Update(p.AsSpan(3, 17), g.AsSpan(3, 17), m.AsSpan(3, 17), v.AsSpan(3, 17), 0.1f, 0.9f, 0.999f, 1e-7f, false);
        Assert.All(p[..3].Concat(p[20..]), x => Assert.Equal(0f, x));
        Assert.All(p[3..20], x => Assert.NotEqual(0f, x));
        Assert.Throws<ArgumentException>(() => AdamKernel.Update(new float[5], new float[4], new float[5], new float[5], 0.1f, 0.9f, 0.999f, 1e-7f, false));
    }

    public static readonly TheoryData<int, int, int, int, int> Pools = new()
    {
        // channels (0, 1, 4, 6, 12, 15, 17, 28, 33: every width and tail), image size, window (1, 2 unrolled, 3), stride
        { 1, 4, 4, 2, 2 }, { 4, 5, 5, 2, 2 }, { 6, 4, 6, 3, 1 }, { 12, 6, 5, 2, 2 }, { 15, 5, 7, 2, 2 }, { 17, 6, 6, 3, 2 }, { 28, 26, 26, 2, 2 }, { 28, 27, 25, 2, 2 }, { 33, 7, 5, 2, 1 }, { 8, 3, 3, 3, 3 }, { 9, 7, 8, 3, 3 }, { 8, 3, 3, 1, 1 }, { 0, 4, 4, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Pools))]
    public void Max_pooling_matches_its_scalar_twin_values_and_indices(int channels, int h, int w, int pool, int stride)
    {
        const int Batch = 3;
        var g = new PoolGeometry(h, w, channels, pool, pool, stride, stride);
        var x = Values(Batch * g.InputSize, 6);
        // Ties: the first maximum wins in both.
        for (int i = 0; i < x.Length; i += 5) x[i] = 1.5f;
        var special = (float[])x.Clone();
        float[] y1 = new float[Batch * g.OutputSize], y2 = new float[y1.Length];
        int[] a1 = new int[y1.Length], a2 = new int[y1.Length];
        Pooling.MaxPoolScalar(x, Batch, g, y1, a1);
        Pooling.MaxPool(x, Batch, g, y2, a2);
        Assert.Equal(y1, y2);
        Assert.Equal(a1, a2);
        // The same, with the images shared among the cores.
        float[] y3 = new float[y1.Length];
        int[] a3 = new int[y1.Length];
        Pooling.MaxPoolParallel(x, Batch, g, y3, a3);
        Assert.Equal(y1, y3);
        Assert.Equal(a1, a3);
        for (int i = 0; i < y1.Length; i++) Assert.Equal(x[a1[i]], y1[i]);
        // Inference's values-only pass gives the same maxima.
        var values = new float[y1.Length];
        Pooling.MaxPoolValues(x, Batch, g, values);
        Assert.Equal(y1, values);

        // NaNs and zeros of both signs: a window's first NaN stays (nothing compares greater than it) and a
        // later one is passed over; of equal zeros the first stays, sign included. Compared bit for bit.
        for (int i = 0; i < special.Length; i++)
            special[i] = (i % 7) switch { 0 => float.NaN, 1 or 2 => -0f, 3 => 0f, _ => -1f - MathF.Abs(special[i]) };
        float[] s1 = new float[y1.Length], s2 = new float[y1.Length], s3 = new float[y1.Length];
        int[] sa1 = new int[y1.Length], sa2 = new int[y1.Length];
        Pooling.MaxPoolScalar(special, Batch, g, s1, sa1);
        Pooling.MaxPool(special, Batch, g, s2, sa2);
        Pooling.MaxPoolValues(special, Batch, g, s3);
        Assert.Equal(s1.Select(BitConverter.SingleToInt32Bits), s2.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(s1.Select(BitConverter.SingleToInt32Bits), s3.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(sa1, sa2);

        // The gradient written whole (into a dirty buffer) equals clearing and adding.
        var dy = Values(y1.Length, 7);
        var expected = new float[x.Length];
        Pooling.MaxPoolBackward(dy, a1, expected);
        var dx = Values(x.Length, 8);
        Pooling.MaxPoolGradient(dy, a1, Batch, g, dx);
        Assert.Equal(expected, dx);
    }

    [Fact]
    public void Max_pooling_backward_routes_each_gradient_to_its_maximum()
    {
        var dx = new float[6];
        Pooling.MaxPoolBackward([1f, 2f, 3f], [4, 0, 4], dx);
        Assert.Equal([2f, 0, 0, 0, 4f, 0], dx);
    }

    [Fact]
    public void Max_pooling_names_a_window_that_does_not_fit()
    {
        var e = Assert.Throws<ArgumentException>(() => Pooling.MaxPool(new float[4], 1, new PoolGeometry(2, 2, 1, 3, 3, 1, 1), new float[1], new int[1]));
        Assert.Contains("3x3", e.Message);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void The_L2_penaltys_sum_of_squares_in_halves_has_the_same_bits_on_one_core_and_on_two(int n)
    {
        var x = Values(n, 5);
        double shared = Reductions.SumOfSquaresInHalves(x);
        double alone;
        ForkJoin.Alone = true;
        try { alone = Reductions.SumOfSquaresInHalves(x); }
        finally { ForkJoin.Alone = false; }
        Assert.Equal(BitConverter.DoubleToInt64Bits(shared), BitConverter.DoubleToInt64Bits(alone));
        // Short spans are one pass; long ones two halves added in double, cut where Adam's pass cuts them on two
        // cores: half the 16-float lines, rounded up (the MLP's 78,400 weights at 39,200, row 392 of 784).
        int half = ((n + 15) / 16 + 1) / 2 * 16;
        double halves = n < 1 << 16 ? Simd.SumOfSquares(x) : (double)Simd.SumOfSquares(x.AsSpan(0, half)) + Simd.SumOfSquares(x.AsSpan(half));
        Assert.Equal(BitConverter.DoubleToInt64Bits(halves), BitConverter.DoubleToInt64Bits(shared));
        if (n == 78_400) Assert.Equal(39_200, half);
        double exact = 0;
        foreach (var v in x) exact += (double)v * v;
        Assert.True(Math.Abs(exact - shared) <= 1e-5 * Math.Max(1, exact), $"n = {n}: {shared} against {exact}");
    }

    /// <summary>
    /// A dataset-sized span is searched on every core, a part each: the lowest index must win whichever part
    /// finishes first, in the first part, the last, at a part's edge, or in several at once.
    /// </summary>
    [Fact]
    public void Finding_the_first_non_finite_value_in_a_large_span_returns_the_lowest_index()
    {
        int n = (1 << 22) + 77;
        var x = Values(n, 11);
        Assert.Equal(-1, Finite.IndexOfNonFinite(x));
        int[][] cases = [[5], [n - 1], [n / 2], [n / 2 - 1, n / 2], [n - 3, 100], [(1 << 21) - 1, (1 << 21) + 5, n - 2], [(1 << 20) + 63, (1 << 20) + 64]];
        foreach (var positions in cases)
        {
            var y = (float[])x.Clone();
            foreach (int at in positions) y[at] = at % 2 == 0 ? float.NaN : float.NegativeInfinity;
            Assert.Equal(positions.Min(), Finite.IndexOfNonFinite(y));
            Assert.Equal(positions.Min(), Finite.IndexOfNonFiniteScalar(y));
        }
        var big = (float[])x.Clone();
        big[n - 10] = 3e10f;
        Assert.Equal(n - 10, Finite.IndexOfNonFinite(big, 1e10f));
        Assert.Equal(-1, Finite.IndexOfNonFinite(big));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Finding_the_first_non_finite_value_matches_its_scalar_twin(int n)
    {
        var x = Values(n, 7);
        Assert.Equal(-1, Finite.IndexOfNonFinite(x));
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 2e10f, -3e10f })
            // Every lane of the last 80 values: the single-vector loop after the blocks of four vectors (960 to
            // 1007 of 1023 at 512 bits) and the tail, as well as the first values and a middle one.
            foreach (int at in new[] { 0, 1, n / 2 }.Concat(Enumerable.Range(Math.Max(0, n - 80), Math.Min(n, 80))).Where(i => i >= 0 && i < n).Distinct())
            {
                var y = (float[])x.Clone();
                y[at] = bad;
                if (at + 1 < n) y[n - 1] = float.NaN;   // a later one must not win
                float limit = MathF.Abs(bad) < float.PositiveInfinity ? 1e10f : float.MaxValue;
                int expected = Finite.IndexOfNonFiniteScalar(y, limit);
                Assert.Equal(at, expected);
                Assert.Equal(expected, Finite.IndexOfNonFinite(y, limit));
            }
    }
}
