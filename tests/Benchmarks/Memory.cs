using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using NeuralNotebooks;

namespace Benchmarks;

/// <summary>
/// <c>-- memory</c>: what training the course CNN costs in memory, in a process that does nothing else
/// (compare's own peak also holds the peers' data, TorchSharp and the MLP rows). Loads MNIST, fits one
/// epoch to warm up, then measures the garbage per epoch (fits of 1 and 2 epochs) and the process's peak
/// working set.
/// The last line is JSON, which <c>compare</c> reads when it runs this as a child process.
/// </summary>
internal static class Memory
{
    private const int BatchSize = 32;

    public static int Run()
    {
        var images = Mnist.Load(Path.Combine(Compare.FindRoot(), "data", "mnist"), channels: true);
        var model = Compare.CourseCnn();
        long Fit(int epochs)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            model.Fit(images.Train.Images, images.Train.Labels, epochs: epochs, batchSize: BatchSize, verbose: false);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        Fit(1);
        // A Fit call converts the labels and makes its shuffle order once (2 x 240 KB for MNIST); an epoch
        // more, measured as the difference between fits of 2 epochs and of 1, is what training itself costs.
        long oneEpoch = Fit(1), perEpoch = Fit(2) - oneEpoch, perCall = oneEpoch - perEpoch;
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

    /// <summary>Runs <see cref="Run"/> in a child process (this program again) and returns its JSON line.</summary>
    public static JsonObject InChildProcess()
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("memory: cannot find this program's executable.");
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        // Launched through the dotnet host, the program is the first argument after it.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Memory).Assembly.Location);
        psi.ArgumentList.Add("memory");
        using var child = Process.Start(psi)!;
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = stdout.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (child.ExitCode != 0 || line is null) throw new InvalidOperationException($"memory: the child process failed (exit {child.ExitCode}):\n{stdout}");
        Console.Error.Write(stdout[..stdout.LastIndexOf(line, StringComparison.Ordinal)]);
        return JsonNode.Parse(line)!.AsObject();
    }
}
