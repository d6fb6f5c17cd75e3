using NeuralNotebooks.Runner;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// Runs every notebook of the course with the headless runner, as CI and a learner would, and checks
/// that it runs clean and that the numbers it reports (read from its variables) hold.
/// </summary>
public class NotebookTests
{
    internal static string Notebooks()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralNotebooks.sln"))) return Path.Combine(d.FullName, "notebooks");
        throw new InvalidOperationException("repository root not found");
    }

    private static async Task<NotebookResult> Run(string name)
    {
        var result = await NotebookRunner.RunAsync(Path.Combine(Notebooks(), name), new RunnerOptions { CellTimeout = TimeSpan.FromSeconds(240) });
        Assert.True(result.Succeeded, result.Error);
        return result;
    }

    [Fact]
    public void Every_notebook_is_tested() =>
        Assert.Equal(["01-intro.ipynb", "02-tensors-and-activations.ipynb", "03-mlp.ipynb", "04-digits-from-scratch.ipynb", "05-cnn.ipynb"],
            Directory.GetFiles(Notebooks(), "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Fact]
    public async Task Intro_classifies_digits_and_one_neuron_by_hand_equals_the_model()
    {
        var r = await Run("01-intro.ipynb");
        Assert.True(r.GetVariable<double>("testAccuracy") >= 0.96);
        Assert.Equal(r.GetVariable<float>("byModel"), r.GetVariable<float>("byHand"), 4);
        Assert.True(r.GetVariable<double>("untrainedAccuracy") < 0.3);
    }

    [Fact]
    public async Task Tensors_and_activations_agree_with_TensorPrimitives()
    {
        var r = await Run("02-tensors-and-activations.ipynb");
        Assert.True(r.GetVariable<float>("maxDiffSimdVsReference") < 1e-6f);
        var error = r.GetVariable<string>("broadcastError");
        Assert.Contains("(2, 3)", error);
        Assert.Contains("(2,)", error);
        Assert.Equal(0.104994f, r.GetVariable<float>("sigmoidSlopeAt2"), 5);
    }

    [Fact]
    public async Task Mlp_notebook_reaches_its_headline_numbers()
    {
        var r = await Run("03-mlp.ipynb");
        Assert.True(r.GetVariable<double>("handVsAutograd") < 1e-6);
        Assert.True(r.GetVariable<float>("mlpAccuracy") >= 0.97f);
        var experiment = r.GetVariable<Dictionary<int, double>>("experimentAccuracy");
        Assert.True(experiment[1] < 0.5, $"1 unit: {experiment[1]}");
        Assert.True(experiment[100] >= 0.9, $"100 units: {experiment[100]}");
        Assert.True(experiment[1000] >= 0.9, $"1000 units: {experiment[1000]}");
    }

    [Fact]
    public async Task Digits_from_scratch_reach_97_percent_and_match_autograd_and_pytorch()
    {
        var r = await Run("04-digits-from-scratch.ipynb");
        Assert.True(r.GetVariable<float>("testAccuracy") >= 0.97f, $"test accuracy {r.GetVariable<float>("testAccuracy")}");
        Assert.True(r.GetVariable<float>("gradientDifference") < 1e-5f);
        Assert.True(r.GetVariable<float>("torchDifference") < 1e-6f);
    }

    [Fact]
    public async Task Cnn_reaches_98_percent_on_the_test_set_after_a_validation_split()
    {
        var r = await Run("05-cnn.ipynb");
        Assert.True(r.GetVariable<float>("testAccuracy") >= 0.98f, $"test accuracy {r.GetVariable<float>("testAccuracy")}");
        Assert.True(r.GetVariable<float>("convolutionDifference") < 1e-5f);
    }
}
