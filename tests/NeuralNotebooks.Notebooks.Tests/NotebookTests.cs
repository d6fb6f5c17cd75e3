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
    }

    [Fact]
    public async Task Digits_from_scratch_reach_97_percent_and_match_autograd_and_pytorch()
    {
        var nb = await Executed("04-digits-from-scratch");
        var accuracy = Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]);
        Assert.True(accuracy >= 0.97, $"test accuracy {accuracy}");
        Assert.True(Number(nb.Find(@"between the hand-written and autograd gradients: (\S+)")[0]) < 1e-5);
        Assert.True(Number(nb.Find(@"from scratch vs PyTorch: max abs difference (\S+)")[0]) < 1e-6);
    }

    [Fact]
    public async Task Cnn_reaches_98_percent_on_the_test_set_after_a_validation_split()
    {
        var nb = await Executed("05-cnn");
        var accuracy = Percent(nb.Find(@"^Test accuracy: (\S+ ?%)")[0]);
        Assert.True(accuracy >= 0.98, $"test accuracy {accuracy}");
        Assert.True(Number(nb.Find(@"max \|Conv2D - hand-written loop\| = (\S+)")[0]) < 1e-5);
    }
}
