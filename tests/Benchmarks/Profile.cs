using System.Diagnostics;
using NeuralNotebooks;

namespace Benchmarks;

/// <summary>
/// Where a training step spends its time, layer by layer: gathering the batch, each layer's forward and
/// backward pass and the optimizer, the median over 300 steps after at least 3 s of warm-up steps (the mean
/// beside it), for the course CNN (batches of 32 MNIST images) and the MLP of the benchmark table (batches of 200).
/// </summary>
internal static class Profile
{
    public static int Run()
    {
        var mnist = Mnist.Load(Path.Combine(Compare.FindRoot(), "data", "mnist"), channels: true);
        Steps("course CNN", Compare.CourseCnn(), mnist.Train.Images, mnist.Train.Labels, 32);
        Console.WriteLine();
        Steps("MLP 784-100-10", Compare.Mlp(), mnist.Train.Images.Reshape(-1, 784), mnist.Train.Labels, 200);
        Console.WriteLine();

        // Garbage per epoch once warmed up, and the process's peak memory, for a full-MNIST Fit.
        var (perEpoch, perCall) = Memory.FitAllocations(Compare.CourseCnn(), mnist.Train.Images, mnist.Train.Labels, 32);
        Console.WriteLine($"allocated by one warmed-up epoch of Fit (60,000 images, 1,875 batches): {perEpoch:N0} bytes ({perEpoch / 1875.0:N1} per batch); by each Fit call {perCall / 1024.0:N0} KiB more");
        Console.WriteLine($"peak working set of this process: {Environment.WorkingSet / (1024 * 1024)} MiB now, {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB at most");
        return 0;
    }

    /// <summary>
    /// Prints microseconds per step of <paramref name="model"/>'s gather, layers, loss and optimizer on batches
    /// of <paramref name="batch"/> shuffled images, gathered as Fit gathers them (into one reused buffer, a first
    /// dense layer's halves of the features each on the core that multiplies it: a batch taken in order, copied
    /// on the calling thread, left the other core reading half of it from this one's cache, which Fit does not),
    /// training on their labels as Fit does (the loss's
    /// gradient fused with the softmax), so that the weights move as in Fit. (With an all-zero gradient in
    /// place of the loss's, Adam's pass took 197 to 263 µs a CNN step instead of 490 to 564, and the
    /// products whose operand was that gradient skipped all of it.)
    /// </summary>
    private static void Steps(string title, Sequential model, Tensor images, int[] labels, int batch)
    {
        var layers = model.Layers;
        var parameters = model.GetWeights();
        var gradients = layers.SelectMany(l => l.Gradients).ToList();
        var next = parameters.Select(p => new float[p.Size]).ToArray();
        // Each timed step's milliseconds per part, for medians: this machine's slow phases (a step now and then
        // many times longer) moved the means of whole runs, Adam's by 8x in some, and a median stays put.
        var forward = new double[layers.Count][];
        var backward = new double[layers.Count][];
        for (int i = 0; i < layers.Count; i++) { forward[i] = new double[Timed]; backward[i] = new double[Timed]; }
        double[] optimizer = new double[Timed], lossTime = new double[Timed], gather = new double[Timed];
        var loss = model.Loss!;
        var last = layers[^1] as KernelLayer;
        bool fusedLast = last is not null && loss.FusesWith(last.Activation);
        var targets = new Tensor(labels.Select(l => (float)l).ToArray(), labels.Length);
        var pair = Conv2D.FirstPair(layers);
        bool fusedFirst = pair is var (conv, pool) && conv.BackwardFusesWith(pool);
        bool pooledAsItGoes = fusedFirst && pair!.Value.Conv.ForwardFusesWith(pair.Value.Pool);
        // The warm-up lasts a time, not a number of steps: the JIT recompiles a method with full optimization
        // only once the process has gone 100 ms without compiling anything new and the method has then been
        // called 30 times, in the background. After 100 steps (about 0.4 s) much of a step still ran the
        // first, unoptimized code: the CNN's step measured 3.7 to 4.3 ms, against 1.8 to 2.8 ms after 1,500
        // steps (three alternating pairs of runs).
        const int MinWarmup = 100;
        long warmupEnd = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        int batches = images.Shape[0] / batch, warmup = -1;
        int width = layers[^1].OutputShape[^1];
        var grad = Tensor.Zeros(batch, width);
        Tensor? input = null, batchTargets = null;
        var order = Enumerable.Range(0, images.Shape[0]).ToArray();
        new Random(1).Shuffle(order);
        for (int step = 0; warmup < 0 || step < warmup + Timed; step++)
        {
            if (warmup < 0 && step >= MinWarmup && Stopwatch.GetTimestamp() >= warmupEnd) warmup = step;
            bool timed = warmup >= 0;
            int t = timed ? step - warmup : 0;
            int first = batch * (step % batches);
            // Into one buffer reused from step to step, as Fit gathers its batches: with a new array a step, as
            // Slice makes, the MLP's first layer took 191 and 233 µs forward against 123 and 131 (old and new
            // alternating, two runs each).
            var gatherClock = Stopwatch.StartNew();
            Tensor h = Batches.Gather(images, order, first, batch, ref input, layers[0].InputSplit(batch));
            var y = Batches.Gather(targets, order, first, batch, ref batchTargets).data.AsSpan(0, batch);
            if (timed) gather[t] = gatherClock.Elapsed.TotalMilliseconds;
            for (int i = 0; i < layers.Count; i++)
            {
                var sw = Stopwatch.StartNew();
                if (i == 0 && pooledAsItGoes)
                {
                    // As Fit runs them: the pooling computed inside the first convolution's forward pass.
                    h = pair!.Value.Conv.ForwardThroughPool(pair.Value.Pool, h, training: true);
                    if (timed) forward[0][t] = sw.Elapsed.TotalMilliseconds;
                    i = 1;
                    continue;
                }
                h = layers[i].Forward(h, training: true);
                if (timed) forward[i][t] = sw.Elapsed.TotalMilliseconds;
            }
            var lossClock = Stopwatch.StartNew();
            if (fusedLast) { loss.Forward(h.data, y, batch, width, default); loss.FusedGradient(h.data, y, batch, width, grad.data); }
            else loss.Forward(h.data, y, batch, width, grad.data);
            if (timed) lossTime[t] = lossClock.Elapsed.TotalMilliseconds;
            Tensor? g = grad;
            for (int i = layers.Count - 1; i >= 0 && g is not null; i--)
            {
                var sw = Stopwatch.StartNew();
                if (i == layers.Count - 1 && fusedLast)
                {
                    g = last!.BackwardFromPreActivation(g, needInputGradient: i > 0);
                    if (timed) backward[i][t] = sw.Elapsed.TotalMilliseconds;
                    continue;
                }
                if (i == 1 && fusedFirst)
                {
                    // As Fit runs them: the pooling's backward pass inside the first convolution's.
                    pair!.Value.Conv.BackwardThroughPool(pair.Value.Pool, g);
                    if (timed) backward[0][t] = sw.Elapsed.TotalMilliseconds;
                    break;
                }
                g = layers[i].Backward(g, needInputGradient: i > 0);
                if (timed) backward[i][t] = sw.Elapsed.TotalMilliseconds;
            }
            // As Fit steps: the new weights written into the other arrays and checked on the way, then swapped in.
            var clock = Stopwatch.StartNew();
            if (model.Optimizer!.StepInto(parameters, gradients, next, Trainer.WeightLimit) >= 0) throw new InvalidOperationException($"{title}: training diverged in step {step}.");
            for (int i = 0; i < parameters.Count; i++) parameters[i].SwapData(ref next[i]);
            if (timed) optimizer[t] = clock.Elapsed.TotalMilliseconds;
        }
        Console.WriteLine($"{title}, batch {batch}: microseconds per step, the median of {Timed} steps after {warmup:N0} warm-up steps (the mean in brackets)");
        Console.WriteLine($"{"layer",-26} {"forward",15} {"backward",15}");
        Console.WriteLine($"{"gather (shuffled, as Fit)",-26} {Cell(gather),15}");
        for (int i = 0; i < layers.Count; i++)
            Console.WriteLine($"{layers[i].Name + " (" + layers[i].GetType().Name + ")",-26} {(i == 1 && pooledAsItGoes ? "in conv2d" : Cell(forward[i])),15} {(i == 1 && fusedFirst ? "in conv2d" : Cell(backward[i])),15}");
        Console.WriteLine($"{"loss and its gradient",-26} {Cell(lossTime),15}");
        Console.WriteLine($"{$"{model.Optimizer!.GetType().Name} ({parameters.Sum(p => (long)p.Size):N0} parameters)",-26} {Cell(optimizer),15}   (with the check of the new weights)");
        // The total is each step's own total, its median and mean: not the sum of the parts' medians.
        var totals = new double[Timed];
        var withoutGather = new double[Timed];
        for (int t = 0; t < Timed; t++)
        {
            withoutGather[t] = lossTime[t] + optimizer[t];
            for (int i = 0; i < layers.Count; i++) withoutGather[t] += forward[i][t] + backward[i][t];
            totals[t] = gather[t] + withoutGather[t];
        }
        double median = Median(totals);
        Console.WriteLine($"{"total",-26} {Cell(totals),15}   ({batch / median * 1000:N0} samples/s at the median; {batch / Median(withoutGather) * 1000:N0} without the gather)");
    }

    /// <summary>Microseconds: the median of a part's steps, the mean in brackets.</summary>
    private static string Cell(double[] milliseconds) => $"{Median(milliseconds) * 1000:F0} ({milliseconds.Average() * 1000:F0})";

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Steps timed after the warm-up.</summary>
    private const int Timed = 300;
}
