namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// A network of one hidden dense layer (the MLPClassifier's default, the course's MLP) has the worker make a
/// copy of the hidden gradient dz of its own, which its part of the first layer's weight gradient reads: the
/// copy must hold the calling thread's dz to the bit, and training must end with the same weights with or
/// without it. (The core-count tests train the MLP on 1 to 8 cores, with the copy, to the same bits too.)
/// </summary>
public class HiddenGradientCopyTests
{
    [Fact]
    public void The_worker_s_copy_of_the_hidden_gradient_is_the_calling_thread_s_to_the_bit()
    {
        var mnist = Mnist.Load();
        var x = mnist.Train.Images[..2000].Reshape(-1, 784);
        var labels = mnist.Train.Labels[..2000];
        int thread = Environment.CurrentManagedThreadId, received = 0;
        var mismatches = new List<string>();
        void Compare(float[] dz, float[] copy)
        {
            if (Environment.CurrentManagedThreadId != thread) return;   // another test's training
            received++;
            if (dz.Length != copy.Length) mismatches.Add($"batch {received}: dz holds {dz.Length} floats, the copy {copy.Length}");
            else for (int i = 0; i < dz.Length; i++)
                if (BitConverter.SingleToInt32Bits(dz[i]) != BitConverter.SingleToInt32Bits(copy[i]))
                {
                    mismatches.Add($"batch {received}, element {i}: dz {dz[i]:R}, the copy {copy[i]:R}");
                    break;
                }
        }
        MLPClassifier Fit(bool copy)
        {
            HiddenGradientCopy.Off = !copy;
            StepCores.Force = false;   // every batch shared: the copy is made only then
            try { return new MLPClassifier(hiddenLayerSizes: [100], activation: "logistic", maxIter: 3, tol: 0, randomState: 1).Fit(x, labels); }
            finally
            {
                HiddenGradientCopy.Off = false;
                StepCores.Force = null;
            }
        }

        var without = Fit(copy: false);
        // On two cores or more most batches find the worker staying with the step's loops; with other tests
        // keeping both cores busy (and the workers on their loops), a whole fit may find none, so fit again, for
        // up to 20 s, until one batch has read a copy. Every fit must end with the weights trained without it.
        var fits = new List<MLPClassifier>();
        var trying = System.Diagnostics.Stopwatch.StartNew();
        HiddenGradientCopy.Received += Compare;
        try
        {
            do fits.Add(Fit(copy: true));
            while (received == 0 && Environment.ProcessorCount >= 2 && trying.Elapsed.TotalSeconds < 20);
        }
        finally { HiddenGradientCopy.Received -= Compare; }

        Assert.Empty(mismatches);
        if (Environment.ProcessorCount >= 2) Assert.True(received > 0, $"in {fits.Count} fits of 30 batches no batch's weight gradient read a copy made by the worker");
        else Assert.Equal(0, received);
        var withCopy = fits[^1];
        Assert.All(fits, fit => Assert.Equal(without.LossCurve, fit.LossCurve));
        for (int l = 0; l < without.Coefs.Count; l++) Assert.Equal(without.Coefs[l].ToArray(), withCopy.Coefs[l].ToArray());
        var test = mnist.Test.Images[..500].Reshape(-1, 784);
        Assert.Equal(without.PredictProba(test).ToArray(), withCopy.PredictProba(test).ToArray());
    }

    [Fact]
    public void Only_one_hidden_dense_layer_whose_activation_s_backward_reads_its_output_gets_a_copy()
    {
        static Layer[] Built(params Layer[] layers)
        {
            int[] shape = [20];
            foreach (var l in layers)
            {
                l.Build(shape, new Rng(1));
                shape = l.OutputShape;
            }
            return layers;
        }
        var softmaxOut = new Dense(10, "softmax");
        Assert.NotNull(HiddenGradientCopy.For(Built(new Dense(30, "sigmoid"), softmaxOut), softmaxOut));
        var reluOut = new Dense(10, "softmax");
        Assert.NotNull(HiddenGradientCopy.For(Built(new Dense(30, "relu"), reluOut), reluOut));
        // The output layer's backward pass must start from the loss's fused gradient.
        var unfused = new Dense(10, "softmax");
        Assert.Null(HiddenGradientCopy.For(Built(new Dense(30, "sigmoid"), unfused), null));
        // A linear hidden layer has no activation to run; arctan's backward pass reads the input.
        var linearOut = new Dense(10, "softmax");
        Assert.Null(HiddenGradientCopy.For(Built(new Dense(30), linearOut), linearOut));
        var arctanOut = new Dense(10, "softmax");
        Assert.Null(HiddenGradientCopy.For(Built(new Dense(30, "arctan"), arctanOut), arctanOut));
        // Two hidden layers: the copy would need both backward passes.
        var deepOut = new Dense(10, "softmax");
        Assert.Null(HiddenGradientCopy.For(Built(new Dense(30, "sigmoid"), new Dense(30, "sigmoid"), deepOut), deepOut));
    }
}
