namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// Once warmed up, training makes no garbage per batch: layers reuse their buffers, the kernels share
/// work among the cores without allocating, the optimizer finds its state without a lambda. What an
/// epoch allocates (its History entry, its metrics dictionary) does not grow with the number of
/// batches, so the bytes per batch are the slope between two dataset sizes of the bytes per epoch,
/// and that slope is what is bounded.
/// </summary>
/// <remarks>
/// Two counts: the training thread's own allocations (exactly 0 per batch) and the whole process's,
/// which includes the thread-pool workers that run parts of the kernels but also the test runner's
/// threads reporting results meanwhile (measured at up to ~150 bytes per batch). Before the
/// allocation-free fork-join, a CNN batch allocated 15-20 KB, most of it on the training thread.
/// </remarks>
[Collection(nameof(AllocationCounting))]
public class TrainingAllocationTests
{
    /// <summary>Allowed bytes per batch on the training thread: nothing (a double's rounding aside).</summary>
    private const double ThreadBound = 1;
    /// <summary>Allowed bytes per batch in the whole process: 0 from training plus the test runner's own traffic.</summary>
    private const double ProcessBound = 512;

    private const int Fewer = 2, More = 10;

    private static Tensor Uniform(Rng rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = rng.NextFloat();
        return t;
    }

    private static int[] Labels(int n) => Enumerable.Range(0, n).Select(i => i % 10).ToArray();

    private static (long Thread, long Process) Allocated() =>
        (GC.GetAllocatedBytesForCurrentThread(), GC.GetTotalAllocatedBytes(precise: true));

    /// <summary>
    /// Bytes per epoch of <paramref name="fit"/>(epochs), on this thread and in the process: the difference
    /// between 3 epochs and 1, halved. Each is the least of 4 tries, because a one-off allocation by another
    /// thread can land in any try.
    /// </summary>
    private static (double Thread, double Process) PerEpoch(Action<int> fit)
    {
        fit(1);
        long[] one = [long.MaxValue, long.MaxValue], three = [long.MaxValue, long.MaxValue];
        for (int attempt = 0; attempt < 4; attempt++)
            foreach (var (epochs, least) in new[] { (1, one), (3, three) })
            {
                var before = Allocated();
                fit(epochs);
                var after = Allocated();
                least[0] = Math.Min(least[0], after.Thread - before.Thread);
                least[1] = Math.Min(least[1], after.Process - before.Process);
            }
        return ((three[0] - one[0]) / 2.0, (three[1] - one[1]) / 2.0);
    }

    /// <summary>
    /// Checks how the bytes per epoch grow from <see cref="Fewer"/> to <see cref="More"/> batches. The whole
    /// measurement is made up to three times, each after the process has been quiet for a moment, and the
    /// check passes if one of them is within bounds: garbage made by training is the same in every attempt,
    /// while the test runner's own traffic comes in bursts (in CI, with the other test assemblies running
    /// beside this one, it reported the results of the tests before this collection for seconds, at 4.5 KB
    /// per batch of this test, while the training thread allocated nothing).
    /// </summary>
    private static void AssertNothingPerBatch(string what, Func<int, Action<int>> fitWithBatches)
    {
        var attempts = new List<string>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            WaitUntilQuiet();
            var few = PerEpoch(fitWithBatches(Fewer));
            var many = PerEpoch(fitWithBatches(More));
            double thread = (many.Thread - few.Thread) / (More - Fewer), process = (many.Process - few.Process) / (More - Fewer);
            if (thread < ThreadBound && process < ProcessBound) return;
            attempts.Add($"{thread:F0} bytes per batch on the training thread ({few.Thread:F0} per epoch of {Fewer} batches, "
                + $"{many.Thread:F0} of {More}), {process:F0} in the process ({few.Process:F0} and {many.Process:F0})");
        }
        Assert.Fail($"{what}, in each of {attempts.Count} attempts: {string.Join("; ", attempts)}");
    }

    /// <summary>Waits, for at most 2 s, until nothing in the process has allocated for 200 ms (the runner may never go quite silent).</summary>
    private static void WaitUntilQuiet()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long last = GC.GetTotalAllocatedBytes(precise: true);
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            Thread.Sleep(200);
            long now = GC.GetTotalAllocatedBytes(precise: true);
            if (now == last) return;
            last = now;
        }
    }

    [Fact]
    public void A_warmed_up_fit_of_the_course_cnn_allocates_nothing_per_batch()
    {
        var rng = new Rng(1);
        var model = Models.CourseCnn();
        var data = new Dictionary<int, (Tensor X, int[] Y)>();
        foreach (int batches in new[] { Fewer, More }) data[batches] = (Uniform(rng, 32 * batches, 28, 28, 1), Labels(32 * batches));
        AssertNothingPerBatch("Sequential.Fit of the course CNN, batches of 32", batches => epochs => model.Fit(data[batches].X, data[batches].Y, epochs: epochs, batchSize: 32, verbose: false));
    }

    [Fact]
    public void A_warmed_up_fit_of_an_mlp_allocates_nothing_per_batch()
    {
        var rng = new Rng(2);
        var model = new Sequential(seed: 1);
        model.Add(new Dense(100, activation: "relu", inputShape: 784));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var data = new Dictionary<int, (Tensor X, int[] Y)>();
        foreach (int batches in new[] { Fewer, More }) data[batches] = (Uniform(rng, 200 * batches, 784), Labels(200 * batches));
        AssertNothingPerBatch("Sequential.Fit of a 784-100-10 MLP, batches of 200", batches => epochs => model.Fit(data[batches].X, data[batches].Y, epochs: epochs, batchSize: 200, verbose: false));
    }

    [Fact]
    public void MLPClassifier_epochs_allocate_nothing_per_batch()
    {
        var rng = new Rng(3);
        var data = new Dictionary<int, (Tensor X, int[] Y)>();
        foreach (int batches in new[] { Fewer, More }) data[batches] = (Uniform(rng, 200 * batches, 784), Labels(200 * batches));
        // Each Fit starts afresh; with tol 0 and a patience beyond maxIter it runs exactly maxIter epochs.
        AssertNothingPerBatch("MLPClassifier.Fit, batches of 200", batches => epochs =>
            new MLPClassifier(hiddenLayerSizes: [100], maxIter: epochs, tol: 0f, nIterNoChange: 1000, randomState: 1).Fit(data[batches].X, data[batches].Y));
    }

    [Fact]
    public void An_epoch_whose_batches_change_size_allocates_no_buffers_anew()
    {
        // 104 training images, 3 batches of 32 and one of 8, and 26 held out for validation, evaluated after
        // each epoch: every layer changes batch size three times an epoch, once for a pass without training.
        // A layer that made a buffer anew for a new batch size (the dropout mask, the pooling's indices, the
        // activations), or let one go at inference, would allocate it again every epoch: 781 KB an epoch for
        // the course CNN before its masks and indices were kept like its tensors, 1.3 MB with the validation
        // while each buffer kept one spare. Now an epoch allocates about 5 KB here, and 352 bytes with no change
        // of batch size: the 25 changes of buffer an epoch took about 100 bytes each (measured in Layer.Replace),
        // the rest not itemized.
        var model = Models.CourseCnn(seed: 3);
        var x = Uniform(new Rng(6), 130, 28, 28, 1);
        var y = Labels(130);
        var (thread, _) = PerEpoch(epochs => model.Fit(x, y, epochs: epochs, batchSize: 32, validationSplit: 0.2, verbose: false));
        Assert.True(thread < 16 * 1024, $"an epoch of 3 batches of 32 and one of 8, and a validation, allocated {thread:N0} bytes on the training thread");
    }

    [Fact]
    public void Predicting_again_allocates_only_the_result_though_the_last_batch_is_smaller()
    {
        // 300 images: a batch of 256 and one of 44, so every layer's buffers change shape twice per call.
        var model = Models.CourseCnn(seed: 2, dropout: false);
        var x = Uniform(new Rng(5), 300, 28, 28, 1);
        model.Predict(x, batchSize: 256);
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            model.Predict(x, batchSize: 256);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        // The result (300 × 10 floats, 12 KB) and a few small objects; a layer that made its buffers anew
        // would allocate hundreds of KB (the pooled maps of 256 images alone are 4.8 MB).
        Assert.True(least < 32 * 1024, $"a repeated Predict allocated {least:N0} bytes on this thread");
    }
}
