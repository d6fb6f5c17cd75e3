namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// The small problem of the divergence and learner-mistake tests: samples of 20 features in [0, 1), labels of
/// 3 classes, and a 20-16-3 MLP compiled for them.
/// </summary>
internal static class SmallMlp
{
    public static Tensor Features(int n, int seed) => new Rng(seed).Uniform(new Shape(n, 20), 0f, 1f);

    public static int[] Labels(int n, int seed) { var r = new Rng(seed); return Enumerable.Range(0, n).Select(_ => r.NextInt(3)).ToArray(); }

    /// <summary>The MLP, seed 3; without <paramref name="inputShape"/> it is built by its first Fit.</summary>
    public static Sequential Mlp(Optimizer optimizer, bool inputShape = true)
    {
        var m = new Sequential(seed: 3);
        m.Add(inputShape ? new Dense(16, activation: "relu", inputShape: 20) : new Dense(16, activation: "relu"));
        m.Add(new Dense(3, activation: "softmax"));
        m.Compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"]);
        return m;
    }
}
