using static NeuralNotebooks.Tests.Nn.SmallMlp;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// Mistakes a learner makes in a notebook cell, each refused with a message that says what to do, and each
/// leaving the model as it was, so that the corrected call works.
/// </summary>
public class LearnerMistakeTests
{
    private static float[] Weights(Sequential m) => m.GetWeights().SelectMany(w => w.ToArray()).ToArray();

    [Fact]
    public void A_Compile_refused_for_a_misspelt_metric_keeps_the_optimizer_loss_and_metrics_it_had()
    {
        // The new optimizer and loss were kept beside the old metrics, and the next Fit trained with them.
        var adam = new Adam();
        var m = Mlp(adam);
        var e = Assert.Throws<ArgumentException>(() => m.Compile(new SGD(), "mse", ["acuracy"]));
        Assert.Contains("Unknown metric 'acuracy'", e.Message);
        Assert.Same(adam, m.Optimizer);
        Assert.Equal("sparse_categorical_crossentropy", m.Loss!.Name);
        Assert.Equal(["accuracy"], m.Metrics);
    }

    [Fact]
    public void SetWeights_refuses_a_NaN_and_leaves_every_weight_as_it_was()
    {
        // It was taken, and Predict and Evaluate then gave NaN with no error.
        var m = Mlp(new Adam());
        var before = Weights(m);
        var given = m.GetWeights().Select(w => Tensor.From(w.ToArray()).Reshape(w.Shape.ToArray())).ToList();
        given[0].AsSpan()[5] = 1f;
        given[2].AsSpan()[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => m.SetWeights(given));
        Assert.Contains("weight 2 (16, 3) holds NaN at element 7", e.Message);
        Assert.Equal(before, Weights(m));
    }

    [Fact]
    public void A_Fit_or_Evaluate_refused_for_its_sample_count_does_not_build_the_model_from_that_input()
    {
        // x transposed: the refused call built the model for 64 features, and the corrected Fit was refused too.
        var x = Features(64, 1); var y = Labels(64, 2);
        var fitted = Mlp(new Adam(), inputShape: false);
        var e = Assert.Throws<ArgumentException>(() => fitted.Fit(x.Transpose(), y, verbose: false));
        Assert.Equal("Fit: 20 samples in x (20, 64) but 64 targets in y (64,).", e.Message);
        Assert.False(fitted.IsBuilt);
        fitted.Fit(x, y, verbose: false);
        Assert.Equal([20], fitted.Layers[0].InputShape);

        var evaluated = Mlp(new Adam(), inputShape: false);
        Assert.Throws<ArgumentException>(() => evaluated.Evaluate(x.Transpose(), y));
        Assert.False(evaluated.IsBuilt);
        evaluated.Fit(x, y, verbose: false);
    }

    [Fact]
    public void A_model_without_layers_says_so_in_Evaluate_and_Predict()
    {
        var m = new Sequential(seed: 1);
        m.Compile(new Adam(), "categorical_crossentropy");
        Assert.Equal("The model has no layers; Add some first.", Assert.Throws<InvalidOperationException>(() => m.Evaluate(Features(4, 1), [0, 1, 2, 0])).Message);
        Assert.Equal("The model has no layers; Add some first.", Assert.Throws<InvalidOperationException>(() => new Sequential().Predict(Features(4, 1))).Message);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_where_they_are_given()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Mlp(new Adam()).Fit(Features(8, 1), Labels(8, 2), validationSplit: double.NaN, verbose: false));
        Assert.Contains("positive, finite", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(float.PositiveInfinity)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(float.NaN));
        Assert.Contains("inputShape must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(10, inputShape: 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, (3, 3), inputShape: (28, 28, 0)));
    }

    [Fact]
    public void One_hot_targets_with_the_sparse_loss_point_at_categorical_crossentropy()
    {
        // The message said the targets (8, 3) did not fit the output (8, 3).
        var m = Mlp(new Adam());
        var e = Assert.Throws<ArgumentException>(() => m.Fit(Features(8, 1), Tensor.OneHot(Labels(8, 2), 3), verbose: false));
        Assert.Contains("hold 3 values per sample, and sparse_categorical_crossentropy takes one class index per sample, shape (8,)", e.Message);
        Assert.Contains("use categorical_crossentropy", e.Message);
    }

    [Fact]
    public void Training_that_goes_wrong_without_a_NaN_says_so_and_training_that_learns_does_not()
    {
        // SGD at 100: the loss stayed near 13 (the cross-entropy clips its probabilities), the weights
        // grew into the millions, and Fit returned as if nothing had happened.
        var x = Features(96, 1); var y = Labels(96, 2);
        var wild = Mlp(new SGD(100f)).Fit(x, y, epochs: 3, batchSize: 8, verbose: false);
        Assert.NotNull(wild.Warning);
        Assert.StartsWith("Warning: training is diverging. After epoch", wild.Warning);
        Assert.Contains("smaller learning rate than 100", wild.Warning);
        Assert.True(wild["loss"].Max() > Loss.DivergingFactor * Math.Log(3));

        var calm = Mlp(new Adam()).Fit(x, y, epochs: 3, batchSize: 8, verbose: false);
        Assert.Null(calm.Warning);
    }

    [Fact]
    public void An_MLPClassifier_whose_loss_climbs_far_above_guessing_says_so_and_a_large_alpha_does_not()
    {
        // learningRateInit 100: the loss climbed from 38 to 419 over the epochs, and Fit returned as if nothing had happened.
        var x = Features(120, 1); var y = Labels(120, 2);
        var wild = new MLPClassifier(hiddenLayerSizes: [16], learningRateInit: 100f, maxIter: 8, tol: 0, nIterNoChange: 100, randomState: 1).Fit(x, y);
        Assert.NotNull(wild.Warning);
        Assert.StartsWith("Warning: training is diverging. The loss rose to", wild.Warning);
        Assert.Contains("smaller learningRateInit than 100", wild.Warning);

        // A large alpha makes the loss large at first, with its L2 term, but the loss falls: no warning.
        var heavy = new MLPClassifier(hiddenLayerSizes: [16], alpha: 100f, maxIter: 8, tol: 0, nIterNoChange: 100, randomState: 1).Fit(x, y);
        Assert.True(heavy.LossCurve[0] > Loss.DivergingFactor * Math.Log(3), $"first loss {heavy.LossCurve[0]}");
        Assert.Null(heavy.Warning);
        Assert.Null(new MLPClassifier(hiddenLayerSizes: [16], maxIter: 8, randomState: 1).Fit(x, y).Warning);
    }

    [Fact]
    public void The_divergence_advice_depends_on_whether_the_kept_weights_were_already_ruined()
    {
        var fine = new TrainingDivergedException(1, 2, "the loss became NaN", null, 0.1f, largestKeptWeight: 3f);
        Assert.Contains("Fit can go on once the cause is fixed", fine.Message);
        var ruined = new TrainingDivergedException(1, 2, "the loss became NaN", null, 100f, largestKeptWeight: 2.4e7f);
        Assert.Contains("had already grown them (one is 2.4E+07 in size): build the model again", ruined.Message);
        Assert.DoesNotContain("Fit can go on", ruined.Message);
    }

    [Fact]
    public void SaveWeights_to_a_folder_or_below_a_file_says_what_is_wrong_and_names_the_path()
    {
        var m = Mlp(new Adam());
        var folder = Path.GetDirectoryName(TempFolder.File("x.safetensors"))!;
        var e = Assert.Throws<ArgumentException>(() => m.SaveWeights(folder + Path.DirectorySeparatorChar));
        Assert.Contains("is a folder; give a file name", e.Message);
        Assert.Throws<ArgumentException>(() => m.SaveWeights(folder));
        var file = TempFolder.File("plain.txt");
        File.WriteAllText(file, "not a folder");
        var below = Path.Combine(file, "w.safetensors");
        var io = Assert.Throws<IOException>(() => m.SaveWeights(below));
        Assert.Contains($"SaveWeights: cannot write {below}", io.Message);
    }
}
