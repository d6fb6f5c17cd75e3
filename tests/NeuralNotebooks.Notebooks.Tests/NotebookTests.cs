using static NeuralNotebooks.Notebooks.Tests.ExecutedNotebook;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// The headline numbers of every notebook, read from what the notebooks printed when README's run command
/// executed them in the fresh copy (notebooks/output/), the way a learner reads them. The regular
/// expressions below are the printed lines these checks depend on: the notebooks must keep printing them.
/// </summary>
[Collection(NewcomerCollection.Name)]
public class NotebookTests(Newcomer newcomer)
{
    private async Task<ExecutedNotebook> Executed(string name)
    {
        await newcomer.Through(Newcomer.Step.QuickStart);
        var path = newcomer.ExecutedNotebook(name);
        Assert.True(File.Exists(path), $"README's run command wrote no {path}:\n{string.Join("\n", newcomer.QuickStart)}");
        var notebook = new ExecutedNotebook(path);
        Assert.True(notebook.Errors.Count == 0, $"{name} has error outputs: {string.Join("; ", notebook.Errors)}");
        return notebook;
    }

    /// <summary>
    /// The TorchSharp cells ran: where TorchSharp cannot load they print why and skip their comparison, which
    /// a learner on an Arm Linux machine should see, but which here would leave every check of them unrun.
    /// </summary>
    private static void TorchSharpLoaded(ExecutedNotebook nb) => nb.Find(@"^TorchSharp \S+ \(LibTorch [^)]+\) loaded");

    [Fact]
    public void Every_notebook_is_tested() =>
        Assert.Equal(["01-intro", "02-tensors-and-activations", "03-mlp", "04-digits-from-scratch", "05-cnn"], Newcomer.NotebookNames);

    [Fact]
    public async Task Intro_classifies_digits_and_one_neuron_by_hand_equals_the_model()
    {
        var nb = await Executed("01-intro");
        Assert.True(Percent(nb.Find(@"Test accuracy: (\S+ ?%) of the")[0]) >= 0.96);
        var neuron = nb.Find(@"ReLU\(z\) by hand = (\S+); the model's first layer = (\S+)$");
        Assert.Equal(Number(neuron[1]), Number(neuron[0]), 4);
        Assert.True(Percent(nb.Find(@"untrained: (\S+ ?%)")[0]) < 0.3);
    }

    [Fact]
    public async Task Tensors_and_activations_agree_with_TensorPrimitives()
    {
        var nb = await Executed("02-tensors-and-activations");
        Assert.True(Number(nb.Find(@"library SIMD .* max \|difference\| from TensorPrimitives: (\S+)")[0]) < 1e-6);
        var error = nb.Find(@"^(.*cannot be broadcast.*)$")[0];
        Assert.Contains("(2, 3)", error);
        Assert.Contains("(2,)", error);
        Assert.Equal(0.104994, Number(nb.Find(@"^sigmoid\s+(\S+)\s+(\S+)\s+(\S+)\s*$")[1]), 4);

        // The prose under the TorchSharp table: float32 rounding, about 1e-7, and exactly 0 for ReLU and leaky ReLU.
        TorchSharpLoaded(nb);
        var table = nb.Find(@"^function\s+max \|f - TorchSharp f\|\s+max \|f' - autograd f'\|\s*\n" +
            @"sigmoid\s+(\S+)\s+(\S+)\s*\ntanh\s+(\S+)\s+(\S+)\s*\narctan\s+(\S+)\s+(\S+)\s*\nrelu\s+(\S+)\s+(\S+)\s*\nleaky_relu\s+(\S+)\s+(\S+)\s*$");
        Assert.All(table[..6], d => Assert.True(Number(d) <= 3e-7, $"sigmoid, tanh, arctan: a difference of {d}"));
        Assert.All(table[6..], d => Assert.Equal(0, Number(d)));
    }

    [Fact]
    public async Task Mlp_notebook_reaches_its_headline_numbers()
    {
        var nb = await Executed("03-mlp");
        Assert.True(Number(nb.Find(@"max \|hand - autograd\| over all gradients: (\S+)")[0]) < 1e-6);
        Assert.True(Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]) >= 0.97);
        double Units(int units) => Percent(nb.Find($@"^\s*{units}\s+([\d.]+ ?%)\s+[\d.]+ ?%\s*$")[0]);
        Assert.True(Units(1) < 0.5, $"1 unit: {Units(1)}");
        Assert.True(Units(100) >= 0.9, $"100 units: {Units(100)}");
        Assert.True(Units(1000) >= 0.9, $"1000 units: {Units(1000)}");

        // Overfitting on 1,000 images: without dropout the validation loss turns upwards (the curves
        // diverge); with dropout it keeps falling for longer, ends below the other's lowest point and
        // does not climb (the prose under the chart says so).
        (double Lowest, int Epoch, double Last, double Accuracy) Run(string name)
        {
            var m = nb.Find($@"^{name}\s+training loss \S+; validation loss lowest (\S+) \(epoch (\d+)\), last (\S+); validation accuracy (\S+ ?%)");
            return (Number(m[0]), int.Parse(m[1]), Number(m[2]), Percent(m[3]));
        }
        var plain = Run("no dropout");
        var dropped = Run("dropout");
        Assert.True(plain.Last > plain.Lowest + 0.02, $"no dropout: lowest {plain.Lowest}, last {plain.Last}");
        Assert.True(dropped.Epoch > plain.Epoch, $"lowest validation loss at epoch {dropped.Epoch} with dropout, {plain.Epoch} without");
        Assert.True(dropped.Last < plain.Lowest, $"dropout's last validation loss {dropped.Last}, no dropout's lowest {plain.Lowest}");
        Assert.True(dropped.Last < dropped.Lowest + 0.02, $"dropout: lowest {dropped.Lowest}, last {dropped.Last}");
        Assert.True(dropped.Accuracy > plain.Accuracy, $"validation accuracy {dropped.Accuracy} with dropout, {plain.Accuracy} without");

        // The same MLP in TorchSharp: the losses fall alike, and the accuracies end near each other (different
        // shuffles and dropout masks), both below the model trained on all 54,000 images.
        TorchSharpLoaded(nb);
        var fullModel = Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]);
        var losses = Enumerable.Range(1, 5).Select(e => nb.Find($@"^training loss, epoch {e}\s+(\S+)\s+(\S+)\s*$").Select(Number).ToArray()).ToArray();
        for (int e = 1; e < 5; e++)
            Assert.True(losses[e][0] < losses[e - 1][0] && losses[e][1] < losses[e - 1][1], $"epoch {e + 1}: library {losses[e][0]}, TorchSharp {losses[e][1]}");
        Assert.All(losses, l => Assert.True(Math.Abs(l[0] - l[1]) < 0.1 * l[1], $"epoch losses {l[0]} and {l[1]}"));
        var both = nb.Find(@"^test accuracy\s+(\S+ ?%)\s+(\S+ ?%)\s*$").Select(Percent).ToArray();
        Assert.True(Math.Abs(both[0] - both[1]) < 0.04 && both.Max() < fullModel, $"library {both[0]}, TorchSharp {both[1]}, the full model {fullModel}");
        var linear = nb.Find(@"one linear layer, 3 epochs of SGD: test accuracy (\S+ ?%) in TorchSharp, (\S+ ?%) in the library").Select(Percent).ToArray();
        Assert.All(linear, a => Assert.InRange(a, 0.90, 0.94));   // "about 92%"
    }

    [Fact]
    public async Task Digits_from_scratch_reach_97_percent_and_match_autograd_pytorch_and_torchsharp()
    {
        var nb = await Executed("04-digits-from-scratch");
        var accuracy = Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]);
        Assert.True(accuracy >= 0.97, $"test accuracy {accuracy}");
        Assert.True(Number(nb.Find(@"between the hand-written and autograd gradients: (\S+)")[0]) < 1e-5);
        Assert.True(Number(nb.Find(@"from scratch vs PyTorch: max abs difference (\S+)")[0]) < 1e-6);
        // "All four gradients agree to float32 rounding" with TorchSharp's autograd on the same batch.
        TorchSharpLoaded(nb);
        var loss = nb.Find(@"^loss: by hand (\S+), TorchSharp (\S+)$");
        Assert.Equal(Number(loss[1]), Number(loss[0]), 5);
        Assert.True(Number(nb.Find(@"Max \|hand - TorchSharp\| over all gradients: (\S+)")[0]) < 1e-6);
    }

    [Fact]
    public async Task Cnn_reaches_98_percent_on_the_test_set_after_a_validation_split()
    {
        var nb = await Executed("05-cnn");
        var accuracy = Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]);
        Assert.True(accuracy >= 0.98, $"test accuracy {accuracy}");
        Assert.True(Number(nb.Find(@"max \|Conv2D - hand-written loop\| = (\S+)")[0]) < 1e-5);
        // "The curves coincide": the same weights, batches and optimizer in TorchSharp, up to float32 rounding.
        TorchSharpLoaded(nb);
        Assert.True(Number(nb.Find(@"largest difference between the two loss curves: (\S+)")[0]) < 1e-5);
        var both = nb.Find(@"^test accuracy after 200 batches\s+(\S+ ?%)\s+(\S+ ?%)\s*$").Select(Percent).ToArray();
        Assert.True(Math.Abs(both[0] - both[1]) <= 0.002, $"test accuracy after 200 batches: library {both[0]}, TorchSharp {both[1]}");
    }
}
