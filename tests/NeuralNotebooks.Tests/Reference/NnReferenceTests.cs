namespace NeuralNotebooks.Tests.Reference;

/// <summary>
/// Layers, losses and optimizers against PyTorch 1.13 (data/reference/layers.json, losses.json,
/// optimizers.json). Layer gradients are those of Σ output ⊙ dy; tolerances come with each case
/// (1e-4 relative for layers: the summation order of the matrix products differs from PyTorch's).
/// </summary>
public class NnReferenceTests
{
    public static TheoryData<string> LayerCases() => Names("layers");
    public static TheoryData<string> LossCases() => Names("losses");
    public static TheoryData<string> OptimizerCases() => Names("optimizers");

    private static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        foreach (var c in PyTorchReference.Load(file).Cases) data.Add(c.Name);
        return data;
    }

    private static int[] Ints(ReferenceCase c, string name) => c.Json.GetProperty("params").GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Theory, MemberData(nameof(LayerCases))]
    public void Layer_matches_pytorch(string name)
    {
        var c = PyTorchReference.Load("layers")[name];
        var x = c.Input("x");
        Layer layer = c.Op switch
        {
            "dense" => new Dense((int)c.Param("units"), c.ParamString("activation")),
            "conv2d" => new Conv2D((int)c.Param("filters"), (Ints(c, "kernel_size")[0], Ints(c, "kernel_size")[1]),
                strides: (Ints(c, "strides")[0], Ints(c, "strides")[1]), padding: c.ParamString("padding"), activation: c.ParamString("activation")),
            "maxpool2d" => new MaxPool2D((Ints(c, "pool_size")[0], Ints(c, "pool_size")[1]), (Ints(c, "strides")[0], Ints(c, "strides")[1])),
            "flatten" => new Flatten(),
            "dropout" => new Dropout(c.Param("rate")),
            _ => throw new NotSupportedException(c.Op),
        };
        layer.Build(x.Shape.ToArray()[1..], new Rng(0));
        for (int i = 0; i < layer.Weights.Count; i++) c.Parameter(layer is Dense or Conv2D && i == 0 ? "kernel" : "bias").AsSpan().CopyTo(layer.Weights[i].AsSpan());
        bool training = c.Op != "dropout";
        var y = layer.Forward(x, training);
        Assert.True(c.Close(c.Output!, y, out var why), why);
        var dx = layer.Backward(c.Dy!, needInputGradient: true)!;
        Assert.True(c.Close(c.Grad("x"), dx, out why), "dx: " + why);
        if (layer.Weights.Count > 0)
        {
            Assert.True(c.Close(c.Grad("kernel"), layer.Gradients[0], out why), "dkernel: " + why);
            Assert.True(c.Close(c.Grad("bias"), layer.Gradients[1], out why), "dbias: " + why);
        }
    }

    [Theory, MemberData(nameof(LossCases))]
    public void Loss_matches_pytorch(string name)
    {
        var c = PyTorchReference.Load("losses")[name];
        bool fromLogits = c.HasParam("from_logits") && c.Json.GetProperty("params").GetProperty("from_logits").GetBoolean();
        bool normalize = c.HasParam("normalize") && c.Json.GetProperty("params").GetProperty("normalize").GetBoolean();
        var yTrue = c.Input("y_true");
        if (c.Op == "softmax+categorical_crossentropy")
        {
            // Softmax then cross-entropy on probabilities, differentiated through the softmax by autograd.
            var logits = c.Input("logits").Detach().RequireGrad();
            var loss = -(yTrue * logits.Softmax().Clamp(1e-7f, 1 - 1e-7f).Log()).Sum() / yTrue.Shape[0];
            Assert.True(c.Close(c.Output!, loss, out var why0), why0);
            loss.Backward();
            Assert.True(c.Close(c.Grad("logits"), logits.Grad!, out why0), why0);
            return;
        }
        Loss l = c.Op switch
        {
            "mse" => new MeanSquaredError(),
            "binary_crossentropy" => new BinaryCrossentropy(fromLogits),
            "categorical_crossentropy" => new CategoricalCrossentropy(fromLogits),
            "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(fromLogits),
            _ => throw new NotSupportedException(c.Op),
        };
        var yPred = c.Input("y_pred");
        var value = Tensor.Scalar(l.Compute(yTrue, yPred));
        Assert.True(c.Close(c.Output!, value, out var why), why);
        var grad = l.Gradient(yTrue, yPred);
        if (!normalize && !fromLogits && c.Op is "categorical_crossentropy" or "sparse_categorical_crossentropy")
        {
            // The library divides probabilities by their row sum before the log, as Keras does (the normalize: true
            // cases, value and gradient). These rows sum to 1, so the plain form's value is the same, but its
            // gradient with respect to p lacks the +1/N per entry that the division brings.
            return;
        }
        Assert.True(c.Close(c.Grad("y_pred"), grad, out why), "gradient: " + why);
    }

    [Theory, MemberData(nameof(OptimizerCases))]
    public void Optimizer_follows_the_keras_trajectory(string name)
    {
        var c = PyTorchReference.Load("optimizers")[name];
        var j = c.Json;
        var p = j.GetProperty("params");
        float lr = p.GetProperty("learning_rate").GetSingle();
        Optimizer o = c.Op switch
        {
            "sgd" => new SGD(lr, p.GetProperty("momentum").GetSingle(), p.GetProperty("nesterov").GetBoolean()),
            "rmsprop" => new RMSprop(lr, p.GetProperty("rho").GetSingle(), p.GetProperty("epsilon").GetSingle()),
            "adam" => new Adam(lr, p.GetProperty("beta_1").GetSingle(), p.GetProperty("beta_2").GetSingle(), p.GetProperty("epsilon").GetSingle()),
            _ => throw new NotSupportedException(c.Op),
        };
        var w = ReferenceCase.ReadTensor(j.GetProperty("initial").GetProperty("w"));
        var b = ReferenceCase.ReadTensor(j.GetProperty("initial").GetProperty("b"));
        var grads = j.GetProperty("step_grads").EnumerateArray().ToList();
        var expected = j.GetProperty("keras_after_step").EnumerateArray().ToList();
        for (int s = 0; s < grads.Count; s++)
        {
            o.Step([w, b], [ReferenceCase.ReadTensor(grads[s].GetProperty("w")), ReferenceCase.ReadTensor(grads[s].GetProperty("b"))]);
            Assert.True(c.Close(ReferenceCase.ReadTensor(expected[s].GetProperty("w")), w, out var why), $"step {s + 1} w: {why}");
            Assert.True(c.Close(ReferenceCase.ReadTensor(expected[s].GetProperty("b")), b, out why), $"step {s + 1} b: {why}");
        }
    }
}
