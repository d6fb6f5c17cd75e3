using System.Globalization;
using System.Security.Cryptography;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// A seed gives the same weights on every machine, whatever its number of cores: the kernels share their
/// work by <see cref="Environment.ProcessorCount"/>, and none may let that change a sum. The course CNN and
/// the MLP train on real MNIST here and in child processes told they have 1, 3, 4 and 8 cores
/// (DOTNET_PROCESSOR_COUNT), which must end with the same bits: weights, and predictions through the
/// packed-weight inference path. On four cores and more the dense layer's depth split also cuts its
/// columns into bands (see Gemm's DepthSplit).
/// </summary>
public class CoreCountTests
{
    private const string ExpectedDigest = "NEURALNOTEBOOKS_EXPECTED_WEIGHTS";
    private const string ExpectedCores = "NEURALNOTEBOOKS_EXPECTED_CORES";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public async Task Training_gives_the_same_weights_on_any_number_of_cores(int cores)
    {
        if (Environment.GetEnvironmentVariable(ExpectedDigest) is not null) return;   // already a child
        string digest = Digest();
        var (passed, exit, output) = await ChildTestRun.RunAsync(
            $"FullyQualifiedName~{nameof(CoreCountTests)}.{nameof(Child_process_trains_to_the_expected_weights)}",
            new Dictionary<string, string>
            {
                ["DOTNET_PROCESSOR_COUNT"] = cores.ToString(CultureInfo.InvariantCulture),
                [ExpectedCores] = cores.ToString(CultureInfo.InvariantCulture),
                [ExpectedDigest] = digest,
            });
        Assert.True(passed, $"training on {cores} core(s) against {Environment.ProcessorCount} here (exit {exit}):\n{output}");
    }

    /// <summary>
    /// A Fit's batches share their kernels among the cores or run on the calling thread alone, whichever the
    /// trainer found faster lately (<see cref="StepCores"/>): both ways end with the same bits.
    /// </summary>
    [Fact]
    public void Training_gives_the_same_weights_whether_its_batches_run_alone_or_share_the_cores()
    {
        if (Environment.GetEnvironmentVariable(ExpectedDigest) is not null) return;   // a child of the test above
        static string Trained(bool alone)
        {
            StepCores.Force = alone;
            try { return Digest(); }
            finally { StepCores.Force = null; }
        }
        Assert.Equal(Trained(alone: false), Trained(alone: true));
    }

    /// <summary>In the child processes above: the runtime reports the cores it was told, and training ends with the parent's bits.</summary>
    [Fact]
    public void Child_process_trains_to_the_expected_weights()
    {
        var expected = Environment.GetEnvironmentVariable(ExpectedDigest);
        if (expected is null) return;   // not a child of the test above
        Assert.Equal(int.Parse(Environment.GetEnvironmentVariable(ExpectedCores)!, CultureInfo.InvariantCulture), Environment.ProcessorCount);
        Assert.Equal(expected, Digest());
    }

    /// <summary>The bits of both models' weights after an epoch on a few hundred MNIST images, and of their predictions, as one hash per part.</summary>
    private static string Digest()
    {
        var mnist = Mnist.Load(channels: true);
        var parts = new List<string>();

        // The dense layer's 32×4732 by 4732×128 product takes the depth split; Predict's 256-image batches too, through the packed weights.
        var cnn = Models.CourseCnn(seed: 7);
        cnn.Fit(mnist.Train.Images[..320], mnist.Train.Labels[..320], epochs: 1, batchSize: 32, verbose: false);
        parts.Add("cnn weights " + Hash(cnn.GetWeights()));
        parts.Add("cnn predictions " + Hash([cnn.Predict(mnist.Test.Images[..600])]));

        // The MLP's first product is split in depth in training (Gemm.InputSplitFor) and each batch gathered in the same two
        // halves of its features; its weight gradient takes the shared row split, with zero skipping; Adam is shared out by cores too.
        var mlp = new Sequential(seed: 7);
        mlp.Add(new Dense(100, activation: "sigmoid", inputShape: 784));
        mlp.Add(new Dense(10, activation: "softmax"));
        mlp.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        var flat = mnist.Train.Images[..1000].Reshape(-1, 784);
        mlp.Fit(flat, mnist.Train.Labels[..1000], epochs: 1, batchSize: 200, verbose: false);
        parts.Add("mlp weights " + Hash(mlp.GetWeights()));
        return string.Join("; ", parts);
    }

    private static string Hash(IEnumerable<Tensor> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in tensors)
            foreach (var v in t.ToArray()) sha.AppendData(BitConverter.GetBytes(v));
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }
}
