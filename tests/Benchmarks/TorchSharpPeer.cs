using System.Diagnostics;
using NeuralNotebooks;
using NeuralNotebooks.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// TorchSharp (LibTorch 2.10) as an in-process peer of <see cref="Compare"/>: the same workloads as
/// the PyTorch scripts in peers/, written the way a TorchSharp user would (torch's own NCHW layout,
/// nn.Sequential, torch.optim.Adam with ε = 1e-7), with 2 threads. Each method returns a
/// <see cref="Workload"/> whose every call is one timed run, so that <see cref="Compare"/> can
/// alternate the peer's runs with the library's and both meet the same moments of a noisy machine.
/// </summary>
internal sealed class TorchSharpPeer
{
    private TorchSharpPeer() { }

    /// <summary>The peer, or null with the reason on stderr when TorchSharp cannot run here.</summary>
    public static TorchSharpPeer? TryCreate()
    {
        var status = TorchSharpSetup.Load();
        Console.Error.WriteLine($"  peer: {status.Message}");
        if (!status.Ready) return null;
        torch.set_num_threads(2);
        torch.manual_seed(0);
        return new TorchSharpPeer();
    }

    /// <summary>The engine's name as the table prints it.</summary>
    public static string Name => $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} (LibTorch {torch.__version__}, 2 threads)";

    /// <summary>torch.matmul on n×n float32 matrices, GFLOP/s.</summary>
    public Workload Sgemm(int n)
    {
        var a = torch.rand(n, n);
        var b = torch.rand(n, n);
        int iters = Compare.SgemmIterations(n);
        return new Workload(() =>
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < iters; i++) { using var c = a.matmul(b); }
            return 2.0 * n * n * n * iters / sw.Elapsed.TotalSeconds / 1e9;
        }, a, b);
    }

    /// <summary>MLP 784-100-10 (sigmoid), Adam, batch 200, one shuffled epoch from fresh weights, samples/s.</summary>
    public Workload MlpTrain(LabeledImages train)
    {
        var x = train.Images.Reshape(-1, 784).ToTorch();
        var y = torch.tensor(train.Labels.Select(l => (long)l).ToArray());
        return new Workload(() =>
        {
            using var model = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10));
            using var opt = torch.optim.Adam(model.parameters(), lr: 0.001);
            return Train(model, opt, x, y, 200);
        }, x, y);
    }

    /// <summary>The course CNN (dropout active), Adam, batch 32, one shuffled epoch of the training images from fresh weights, samples/s.</summary>
    public Workload CnnTrain(LabeledImages train)
    {
        var x = Nchw(train.Images);
        var y = torch.tensor(train.Labels.Select(l => (long)l).ToArray());
        return new Workload(() =>
        {
            using var model = CourseCnn();
            using var opt = torch.optim.Adam(model.parameters(), lr: 0.001, eps: 1e-7);
            return Train(model, opt, x, y, 32);
        }, x, y);
    }

    /// <summary>
    /// The course CNN's inference on the test images, samples/s: each run passes them through at batch 1000
    /// and at batch 100 and keeps the faster (as the PyTorch peer reports its best batch size).
    /// </summary>
    public Workload CnnInference(LabeledImages train, LabeledImages test)
    {
        var model = CourseCnn();
        using (var x = Nchw(train.Images.Slice(0, 6400)))
        using (var y = torch.tensor(train.Labels[..6400].Select(l => (long)l).ToArray()))
        using (var opt = torch.optim.Adam(model.parameters(), lr: 0.001, eps: 1e-7))
            Train(model, opt, x, y, 32);
        model.eval();
        var images = Nchw(test.Images);
        return new Workload(() => new[] { 1000, 100 }.Max(batch =>
        {
            using var noGrad = torch.no_grad();
            var sw = Stopwatch.StartNew();
            for (long start = 0; start < images.shape[0]; start += batch)
            {
                using var scope = NewDisposeScope();
                model.forward(images.narrow(0, start, Math.Min(batch, images.shape[0] - start))).argmax(1);
            }
            return images.shape[0] / sw.Elapsed.TotalSeconds;
        }), model, images);
    }

    private static torch.Tensor Nchw(NeuralNotebooks.Tensor images)
    {
        using var nhwc = images.ToTorch();
        return nhwc.permute(0, 3, 1, 2).contiguous();
    }

    private static nn.Module<torch.Tensor, torch.Tensor> CourseCnn() => nn.Sequential(
        nn.Conv2d(1, 28, 3), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(28 * 13 * 13, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10));

    private static double Train(nn.Module<torch.Tensor, torch.Tensor> model, optim.Optimizer opt, torch.Tensor x, torch.Tensor y, int batch)
    {
        model.train();
        long n = x.shape[0];
        using var order = torch.randperm(n);
        var sw = Stopwatch.StartNew();
        for (long start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            var rows = order.narrow(0, start, Math.Min(batch, n - start));
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x.index_select(0, rows)), y.index_select(0, rows));
            loss.backward();
            opt.step();
        }
        return n / sw.Elapsed.TotalSeconds;
    }
}

/// <summary>One timed run per call of <see cref="Measure"/>, and the native tensors it holds until disposed.</summary>
internal sealed class Workload(Func<double> measure, params IDisposable[] owned) : IDisposable
{
    public double Measure() => measure();

    public void Dispose()
    {
        foreach (var o in owned) o.Dispose();
    }
}
