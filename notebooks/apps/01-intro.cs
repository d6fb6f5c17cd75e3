#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:property PublishAot=false
#:property Optimize=true

// 01 — What a trained network does: the tutorial notebook notebooks/01-intro.ipynb as a C# file-based app.
// Run it with: dotnet run notebooks/apps/01-intro.cs
// Text is printed; charts and tables are written to notebooks/apps/output/01-intro/ and their paths printed.
// Generated from the notebook by: dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/01-intro.ipynb

using NeuralNotebooks;
using NeuralNotebooks.Plots;
using static NeuralNotebooks.Display.FileBasedApp;

NeuralNotebooks.Display.FileBasedApp.Start("..");

// # 01 — What a trained network does
//
// Before building anything, let's use a neural network that this repository has already trained, see what it does with handwritten digits, and then open the box to see that it is made of nothing but weighted sums and simple functions.
//
// The network reads a 28×28 grayscale image (784 numbers between 0 and 1) and outputs ten numbers: how probable it finds each digit 0–9. It was trained on the 60,000 training images of MNIST by `data/models/train-intro-model.cs` (`dotnet run data/models/train-intro-model.cs` trains it again: the same seed gives the same weights up to the last bits of rounding, which depend on the library's version and on how wide your CPU's vector instructions are); here it sees the 10,000 test images, which it never saw during training.

// The architecture of the shipped model: 784 inputs → 64 ReLU neurons → 10 softmax outputs.
Sequential IntroArchitecture(int seed)
{
    var m = new Sequential(seed);
    m.Add(new Dense(64, activation: "relu", inputShape: 784));
    m.Add(new Dense(10, activation: "softmax"));
    return m;
}

var mnist = Mnist.Load();
var model = IntroArchitecture(seed: 0);
model.LoadWeights("../data/models/intro-mlp.safetensors");
display(
model.Summary()
);

// ## Classify the test digits

var xTest = mnist.Test.Images.Reshape(-1, 784);
var yTest = mnist.Test.Labels;
var probabilities = model.Predict(xTest);
var predicted = probabilities.ArgMax(1).ToArray().Select(v => (int)v).ToArray();
var testAccuracy = Metrics.Accuracy(yTest, predicted);
Console.WriteLine($"Test accuracy: {testAccuracy:P2} of the {yTest.Length:N0} test digits");

// The first 12 test digits, then the first 12 the network gets wrong, so both kinds of answer are on show.
var firstMistakes = Enumerable.Range(0, yTest.Length).Where(i => predicted[i] != yTest[i]).Take(12);
var shown = Enumerable.Range(0, 12).Concat(firstMistakes).ToArray();
display(
Plot.Images(mnist.Test.Images, shown, labels: shown.Select(i => yTest[i]).ToArray(), predictions: shown.Select(i => predicted[i]).ToArray(), columns: 12)
);

// Top row: the first twelve test digits. Bottom row: the first twelve the network gets wrong. Under each image is its true label; when the network's answer differs, the image is framed in red and the caption reads "true → answer". The answer is the class with the highest probability. Here are all ten probabilities for the first test digit:

var first = probabilities[0].ToArray();
display(
Plot.Bar(Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray(), first.Select(p => (double)p).ToArray())
    .Title($"Class probabilities for the first test digit (true label {yTest[0]})").XLabel("digit class").YLabel("probability")
);

// ## The most confident mistakes
//
// A network is not only sometimes wrong, it can be wrong *and sure of itself*. These are the test digits where the probability given to the wrong answer was highest; some are hard even for a person. Each caption reads "true → answer (probability of the answer)".

var confidentMistakes = Enumerable.Range(0, yTest.Length)
    .Where(i => predicted[i] != yTest[i])
    .OrderByDescending(i => probabilities.Item(i, predicted[i]))
    .Take(12).ToArray();
display(
Plot.Images(mnist.Test.Images, confidentMistakes,
    titles: confidentMistakes.Select(i => $"{yTest[i]}→{predicted[i]} ({probabilities.Item(i, predicted[i]):P1})").ToArray(), columns: 6)
);

// ## Opening the box: one neuron by hand
//
// The first layer has 64 **neurons**. Each one has 784 **weights**, one per pixel, and a **bias**. It computes a weighted sum of the pixels plus the bias, $z = \sum_i w_i x_i + b$, and then an **activation function**, here ReLU: $\max(z, 0)$. A positive weight means "this pixel being bright pushes me up", a negative one "pushes me down"; the bias sets the **threshold** the weighted sum has to pass before the neuron responds at all.
//
// Let's compute neuron 0's output for the first test digit with a plain loop and compare it with what the model computes.

var dense = (Dense)model.Layers[0];
var weights = dense.Kernel;    // (784, 64): column j holds neuron j's weights
var bias = dense.Bias;         // (64,)
var pixels = xTest[0].ToArray();

float z = bias.Item(0);
for (int i = 0; i < 784; i++) z += weights.Item(i, 0) * pixels[i];
float byHand = Math.Max(z, 0f);
float byModel = model.PredictUpTo(xTest[..1], layer: 0).Item(0, 0);
Console.WriteLine($"weighted sum z = {z:F5}; ReLU(z) by hand = {byHand:F5}; the model's first layer = {byModel:F5}");

// They match: the hidden layer is nothing more than this, repeated for 64 neurons. The 10 output neurons take the same kind of weighted sum of those 64 values, with no ReLU; a softmax then turns their ten scores into probabilities.
//
// What do the weights look like? Drawing neuron $j$'s 784 weights as a 28×28 image shows which pixels it looks for: red where a bright pixel pushes the neuron up (positive weight), blue where it pushes it down (negative weight), white where the pixel hardly matters. All 64 images share one colour scale, shown by the key on the right.

display(
Plot.Filters(weights.Reshape(28, 28, 1, 64), columns: 11).Title("The weights of the 64 first-layer neurons")
);

// ## Training adjusts the weights
//
// Nobody chose those weights. They started as small random numbers, and **training** nudged each one, thousands of times, in the direction that made the network's answers on the training images a little less wrong. An untrained network with random weights (same shape) gets only a little more than one digit in ten right, about what guessing gives (one in ten):

var untrained = IntroArchitecture(seed: 0);   // same shape, random weights
var untrainedAccuracy = Metrics.Accuracy(yTest, untrained.Predict(xTest).ArgMax(1).ToArray().Select(v => (int)v).ToArray());
Console.WriteLine($"untrained: {untrainedAccuracy:P1}   trained: {testAccuracy:P1}");

// The rest of the course builds all of this: [02 — Tensors and activation functions](02-tensors-and-activations.ipynb), [03 — The multilayer perceptron](03-mlp.ipynb), [04 — Handwritten digits from scratch](04-digits-from-scratch.ipynb) and [05 — Convolutional networks](05-cnn.ipynb).
