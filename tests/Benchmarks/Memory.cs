using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using NeuralNotebooks;

namespace Benchmarks;

/// <summary>
/// <c>-- memory</c>: what training the course CNN costs in memory, in a process that does nothing else
/// (compare's own peak also holds the peers' data, TorchSharp and the MLP rows). Loads MNIST, fits one
/// epoch to warm up, then measures the garbage per epoch (inside a fit of 3 epochs) and the process's peak
/// working set.
/// The last line is JSON, which <c>compare</c> reads when it runs this as a child process.
/// </summary>
internal static class Memory
{
    private const int BatchSize = 32;

    public static int Run()
    {
        var images = Mnist.Load(Path.Combine(Compare.FindRoot(), "data", "mnist"), channels: true);
        var (perEpoch, perCall) = FitAllocations(Compare.CourseCnn(), images.Train.Images, images.Train.Labels, BatchSize);
        int batches = (images.Train.Count + BatchSize - 1) / BatchSize;
        using var self = Process.GetCurrentProcess();
        long peak = self.PeakWorkingSet64;
        var gc = GC.GetGCMemoryInfo();
        // The floats the data set itself takes: what any engine training on MNIST in memory holds.
        long dataBytes = ((long)images.Train.Images.Size + images.Test.Images.Size) * sizeof(float);
        Console.WriteLine($"course CNN Fit, batch {BatchSize}, in a process of its own:");
        Console.WriteLine($"  once warmed up, an epoch ({images.Train.Count:N0} images, {batches:N0} batches) allocates {perEpoch:N0} bytes ({(double)perEpoch / batches:N1} per batch); each Fit call {perCall:N0} more");
        Console.WriteLine($"  peak working set: {peak / (1024 * 1024)} MiB (MNIST as floats: {dataBytes / (1024 * 1024)} MiB; GC heap now {gc.HeapSizeBytes / (1024 * 1024)} MiB, committed {gc.TotalCommittedBytes / (1024 * 1024)} MiB)");
        var json = new JsonObject
        {
            ["cnn_fit_bytes_per_epoch"] = perEpoch,
            ["cnn_fit_bytes_per_call"] = perCall,
            ["cnn_fit_bytes_per_batch"] = Math.Round((double)perEpoch / batches, 1),
            ["cnn_peak_working_set_mib"] = peak / (1024 * 1024),
            ["mnist_float_mib"] = dataBytes / (1024 * 1024),
        };
        Console.WriteLine(json.ToJsonString());
        return 0;
    }

    /// <summary>
    /// The bytes a warmed-up epoch of <paramref name="model"/>'s Fit allocates, and what each Fit call
    /// allocates once on top (the model is first fitted one epoch to warm up).
    /// </summary>
    public static (long PerEpoch, long PerCall) FitAllocations(Sequential model, Tensor images, int[] labels, int batchSize)
    {
        model.Fit(images, labels, epochs: 1, batchSize: batchSize, verbose: false);
        // One Fit of three epochs, the allocation counter read at the start and at the end of each epoch.
        // The first epoch also pays for the call (labels converted, a shuffle order made: 2 × 240 KB for
        // MNIST); the second and third are what training itself costs, and the larger is reported. Taken
        // as the difference between a 2-epoch and a 1-epoch Fit instead, the count went negative in one run
        // (each Fit's own one-off allocations are not exactly equal).
        var marks = new List<long> { GC.GetTotalAllocatedBytes(precise: true) };
        model.Fit(images, labels, epochs: 3, batchSize: batchSize, verbose: false,
            onEpochEnd: _ => marks.Add(GC.GetTotalAllocatedBytes(precise: true)));
        long end = GC.GetTotalAllocatedBytes(precise: true);
        long perEpoch = Math.Max(marks[2] - marks[1], marks[3] - marks[2]);
        return (perEpoch, marks[1] - marks[0] + (end - marks[3]) - perEpoch);
    }

    /// <summary>Runs <see cref="Run"/> in a child process (this program again) and returns its JSON line.</summary>
    public static JsonObject InChildProcess()
    {
        var psi = SelfProcess.StartInfo(["memory"]);
        psi.RedirectStandardOutput = true;
        using var child = Process.Start(psi)!;
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = stdout.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (child.ExitCode != 0 || line is null) throw new InvalidOperationException($"memory: the child process failed (exit {child.ExitCode}):\n{stdout}");
        Console.Error.Write(stdout[..stdout.LastIndexOf(line, StringComparison.Ordinal)]);
        return JsonNode.Parse(line)!.AsObject();
    }
}
