using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// Every SIMD kernel against its scalar twin, on lengths that exercise each path (blocks of four
/// vectors, single vectors of each width, scalar tails), on unaligned slices and in place.
/// <see cref="NarrowerVectorTests"/> reruns them with the 256- and 128-bit paths in charge.
/// Arithmetic must match exactly; transcendental functions within a few units in the last place.
/// </summary>
public class SimdTests
{
    public static readonly TheoryData<int, int> Shapes = new()
    {
        { 0, 0 }, { 1, 0 }, { 3, 1 }, { 5, 0 }, { 7, 1 }, { 15, 2 }, { 16, 0 }, { 17, 3 }, { 31, 1 }, { 33, 2 }, { 63, 1 }, { 1023, 2 }, { 4097, 3 },
    };

    /// <summary>Values in [-lo, hi] with the awkward ones sprinkled in: ±0, large, tiny, infinities and NaN.</summary>
    private static float[] Data(int n, int seed, float range = 10f, bool specials = true)
    {
        var rng = new Rng(seed);
        var d = new float[n];
        for (int i = 0; i < n; i++) d[i] = rng.Uniform(-range, range);
        if (specials)
        {
            float[] odd = [0f, -0f, 100f, -100f, 1e-40f, -1e-30f, 88.7f, -103f, 50f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
            for (int i = 0; i < n; i += 13) d[i] = odd[(i / 13) % odd.Length];
        }
        return d;
    }

    [Theory]
    [InlineData(3, 5)]
    [InlineData(17, 40)]
    [InlineData(100, 101)]
    public void Softmax_and_log_softmax_into_a_longer_destination_write_only_its_first_x_length(int n, int room)
    {
        // The vector paths ran their exp, sum and scaling over the whole destination: the row did not sum to 1,
        // and the caller's values past it were overwritten.
        var x = Data(n, 7, specials: false);
        foreach (var (simd, scalar) in new (Action<float[], float[]>, Action<float[], float[]>)[]
            { ((a, d) => Simd.Softmax(a, d), (a, d) => Scalar.Softmax(a, d)), ((a, d) => Simd.LogSoftmax(a, d), (a, d) => Scalar.LogSoftmax(a, d)) })
        {
            var actual = Enumerable.Repeat(7f, room).ToArray();
            var expected = Enumerable.Repeat(7f, room).ToArray();
            simd(x, actual);
            scalar(x, expected);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], actual[i], 5);
            Assert.All(actual[n..], v => Assert.Equal(7f, v));
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void A_NaN_anywhere_makes_max_and_min_NaN_and_index_of_max_agree_with_its_twin(int n, int offset)
    {
        // The specials of Data reach a NaN only from index 117: a NaN in the first vector, in the single-vector
        // loop or in the short path below one vector was never met.
        if (n == 0) return;
        var positions = n <= 64 ? Enumerable.Range(0, n) : new[] { 0, 1, 15, 16, n / 2, n - 17, n - 1 };
        foreach (int at in positions)
        {
            var data = Data(n + offset, n + at, specials: false);
            data[offset + at] = float.NaN;
            var x = data.AsSpan(offset);
            Assert.True(float.IsNaN(Simd.Max(x)), $"max, length {n}, NaN at {at}: {Simd.Max(x)}");
            Assert.True(float.IsNaN(Simd.Min(x)), $"min, length {n}, NaN at {at}: {Simd.Min(x)}");
            Assert.Equal(Scalar.IndexOfMax(x), Simd.IndexOfMax(x));
        }
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("atan")]
    public void Odd_functions_of_minus_zero_are_minus_zero_as_in_their_twins(string name)
    {
        // Tanh's polynomial branch gave x·(p·z) + x = +0 for x = -0; MathF.Tanh, MathF.Atan and IEEE 754 give -0.
        Action<float[], float[]> f = name == "tanh" ? (x, d) => Simd.Tanh(x, d) : (x, d) => Simd.Atan(x, d);
        foreach (int n in new[] { 1, 4, 15, 17, 33, 64, 1023 })
        {
            var x = new float[n];
            Array.Fill(x, -0f);
            x[0] = 0f;
            var d = new float[n];
            f(x, d);
            Assert.True(BitConverter.SingleToInt32Bits(d[0]) == 0, $"{name}(+0) is +0");
            for (int i = 1; i < n; i++) Assert.True(BitConverter.SingleToInt32Bits(d[i]) == BitConverter.SingleToInt32Bits(-0f), $"{name}, length {n}, element {i}: {d[i]}");
        }
    }

    [Fact]
    public void Sigmoid_is_exactly_0_and_1_past_its_clamps_and_keeps_the_tiny_results_between()
    {
        // The vector paths clamp -x to [-20, 89]: each side of both clamps (and of ln(float.MaxValue) =
        // 88.72, where e^-x overflows), the infinities and NaN.
        float[] x = [-88.72f, -88.73f, -100f, -1000f, float.NegativeInfinity, -5f, -0f, 0f, 1f, 16f, 17f, 20.5f, 88.7f, 1e30f, float.PositiveInfinity, float.NaN];
        var s = new float[x.Length];
        Simd.Sigmoid(x, s);
        for (int i = 0; i < x.Length; i++)
        {
            float scalar = 1f / (1f + MathF.Exp(-x[i]));
            if (float.IsNaN(scalar)) Assert.True(float.IsNaN(s[i]), $"sigmoid({x[i]}) = {s[i]}, expected NaN");
            else if (scalar == 0f || scalar == 1f || scalar == 0.5f) Assert.True(s[i] == scalar, $"sigmoid({x[i]}) = {s[i]}, expected exactly {scalar}");
            else
            {
                double exact = 1 / (1 + Math.Exp(-(double)x[i]));
                Assert.True(s[i] > 0 && Math.Abs(s[i] - exact) <= 4 * 1.2e-7 * exact + float.Epsilon, $"sigmoid({x[i]}) = {s[i]:R}, exact {exact:R}");
            }
        }
    }

    private static void Same(float[] expected, float[] actual, string what, float ulps = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e)) { Assert.True(float.IsNaN(a), $"{what}[{i}]: expected NaN, got {a}"); continue; }
            if (ulps == 0) { Assert.True(BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a) || (e == 0 && a == 0 && what.Contains("nosign")), $"{what}[{i}]: scalar {e}, simd {a}"); continue; }
            if (float.IsInfinity(e) || e == a) { Assert.Equal(e, a); continue; }
            // Distance in units in the last place of the expected value, relative down to about 1e-31 and within
            // ulps · 1e-38 below that (an absolute floor of 1e-7 let a result below about 0.8 be off by far more
            // than a few ulps, 0 included).
            float tol = ulps * MathF.Max(MathF.Abs(e) * 1.2e-7f, 1e-38f);
            Assert.True(MathF.Abs(e - a) <= tol, $"{what}[{i}] (x-dependent): scalar {e}, simd {a}");
        }
    }

    private delegate void Unary(ReadOnlySpan<float> x, Span<float> d);
    private delegate void Binary(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);

    private static void CheckUnary(Unary simd, Unary scalar, int n, int offset, string name, float ulps = 0, float range = 10f)
    {
        var x = Data(n + offset, n, range);
        var expected = new float[n + offset]; var actual = new float[n + offset];
        scalar(x.AsSpan(offset), expected.AsSpan(offset));
        simd(x.AsSpan(offset), actual.AsSpan(offset));
        Same(expected, actual, name, ulps);
        var inPlace = (float[])x.Clone();
        simd(inPlace.AsSpan(offset), inPlace.AsSpan(offset));
        Same(expected[offset..], inPlace[offset..], name + " in place", ulps);
    }

    private static void CheckBinary(Binary simd, Binary scalar, int n, int offset, string name)
    {
        var x = Data(n + offset, n); var y = Data(n + offset, n + 99);
        var expected = new float[n + offset]; var actual = new float[n + offset];
        scalar(x.AsSpan(offset), y.AsSpan(offset), expected.AsSpan(offset));
        simd(x.AsSpan(offset), y.AsSpan(offset), actual.AsSpan(offset));
        Same(expected, actual, name);
        var inPlace = (float[])x.Clone();
        simd(inPlace.AsSpan(offset), y.AsSpan(offset), inPlace.AsSpan(offset));
        Same(expected[offset..], inPlace[offset..], name + " in place");
    }

    [Fact]
    public void Max_and_min_match_MathF_for_every_pair_of_zeros_NaNs_and_infinities()
    {
        // The random data pairs a special value only with itself; here every ordered pair (+0 with -0, a
        // NaN with a number, either way round) sits at every lane of a vector, then in the scalar tail.
        float[] v = [0f, -0f, float.NaN, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)), float.PositiveInfinity, float.NegativeInfinity, 1f, -1f, float.Epsilon, -float.Epsilon, 3.5f];
        int n = 16 * v.Length * v.Length + 7;
        var x = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++) { x[i] = v[i / v.Length % v.Length]; y[i] = v[i % v.Length]; }
        foreach (var (name, simd, scalar) in new (string, Action<float[], float[], float[]>, Action<float[], float[], float[]>)[]
        {
            ("max", (a, b, d) => Simd.Max(a, b, d), (a, b, d) => Scalar.Max(a, b, d)),
            ("min", (a, b, d) => Simd.Min(a, b, d), (a, b, d) => Scalar.Min(a, b, d)),
        })
        {
            var expected = new float[n];
            var actual = new float[n];
            scalar(x, y, expected);
            simd(x, y, actual);
            Same(expected, actual, name);
            for (int i = 0; i < n; i++)
                if (float.IsNaN(x[i]) || float.IsNaN(y[i])) Assert.True(float.IsNaN(actual[i]), $"{name}({x[i]}, {y[i]}) = {actual[i]}, expected NaN");
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Binary_arithmetic_matches_exactly(int n, int offset)
    {
        CheckBinary(Simd.Add, Scalar.Add, n, offset, "add");
        CheckBinary(Simd.Subtract, Scalar.Subtract, n, offset, "subtract");
        CheckBinary(Simd.Multiply, Scalar.Multiply, n, offset, "multiply");
        CheckBinary(Simd.Divide, Scalar.Divide, n, offset, "divide");
        CheckBinary(Simd.Max, Scalar.Max, n, offset, "max");
        CheckBinary(Simd.Min, Scalar.Min, n, offset, "min");
        CheckBinary(Simd.SigmoidBackward, Scalar.SigmoidBackward, n, offset, "sigmoid backward");
        CheckBinary(Simd.TanhBackward, Scalar.TanhBackward, n, offset, "tanh backward");
        CheckBinary(Simd.ReluBackward, Scalar.ReluBackward, n, offset, "relu backward");
        CheckBinary(Simd.AtanBackward, Scalar.AtanBackward, n, offset, "atan backward");
        CheckBinary((x, y, d) => Simd.LeakyReluBackward(x, 0.3f, y, d), (x, y, d) => Scalar.LeakyReluBackward(x, 0.3f, y, d), n, offset, "leaky relu backward");
    }

    /// <summary>Lengths around the loops' steps: the widest loop of Zip takes 128 floats a step with AVX-512 (255, 257: one step and the rest).</summary>
    public static readonly TheoryData<int> AlignedLengths = new() { 64, 65, 79, 127, 128, 129, 255, 257, 1023, 4097 };

    /// <summary>
    /// From 64 elements on, Map and Zip start their loops at the destination's first vector boundary and store
    /// the first and the last whole vector last. Sixteen consecutive destination offsets give every distance
    /// to that boundary (0 to 15 floats), each with inputs at another offset, and in place. A transcendental's
    /// bits must not depend on where the destination lies either: e^x of the same inputs comes out the same at
    /// every offset.
    /// </summary>
    [Theory, MemberData(nameof(AlignedLengths))]
    public void Every_distance_from_the_destination_to_a_vector_boundary_gives_the_same_results(int n)
    {
        var x = Data(n + 32, n); var y = Data(n + 32, n + 7);
        var positive = new float[x.Length];
        for (int i = 0; i < x.Length; i++) positive[i] = MathF.Abs(x[i]);
        var expAtZero = new float[n];
        Simd.Exp(x.AsSpan(5, n), expAtZero);
        for (int dOff = 0; dOff < 16; dOff++)
        {
            int xOff = (dOff + 5) % 17, yOff = (dOff * 3) % 16;
            var expected = new float[n + 16]; var actual = new float[n + 16];
            void Both(Binary simd, Binary scalar, ReadOnlySpan<float> a, ReadOnlySpan<float> b, string name)
            {
                Array.Fill(actual, 42f); Array.Fill(expected, 42f);
                scalar(a, b, expected.AsSpan(dOff, n));
                simd(a, b, actual.AsSpan(dOff, n));
                Same(expected, actual, $"{name}, destination offset {dOff}");
            }
            Both(Simd.Add, Scalar.Add, x.AsSpan(xOff, n), y.AsSpan(yOff, n), "add");
            Both(Simd.Divide, Scalar.Divide, x.AsSpan(xOff, n), y.AsSpan(yOff, n), "divide");
            Both((a, _, d) => Simd.Sqrt(a, d), (a, _, d) => Scalar.Sqrt(a, d), positive.AsSpan(xOff, n), default, "sqrt");
            Both((a, _, d) => Simd.Multiply(a, 0.5f, d), (a, _, d) => Scalar.Multiply(a, 0.5f, d), x.AsSpan(xOff, n), default, "multiply scalar");

            // In place: the destination is also the first input (x, y) or the only one (x).
            var inPlace = (float[])x.Clone(); var twin = (float[])x.Clone();
            Scalar.Add(twin.AsSpan(dOff, n), y.AsSpan(yOff, n), twin.AsSpan(dOff, n));
            Simd.Add(inPlace.AsSpan(dOff, n), y.AsSpan(yOff, n), inPlace.AsSpan(dOff, n));
            Same(twin, inPlace, $"add in place, offset {dOff}");
            Scalar.Sqrt(twin.AsSpan(dOff, n), twin.AsSpan(dOff, n));
            Simd.Sqrt(inPlace.AsSpan(dOff, n), inPlace.AsSpan(dOff, n));
            Same(twin, inPlace, $"sqrt in place, offset {dOff}");
            var axpy = (float[])y.Clone(); var axpyTwin = (float[])y.Clone();
            Scalar.AddScaled(0.7f, x.AsSpan(xOff, n), axpyTwin.AsSpan(dOff, n));
            Simd.AddScaled(0.7f, x.AsSpan(xOff, n), axpy.AsSpan(dOff, n));
            Same(axpyTwin, axpy, $"axpy, offset {dOff}");
            var exp = new float[n + 16];
            Simd.Exp(x.AsSpan(5, n), exp.AsSpan(dOff, n));
            Same(expAtZero, exp[dOff..(dOff + n)], $"exp at destination offset {dOff} against a destination of its own");
        }
    }

    /// <summary>
    /// Zip's 512-bit loop with non-temporal stores, which only a Zen 4 takes, and only from
    /// <see cref="Loops.NonTemporalZipFloats"/> on: called here itself, on every processor and at lengths
    /// where its stores must end on vector boundaries, at every distance to a 64-byte boundary and in place.
    /// </summary>
    [Theory, MemberData(nameof(AlignedLengths))]
    public void Both_two_array_loops_give_the_scalar_results_at_every_distance_to_a_line(int n)
    {
        var x = Data(n + 32, n + 3); var y = Data(n + 32, n + 9);
        foreach (bool nonTemporal in new[] { false, true })
            for (int dOff = 0; dOff < 16; dOff++)
            {
                int xOff = (dOff + 5) % 17, yOff = (dOff * 3) % 16;
                void Both<T>(T op, Binary scalar, string name) where T : struct, IBinaryOperator
                {
                    var expected = Enumerable.Repeat(42f, n + 16).ToArray(); var actual = Enumerable.Repeat(42f, n + 16).ToArray();
                    scalar(x.AsSpan(xOff, n), y.AsSpan(yOff, n), expected.AsSpan(dOff, n));
                    Loops.Zip(x.AsSpan(xOff, n), y.AsSpan(yOff, n), actual.AsSpan(dOff, n), op, nonTemporal);
                    Same(expected, actual, $"{name}, {(nonTemporal ? "non-temporal" : "ordinary")} stores, destination offset {dOff}");
                }
                Both(default(AddOperator), Scalar.Add, "add");
                Both(default(DivideOperator), Scalar.Divide, "divide");
                Both(default(MaxOperator), Scalar.Max, "max");

                var inPlace = (float[])x.Clone(); var twin = (float[])x.Clone();
                Scalar.Subtract(twin.AsSpan(dOff, n), y.AsSpan(yOff, n), twin.AsSpan(dOff, n));
                Loops.Zip(inPlace.AsSpan(dOff, n), y.AsSpan(yOff, n), inPlace.AsSpan(dOff, n), default(SubtractOperator), nonTemporal);
                Same(twin, inPlace, $"subtract in place, {(nonTemporal ? "non-temporal" : "ordinary")} stores, offset {dOff}");
            }
    }

    [Fact]
    public void Two_array_kernels_around_the_non_temporal_length_match_their_twins()
    {
        // Simd's own choice of loop on this processor, on both sides of the length where a Zen 4 changes loops.
        foreach (int n in new[] { Loops.NonTemporalZipFloats - 1, Loops.NonTemporalZipFloats, Loops.NonTemporalZipFloats + 17 })
        {
            var x = Data(n + 1, 61); var y = Data(n, 62);
            var expected = new float[n + 2]; var actual = new float[n + 2];
            Scalar.Multiply(x.AsSpan(1, n), y, expected.AsSpan(1, n));
            Simd.Multiply(x.AsSpan(1, n), y, actual.AsSpan(1, n));
            Same(expected, actual, $"multiply over {n} floats");
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Scalar_operand_arithmetic_matches_exactly(int n, int offset)
    {
        CheckUnary((x, d) => Simd.Add(x, 2.5f, d), (x, d) => Scalar.Add(x, 2.5f, d), n, offset, "add scalar");
        CheckUnary((x, d) => Simd.Subtract(x, 2.5f, d), (x, d) => Scalar.Subtract(x, 2.5f, d), n, offset, "subtract scalar");
        CheckUnary((x, d) => Simd.Subtract(2.5f, x, d), (x, d) => Scalar.Subtract(2.5f, x, d), n, offset, "scalar minus");
        CheckUnary((x, d) => Simd.Multiply(x, -1.5f, d), (x, d) => Scalar.Multiply(x, -1.5f, d), n, offset, "multiply scalar");
        CheckUnary((x, d) => Simd.Divide(x, 3f, d), (x, d) => Scalar.Divide(x, 3f, d), n, offset, "divide scalar");
        CheckUnary((x, d) => Simd.Divide(3f, x, d), (x, d) => Scalar.Divide(3f, x, d), n, offset, "scalar over");
        CheckUnary((x, d) => Simd.Max(x, 0.5f, d), (x, d) => Scalar.Max(x, 0.5f, d), n, offset, "max scalar");
        CheckUnary((x, d) => Simd.Min(x, 0.5f, d), (x, d) => Scalar.Min(x, 0.5f, d), n, offset, "min scalar");
        CheckUnary((x, d) => Simd.Clamp(x, -1f, 2f, d), (x, d) => Scalar.Clamp(x, -1f, 2f, d), n, offset, "clamp");
        CheckUnary(Simd.Negate, Scalar.Negate, n, offset, "negate");
        CheckUnary(Simd.Abs, Scalar.Abs, n, offset, "abs");
        CheckUnary(Simd.Sqrt, Scalar.Sqrt, n, offset, "sqrt");
        CheckUnary(Simd.Relu, Scalar.Relu, n, offset, "relu");
        CheckUnary((x, d) => Simd.LeakyRelu(x, 0.3f, d), (x, d) => Scalar.LeakyRelu(x, 0.3f, d), n, offset, "leaky relu");
        var y = Data(n + offset, 5); var expected = (float[])y.Clone(); var actual = (float[])y.Clone();
        var x2 = Data(n + offset, 6);
        Scalar.AddScaled(0.7f, x2.AsSpan(offset), expected.AsSpan(offset));
        Simd.AddScaled(0.7f, x2.AsSpan(offset), actual.AsSpan(offset));
        Same(expected, actual, "axpy");
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Transcendental_functions_are_within_a_few_ulps(int n, int offset)
    {
        // Exp's polynomial is within 2 ulps of the exact value, MathF.Exp within 1: 4 ulps apart at most.
        CheckUnary(Simd.Exp, Scalar.Exp, n, offset, "exp", ulps: 4, range: 90f);
        CheckUnary(Simd.Sigmoid, Scalar.Sigmoid, n, offset, "sigmoid", ulps: 4, range: 30f);
        CheckUnary(Simd.Tanh, Scalar.Tanh, n, offset, "tanh", ulps: 4, range: 12f);
        CheckUnary(Simd.Log, Scalar.Log, n, offset, "log", ulps: 4);
        // Atan: the reduced argument's division and polynomial are within about 2 ulps, MathF within 1.
        CheckUnary(Simd.Atan, Scalar.Atan, n, offset, "atan", ulps: 4, range: 30f);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Powers_match_math_pow(int n, int offset)
    {
        // Exponents 0 and 1 match exactly; x² and 1/x round once (MathF.Pow is itself up to an ulp
        // off them); x²·x, (x²)² and the other reciprocals round two or three times.
        foreach (float e in new[] { 0f, 1f })
            CheckUnary((x, d) => Simd.Pow(x, e, d), (x, d) => Scalar.Pow(x, e, d), n, offset, $"pow {e}");
        foreach (float e in new[] { 2f, 3f, 4f, -1f, -2f, -3f, -4f })
            CheckUnary((x, d) => Simd.Pow(x, e, d), (x, d) => Scalar.Pow(x, e, d), n, offset, $"pow {e}", ulps: 3);
        // Any other exponent is the scalar twin itself.
        CheckUnary((x, d) => Simd.Pow(x, 2.5f, d), (x, d) => Scalar.Pow(x, 2.5f, d), n, offset, "pow 2.5");
        CheckUnary((x, d) => Simd.Pow(x, 5f, d), (x, d) => Scalar.Pow(x, 5f, d), n, offset, "pow 5");
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Max_min_and_argmax_match_exactly_with_nan_and_signed_zeros(int n, int offset)
    {
        if (n == 0) return;
        // Random data; then with NaN and infinities; then ties between -0 and +0 as the maximum.
        var plain = Data(n + offset, n, specials: false);
        var special = Data(n + offset, n + 7);
        var zeros = Data(n + offset, n + 8, specials: false);
        for (int i = 0; i < zeros.Length; i++) zeros[i] = zeros[i] > 0 ? (i % 3 == 0 ? -0f : 0f) : zeros[i];
        var late = Data(n + offset, n + 9, specials: false);
        late[^1] = 1000f;   // the maximum in the last (overlapping) vector
        var allZero = new float[n + offset];
        for (int i = 0; i < allZero.Length; i++) allZero[i] = i % 2 == 0 ? -0f : 0f;
        foreach (var data in new[] { plain, special, zeros, late, allZero })
        {
            var x = data.AsSpan(offset);
            Assert.Equal(BitConverter.SingleToInt32Bits(Scalar.Max(x)), BitConverter.SingleToInt32Bits(Simd.Max(x)));
            Assert.Equal(BitConverter.SingleToInt32Bits(Scalar.Min(x)), BitConverter.SingleToInt32Bits(Simd.Min(x)));
            Assert.Equal(Scalar.IndexOfMax(x), Simd.IndexOfMax(x));
        }
        Assert.Throws<ArgumentException>(() => Simd.IndexOfMax(ReadOnlySpan<float>.Empty));
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Log_softmax_matches_within_float_summation(int n, int offset)
    {
        var x = Data(n + offset, n, range: 20f, specials: false);
        var expected = new float[n]; var actual = new float[n];
        Scalar.LogSoftmax(x.AsSpan(offset), expected);
        Simd.LogSoftmax(x.AsSpan(offset), actual);
        // The twin sums e^(x - max) in double, the kernel in float vectors: ln of the sum differs by
        // at most a few float roundings of it (≤ 1e-5 here), then both subtract the same way.
        for (int i = 0; i < n; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-6f * MathF.Abs(expected[i]), $"log softmax[{i}]: {expected[i]} vs {actual[i]}");
        Simd.LogSoftmax(x.AsSpan(offset), x.AsSpan(offset));   // in place
        for (int i = 0; i < n; i++) Assert.Equal(actual[i], x[offset + i]);
    }

    /// <summary>Distance from the exact (double) value in units of the float result's last place.</summary>
    private static double UlpsFromExact(float actual, double exact)
    {
        float rounded = (float)exact;
        double ulp = (double)MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
        return Math.Abs(actual - exact) / ulp;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Log_of_positive_normal_floats_is_within_one_and_a_half_ulps_of_the_exact_value(int n, int offset)
    {
        // Only positive normal floats: every chunk takes the short formula, also in place and in the tails.
        var rng = new Rng(n + 7);
        var x = new float[n + offset];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.ScaleB(1f + rng.Uniform(0f, 0.999f), (int)rng.Uniform(-120f, 120f));
        var actual = new float[x.Length];
        Simd.Log(x.AsSpan(offset), actual.AsSpan(offset));
        var inPlace = (float[])x.Clone();
        Simd.Log(inPlace.AsSpan(offset), inPlace.AsSpan(offset));
        for (int i = offset; i < x.Length; i++)
        {
            Assert.True(UlpsFromExact(actual[i], Math.Log(x[i])) <= 1.5, $"log({x[i]:R}) = {actual[i]:R}, exact {Math.Log(x[i]):R}");
            Assert.Equal(actual[i], inPlace[i]);
        }
    }

    [Fact]
    public void A_destination_that_overlaps_its_input_without_being_it_is_refused()
    {
        // Shifted by one, a vector loop would overwrite inputs it has not read yet: results that depend
        // on the vector width. In place (same first element) and side by side are fine.
        var buffer = new float[64];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = i / 64f;
        var after = Assert.Throws<ArgumentException>(() => Simd.Exp(buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
        Assert.Contains("starts 1 element(s) after an input", after.Message);
        var before = Assert.Throws<ArgumentException>(() => Scalar.Exp(buffer.AsSpan(4, 32), buffer.AsSpan(0, 32)));
        Assert.Contains("starts 4 element(s) before an input", before.Message);
        Assert.Throws<ArgumentException>(() => Simd.Add(buffer.AsSpan(0, 16), buffer.AsSpan(20, 16), buffer.AsSpan(22, 16)));
        Assert.Throws<ArgumentException>(() => Simd.Log(buffer.AsSpan(1, 32), buffer.AsSpan(9, 32)));
        Assert.Throws<ArgumentException>(() => Simd.AddScaled(2f, buffer.AsSpan(0, 32), buffer.AsSpan(3, 32)));
        Assert.Throws<ArgumentException>(() => Scalar.ReluBackward(buffer.AsSpan(0, 8), buffer.AsSpan(8, 8), buffer.AsSpan(10, 8)));
        var expected = (float[])buffer.Clone();
        Scalar.Exp(expected.AsSpan(0, 32), expected.AsSpan(0, 32));
        Simd.Exp(buffer.AsSpan(0, 32), buffer.AsSpan(0, 32));
        Simd.Add(buffer.AsSpan(0, 16), buffer.AsSpan(16, 16), buffer.AsSpan(32, 16));
        for (int i = 0; i < 32; i++) Assert.Equal(expected[i], buffer[i], 2e-6f);
    }

    [Fact]
    public void Log_next_to_one_keeps_its_relative_accuracy()
    {
        // ln x → 0 as x → 1: a reduction that subtracted two nearly equal logarithms would lose every
        // digit here while staying within a few ulps of 1. Every float step of 2^-21 across [0.95, 1.05].
        var x = new List<float>();
        for (float v = 0.95f; v < 1.05f; v += 1f / (1 << 21)) x.Add(v);
        var input = x.ToArray(); var actual = new float[input.Length];
        Simd.Log(input, actual);
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 1f) Assert.True(UlpsFromExact(actual[i], Math.Log(input[i])) <= 1.5, $"log({input[i]:R}) = {actual[i]:R}, exact {Math.Log(input[i]):R}");
    }

    [Fact]
    public void Log_gives_each_value_the_same_bits_whatever_its_neighbours()
    {
        // The kernel picks its formula per chunk of values: a zero in a chunk sends the whole chunk
        // through the full formula. Each value's logarithm must not change with that choice.
        var rng = new Rng(11);
        var x = new float[5000];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Uniform(1e-3f, 1e3f);
        var clean = new float[x.Length];
        Simd.Log(x, clean);
        x[10] = -1f; x[4000] = 0f; x[4999] = 1e-40f;
        var mixed = new float[x.Length];
        Simd.Log(x, mixed);
        // In place too: a chunk that fails the check is done again from its input, which the first
        // pass must not have overwritten.
        var inPlace = (float[])x.Clone();
        Simd.Log(inPlace, inPlace);
        for (int i = 0; i < x.Length; i++)
        {
            if (i is not (10 or 4000 or 4999)) Assert.Equal(BitConverter.SingleToInt32Bits(clean[i]), BitConverter.SingleToInt32Bits(mixed[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(mixed[i]), BitConverter.SingleToInt32Bits(inPlace[i]));
        }
        Assert.True(float.IsNaN(mixed[10]));
        Assert.Equal(float.NegativeInfinity, mixed[4000]);
        Assert.Equal(MathF.Log(1e-40f), mixed[4999], 4e-5f);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void The_logs_chunk_check_finds_a_value_that_is_not_a_positive_normal_float_wherever_it_is(int n, int offset)
    {
        // The check reads four vectors per step, then single vectors, then a scalar tail: a special
        // value must be found in each of those places, and the largest and smallest normals must pass.
        // Both forms: the check alone (AllNormal) and the check that rides along with the arithmetic
        // (TryMap, which with 128-bit vectors is a loop of its own, run by the narrower-vector tests).
        var x = new float[n + offset];
        var rng = new Rng(n + 3);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.ScaleB(1f + rng.Uniform(0f, 0.999f), (int)rng.Uniform(-126f, 127f));
        if (n > 0) { x[offset] = float.MaxValue; x[^1] = 1.17549435e-38f; }
        var expected = new float[x.Length]; var actual = new float[x.Length];
        Loops.Map(x.AsSpan(offset), expected.AsSpan(offset), default(NormalLogOperator));
        Assert.True(NormalLogOperator.AllNormal(x.AsSpan(offset)));
        Assert.True(NormalLogOperator.TryMap(x.AsSpan(offset), actual.AsSpan(offset)));
        for (int i = 0; i < x.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
        float[] specials = [0f, -0f, 1e-40f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.MaxValue];
        for (int at = offset; at < x.Length; at++)
        {
            float kept = x[at];
            foreach (var special in specials)
            {
                x[at] = special;
                Assert.False(NormalLogOperator.AllNormal(x.AsSpan(offset)), $"length {n}: {special} at {at - offset} not found");
                Assert.False(NormalLogOperator.TryMap(x.AsSpan(offset), actual.AsSpan(offset)), $"length {n}: {special} at {at - offset} not found while mapping");
            }
            x[at] = kept;
        }
    }

    [Fact]
    public void Log_is_within_a_few_ulps_from_the_subnormals_to_the_largest_float()
    {
        // Every power of two from 2^-149 to 2^127, times mantissas across [1, 2), and the values next to 1.
        var x = new List<float>();
        for (int e = -149; e <= 127; e++)
            for (int j = 0; j < 37; j++) x.Add(MathF.ScaleB(1f + j / 37f, e));
        for (int j = -50; j <= 50; j++) x.Add(1f + j * 1e-7f);
        x.AddRange([float.MaxValue, float.Epsilon, 0f, -0f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN]);
        var input = x.ToArray();
        var expected = new float[input.Length]; var actual = new float[input.Length];
        Scalar.Log(input, expected);
        Simd.Log(input, actual);
        Same(expected, actual, "log", ulps: 4);
    }

    [Fact]
    public void Exp_handles_the_edges_of_the_float_range()
    {
        float[] x = [88.72f, 88.73f, 100f, -87f, -100f, -103.9f, -104f, -200f, 0f, float.NaN, float.NegativeInfinity, float.PositiveInfinity, 1f, -1f, 0.5f, 1e-10f];
        var d = new float[16];
        Simd.Exp(x, d);
        Assert.Equal(float.PositiveInfinity, d[1]);
        Assert.Equal(float.PositiveInfinity, d[2]);
        Assert.Equal(0f, d[6]);
        Assert.Equal(0f, d[7]);
        Assert.Equal(1f, d[8]);
        Assert.True(float.IsNaN(d[9]));
        Assert.Equal(0f, d[10]);
        Assert.Equal(float.PositiveInfinity, d[11]);
        for (int i = 0; i < 16; i++)
            if (float.IsFinite(x[i]) && MathF.Exp(x[i]) is > 0f and < float.PositiveInfinity)   // subnormal results too, not only those the kernel made nonzero
                Assert.True(MathF.Abs(d[i] - MathF.Exp(x[i])) <= 4 * 1.2e-7f * MathF.Exp(x[i]) + 1e-44f, $"exp({x[i]}) = {d[i]}, MathF {MathF.Exp(x[i])}");
        var s = new float[16];
        Simd.Sigmoid(x, s);
        Assert.Equal(1f, s[2]); Assert.Equal(0f, s[7]); Assert.Equal(0.5f, s[8]);
        Simd.Tanh(x, s);
        Assert.Equal(1f, s[2]); Assert.Equal(-1f, s[7]); Assert.Equal(0f, s[8]); Assert.Equal(1e-10f, s[15]);
    }

    /// <summary>
    /// A long sum is as accurate at every vector width: each lane of the four accumulators adds at most 1,024
    /// terms before the blocks' sums are added in double. With blocks of 64K floats at every width, a 128-bit
    /// lane (an Arm Mac's) took 4,096 terms and a million floats of 0.1 summed 3.9e-5 high, a 256-bit lane
    /// 2,048 and 1.6e-5 high; a 512-bit one 1,024 and 9.7e-6 low.
    /// </summary>
    [Fact]
    public void A_long_sum_is_as_accurate_at_every_vector_width()
    {
        var x = new float[1 << 20];
        Array.Fill(x, 0.1f);
        double exact = 0.1f * (double)x.Length;   // the float nearest 0.1, a million times
        Assert.InRange(Simd.Sum(x), exact * (1 - 1.2e-5), exact * (1 + 1.2e-5));
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Reductions_match_within_rounding_of_the_sum(int n, int offset)
    {
        var x = Data(n + offset, n, specials: false);
        var y = Data(n + offset, n + 1, specials: false);
        double scale = x.Skip(offset).Sum(v => Math.Abs((double)v)) + 1e-30;
        Assert.True(Math.Abs(Scalar.Sum(x.AsSpan(offset)) - Simd.Sum(x.AsSpan(offset))) <= 1e-6 * scale);
        Assert.True(Math.Abs(Scalar.SumOfSquares(x.AsSpan(offset)) - Simd.SumOfSquares(x.AsSpan(offset))) <= 1e-6 * scale * 10);
        Assert.True(Math.Abs(Scalar.Dot(x.AsSpan(offset), y.AsSpan(offset)) - Simd.Dot(x.AsSpan(offset), y.AsSpan(offset))) <= 1e-6 * scale * 10);
        if (n > 0)
        {
            Assert.Equal(Scalar.Max(x.AsSpan(offset)), Simd.Max(x.AsSpan(offset)));
            Assert.Equal(Scalar.IndexOfMax(x.AsSpan(offset)), Simd.IndexOfMax(x.AsSpan(offset)));
            var e = new float[n]; var a = new float[n];
            Scalar.Softmax(x.AsSpan(offset), e); Simd.Softmax(x.AsSpan(offset), a);
            for (int i = 0; i < n; i++) Assert.True(MathF.Abs(e[i] - a[i]) <= 1e-6f, $"softmax[{i}]: {e[i]} vs {a[i]}");
        }
    }

    // Row widths either side of the short-row block path (32) and of each vector width, by row counts.
    public static readonly TheoryData<int, int> RowShapes = new()
    {
        { 0, 10 }, { 1, 1 }, { 7, 1 }, { 200, 10 }, { 3, 2 }, { 5, 7 }, { 4, 15 }, { 9, 16 }, { 6, 17 }, { 3, 31 }, { 5, 32 }, { 4, 33 }, { 3, 100 },
    };

    [Theory, MemberData(nameof(RowShapes))]
    public void Softmax_rows_match_the_twin_row_by_row_and_in_place(int rows, int width)
    {
        var x = Data(rows * width, rows + 7 * width);
        // Row 1 (when there is one) without specials; specials elsewhere make their rows all NaN or put -∞ at 0.
        for (int i = width; i < Math.Min(2 * width, x.Length); i++) x[i] = i % 5 - 2f;
        var expected = new float[x.Length];
        var actual = new float[x.Length];
        Scalar.SoftmaxRows(x, expected, width);
        Simd.SoftmaxRows(x, actual, width);
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(expected[i])) { Assert.True(float.IsNaN(actual[i]), $"element {i}: {actual[i]}, expected NaN"); continue; }
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 2e-6f * MathF.Max(expected[i], 1e-30f) + 1e-37f, $"{rows}x{width}, element {i}: {actual[i]}, twin {expected[i]}");
        }
        var inPlace = (float[])x.Clone();
        Simd.SoftmaxRows(inPlace, inPlace, width);
        Assert.Equal(actual, inPlace);
        if (rows > 1)
        {
            double sum = 0;
            for (int i = width; i < 2 * width; i++) sum += actual[i];
            Assert.InRange(sum, 1 - 1e-6, 1 + 1e-6);
        }
        Assert.Throws<ArgumentException>(() => Simd.SoftmaxRows(new float[7], new float[7], 3));
    }

    [Theory, MemberData(nameof(RowShapes))]
    public void Row_sums_match_the_twin_bit_for_bit(int rows, int width)
    {
        var x = Data(rows * width, rows * 3 + width, specials: false);
        var expected = new float[width];
        var actual = Data(width + 2, 5);
        var after = actual[width..].ToArray();
        Scalar.SumRows(x, width, expected);
        Simd.SumRows(x, width, actual);
        Assert.Equal(expected, actual[..width]);
        Assert.Equal(after, actual[width..]);
        Assert.Throws<ArgumentException>(() => Simd.SumRows(new float[6], 4, new float[4]));
        Assert.Throws<ArgumentException>(() => Simd.SumRows(new float[8], 4, new float[3]));
    }

    [Theory]
    [InlineData(2, 6, 5, 1, 3, 3, 1, 1, "valid")]
    [InlineData(2, 6, 5, 3, 3, 3, 1, 1, "same")]
    [InlineData(1, 7, 8, 2, 3, 3, 2, 2, "same")]
    [InlineData(3, 28, 28, 1, 3, 3, 1, 1, "valid")]
    [InlineData(1, 5, 5, 3, 2, 2, 2, 2, "valid")]
    public void Im2col_matches_the_scalar_reference(int batch, int h, int w, int c, int kh, int kw, int sh, int sw, string padding)
    {
        int outH = padding == "same" ? (h + sh - 1) / sh : (h - kh) / sh + 1, outW = padding == "same" ? (w + sw - 1) / sw : (w - kw) / sw + 1;
        int padTop = padding == "same" ? Math.Max((outH - 1) * sh + kh - h, 0) / 2 : 0, padLeft = padding == "same" ? Math.Max((outW - 1) * sw + kw - w, 0) / 2 : 0;
        var x = Data(batch * h * w * c, 3, specials: false);
        var expected = new float[batch * outH * outW * kh * kw * c];
        var actual = Data(expected.Length, 4);
        Scalar.Im2Col(x, batch, h, w, c, kh, kw, sh, sw, padTop, padLeft, outH, outW, expected);
        Simd.Im2Col(x, batch, h, w, c, kh, kw, sh, sw, padTop, padLeft, outH, outW, actual);
        Assert.Equal(expected, actual);
        // Col2im, the adjoint, accumulates into its input: bit for bit the twin's, from the same start.
        var back = Data(batch * h * w * c, 5, specials: false);
        var backExpected = (float[])back.Clone();
        Scalar.Col2Im(expected, batch, h, w, c, kh, kw, sh, sw, padTop, padLeft, outH, outW, backExpected);
        Simd.Col2Im(expected, batch, h, w, c, kh, kw, sh, sw, padTop, padLeft, outH, outW, back);
        Assert.Equal(backExpected, back);
    }
    /// <summary>
    /// Σ op(x, y) in the order of the plain 512-bit loop: accumulator j takes the vectors at 64t + 16j, then
    /// single vectors go into the first, the four are added pairwise and summed, the tail added one by one.
    /// </summary>
    private static float PlainOrderSum(float[] x, int xAt, float[] y, int yAt, int n, Func<System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>> op, Func<float, float, float> scalar)
    {
        var a = new System.Runtime.Intrinsics.Vector512<float>[4];
        System.Runtime.Intrinsics.Vector512<float> V(float[] d, int at) => System.Runtime.Intrinsics.Vector512.Create(d.AsSpan(at, 16));
        int i = 0;
        for (; i <= n - 64; i += 64)
            for (int j = 0; j < 4; j++) a[j] += op(V(x, xAt + i + 16 * j), V(y, yAt + i + 16 * j));
        for (; i <= n - 16; i += 16) a[0] += op(V(x, xAt + i), V(y, yAt + i));
        float sum = System.Runtime.Intrinsics.Vector512.Sum((a[0] + a[1]) + (a[2] + a[3]));
        for (; i < n; i++) sum += scalar(x[xAt + i], y[yAt + i]);
        return sum;
    }

    [Theory]
    [InlineData(1023)] [InlineData(1024)] [InlineData(1087)] [InlineData(1088)] [InlineData(1151)] [InlineData(4113)] [InlineData(1 << 18)]
    public void Long_sums_have_the_same_bits_at_every_address_and_keep_the_order_of_the_plain_loop(int n)
    {
        // Arrays rarely start on a 64-byte line, and a long sum reads them by lines (see Loops.SumOf): the
        // values are the same at every offset, so must every bit of the sums be.
        var values = Data(n, 41, specials: false);
        var other = Data(n, 42, specials: false);
        float sum = 0, squares = 0, dot = 0;
        for (int offset = 0; offset < 16; offset++)
        {
            var x = new float[n + 16];
            var y = new float[n + 16];
            values.CopyTo(x, offset);
            other.CopyTo(y, 15 - offset);   // x and y at different alignments
            var xs = x.AsSpan(offset, n); var ys = y.AsSpan(15 - offset, n);
            if (offset == 0) (sum, squares, dot) = (Simd.Sum(xs), Simd.SumOfSquares(xs), Simd.Dot(xs, ys));
            Assert.Equal(BitConverter.SingleToInt32Bits(sum), BitConverter.SingleToInt32Bits(Simd.Sum(xs)));
            Assert.Equal(BitConverter.SingleToInt32Bits(squares), BitConverter.SingleToInt32Bits(Simd.SumOfSquares(xs)));
            Assert.Equal(BitConverter.SingleToInt32Bits(dot), BitConverter.SingleToInt32Bits(Simd.Dot(xs, ys)));
        }
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;
        Assert.Equal(BlockedPlainOrderSum(values, values, n, (a, b) => a, (a, b) => a), sum);
        Assert.Equal(BlockedPlainOrderSum(values, values, n, (a, b) => a * b, (a, b) => a * b), squares);
        Assert.Equal(BlockedPlainOrderSum(values, other, n, (a, b) => a * b, (a, b) => a * b), dot);
    }

    [Theory]
    [InlineData(128)] [InlineData(1087)] [InlineData(4113)]
    public unsafe void The_two_array_line_loops_keep_the_plain_loops_sums_at_every_alignment(int n)
    {
        // Which of the three a dot runs depends on the processor (the lookahead's) and on where y lies, so each is called here itself:
        // every accumulator, to the bit, is the plain loop's over the steps the loop took.
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;
        var values = Data(n + 16, 43, specials: false);
        var other = Data(n + 16, 44, specials: false);
        for (int ox = 0; ox < 16; ox++)
            for (int oy = 0; oy < 16; oy += 5)
                fixed (float* px = &values[ox], py = &other[oy])
                {
                    var plain = new System.Runtime.Intrinsics.Vector512<float>[4];
                    var op = default(MultiplyOperator);
                    System.Runtime.Intrinsics.Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                    System.Runtime.Intrinsics.Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
                    int both = Loops.SumOfLineAligned(px, py, n, op, ref b0, ref b1, ref b2, ref b3);
                    int first = Loops.SumOfFirstLineAligned(px, py, n, op, ref c0, ref c1, ref c2, ref c3);
                    int lying = Loops.SumWhereTheyLie(px, py, n, op, ref d0, ref d1, ref d2, ref d3);
                    // Whole blocks while one more is left for the lookahead load of the next line: the rest is the plain loop's.
                    Assert.Equal(n < 128 ? 0 : ((n - 128) / 64 + 1) * 64, both);
                    Assert.Equal(both, first);
                    Assert.Equal(both, lying);
                    for (int i = 0; i < both; i += 64)
                        for (int j = 0; j < 4; j++)
                            plain[j] += System.Runtime.Intrinsics.Vector512.Create(values.AsSpan(ox + i + 16 * j, 16)) * System.Runtime.Intrinsics.Vector512.Create(other.AsSpan(oy + i + 16 * j, 16));
                    Assert.Equal(plain, new[] { b0, b1, b2, b3 });
                    Assert.Equal(plain, new[] { c0, c1, c2, c3 });
                    Assert.Equal(plain, new[] { d0, d1, d2, d3 });
                }
    }

    [Theory]
    [InlineData(1087)] [InlineData(70_001)]
    public unsafe void A_dot_with_y_on_a_cache_line_keeps_the_plain_loops_sum_wherever_x_lies(int n)
    {
        // y on a line takes its own loop at 512 bits (Loops.SumWhereTheyLie); the sum must not change with it.
        var values = Data(n + 16, 45, specials: false);
        var other = Data(n + 16, 46, specials: false);
        var x = GC.AllocateArray<float>(n + 16, pinned: true);
        var y = GC.AllocateArray<float>(n + 16, pinned: true);
        int oy;
        fixed (float* p = y) oy = (int)((64 - (nint)p % 64) % 64 / sizeof(float));
        other.AsSpan(0, n).CopyTo(y.AsSpan(oy));
        var ys = y.AsSpan(oy, n);
        fixed (float* p = ys) Assert.Equal(0, (nint)p % 64);
        float expected = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? BlockedPlainOrderSum(values, other, n, (a, b) => a * b, (a, b) => a * b) : Simd.Dot(values.AsSpan(0, n), other.AsSpan(0, n));
        for (int ox = 0; ox < 16; ox++)
        {
            values.AsSpan(0, n).CopyTo(x.AsSpan(ox));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(Simd.Dot(x.AsSpan(ox, n), ys)));
        }
    }

    /// <summary>Blocks of 64K floats, each in the plain loop's order, their sums added in double (see Loops.SumOf).</summary>
    private static float BlockedPlainOrderSum(float[] x, float[] y, int n, Func<System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>> op, Func<float, float, float> scalar)
    {
        const int Block = 1 << 16;
        if (n <= Block) return PlainOrderSum(x, 0, y, 0, n, op, scalar);
        double total = 0;
        for (int i = 0; i < n; i += Block) total += PlainOrderSum(x, i, y, i, Math.Min(Block, n - i), op, scalar);
        return (float)total;
    }
}
