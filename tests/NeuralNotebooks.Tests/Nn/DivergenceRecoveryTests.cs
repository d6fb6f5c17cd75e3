using System.Globalization;
using static NeuralNotebooks.Tests.Nn.SmallMlp;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>After Fit reports divergence, doing what its message says lets the same model train on.</summary>
public class DivergenceRecoveryTests
{
    [Fact]
    public void After_a_NaN_input_stops_Adam_fixing_the_input_lets_the_same_model_train_again()
    {
        // The refused step had put NaN into Adam's averages: every later Fit failed at its first batch.
        var x = Features(64, 3); var y = Labels(64, 4);
        x.AsSpan()[20 * 20 + 7] = float.NaN;
        var model = Mlp(new Adam());
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: false));
        Assert.Contains("the input holds NaN in sample 20", e.Message);
        Assert.Contains("Fit can go on once the cause is fixed", e.Message);
        x.AsSpan()[20 * 20 + 7] = 0.5f;
        var history = model.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: false);
        Assert.All(history["loss"], l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public void After_divergence_a_smaller_learning_rate_lets_SGD_with_momentum_train_again_and_the_refused_step_does_not_count()
    {
        // The momentum of the refused step (about 1e10) stayed and made the next Fit diverge at its first batch.
        var x = Features(64, 1); var y = Labels(64, 2);
        var sgd = new SGD(1e6f, momentum: 0.9f);
        var model = Mlp(sgd);
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: false));
        Assert.Equal((e.Epoch - 1) * 8 + e.Batch - 1, sgd.Iterations);
        sgd.LearningRate = 0.01f;
        var history = model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: false);
        Assert.True(float.IsFinite(history["loss"][0]));
    }

    [Fact]
    public void A_NaN_in_the_validation_split_is_refused_before_training_naming_its_sample_in_x()
    {
        // It was found by Evaluate after a whole epoch had trained, as "Evaluate: sample 7 of x".
        var x = Features(40, 1); var y = Labels(40, 2);
        x.AsSpan()[37 * 20 + 3] = float.NaN;
        var model = Mlp(new Adam());
        var before = model.GetWeights().SelectMany(w => w.ToArray()).ToArray();
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: false));
        Assert.StartsWith("Fit: sample 37 of x (in its validation split) holds NaN", e.Message);
        Assert.Equal(before, model.GetWeights().SelectMany(w => w.ToArray()).ToArray());
    }

    [Fact]
    public void The_divergence_message_writes_numbers_with_a_decimal_point_in_any_culture()
    {
        // A notebook kernel runs in the learner's culture: "learning rate 0,001" under a decimal comma.
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        var old = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = comma;
        try
        {
            var x = Features(16, 3); var y = Labels(16, 4);
            var e = Assert.Throws<TrainingDivergedException>(() => Mlp(new SGD(1e30f)).Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: false));
            Assert.Contains("learning rate 1E+30", e.Message);
            Assert.DoesNotContain(",", e.Message.Split("learning rate")[0].Split(':', 2)[1].Replace(", beyond", "").Replace("), ", ""));
            Assert.Contains("got -0.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-0.5f)).Message);
        }
        finally { CultureInfo.CurrentCulture = old; }
    }

    [Fact]
    public void Compile_names_a_null_metric()
    {
        var m = Mlp(new Adam());
        Assert.Throws<ArgumentNullException>(() => m.Compile(new Adam(), "mse", [null!]));
    }
}
