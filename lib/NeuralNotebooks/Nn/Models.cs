namespace NeuralNotebooks;

/// <summary>Ready-made models of the course, built in one place so that notebooks, tests and benchmarks train the same network.</summary>
public static class Models
{
    /// <summary>
    /// The course's convolutional network for 28×28 grey images, compiled with Adam and sparse categorical
    /// cross-entropy, reporting accuracy:
    /// Conv2D(28 filters, 3×3) → MaxPool2D(2×2) → Flatten → Dense(128, relu) → Dropout(0.2) → Dense(10, softmax).
    /// </summary>
    /// <param name="seed">Fixes the initial weights, the shuffling and the dropout masks.</param>
    /// <param name="dropout">Whether to include the Dropout layer (leave it out to compare step by step with another engine).</param>
    public static Sequential CourseCnn(int seed = 1, bool dropout = true)
    {
        var model = new Sequential(seed);
        model.Add(new Conv2D(28, kernelSize: (3, 3), inputShape: (28, 28, 1)));
        model.Add(new MaxPool2D((2, 2)));
        model.Add(new Flatten());
        model.Add(new Dense(128, activation: "relu"));
        if (dropout) model.Add(new Dropout(0.2));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }
}
