using System.Runtime.Intrinsics;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

public class GemmTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 0, 5, 3 }, { 4, 0, 3 }, { 3, 4, 0 }, { 1, 1, 1 }, { 7, 33, 5 }, { 6, 32, 1 }, { 17, 65, 300 },
        { 130, 97, 513 }, { 32, 128, 300 }, { 300, 400, 500 }, { 200, 100, 784 }, { 500, 28, 9 }, { 9, 28, 700 }, { 9, 28, 10000 }, { 20, 40, 3000 }, { 32, 128, 600 }, { 70, 28, 9 }, { 21632, 28, 9 }, { 100, 64, 16 }, { 130, 17, 3 }, { 9, 28, 21632 }, { 16, 64, 300 }, { 3, 5, 257 }, { 13, 300, 700 }, { 1, 2000, 1100 },
        // Row blocks read in place (few panels of B) with a partial last panel, and packed ones next to them.
        { 5, 7, 17 }, { 37, 128, 300 }, { 33, 129, 257 }, { 257, 17, 33 }, { 97, 136, 260 }, { 100, 144, 40 }, { 199, 10, 101 }, { 5, 2001, 300 }, { 12, 130, 500 },
        // The course models' products: dense 4732→128 at batch 32 (and 128, inference), the MLP's 784→100 at batch 200.
        // Up to 256 rows with a deep product: the depth split in halves (256: the CNN's inference batch); 257 rows: the row split.
        { 128, 128, 4732 }, { 127, 37, 1100 }, { 129, 37, 1100 }, { 256, 128, 4732 }, { 257, 37, 1100 },
        { 32, 128, 4732 }, { 4732, 128, 32 }, { 32, 4732, 128 }, { 784, 100, 200 }, { 200, 784, 100 },
        // A last panel of columns of at most half a panel (the half-width kernel, an odd depth: its last single step) and one column more.
        { 64, 104, 77 }, { 64, 105, 77 }, { 40, 4, 300 }, { 40, 3, 301 },
        // Squarish products split by columns (each core packs its own half of B), one with a partial last panel.
        { 256, 256, 256 }, { 250, 200, 70 },
        // Small-depth products of an odd number of rows: two rows at a time, the last alone.
        { 65, 28, 9 }, { 129, 17, 3 }, { 99, 8, 16 },
        // Rows of one or two vectors four at a time: 2 and 3 rows left over, and a product the cores share.
        { 130, 9, 5 }, { 131, 32, 11 }, { 2000, 5, 9 },
        // Rows of exactly six vectors (41 to 48 columns at 256 bits, 21 to 24 at 128; never at 512): the small-shape kernels' sixth accumulator as the last one in use.
        { 100, 48, 9 }, { 100, 24, 9 }, { 9, 48, 300 }, { 9, 24, 300 },
    };

    [Theory, MemberData(nameof(Sizes))]
    public void Matches_the_scalar_reference_for_every_transpose_and_accumulate(int m, int n, int k)
    {
        var rng = new Rng(m * 10007 + n * 101 + k);
        var a = rng.Uniform(new Shape(m * k + 3), -1f, 1f).ToArray();
        var b = rng.Uniform(new Shape(k * n + 3), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n + 3), -1f, 1f).ToArray();
        foreach (var ta in new[] { false, true })
            foreach (var tb in new[] { false, true })
                foreach (var acc in new[] { false, true })
                {
                    var expected = (float[])start.Clone();
                    var actual = (float[])start.Clone();
                    // Unaligned: operands start one element into their arrays.
                    Scalar.Gemm(m, n, k, a.AsSpan(1), ta, b.AsSpan(2), tb, expected.AsSpan(1), acc);
                    Simd.Gemm(m, n, k, a.AsSpan(1), ta, b.AsSpan(2), tb, actual.AsSpan(1), acc);
                    // Different summation orders: each entry's error is bounded by k·ε·Σ|a||b| ≤ k·ε·k (|a|,|b| ≤ 1).
                    float tol = 1e-6f * Math.Max(k, 1) * 4;
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                            $"m={m} n={n} k={k} tA={ta} tB={tb} acc={acc}: element {i} is {actual[i]}, scalar {expected[i]}");
                    Assert.Equal(start[0], actual[0]);   // nothing written before C
                    if (m * n + 1 < actual.Length) Assert.Equal(start[m * n + 1], actual[m * n + 1]);   // nor after it
                }
    }

    /// <summary>
    /// The small-depth product writes a row whose length is not a whole number of vectors as whole vectors
    /// running into the next rows (written over when their turn comes), but only when C is overwritten: when
    /// it adds to C, the padding lanes of a row with an infinity in A (∞·0 = NaN) would be added into the
    /// next row before that row's turn. An infinity must stay in its own row either way.
    /// </summary>
    [Theory]
    [InlineData(70, 28, 9)]
    [InlineData(130, 5, 9)]
    [InlineData(2000, 9, 5)]
    [InlineData(99, 17, 3)]
    public void An_infinity_in_a_row_of_A_stays_in_that_row_of_C(int m, int n, int k)
    {
        var rng = new Rng(m + n + k);
        var a = rng.Uniform(new Shape(m * k), -1f, 1f).ToArray();
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n), -1f, 1f).ToArray();
        foreach (var ta in new[] { false, true })
        {
            var at = (float[])a.Clone();
            foreach (int row in new[] { 0, 2, m / 2, m - 2 }) at[ta ? 1 * m + row : row * k + 1] = float.PositiveInfinity;
            foreach (var acc in new[] { false, true })
            {
                var expected = (float[])start.Clone();
                var actual = (float[])start.Clone();
                Scalar.Gemm(m, n, k, at, ta, b, false, expected, acc);
                Simd.Gemm(m, n, k, at, ta, b, false, actual, acc);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(float.IsFinite(expected[i]) ? Math.Abs(expected[i] - actual[i]) <= 4e-6f * k : expected[i].Equals(actual[i]),
                        $"m={m} n={n} k={k} tA={ta} acc={acc}: row {i / n} column {i % n} is {actual[i]}, scalar {expected[i]}");
            }
        }
    }

    /// <summary>
    /// Row-split products (many rows, few columns: the MLP's weight gradient, the CNN's dense-layer gradient,
    /// a tall SGEMM, with and without zero skipping) share their rows out to whichever core gets there
    /// first, so the chunks fall differently from run to run. Every element must come out the same to the
    /// bit whichever core computed it, and the same as the blocked product on one core: the shared split
    /// many times over, the product as Multiply runs it, and two callers at once, each with its own packed
    /// B. (That a core which finishes early takes the others' chunks is ForkJoin's, tested there.)
    /// </summary>
    [Theory]
    [InlineData(784, 100, 200, true, false)]
    [InlineData(784, 100, 200, true, true)]
    [InlineData(4732, 128, 32, false, false)]
    [InlineData(400, 300, 500, false, false)]
    [InlineData(257, 37, 1100, false, true)]
    [InlineData(1031, 61, 530, true, false)]
    [InlineData(256, 256, 256, false, false)]   // Multiply splits this one by columns
    [InlineData(300, 200, 90, true, false)]
    public void A_row_split_product_gives_the_same_bits_however_the_cores_share_it(int m, int n, int k, bool ta, bool zeros)
    {
        var rng = new Rng(m + 3 * n + 7 * k);
        var a = rng.Uniform(new Shape(m * k), -1f, 1f).ToArray();
        if (zeros) for (int i = 0; i < a.Length; i++) if (i % 7 != 0) a[i] = 0f;
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n), -1f, 1f).ToArray();
        float[] Product(bool shared)
        {
            var c = (float[])start.Clone();
            if (shared) Gemm.MultiplySharedRows(m, n, k, a, ta, b, false, c, accumulate: true, zeros);
            else Gemm.Multiply(m, n, k, a, ta, b, false, c, accumulate: true, skipZeros: zeros);
            return c;
        }

        var alone = (float[])start.Clone();
        Gemm.MultiplyOnOneCore(m, n, k, a, ta, b, false, alone, accumulate: true, zeros);
        var expected = (float[])start.Clone();
        Scalar.Gemm(m, n, k, a, ta, b, false, expected, accumulate: true);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - alone[i]) <= 4e-6f * k, $"one core: element {i} is {alone[i]}, scalar {expected[i]}");
        for (int run = 0; run < 8; run++)
        {
            AssertSameBits(alone, Product(shared: true), $"shared rows, run {run}");
            AssertSameBits(alone, Product(shared: false), $"Multiply, run {run}");
        }
        var results = new float[2][];
        var callers = Enumerable.Range(0, 2).Select(t => new Thread(() => results[t] = Product(shared: true))).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        AssertSameBits(alone, results[0], "first of two callers at once");
        AssertSameBits(alone, results[1], "second of two callers at once");
    }

    /// <summary>
    /// With zero skipping, each core packs the partial last panel of B (100 columns: three whole panels
    /// and 4 columns) for itself and keeps it for the rest of the product. A layer's weights change in
    /// place between batches, so every product must pack the panel again: each one, on whichever cores,
    /// must give the one-core product of the B it was given.
    /// </summary>
    [Theory]
    [InlineData(200, 100, 784, false)]
    [InlineData(784, 100, 200, true)]
    [InlineData(257, 37, 1100, false)]
    public void A_row_split_product_reads_the_B_it_is_given_when_B_changes_in_place(int m, int n, int k, bool ta)
    {
        var rng = new Rng(m + n + k);
        var a = rng.Uniform(new Shape(m * k), -1f, 1f).ToArray();
        for (int i = 0; i < a.Length; i++) if (i % 5 != 0) a[i] = 0f;
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        for (int step = 0; step < 4; step++)
        {
            // As an optimizer's step does: every weight moves, in the same array.
            for (int i = 0; i < b.Length; i++) b[i] = b[i] * -0.5f + 0.25f * ((i + step) % 3);
            var alone = new float[m * n];
            Gemm.MultiplyOnOneCore(m, n, k, a, ta, b, false, alone, accumulate: false, skipZeros: true);
            for (int run = 0; run < 3; run++)
            {
                var shared = new float[m * n];
                Gemm.MultiplySharedRows(m, n, k, a, ta, b, false, shared, accumulate: false, skipZeros: true);
                AssertSameBits(alone, shared, $"step {step}, run {run}");
            }
        }
    }

    /// <summary>
    /// The first layer's weight gradient xᵀ·dz with a copy of dz made by one thread (the trainer's worker):
    /// that thread reads the copy wherever the product reads B in place, every other thread B. On the calling
    /// thread alone every part is the caller's, so the product is the copy's when the copy is the caller's and
    /// B's when it is another thread's; shared, with a copy of the same floats, it is the one-core product to the bit.
    /// </summary>
    [Theory]
    [InlineData(784, 100, 200)]
    [InlineData(257, 37, 300)]
    [InlineData(100, 48, 70)]
    public void A_product_with_a_copy_of_B_reads_the_copy_on_the_copy_s_thread_only(int m, int n, int k)
    {
        var rng = new Rng(3 * m + n + k);
        var a = rng.Uniform(new Shape(k * m), -1f, 1f).ToArray();   // x, k×m: A is its transpose
        for (int i = 0; i < a.Length; i++) if (i % 5 != 0) a[i] = 0f;
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        var other = b.Select(v => v * -2f + 0.5f).ToArray();
        float[] OneCore(float[] of)
        {
            var c = new float[m * n];
            Gemm.MultiplyOnOneCore(m, n, k, a, true, of, false, c, accumulate: false, skipZeros: true);
            return c;
        }
        var ofB = OneCore(b);
        var ofOther = OneCore(other);
        var product = new float[m * n];
        ForkJoin.Alone = true;
        try
        {
            Gemm.MultiplyWithCopyOfB(m, n, k, a, true, b, other, Environment.CurrentManagedThreadId, product, skipZeros: true);
            AssertSameBits(ofOther, product, "alone, the copy the calling thread's");
            Gemm.MultiplyWithCopyOfB(m, n, k, a, true, b, other, copyThread: -1, product, skipZeros: true);
            AssertSameBits(ofB, product, "alone, the copy another thread's");
        }
        finally { ForkJoin.Alone = false; }
        for (int run = 0; run < 5; run++)
        {
            Array.Clear(product);
            Gemm.MultiplyWithCopyOfB(m, n, k, a, true, b, (float[])b.Clone(), Environment.CurrentManagedThreadId, product, skipZeros: true);
            AssertSameBits(ofB, product, $"shared, a copy of the same floats, run {run}");
        }
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyWithCopyOfB(m, n, k, a, true, b, new float[k * n - 1], 0, product, skipZeros: true));
    }

    /// <summary>
    /// The depth split's sums are the same on every machine: the one-core products of the two halves of
    /// the depth, added, however many bands of columns the cores cut each half into (one on two or three
    /// cores, two on four, four on eight; three, and more bands than panels of B, on no machine but here).
    /// </summary>
    [Theory]
    [InlineData(32, 128, 4732, false)]    // the course CNN's dense layer in training
    [InlineData(256, 128, 4732, false)]   // and in inference
    [InlineData(32, 100, 2100, true)]     // a partial last panel, zero skipping
    [InlineData(7, 37, 1100, false)]
    public void The_depth_split_is_two_one_core_halves_added_in_any_number_of_column_bands(int m, int n, int k, bool zeros)
    {
        var rng = new Rng(m + 3 * n + 7 * k);
        var a = rng.Uniform(new Shape(m * k), -1f, 1f).ToArray();
        if (zeros) for (int i = 0; i < a.Length; i++) if (i % 5 != 0) a[i] = 0f;
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n), -1f, 1f).ToArray();
        // A's two halves of the depth as matrices of their own; B's are its first and last rows.
        int half = k / 2, rest = k - half;
        var a1 = new float[m * half];
        var a2 = new float[m * rest];
        for (int i = 0; i < m; i++)
        {
            a.AsSpan(i * k, half).CopyTo(a1.AsSpan(i * half));
            a.AsSpan(i * k + half, rest).CopyTo(a2.AsSpan(i * rest));
        }
        foreach (var accumulate in new[] { false, true })
        {
            var expected = (float[])start.Clone();
            var second = new float[m * n];
            Gemm.MultiplyOnOneCore(m, n, half, a1, false, b.AsSpan(0, half * n), false, expected, accumulate, zeros);
            Gemm.MultiplyOnOneCore(m, n, rest, a2, false, b.AsSpan(half * n), false, second, accumulate: false, zeros);
            for (int i = 0; i < expected.Length; i++) expected[i] += second[i];
            foreach (int bands in new[] { 1, 2, 3, 4, 5 })
            {
                var actual = (float[])start.Clone();
                Gemm.MultiplyDepthSplit(m, n, k, a, b, actual, accumulate, zeros, bands);
                AssertSameBits(expected, actual, $"{bands} band(s), accumulate {accumulate}");
            }
        }
        Assert.Equal(1, Gemm.DepthSplitBands(n, cores: 2));
        Assert.Equal(1, Gemm.DepthSplitBands(n, cores: 3));
        Assert.Equal(Math.Min(2, (n + Gemm.TileShape.Columns - 1) / Gemm.TileShape.Columns), Gemm.DepthSplitBands(n, cores: 4));
    }

    /// <summary>
    /// A dense layer's product in training is split in depth where <see cref="Layer.InputSplit"/> says (the
    /// trainer gathers the batch in the same halves): the bits of the two halves' products added, on any
    /// number of cores. Where it says 0 the product is not split: the one-core product's bits. Predict's
    /// product is never split for these shapes. A split product is at most eight tiles wide (256 columns with
    /// 512-bit vectors, 128 with 256-bit, 64 with 128-bit): wider, the inline split is expected to be 0.
    /// </summary>
    [Theory]
    [InlineData(200, 100, 784, 392)]    // the course MLP's first layer
    [InlineData(64, 64, 784, 392)]      // the intro model's, at batch 64
    [InlineData(32, 128, 4732, 2366)]   // the course CNN's dense layer, split in depth anyway
    [InlineData(16, 100, 784, 0)]       // 16 rows take the small-result path
    [InlineData(200, 32, 784, 0)]       // narrow
    [InlineData(200, 100, 500, 0)]      // shallow
    [InlineData(300, 100, 784, 0)]      // more rows than a depth split takes
    [InlineData(200, 512, 784, 0)]      // wide (03-mlp's 512 units)
    public void A_dense_layer_splits_its_training_product_where_its_input_split_says(int rows, int units, int inputs, int split)
    {
        var layer = new Dense(units, useBias: false, inputShape: inputs);
        var rng = new Rng(rows + units + inputs);
        layer.Build([inputs], rng);
        if (units > 8 * Gemm.TileShape.Columns) split = 0;
        Assert.Equal(split, layer.InputSplit(rows));
        // Mostly zeros, as pixels are, so the zero-skipping path is taken as in training.
        var x = rng.Uniform(new Shape(rows, inputs), -1f, 1f);
        for (int i = 0; i < x.Size; i++) if (i % 5 != 0) x.data[i] = 0f;
        var kernel = layer.Kernel.ToArray();
        var expected = new float[rows * units];
        if (split == 0) Gemm.MultiplyOnOneCore(rows, units, inputs, x.data, false, kernel, false, expected, accumulate: false, skipZeros: true);
        else Gemm.MultiplyDepthSplit(rows, units, inputs, x.data, kernel, expected, accumulate: false, skipZeros: true, bands: 1);
        AssertSameBits(expected, layer.Forward(x, training: true).ToArray(), "training");
        var oneCore = new float[rows * units];
        Gemm.MultiplyOnOneCore(rows, units, inputs, x.data, false, kernel, false, oneCore, accumulate: false, skipZeros: true);
        if (inputs < 1024) AssertSameBits(oneCore, layer.Forward(x, training: false).ToArray(), "inference");
    }

    /// <summary>
    /// Which products the cores share, by shape alone: the MLP's output layer (200×10 by 100) and its two
    /// gradients are too narrow to repay a split and run on one core (Gemm.NarrowParallelWork); its hidden layer's
    /// products, the course CNN's dense layer and a square 128³ are shared; a narrow product shares from 2M
    /// multiply-adds at 512 bits (1M at 256, 512K at 128), and below 128K none does.
    /// </summary>
    [Theory]
    [InlineData(200, 10, 100, false)]     // the MLP's output layer
    [InlineData(100, 10, 200, false)]     // its kernel gradient
    [InlineData(200, 100, 10, false)]     // its input gradient
    [InlineData(200, 100, 784, true)]     // the hidden layer
    [InlineData(784, 100, 200, true)]     // its kernel gradient
    [InlineData(32, 128, 4732, true)]     // the course CNN's dense layer (split in depth)
    [InlineData(32, 10, 4732, true)]      // a deep, narrow product split in depth
    [InlineData(128, 128, 128, true)]
    [InlineData(4000, 16, 200, true)]     // narrow, but 12.8M multiply-adds
    [InlineData(32, 10, 128, false)]      // the course CNN's output layer: 41K
    public void Narrow_products_run_on_one_core_until_they_are_large(int m, int n, int k, bool shared) =>
        Assert.Equal(shared, Gemm.SharesCores(m, n, k));

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, on one core {expected[i]}");
    }

    /// <summary>
    /// A B packed once for many products (a dense layer's weights through one Predict) must give each
    /// product the bits it gets when it packs B itself: the depth split's two halves, a smaller last
    /// batch, a batch of at most six rows (which reads B in place when it packs nothing), the shared row
    /// split with and without zero skipping, column bands wider than one block of columns, one core, a
    /// transposed B, and a product whose path cuts the depth otherwise than the packing did (it packs anew).
    /// </summary>
    [Theory]
    [InlineData(256, 128, 4732, 256, false, false)]
    [InlineData(88, 128, 4732, 256, false, false)]
    [InlineData(32, 128, 1100, 32, false, false)]
    [InlineData(4, 40, 300, 4, false, false)]
    [InlineData(200, 100, 784, 200, true, false)]
    [InlineData(256, 100, 784, 256, false, false)]
    [InlineData(64, 2100, 50, 64, false, false)]
    [InlineData(20, 30, 100, 20, false, false)]
    [InlineData(256, 37, 1100, 256, false, true)]
    [InlineData(300, 128, 1100, 256, false, false)]
    public void A_product_reading_B_packed_beforehand_gives_the_bits_of_one_that_packs_it(int m, int n, int k, int packedForRows, bool zeros, bool tb)
    {
        var rng = new Rng(m + 5 * n + 11 * k);
        var a = rng.Uniform(new Shape(m * k), -1f, 1f).ToArray();
        if (zeros) for (int i = 0; i < a.Length; i++) if (i % 5 != 0) a[i] = 0f;
        var b = rng.Uniform(new Shape(k * n), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n), -1f, 1f).ToArray();
        var packed = new PackedB();
        packed.Pack(b, k, n, tb, packedForRows);
        foreach (var accumulate in new[] { false, true })
        {
            var expected = (float[])start.Clone();
            Gemm.Multiply(m, n, k, a, false, b, tb, expected, accumulate, skipZeros: true, packedB: null);
            var actual = (float[])start.Clone();
            Gemm.Multiply(m, n, k, a, false, b, tb, actual, accumulate, skipZeros: true, packed);
            AssertSameBits(expected, actual, $"packed for {packedForRows} rows, accumulate {accumulate}");
        }
        var other = (float[])b.Clone();
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(m, n, k, a, false, other, tb, new float[m * n], false, true, packed));
        Assert.Contains($"{k}×{n}", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(256)]
    public void The_benchmarks_tile_product_is_the_micro_kernel_on_packed_panels(int depth)
    {
        var (rows, cols) = Gemm.TileShape;
        var rng = new Random(depth);
        float[] a = new float[rows * depth], b = new float[cols * depth], tile = new float[rows * cols];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble() - 0.5f;
        tile.AsSpan().Fill(float.NaN);
        Gemm.TileProduct(depth, a, b, tile, repeats: 3);
        // Packed A holds a column of the tile's rows per depth step, packed B a row of its columns.
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double sum = 0;
                for (int p = 0; p < depth; p++) sum += (double)a[p * rows + i] * b[p * cols + j];
                Assert.True(Math.Abs(tile[i * cols + j] - sum) <= 1e-5 * depth, $"tile[{i},{j}] = {tile[i * cols + j]}, expected {sum}");
            }
        var error = Assert.Throws<ArgumentException>(() => Gemm.TileProduct(depth, a.AsSpan(1), b, tile, 1));
        Assert.Contains($"{rows * depth} floats of A (got {a.Length - 1})", error.Message);
    }

    /// <summary>
    /// The unrolled micro-kernel (four depth steps a pass, compiled per layout of A) against the general
    /// one on the same panels, to the bit: packed A, A read in place by rows (stored m×k) and by columns
    /// (stored k×m), over depths that leave every remainder of the four-step loop.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(196)]
    [InlineData(257)]
    public void The_unrolled_kernel_gives_the_general_kernels_bits_in_every_layout(int depth)
    {
        var (rows, cols) = Gemm.TileShape;
        var rng = new Random(depth + 1);
        var b = new float[cols * depth];
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble() - 0.5f;
        // (rows apart, steps apart): packed; rows of a 6×(depth+3) A; columns of a (depth)×9 A stored transposed.
        foreach (var (rowA, stepA) in new (long, long)[] { (1, rows), (depth + 3, 1), (1, 9) })
        {
            var a = new float[depth == 0 ? 0 : (rows - 1) * rowA + (depth - 1) * stepA + 1];
            for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
            float[] unrolled = new float[rows * cols], general = new float[rows * cols];
            unrolled.AsSpan().Fill(float.NaN);
            general.AsSpan().Fill(float.NaN);
            Gemm.TileProduct(depth, a, rowA, stepA, b, unrolled, general: false);
            Gemm.TileProduct(depth, a, rowA, stepA, b, general, general: true);
            for (int i = 0; i < unrolled.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(unrolled[i]) == BitConverter.SingleToInt32Bits(general[i]),
                    $"depth {depth}, rows {rowA} and steps {stepA} apart: element {i} is {unrolled[i]:R} unrolled, {general[i]:R} general");
            if (depth > 0) Assert.NotEqual(0f, unrolled[0]);
        }
        var error = Assert.Throws<ArgumentException>(() => Gemm.TileProduct(depth + 1, new float[rows * depth], 1, rows, new float[cols * (depth + 1)], new float[rows * cols], general: false));
        Assert.Contains($"needs {rows * (depth + 1)} floats of A (got {rows * depth})", error.Message);
    }

    [Fact]
    public void Too_short_operands_are_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Simd.Gemm(2, 2, 2, new float[3], false, new float[4], false, new float[4]));
        Assert.Contains("A needs 4", e.Message);
    }
}

public class ZeroSkippingGemmTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        // The MLP's two 784×100 products at batch 200; half-width last panels, with an odd depth; partial
        // row panels; a single row (B read in place on the dense path); the depth split in halves.
        { 200, 100, 784 }, { 784, 100, 200 }, { 64, 104, 77 }, { 64, 105, 77 }, { 40, 3, 301 }, { 37, 128, 300 },
        { 33, 129, 257 }, { 97, 136, 260 }, { 13, 300, 700 }, { 1, 2000, 1100 }, { 5, 2001, 300 }, { 256, 128, 4732 },
    };

    /// <summary>
    /// A with about 85% zeros, as raw pixels have, a tenth of them -0 (a zero all the same) and a few
    /// subnormals (not zeros), plus a whole zero stored row (an all-zero panel step or tile) and a row
    /// whose only nonzero is a subnormal.
    /// </summary>
    private static float[] MostlyZeros(int m, int k, int seed)
    {
        var rng = new Rng(seed);
        var keep = rng.Uniform(new Shape(m * k + 3), 0f, 1f).ToArray();
        var a = rng.Uniform(new Shape(m * k + 3), -1f, 1f).ToArray();
        for (int i = 0; i < a.Length; i++)
            if (keep[i] < 0.085f) a[i] = -0f;
            else if (keep[i] < 0.85f) a[i] = 0f;
            else if (keep[i] > 0.999f) a[i] = 1e-40f;
        for (int j = 1; j <= Math.Min(k, m); j++) a[j] = 0f;
        // Stored row 1 (seen from offset 1) holds one subnormal and zeros: stored m×k, its row of C is that
        // subnormal's products alone, so a step kept or skipped wrongly changes it.
        if (m > 1 && k > 1)
        {
            a.AsSpan(1 + k, k).Clear();
            a[1 + k + k / 2] = 1e-40f;
        }
        return a;
    }

    /// <summary>Columns per micro-tile: two vectors of the widest accelerated width.</summary>
    private static int Nr => Vector512.IsHardwareAccelerated ? 32 : Vector256.IsHardwareAccelerated ? 16 : 8;

    /// <summary>
    /// Whether column j lies in a last panel of B narrow enough for the half-width kernels, which sum even
    /// and odd steps apart: which steps are even differs once zero steps are skipped.
    /// </summary>
    private static bool InHalfWidthPanel(int n, int j) => n % Nr != 0 && n % Nr <= Nr / 2 && j >= n / Nr * Nr;

    [Theory, MemberData(nameof(Sizes))]
    public void Skipping_zeros_matches_the_scalar_reference_and_the_dense_product(int m, int n, int k)
    {
        var a = MostlyZeros(m, k, m * 31 + n * 7 + k);
        var rng = new Rng(m + n + k);
        var b = rng.Uniform(new Shape(k * n + 3), -1f, 1f).ToArray();
        var start = rng.Uniform(new Shape(m * n + 3), -1f, 1f).ToArray();
        foreach (var ta in new[] { false, true })
        {
            Assert.True(Gemm.MostlyZeros(a.AsSpan(1), ta ? k : m, ta ? m : k), $"{m}x{n}x{k} tA={ta}: A should take the zero-skipping path");
            foreach (var tb in new[] { false, true })
            foreach (var acc in new[] { false, true })
            {
                var expected = (float[])start.Clone();
                var dense = (float[])start.Clone();
                var actual = (float[])start.Clone();
                Scalar.Gemm(m, n, k, a.AsSpan(1), ta, b.AsSpan(2), tb, expected.AsSpan(1), acc);
                Gemm.Multiply(m, n, k, a.AsSpan(1), ta, b.AsSpan(2), tb, dense.AsSpan(1), acc, skipZeros: false);
                Gemm.Multiply(m, n, k, a.AsSpan(1), ta, b.AsSpan(2), tb, actual.AsSpan(1), acc, skipZeros: true);
                float tol = 1e-6f * k * 4;
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                        $"m={m} n={n} k={k} tA={ta} tB={tb} acc={acc}: element {i} is {actual[i]}, scalar {expected[i]}");
                    // The same products in the same order as the dense path: the same bits, but in a half-width
                    // last panel, whose even and odd steps are summed apart.
                    if (i == 0 || i > m * n || !InHalfWidthPanel(n, (i - 1) % n))
                        Assert.True(dense[i] == actual[i], $"m={m} n={n} k={k} tA={ta} tB={tb} acc={acc}: element {i} is {actual[i]}, dense path {dense[i]}");
                }
                Assert.Equal(start[0], actual[0]);
                Assert.Equal(start[m * n + 1], actual[m * n + 1]);
            }
        }
    }

    [Fact]
    public void Dense_or_small_operands_stay_on_the_dense_path()
    {
        var rng = new Rng(5);
        var dense = rng.Uniform(new Shape(200 * 784), -1f, 1f).ToArray();
        Assert.False(Gemm.MostlyZeros(dense, 200, 784));
        // Exactly 30% nonzero is still sparse enough; 31% is not.
        var row = new float[100];
        for (int j = 0; j < 30; j++) row[j * 3] = 1f;
        Assert.True(Gemm.MostlyZeros(row, 1, 100));
        row[1] = 1f;
        Assert.False(Gemm.MostlyZeros(row, 1, 100));
        Assert.Throws<ArgumentException>(() => Gemm.MostlyZeros(row, 2, 100));
    }
}
