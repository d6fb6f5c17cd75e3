using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using NeuralNotebooks;
using NeuralNotebooks.Kernels;

namespace Benchmarks;

/// <summary>
/// The end-to-end comparison: the library and its Python peers (PyTorch 1.13, scikit-learn 1.2) on
/// the same MNIST data in the same run, several repetitions each, medians, and their ratio; the
/// table is printed and written to data/benchmarks/latest.json. The in-process peers (TorchSharp,
/// TensorPrimitives) run in turn with the library, one run each at a time; the element-wise rows
/// (against TensorPrimitives) are measured so in three child processes of their own.
/// </summary>
/// <remarks>
/// Options: <c>--repeats N</c>; <c>--only sgemm,elementwise,mlp,mlpclassifier,cnn</c> runs some rows
/// (printed, not written); <c>--isa avx2|vector128|arm-shaped</c> reruns the table in a child process with
/// the wider instruction sets switched off (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0), as on an AVX2
/// laptop or an old x86 one, or with 128-bit vectors that keep FMA and AVX-512's 32 registers
/// (DOTNET_PreferredVectorBitWidth=128), the shape of an Arm Mac's NEON in x86 instructions, and writes
/// data/benchmarks/latest-ISA.json.
/// </remarks>
internal static class Compare
{
    private sealed record Row(string Workload, string Description, double Library, double Peer, string PeerName, string Unit, double Goal, double TorchSharp = double.NaN)
    {
        /// <summary>The link between two cores (<see cref="Link"/>, ns) just before each of the library's runs of the row, in order.</summary>
        public IReadOnlyList<double> Links { get; init; } = [];

        /// <summary>Against the faster peer: PyTorch (or the row's other peer) or TorchSharp, whichever wins in this run.</summary>
        public double Ratio => Library / FastestPeer;
        public double FastestPeer => double.IsNaN(TorchSharp) ? Peer : Math.Max(Peer, TorchSharp);
        public string FastestPeerName => !double.IsNaN(TorchSharp) && TorchSharp > Peer ? "TorchSharp" : PeerName;

        /// <summary>
        /// The ratio rounded to two decimals, or to as many more as it takes to stay on its side of the goal: a
        /// CNN inference of 3.995x was printed and written as 4.00 beside "(below goal)".
        /// </summary>
        public double RoundedRatio
        {
            get
            {
                int decimals = 2;
                while (decimals < 6 && (Math.Round(Ratio, decimals) >= Goal) != (Ratio >= Goal)) decimals++;
                return Math.Round(Ratio, decimals);
            }
        }
    }

    /// <summary>
    /// The pause before each measured run. Right after a TorchSharp SGEMM 256, the library's ran 10-22%
    /// slower (medians of eight, in three processes) than after a rest of 10, 30 or 100 ms: LibTorch's
    /// OpenMP threads spin after a parallel region and still held the cores (the process used 8 to 11 ms
    /// of CPU in the 10 ms after a TorchSharp SGEMM while its caller slept, little after that).
    /// TorchSharp's own runs right after the library's showed no such loss beyond the noise.
    /// </summary>
    private const int Rest = 20;

    /// <summary>The fewest pairs of runs an element-wise row takes, whatever <c>--repeats</c> says (see where it is used).</summary>
    private const int ElementwisePairs = 9;

    /// <summary>
    /// How long both sides of an element-wise row run, alternating, before the first timed pair. The library's
    /// loops are compiled fully optimized at once (AggressiveOptimization); TensorPrimitives' go through the
    /// JIT's tiers, which promote a method in the background once it has been called 30 times after 100 ms
    /// without new compilations. With one warm-up call of 150 operations on each side, TensorPrimitives' first
    /// one to three timed runs still ran its first, slower code (sum over 1M floats at 4.2 Gelem/s, then 19;
    /// multiply_scalar at 4.4, then 6.3), and the rows of three pairs took their medians from those runs: every
    /// table before this change overstated the library's element-wise ratios (sum 4.69x and dot 1.65x in the
    /// last such table; 1.09x to 1.22x and 1.00x to 1.10x in three runs with both sides warm).
    /// </summary>
    private const double ElementwiseWarmupSeconds = 1.0;

    /// <summary>The pause after a warm-up, for the JIT's background compilations to finish.</summary>
    private const int WarmupRest = 200;

    /// <summary>
    /// Products per timed SGEMM run, the library's and TorchSharp's: 40 GFLOP, a quarter of a second or so,
    /// like the Python peer's runs (at least 0.3 s). At 4 GFLOP a 1024 run was three products, 36 ms, and
    /// its first product's fork (a worker woken after the rest) weighed on the whole run.
    /// </summary>
    internal static int SgemmIterations(int n) => Math.Max(3, (int)(4e10 / (2.0 * n * n * n)));

    /// <summary>The middle of the sorted values (the upper one of the two middles for an even count).</summary>
    internal static double MedianOf(IReadOnlyCollection<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The groups of rows <c>--only</c> chooses from.</summary>
    private static readonly string[] Groups = ["sgemm", "elementwise", "mlp", "mlpclassifier", "cnn"];

    /// <summary>The environment variable (and its value) that narrows the vectors for each <c>--isa</c>, and the vectors left, as <see cref="Vectors"/> names them.</summary>
    private static readonly Dictionary<string, (string Knob, string Value, string Vectors)> Isas = new()
    {
        ["avx2"] = ("DOTNET_EnableAVX512", "0", "256-bit"),
        ["vector128"] = ("DOTNET_EnableAVX2", "0", "128-bit"),
        // Arm's NEON has 128-bit vectors, fused multiply-add and 32 registers; on x86, AVX-512 kept but
        // narrowed to 128 bits gives the same shape, so the paths Arm takes (by vector width and register
        // count) can be timed where no Arm machine is at hand. The instructions stay x86's: Arm's own
        // (its multiply-add by a lane of A, Gemm.ByElementKernel) are not measured by this.
        ["arm-shaped"] = ("DOTNET_PreferredVectorBitWidth", "128", "128-bit (FMA, 32 registers)"),
    };

    public static int Run(string[] args)
    {
        int repeats = 3;
        string? isa = null;
        HashSet<string>? only = null;
        bool elementwiseHere = false;
        // An option's value is the next argument unless that is missing or another option:
        // "--repeats --only cnn" names the missing value rather than calling "--repeats" unknown.
        string Value(int i, string what) => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
            ? args[i + 1] : throw new UsageException($"compare: {args[i]} needs a value ({what}).");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeats")
            {
                string value = Value(i++, "a whole number of runs, 1 or more");
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out repeats) || repeats < 1)
                    throw new UsageException($"compare --repeats: '{value}' is not a whole number of runs, 1 or more.");
            }
            else if (args[i] == "--isa") isa = Value(i++, string.Join(" or ", Isas.Keys));
            else if (args[i] == ElementwiseChild) elementwiseHere = true;
            else if (args[i] == "--only") only = [.. Value(i++, string.Join(',', Groups)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            else throw new UsageException($"compare: unknown option '{args[i]}'. Options: --repeats N, --only {string.Join(',', Groups)}, --isa {string.Join('|', Isas.Keys)}.");
        }
        if (elementwiseHere) return MeasureElementwiseHere(repeats);
        if (only?.FirstOrDefault(g => !Groups.Contains(g)) is { } unknown)
            throw new UsageException($"compare --only: unknown group '{unknown}'; the groups are {string.Join(", ", Groups)}.");
        if (isa is not null && !Isas.ContainsKey(isa))
            throw new UsageException($"compare --isa: unknown '{isa}'; choose {string.Join(" or ", Isas.Keys)}.");
        // --isa: the same program again, in a child process whose runtime ignores the wider instructions.
        if (isa is not null && Environment.GetEnvironmentVariable(Isas[isa].Knob) != Isas[isa].Value) return RunAsChild(args, Isas[isa].Knob, Isas[isa].Value);
        // A knob the runtime does not know is ignored without a word (.NET 10 renamed EnableAVX512F to
        // EnableAVX512): refuse to write a table of the wrong width under the requested one's name.
        if (isa is not null && !Vectors().StartsWith(Isas[isa].Vectors, StringComparison.Ordinal))
            throw new InvalidOperationException($"compare --isa {isa}: with {Isas[isa].Knob}={Isas[isa].Value} this process runs on {Vectors()} vectors, not {Isas[isa].Vectors}; "
                + (isa == "arm-shaped" ? "it needs a processor with AVX-512 (for its 32 registers) and FMA." : "the runtime did not switch the wider instructions off."));
        bool Want(string group) => only is null || only.Contains(group);

        var root = FindRoot();
        // Said before minutes of library-side measuring, not after them when the first peer fails.
        var missing = MissingPeerPackages();
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"The Python peers need the Debian packages {string.Join(", ", PeerPackages)}; missing: {string.Join(", ", missing)}.");
            Console.Error.WriteLine("Install them with: tests/install-debian-packages.sh --benchmarks");
            return 3;
        }
        Console.Error.WriteLine($"peers' Debian packages present: {string.Join(", ", PeerPackages)}");
        var mnistDir = Path.Combine(root, "data", "mnist");
        var loadClock = Stopwatch.StartNew();
        // First load in this process: gunzip, SHA-256, bytes to floats (skipped when no row needs MNIST).
        var mnist = Want("mlp") || Want("mlpclassifier") || Want("cnn") ? Mnist.Load(mnistDir) : null;
        double loadMs = loadClock.Elapsed.TotalMilliseconds;
        var rows = new List<Row>();
        var torchSharp = TorchSharpPeer.TryCreate();
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        JsonObject Peer(string script, params string[] extra) => PeerRuns(script, repeats, extra);
        JsonObject PeerRuns(string script, int runs, params string[] extra)
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            psi.ArgumentList.Add(Path.Combine(root, "tests", "Benchmarks", "peers", script));
            foreach (var a in new[] { "--repeats", runs.ToString(CultureInfo.InvariantCulture), "--mnist", mnistDir }.Concat(extra)) psi.ArgumentList.Add(a);
            psi.Environment.Remove("OPENBLAS_CORETYPE");
            Console.Error.WriteLine($"  peer: {script} {string.Join(' ', extra)}");
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var line = stdout.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (p.ExitCode != 0 || line is null)
                throw new InvalidOperationException($"{script} failed (exit {p.ExitCode}). Are python3-torch, python3-sklearn and libopenblas0-pthread installed? {stderr.Trim()}");
            return JsonNode.Parse(line)!.AsObject();
        }
        // The library's runs alternate with the peer's (TorchSharp, TensorPrimitives in process; scikit-learn
        // a process each time), after a warm-up of each (JIT, buffers; a peer process warms itself up):
        // this machine's speed drifts by tens of percent within minutes, and alternating makes both sides
        // meet the same moments. Each side's median is reported. Every run starts after a short rest
        // (Rest), so that it does not share the cores with threads of the run before it that are still
        // spinning: LibTorch's OpenMP workers spin for about 10 ms after each parallel region (the
        // library's own workers for 50 µs).
        (double Ours, double Theirs) Paired(Func<double> ours, Func<double>? theirs, bool theirsWarmsUpItself = false, List<double>? links = null) =>
            PairedRuns(repeats, ours, theirs, theirsWarmsUpItself, links: links);

        // The ceiling of the library's products (Peak), measured next to the rows it bounds: a few times
        // before the SGEMMs and again before the CNN, as the machine's speed drifts.
        var peaks = new List<double>();
        void MeasurePeak() { for (int i = 0; i < repeats; i++) peaks.Add(Peak.Measure()); }

        // SGEMM
        Console.Error.WriteLine("SGEMM");
        var torchGemm = Want("sgemm") ? Peer("torch_sgemm.py") : null;
        if (torchGemm is not null) MeasurePeak();
        foreach (var n in torchGemm is null ? [] : new[] { 256, 1024 })
        {
            var a = new Rng(1).Uniform(new Shape(n * n)).ToArray(); var b = new Rng(2).Uniform(new Shape(n * n)).ToArray(); var c = new float[n * n];
            int iters = SgemmIterations(n);
            using var theirs = torchSharp?.Sgemm(n);
            var links = new List<double>();
            var (gflops, torchSharpGflops) = Paired(() => { var sw = Stopwatch.StartNew(); for (int i = 0; i < iters; i++) Simd.Gemm(n, n, n, a, false, b, false, c); return 2.0 * n * n * n * iters / sw.Elapsed.TotalSeconds / 1e9; }, theirs is null ? null : theirs.Measure, links: links);
            rows.Add(new Row($"sgemm_{n}", $"SGEMM {n}x{n}x{n}", gflops, torchGemm!["sizes"]![n.ToString(CultureInfo.InvariantCulture)]!["gflops_median"]!.GetValue<double>(),
                "OpenBLAS via torch.matmul", "GFLOP/s", n == 256 ? 1.5 : 1.0, torchSharpGflops) { Links = links });
        }

        // Element-wise kernels against TensorPrimitives, measured in child processes (see ElementwiseProcesses).
        if (Want("elementwise")) rows.AddRange(ElementwiseRows(repeats));

        // MLP 784-100-10, sigmoid, Adam, batch 200, one epoch.
        var flat = mnist?.Train.Images.Reshape(-1, 784);
        long cnnBytesPerEpoch = -1;
        double cnnForwardFlops = double.NaN;
        JsonObject? cnnMemory = null;
        if (Want("mlp")) MlpRow();
        if (Want("mlpclassifier")) MlpClassifierRow();
        if (Want("cnn")) CnnRows();

        void MlpRow()
        {
            Console.Error.WriteLine("MLP");
            using var theirs = torchSharp?.MlpTrain(mnist!.Train);
            var links = new List<double>();
            var (mlp, torchSharpMlp) = Paired(() =>
            {
                var m = Mlp();
                return m.Fit(flat!, mnist!.Train.Labels, epochs: 1, batchSize: 200, verbose: false).SamplesPerSecond;
            }, theirs is null ? null : theirs.Measure, links: links);
            var torchMlp2 = Peer("torch_mlp.py", "--threads", "2");
            var torchMlp1 = Peer("torch_mlp.py", "--threads", "1");
            double torchMlp = Math.Max(torchMlp2["samples_per_s"]!.GetValue<double>(), torchMlp1["samples_per_s"]!.GetValue<double>());
            rows.Add(new Row("mlp_train", "MLP 784-100-10 sigmoid, Adam, batch 200, 1 epoch", mlp, torchMlp, "PyTorch 1.13 (best of 1 and 2 threads)", "samples/s", 2.0,
                torchSharpMlp) { Links = links });
        }

        // scikit-learn's fits take turns with the library's, one timed fit in a process of its own each time,
        // so that both sides meet the same phases of the machine (on the 2-core VM its cores sometimes run at
        // about half speed for minutes: `-- peak` measured 112 GFLOP/s where it usually measures 210-240).
        // Run after all of the library's fits, scikit-learn's once ran at 90k samples/s instead of its usual
        // 190-200k, and the ratio read 3.03x.
        void MlpClassifierRow()
        {
            Console.Error.WriteLine("MLPClassifier");
            double Fit()
            {
                var clf = new MLPClassifier(hiddenLayerSizes: [100], activation: "logistic", maxIter: 5, tol: 0, nIterNoChange: 1000, randomState: 1);
                var sw = Stopwatch.StartNew();
                clf.Fit(flat!, mnist!.Train.Labels);
                return 5.0 * flat!.Shape[0] / sw.Elapsed.TotalSeconds;
            }
            var links = new List<double>();
            var (ours, theirs) = Paired(Fit, () => PeerRuns("sklearn_mlp.py", 1)["samples_per_s"]!.GetValue<double>(), theirsWarmsUpItself: true, links: links);
            rows.Add(new Row("mlpclassifier_train", "MLPClassifier(100, logistic), 5 epochs", ours, theirs, "scikit-learn 1.2", "samples/s", 3.0) { Links = links });
        }

        // The course CNN.
        void CnnRows()
        {
            Console.Error.WriteLine("CNN");
            var images = Mnist.Load(mnistDir, channels: true);
            Sequential? trained = null;
            using var theirTraining = torchSharp?.CnnTrain(images.Train);
            List<double> trainLinks = [], inferenceLinks = [];
            var (cnn, torchSharpCnn) = Paired(() =>
            {
                var m = CourseCnn();
                var h = m.Fit(images.Train.Images, images.Train.Labels, epochs: 1, batchSize: 32, verbose: false);
                trained = m;
                return h.SamplesPerSecond;
            }, theirTraining is null ? null : theirTraining.Measure, links: trainLinks);
            MeasurePeak();
            cnnForwardFlops = Peak.ForwardFlops(trained!);
            using var theirInference = torchSharp?.CnnInference(images.Train, images.Test);
            var (infer, torchSharpInfer) = Paired(() => { var sw = Stopwatch.StartNew(); trained!.Predict(images.Test.Images); return images.Test.Count / sw.Elapsed.TotalSeconds; },
                theirInference is null ? null : theirInference.Measure, links: inferenceLinks);
            var torchCnn = Peer("torch_cnn.py");
            double torchInfer = torchCnn["inference"]!.AsArray().Max(r => r!["samples_per_s"]!.GetValue<double>());
            rows.Add(new Row("cnn_train", "course CNN, Adam, batch 32, 1 epoch of 60k", cnn, torchCnn["train"]!["samples_per_s"]!.GetValue<double>(), "PyTorch 1.13", "samples/s", 4.0,
                torchSharpCnn) { Links = trainLinks });
            rows.Add(new Row("cnn_inference", "course CNN, inference on the 10k test images", infer, torchInfer, "PyTorch 1.13 (best batch size)", "samples/s", 4.0,
                torchSharpInfer) { Links = inferenceLinks });
            // Garbage of one more epoch of the warmed-up model: what a Fit allocates per batch.
            long before = GC.GetTotalAllocatedBytes(precise: true);
            trained!.Fit(images.Train.Images, images.Train.Labels, epochs: 1, batchSize: 32, verbose: false);
            cnnBytesPerEpoch = GC.GetTotalAllocatedBytes(precise: true) - before;
            // The CNN's own memory, measured where nothing else (peers' data, TorchSharp, other rows) is held.
            cnnMemory = Memory.InChildProcess();
        }

        // Report.
        string date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string machine = Machine();
        string command = $"dotnet run -c Release --project tests/Benchmarks -- compare --repeats {repeats}"
            + (isa is null ? "" : $" --isa {isa}") + (only is null ? "" : $" --only {string.Join(',', only)}");
        long peakWorkingSet = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"{date}, {machine}, {Vectors()} vectors; medians of {repeats} runs, the library's alternating with TorchSharp's and TensorPrimitives'"
            + (Want("elementwise") ? $" (element-wise: each side's best of {ElementwiseProcesses} processes, each the median of {Math.Max(repeats, ElementwisePairs)} pairs)" : ""));
        if (mnist is not null) Console.WriteLine($"MNIST load (70,000 images, checksums verified, first load in the process): {loadMs:F0} ms");
        if (cnnBytesPerEpoch >= 0)
            Console.WriteLine($"CNN Fit, one warmed-up epoch (1,875 batches of 32): {cnnBytesPerEpoch / 1024.0:N0} KiB allocated ({cnnBytesPerEpoch / 1875.0:N0} bytes per batch)");
        Console.WriteLine($"peak working set of the process: {peakWorkingSet / (1024 * 1024)} MiB");
        if (cnnMemory is not null)
            Console.WriteLine($"CNN Fit in a process of its own: peak working set {cnnMemory["cnn_peak_working_set_mib"]} MiB, {cnnMemory["cnn_fit_bytes_per_batch"]} bytes allocated per batch once warmed up");
        Console.WriteLine($"TorchSharp peer: {(torchSharp is null ? "not available (see above)" : TorchSharpPeer.Name)}; ratio = library / the faster peer");
        Console.WriteLine($"{"workload",-28} {"library",12} {"peer",12} {"TorchSharp",12} {"unit",-10} {"ratio",7} {"goal",6}  peer");
        foreach (var r in rows)
            Console.WriteLine($"{r.Workload,-28} {r.Library,12:N2} {r.Peer,12:N2} {(double.IsNaN(r.TorchSharp) ? "-" : r.TorchSharp.ToString("N2", CultureInfo.InvariantCulture)),12} {r.Unit,-10} {r.RoundedRatio.ToString("0.00####", CultureInfo.InvariantCulture),7} {r.Goal,6:F1}  {r.PeerName}{(r.FastestPeerName == r.PeerName ? "" : $" (ratio against {r.FastestPeerName})")}{(r.Ratio >= r.Goal ? "" : "  (below goal)")}");
        var ceiling = Ceiling(rows, peaks, cnnForwardFlops);
        foreach (var line in ceiling.Lines) Console.WriteLine(line);
        if (rows.Any(r => r.Links.Any(l => !double.IsNaN(l))))
            Console.WriteLine("link between two cores (`Link`), one way, before each of the library's runs: "
                + string.Join("; ", rows.Where(r => r.Links.Count > 0).Select(r => $"{r.Workload} {string.Join(", ", r.Links.Select(l => l.ToString("F0", CultureInfo.InvariantCulture)))} ns")));
        var json = new JsonObject
        {
            ["date"] = date,
            ["machine"] = machine,
            ["command"] = command,
            ["repeats"] = repeats,
            ["vectors"] = Vectors(),
            ["torchsharp"] = torchSharp is null ? null : TorchSharpPeer.Name,
            ["mnist_load_ms"] = mnist is null ? null : (JsonNode)Math.Round(loadMs),
            ["cnn_fit_bytes_per_epoch"] = cnnBytesPerEpoch >= 0 ? (JsonNode)cnnBytesPerEpoch : null,
            ["peak_working_set_mib"] = peakWorkingSet / (1024 * 1024),
            ["cnn_fit_bytes_per_batch"] = cnnBytesPerEpoch >= 0 ? (JsonNode)Math.Round(cnnBytesPerEpoch / 1875.0, 1) : null,
            ["cnn_own_process_peak_working_set_mib"] = cnnMemory?["cnn_peak_working_set_mib"]?.DeepClone(),
            ["cnn_own_process_fit_bytes_per_batch"] = cnnMemory?["cnn_fit_bytes_per_batch"]?.DeepClone(),
            ["ceiling"] = ceiling.Json,
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["workload"] = r.Workload, ["description"] = r.Description, ["library"] = Math.Round(r.Library, 2), ["peer"] = Math.Round(r.Peer, 2),
                ["peer_name"] = r.PeerName, ["unit"] = r.Unit, ["ratio"] = r.RoundedRatio, ["goal"] = r.Goal,
                ["torchsharp"] = double.IsNaN(r.TorchSharp) ? null : Math.Round(r.TorchSharp, 2), ["ratio_against"] = r.FastestPeerName,
                ["link_ns"] = r.Links.Count == 0 ? null : new JsonArray(r.Links.Select(l => (JsonNode?)(double.IsNaN(l) ? null : Math.Round(l))).ToArray()),
            }).ToArray()),
        };
        if (only is not null)
        {
            Console.WriteLine("(--only: a partial table, not written to data/benchmarks)");
            return 0;
        }
        var outPath = Path.Combine(root, "data", "benchmarks", isa is null ? "latest.json" : $"latest-{isa}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        File.WriteAllText(outPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"wrote {Path.GetRelativePath(root, outPath)}");
        return 0;
    }

    /// <summary>
    /// The ceiling of the run (<see cref="Peak"/>: its highest measurement, and the median) and the share
    /// of it each side and each goal of the product-bound rows takes: the SGEMMs, and CNN inference in
    /// GFLOP/s from the model's forward multiply-adds (training's backward pass is not counted).
    /// </summary>
    private static (List<string> Lines, JsonObject? Json) Ceiling(List<Row> rows, List<double> peaks, double cnnForwardFlops)
    {
        var lines = new List<string>();
        if (peaks.Count == 0) return (lines, null);
        double top = peaks.Max(), median = MedianOf(peaks);
        string Share(double gflops) => $"{gflops:F1} GFLOP/s, {100 * gflops / top:F0}%";
        lines.Add($"ceiling: the GEMM micro-kernel alone on every core ({Gemm.TileShape.Rows}x{Gemm.TileShape.Columns} tiles in L1, `-- peak`), "
            + $"highest {top:F1} GFLOP/s, median {median:F1} over {peaks.Count} measurements; shares of the highest:");
        var json = new JsonObject { ["highest_gflops"] = Math.Round(top, 1), ["median_gflops"] = Math.Round(median, 1), ["measurements"] = peaks.Count };
        foreach (var r in rows)
        {
            double perUnit = r.Unit == "GFLOP/s" ? 1 : r.Workload == "cnn_inference" && !double.IsNaN(cnnForwardFlops) ? cnnForwardFlops / 1e9 : double.NaN;
            if (double.IsNaN(perUnit)) continue;
            double fastest = r.FastestPeer, needed = r.Goal * fastest * perUnit;
            string unitNote = r.Unit == "GFLOP/s" ? "" : $" ({cnnForwardFlops / 1e6:F3} MFLOP a sample)";
            lines.Add($"  {r.Workload}{unitNote}: library {Share(r.Library * perUnit)}; {r.FastestPeerName} {Share(fastest * perUnit)}; "
                + $"goal {r.Goal:0.0#}x = {Share(needed)}{(needed > top ? ", above the ceiling" : "")}");
            json[r.Workload] = new JsonObject
            {
                ["library_share"] = Math.Round(r.Library * perUnit / top, 3),
                ["peer_share"] = Math.Round(fastest * perUnit / top, 3),
                ["goal_share"] = Math.Round(needed / top, 3),
            };
        }
        if (!double.IsNaN(cnnForwardFlops)) json["cnn_forward_mflop_per_sample"] = Math.Round(cnnForwardFlops / 1e6, 4);
        return (lines, json);
    }

    /// <summary>Runs this program again with one more environment variable, the knob that narrows the vectors.</summary>
    private static int RunAsChild(string[] args, string knob, string value)
    {
        var psi = SelfProcess.StartInfo(["compare", .. args]);
        psi.Environment[knob] = value;
        Console.Error.WriteLine($"compare: rerunning with {knob}={value}");
        using var child = Process.Start(psi)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>The option that makes <c>compare</c> measure the element-wise rows only, in this process, and print them as JSON lines.</summary>
    private const string ElementwiseChild = "--elementwise-here";

    /// <summary>
    /// How many processes measure the element-wise rows; each side of a row gives its best process's figure
    /// (each figure the median of its process's pairs). The same TensorPrimitives code runs at one of two
    /// speeds, differing from process to process: its log over 64K floats ran at 0.67 to 0.74 Gelem/s in
    /// three processes of eight and 1.71 to 2.10 in the other five (the same program, the same arrays at the
    /// same addresses; the library's log at 2.25 to 2.67 in eight of its own), and its exp at 0.62 or 1.46 to
    /// 1.66 with tiered compilation off. A table measured in one process shows whichever speed that process
    /// drew (log at 3.72x the round before, against TensorPrimitives' slow one); over 1M floats two processes
    /// of three drew the slow one once, so a median would not do. The best of three is each side at its
    /// fastest; the per-process figures are printed on stderr.
    /// </summary>
    private const int ElementwiseProcesses = 3;

    /// <summary>The element-wise rows: <see cref="ElementwiseProcesses"/> child processes, each measuring every row, and each side's best process.</summary>
    private static List<Row> ElementwiseRows(int repeats)
    {
        Console.Error.WriteLine("element-wise");
        var figures = new Dictionary<string, (List<double> Ours, List<double> Theirs)>();
        for (int p = 1; p <= ElementwiseProcesses; p++)
        {
            Console.Error.WriteLine($"  process {p} of {ElementwiseProcesses}");
            var psi = SelfProcess.StartInfo(["compare", ElementwiseChild, "--repeats", repeats.ToString(CultureInfo.InvariantCulture)]);
            psi.RedirectStandardOutput = true;
            using var child = Process.Start(psi)!;
            var lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"compare: the element-wise process {p} failed (exit {child.ExitCode}); its errors are above.");
            foreach (var line in lines)
            {
                var o = JsonNode.Parse(line)!.AsObject();
                string name = o["name"]!.GetValue<string>();
                if (!figures.TryGetValue(name, out var f)) figures[name] = f = ([], []);
                f.Ours.Add(o["library"]!.GetValue<double>());
                f.Theirs.Add(o["peer"]!.GetValue<double>());
            }
        }
        var rows = new List<Row>();
        foreach (var (name, (ours, theirs)) in figures)
        {
            Console.Error.WriteLine($"  {name}: library {string.Join(", ", ours.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))}; "
                + $"TensorPrimitives {string.Join(", ", theirs.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))}");
            rows.Add(new Row($"elementwise_{name}", $"{name} over 1M floats", ours.Max(), theirs.Max(), "TensorPrimitives (System.Numerics.Tensors 11)", "Gelem/s", 1.0));
        }
        return rows;
    }

    /// <summary>The element-wise rows measured in this process, one JSON line each on stdout (the pairs on stderr).</summary>
    private static int MeasureElementwiseHere(int repeats)
    {
        var x = new Rng(3).Uniform(new Shape(1_000_000), -5f, 5f).ToArray(); var y = new Rng(4).Uniform(new Shape(1_000_000), -5f, 5f).ToArray(); var d = new float[x.Length];
        var positive = new Rng(5).Uniform(new Shape(1_000_000), 0.01f, 10f).ToArray();
        float sink = 0;
        foreach (var (name, ours, theirs) in new (string, Action, Action)[]
        {
            ("add", () => Simd.Add(x, y, d), () => TensorPrimitives.Add(x, y, d)),
            ("subtract", () => Simd.Subtract(x, y, d), () => TensorPrimitives.Subtract(x, y, d)),
            ("multiply", () => Simd.Multiply(x, y, d), () => TensorPrimitives.Multiply(x, y, d)),
            ("divide", () => Simd.Divide(x, positive, d), () => TensorPrimitives.Divide(x, positive, d)),
            ("add_scalar", () => Simd.Add(x, 0.5f, d), () => TensorPrimitives.Add(x, 0.5f, d)),
            ("multiply_scalar", () => Simd.Multiply(x, 0.5f, d), () => TensorPrimitives.Multiply(x, 0.5f, d)),
            ("axpy", () => Simd.AddScaled(0.5f, x, d), () => TensorPrimitives.MultiplyAdd(x, 0.5f, d, d)),
            ("max", () => Simd.Max(x, y, d), () => TensorPrimitives.Max(x, y, d)),
            ("negate", () => Simd.Negate(x, d), () => TensorPrimitives.Negate(x, d)),
            ("abs", () => Simd.Abs(x, d), () => TensorPrimitives.Abs(x, d)),
            ("sqrt", () => Simd.Sqrt(positive, d), () => TensorPrimitives.Sqrt(positive, d)),
            ("relu", () => Simd.Relu(x, d), () => TensorPrimitives.Max(x, 0f, d)),
            ("exp", () => Simd.Exp(x, d), () => TensorPrimitives.Exp(x, d)),
            ("log", () => Simd.Log(positive, d), () => TensorPrimitives.Log(positive, d)),
            ("sigmoid", () => Simd.Sigmoid(x, d), () => TensorPrimitives.Sigmoid(x, d)),
            ("tanh", () => Simd.Tanh(x, d), () => TensorPrimitives.Tanh(x, d)),
            ("sum", () => sink += Simd.Sum(x), () => sink += TensorPrimitives.Sum(x)),
            ("dot", () => sink += Simd.Dot(x, y), () => sink += TensorPrimitives.Dot(x, y)),
        })
        {
            Func<double> Rate(Action f) => () => { for (int w = 0; w < 50; w++) f(); var sw = Stopwatch.StartNew(); for (int i = 0; i < 100; i++) f(); return 100 * 1e6 / sw.Elapsed.TotalSeconds / 1e9; };
            // At least 9 pairs: a run is 100 calls, 20 to 50 ms, and on this 2-core VM a disturbance that short
            // took one side of a pair to half its speed (the library's add at 1.9 Gelem/s between runs at 4.3
            // and 4.5, TensorPrimitives' at 2.7 between runs at 5.8), so that 3 pairs' medians put add at 0.81x in one
            // run and 2.0x in the first pair of another. 9 pairs cost about 2 s a kernel.
            Console.Error.WriteLine($"    {name}");
            var (ourRate, theirRate) = PairedRuns(repeats, Rate(ours), Rate(theirs), theirsWarmsUpItself: false, pairs: Math.Max(repeats, ElementwisePairs), warmupSeconds: ElementwiseWarmupSeconds);
            Console.WriteLine(new JsonObject { ["name"] = name, ["library"] = ourRate, ["peer"] = theirRate }.ToJsonString());
        }
        GC.KeepAlive(sink);
        return 0;
    }

    /// <summary>
    /// The library's runs alternating with a peer's (see where it is called), and the median of each side; with
    /// <paramref name="links"/>, the link between two cores (<see cref="Link"/>) is measured right before each of
    /// the library's runs, after the rest, and added to it.
    /// </summary>
    private static (double Ours, double Theirs) PairedRuns(int repeats, Func<double> ours, Func<double>? theirs, bool theirsWarmsUpItself = false, int? pairs = null,
        double warmupSeconds = 0, List<double>? links = null)
    {
        var warming = Stopwatch.StartNew();
        do
        {
            ours();
            if (!theirsWarmsUpItself) theirs?.Invoke();
        }
        while (warming.Elapsed.TotalSeconds < warmupSeconds);
        if (warmupSeconds > 0) Thread.Sleep(WarmupRest);
        var a = new List<double>();
        var b = new List<double>();
        for (int r = 0; r < (pairs ?? repeats); r++)
        {
            Thread.Sleep(Rest);
            links?.Add(Link.Measure());
            var batches = StepCores.Batches;
            a.Add(ours());
            // How many of the run's training batches ran on one core (StepCores), for the rows that train.
            var after = StepCores.Batches;
            var (run, alone) = (after.Run - batches.Run, after.Alone - batches.Alone);
            Thread.Sleep(Rest);
            if (theirs is not null) b.Add(theirs());
            // Each pair on stderr, so that a drifting machine shows as both sides moving together.
            Console.Error.WriteLine($"    run {r + 1}: library {a[^1]:N1}" + (theirs is null ? "" : $", peer {b[^1]:N1}, ratio {a[^1] / b[^1]:F2}")
                + (links is null || double.IsNaN(links[^1]) ? "" : $" (link {links[^1]:F0} ns)") + (run == 0 ? "" : $" ({alone:N0} of {run:N0} batches alone)"));
        }
        return (MedianOf(a), theirs is null ? double.NaN : MedianOf(b));
    }

    /// <summary>The widest vectors this process runs on, for the table's header.</summary>
    private static string Vectors() =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "512-bit (AVX-512)"
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "256-bit (AVX2)"
        : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "128-bit" + Vector128Shape() : "scalar";

    /// <summary>What 128-bit vectors keep of the wider sets: fused multiply-add, and AVX-512's 32 registers (Arm's NEON has both).</summary>
    private static string Vector128Shape()
    {
        if (System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported) return " (NEON)";
        var kept = new List<string>();
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) kept.Add("FMA");
        if (System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported) kept.Add("32 registers");
        return kept.Count == 0 ? "" : $" ({string.Join(", ", kept)})";
    }

    private static readonly string[] PeerPackages = ["python3-torch", "python3-sklearn", "libopenblas0-pthread"];

    /// <summary>The peers' Debian packages that dpkg does not list as installed; off Debian, whether python3 imports torch and sklearn.</summary>
    private static List<string> MissingPeerPackages()
    {
        static (int Exit, string Stdout)? Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            try
            {
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEnd();
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                return (p.ExitCode, stdout);
            }
            catch (System.ComponentModel.Win32Exception) { return null; }   // the program does not exist here
        }
        var missing = new List<string>();
        foreach (var package in PeerPackages)
        {
            var status = Run("dpkg-query", "-W", "-f=${Status}", package);
            if (status is null)
            {
                string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
                var import = Run(python, "-c", "import torch, sklearn");
                if (import is not { Exit: 0 }) missing.Add("python3 with torch and sklearn");
                return missing;
            }
            if (status.Value.Stdout.Trim() != "install ok installed") missing.Add(package);
        }
        return missing;
    }

    internal static Sequential CourseCnn() => Models.CourseCnn(seed: 1);

    /// <summary>The MLP row's model: 784-100-10, sigmoid hidden layer, softmax output, Adam.</summary>
    internal static Sequential Mlp()
    {
        var m = new Sequential(seed: 1);
        m.Add(new Dense(100, activation: "sigmoid", inputShape: 784));
        m.Add(new Dense(10, activation: "softmax"));
        m.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        return m;
    }

    private static string Machine()
    {
        string cpu = "unknown CPU";
        try { cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu; }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, .NET {Environment.Version}";
    }

    internal static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NeuralNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmarks from inside the repository.");
    }
}
