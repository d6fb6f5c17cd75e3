#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:property PublishAot=false
#:property Optimize=true
#:package XPlot.Plotly@4.1.0
#:project ../../lib/NeuralNotebooks.Plotly/NeuralNotebooks.Plotly.csproj

// 03 — The multilayer perceptron: the tutorial notebook 03-mlp.ipynb as a C# file-based app.
// Run it with: dotnet run notebooks/apps/03-mlp.cs
// Text is printed; charts and tables are written to apps/output/ and their paths printed.
// Generated from the notebook by: dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/

using NeuralNotebooks;
using NeuralNotebooks.Plots;
using NeuralNotebooks.Plotly;
using static NeuralNotebooks.Display.FileBasedApp;

NeuralNotebooks.Display.FileBasedApp.Start();

// # 03 — The multilayer perceptron
//
// A **multilayer perceptron** (MLP) stacks layers of neurons: every neuron of a layer takes a weighted sum of all outputs of the previous layer and applies an activation function. This notebook
//
// 1. runs forward and back propagation on a tiny network by hand, and checks it against autograd;
// 2. builds, trains and evaluates an MLP on MNIST with the Keras-style steps: `Sequential`, `Add`, `Compile`, `Fit`, `Predict`, `Evaluate`;
// 3. repeats the classic scikit-learn experiment with 1, 100 and 1000 hidden units, with confusion matrices and classification reports;
// 4. shows where an MLP struggles.

// ## Forward and back propagation by hand
//
// A network with two inputs, two hidden sigmoid neurons and one sigmoid output, on one example $x = (0.05, 0.10)$ with target $t = 0.9$ and squared-error loss $L = \tfrac12 (y - t)^2$.
//
// **Forward.** $h = \sigma(W_1 x + b_1)$, $y = \sigma(w_2 \cdot h + b_2)$.
//
// **Backward**, by the chain rule from the loss:
// - $\delta_y = \dfrac{\partial L}{\partial z_y} = (y - t)\, y (1 - y)$, so $\dfrac{\partial L}{\partial w_2} = \delta_y\, h$ and $\dfrac{\partial L}{\partial b_2} = \delta_y$;
// - $\delta_h = \delta_y\, w_2 \odot h \odot (1 - h)$, so $\dfrac{\partial L}{\partial W_1} = \delta_h\, x^\top$ and $\dfrac{\partial L}{\partial b_1} = \delta_h$.

double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
double[] x = { 0.05, 0.10 };
double[,] W1 = { { 0.15, 0.20 }, { 0.25, 0.30 } };
double[] b1 = { 0.35, 0.35 };
double[] w2 = { 0.40, 0.45 };
double b2 = 0.60, target = 0.9;

// Forward
var h = new double[2];
for (int i = 0; i < 2; i++) h[i] = Sigmoid(W1[i, 0] * x[0] + W1[i, 1] * x[1] + b1[i]);
double y = Sigmoid(w2[0] * h[0] + w2[1] * h[1] + b2);
double loss = 0.5 * (y - target) * (y - target);

// Backward
double deltaY = (y - target) * y * (1 - y);
var dW2 = new[] { deltaY * h[0], deltaY * h[1] };
var deltaH = new[] { deltaY * w2[0] * h[0] * (1 - h[0]), deltaY * w2[1] * h[1] * (1 - h[1]) };
var dW1 = new double[2, 2];
for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) dW1[i, j] = deltaH[i] * x[j];

Console.WriteLine($"hidden h = ({h[0]:F6}, {h[1]:F6}), output y = {y:F6}, loss = {loss:F6}");
Console.WriteLine($"dL/dw2 = ({dW2[0]:F6}, {dW2[1]:F6}), dL/db2 = {deltaY:F6}");
Console.WriteLine($"dL/dW1 = [[{dW1[0, 0]:F6}, {dW1[0, 1]:F6}], [{dW1[1, 0]:F6}, {dW1[1, 1]:F6}]]");

// The same network with tensors and autograd: the library records the forward pass and differentiates it. The gradients agree with our hand computation to float32 precision.

var tx = Tensor.From(new float[,] { { 0.05f, 0.10f } });
var tW1 = Tensor.From(new float[,] { { 0.15f, 0.25f }, { 0.20f, 0.30f } }).RequireGrad();  // (inputs, neurons): Wᵀ
var tb1 = Tensor.From(0.35f, 0.35f).RequireGrad();
var tw2 = Tensor.From(new float[,] { { 0.40f }, { 0.45f } }).RequireGrad();
var tb2 = Tensor.From(0.60f).RequireGrad();
var tz = (tx.MatMul(tW1) + tb1).Sigmoid().MatMul(tw2) + tb2;
var tLoss = ((tz.Sigmoid() - 0.9f).Pow(2f) * 0.5f).Sum();
tLoss.Backward();
var handVsAutograd = new[]
{
    Math.Abs(tw2.Grad!.Item(0, 0) - dW2[0]), Math.Abs(tw2.Grad!.Item(1, 0) - dW2[1]), Math.Abs(tb2.Grad!.Item(0) - deltaY),
    Math.Abs(tW1.Grad!.Item(0, 0) - dW1[0, 0]), Math.Abs(tW1.Grad!.Item(1, 0) - dW1[0, 1]),
    Math.Abs(tW1.Grad!.Item(0, 1) - dW1[1, 0]), Math.Abs(tW1.Grad!.Item(1, 1) - dW1[1, 1]),
}.Max();
Console.WriteLine($"autograd loss {tLoss.Item():F6}; max |hand - autograd| over all gradients: {handVsAutograd:E2}");

// ## An MLP on MNIST, the Keras way
//
// The steps are those of every Keras tutorial: build a `Sequential` model by adding layers, `Compile` it with an optimizer (RMSprop with learning rate 0.001), a loss and metrics, `Fit` it on batches with validation data, then `Predict` and `Evaluate`.

var mnist = Mnist.Load();
var xTrain = mnist.Train.Images.Reshape(-1, 784);
var yTrain = mnist.Train.Labels;
var xTest = mnist.Test.Images.Reshape(-1, 784);
var yTest = mnist.Test.Labels;

var model = new Sequential(seed: 1);
model.Add(new Dense(512, activation: "relu", inputShape: 784));
model.Add(new Dropout(0.2));
model.Add(new Dense(10, activation: "softmax"));
model.Compile(optimizer: new RMSprop(learningRate: 0.001f), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
display(
model.Summary()
);

var history = model.Fit(xTrain, yTrain, batchSize: 128, epochs: 5, validationData: (xTest, yTest));

display(
Plot.Line(history.Epochs, history["loss"], label: "training loss")
    .Add(history.Epochs, history["val_loss"], label: "validation loss")
    .Title("Loss per epoch").XLabel("epoch").YLabel("cross-entropy")
);

// The same history, interactive. Hover an epoch to read the training and the validation loss side by side, and look for the valley of the validation loss: once it stops falling while the training loss keeps going down, the network is learning the training set by heart (overfitting), and that is the epoch to stop at. The right panel shows the accuracies the same way. Drag to zoom, double-click to reset, click a legend entry to hide its line. The interactive view needs plotly.js, which VS Code fetches from the internet the first time it shows one; offline, and on GitHub, a note stands in its place and the static figure above shows the same numbers.

display(
history.ToPlotly()
);

var probabilities = model.Predict(xTest[..5]);
Console.WriteLine($"Class probabilities of the first test digit: {probabilities[0]}");
Console.WriteLine($"predicted {string.Join(" ", probabilities.ArgMax(1).ToArray())}, true {string.Join(" ", yTest[..5])}");
var (mlpLoss, mlpAccuracy) = model.Evaluate(xTest, yTest);
Console.WriteLine($"test loss {mlpLoss:F4}, test accuracy {mlpAccuracy:P2}");

// ## How many hidden units? The scikit-learn experiment
//
// The course repeats an experiment with scikit-learn's `MLPClassifier`: one hidden layer of 1, 100 or 1000 **logistic** (sigmoid) units. The published accuracies are about 29%, 96% and 97%. Our `MLPClassifier` follows scikit-learn's definitions (Adam, L2 penalty `alpha`, batches of 200, Glorot initialisation). To keep the notebook quick we train on 20,000 images for 10 epochs.

var published = new Dictionary<int, double> { [1] = 0.29, [100] = 0.96, [1000] = 0.97 };
var classifiers = new Dictionary<int, MLPClassifier>();
var experimentAccuracy = new Dictionary<int, double>();
foreach (var units in new[] { 1, 100, 1000 })
{
    var clf = new MLPClassifier(hiddenLayerSizes: [units], activation: "logistic", maxIter: 10, randomState: 1);
    clf.Fit(xTrain[..20000], yTrain[..20000]);
    classifiers[units] = clf;
    experimentAccuracy[units] = clf.Score(xTest, yTest);
}
Console.WriteLine($"{"hidden units",12} {"this library",13} {"published",10}");
foreach (var units in experimentAccuracy.Keys) Console.WriteLine($"{units,12} {experimentAccuracy[units],13:P1} {published[units],10:P0}");

// One logistic unit squeezes every image into a single number between 0 and 1 before the output layer; ten classes cannot be told apart through such a bottleneck, and the accuracy stays near the published 29%. A hundred units are plenty, and a thousand add little.

var predictions = classifiers.ToDictionary(kv => kv.Key, kv => kv.Value.Predict(xTest));
display(
Metrics.ConfusionMatrix(yTest, predictions[1])
);

display(
Metrics.ConfusionMatrix(yTest, predictions[100])
);

display(
Metrics.ClassificationReport(yTest, predictions[100])
);

// **Precision** of a class is the share of the digits predicted as that class that really are; **recall** the share of the digits of that class that were found; **F1** their harmonic mean; **support** how many test digits have that class. The macro average weighs every class equally, the weighted average by support.
//
// Where do the 100-unit and 1000-unit models disagree? Here are test digits on which they give different answers:

var disagree = Enumerable.Range(0, yTest.Length).Where(i => predictions[100][i] != predictions[1000][i]).Take(12).ToArray();
Console.WriteLine($"The two models disagree on {Enumerable.Range(0, yTest.Length).Count(i => predictions[100][i] != predictions[1000][i])} of {yTest.Length} test digits. First {disagree.Length}: label / 100 units / 1000 units");
display(
Plot.Images(mnist.Test.Images, disagree, titles: disagree.Select(i => $"{yTest[i]} / {predictions[100][i]} / {predictions[1000][i]}").ToArray(), columns: 12)
);

// ## Where an MLP struggles
//
// An MLP sees pixels, not shapes: moving a digit a few pixels changes every input it sees. Harder image sets make this plain. Fashion-MNIST (clothes instead of digits, same size and format) is used when its files are present; otherwise we look at the MNIST classes the MLP confuses most.

string struggleSummary;
if (FashionMnist.IsAvailable())
{
    var fashion = FashionMnist.Load();
    var fashionClf = new MLPClassifier(hiddenLayerSizes: [100], activation: "logistic", maxIter: 10, randomState: 1);
    fashionClf.Fit(fashion.Train.Images.Reshape(-1, 784)[..20000], fashion.Train.Labels[..20000]);
    var fashionPredictions = fashionClf.Predict(fashion.Test.Images.Reshape(-1, 784));
    var fashionAccuracy = Metrics.Accuracy(fashion.Test.Labels, fashionPredictions);
    struggleSummary = $"Fashion-MNIST: the same MLP reaches {fashionAccuracy:P1}, against {experimentAccuracy[100]:P1} on MNIST.";
    display(Metrics.ConfusionMatrix(fashion.Test.Labels, fashionPredictions, classNames: FashionMnist.ClassNames));
}
else
{
    var confusion = Metrics.ConfusionMatrix(yTest, predictions[100]);
    var worst = confusion.MostConfused(3);
    struggleSummary = "Fashion-MNIST is not installed; MNIST's hardest pairs: " + string.Join(", ", worst.Select(w => $"{w.TrueName} taken for {w.PredictedName} {w.Count} times"));
}
display(
struggleSummary
);

// **Next:** [04 — Handwritten digits from scratch](04-digits-from-scratch.ipynb) opens up `Dense` and `Fit` and writes the same training by hand.
