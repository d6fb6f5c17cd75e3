#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:property PublishAot=false
#:property Optimize=true
#:package XPlot.Plotly@4.1.0
#:project ../../lib/NeuralNotebooks.Plotly/NeuralNotebooks.Plotly.csproj

// 05 — Convolutional networks: the tutorial notebook 05-cnn.ipynb as a C# file-based app.
// Run it with: dotnet run notebooks/apps/05-cnn.cs
// Text is printed; charts and tables are written to apps/output/ and their paths printed.
// Generated from the notebook by: dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/

using NeuralNotebooks;
using NeuralNotebooks.Plots;
using NeuralNotebooks.Plotly;
using System.IO;
using System.Text.Json;
using static NeuralNotebooks.Display.FileBasedApp;

NeuralNotebooks.Display.FileBasedApp.Start();

// # 05 — Convolutional networks
//
// A fully connected layer treats the 784 pixels of a digit as an unordered list: it would learn just as well if the pixels were shuffled. A **convolutional** layer instead slides a small filter over the image and looks at neighbouring pixels together, the same way everywhere in the image. This notebook
//
// 1. computes a convolution by hand on one digit: a filter, the padding modes "valid" and "same", the stride, the output-size formula, and max pooling;
// 2. trains the course's CNN on the full MNIST training set to better than 98.5% test accuracy;
// 3. looks inside it: the learned filters, one digit's feature maps, the confusion matrix and a grid of predictions.

var mnist = Mnist.Load(channels: true);   // images as (N, 28, 28, 1): height, width, channels
var (xTrain, yTrain) = (mnist.Train.Images, mnist.Train.Labels);
var (xTest, yTest) = (mnist.Test.Images, mnist.Test.Labels);
Console.WriteLine($"train {xTrain.Shape}, test {xTest.Shape}");

// ## Convolution by hand
//
// A 3×3 **filter** (or kernel) $K$ is laid over a 3×3 patch of the image; the output at that position is the sum of the element-wise products, $\sum_{i,j} K_{ij}\, X_{y+i,\,x+j}$. Sliding it over every position gives a new image, a **feature map**. The filter below responds to vertical edges: bright on the left, dark on the right.

var digit = xTest[0].Reshape(28, 28);
var verticalEdge = Tensor.From(new float[,] { { 1, 0, -1 }, { 1, 0, -1 }, { 1, 0, -1 } });

// Output size along one axis: (input + 2·padding - kernel) / stride + 1.
Tensor Convolve(Tensor image, Tensor kernel, int padding, int stride)
{
    int h = image.Shape[0], w = image.Shape[1], k = kernel.Shape[0];
    int outH = (h + 2 * padding - k) / stride + 1, outW = (w + 2 * padding - k) / stride + 1;
    var result = Tensor.Zeros(outH, outW);
    for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            float sum = 0;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                {
                    int y = oy * stride + i - padding, x = ox * stride + j - padding;
                    if (y >= 0 && y < h && x >= 0 && x < w) sum += kernel.Item(i, j) * image.Item(y, x);  // outside the image counts as 0
                }
            result.SetItem(sum, oy, ox);
        }
    return result;
}

var valid = Convolve(digit, verticalEdge, padding: 0, stride: 1);
var same = Convolve(digit, verticalEdge, padding: 1, stride: 1);
var strided = Convolve(digit, verticalEdge, padding: 1, stride: 2);
Console.WriteLine($"input {digit.Shape}; valid {valid.Shape}; same {same.Shape}; same with stride 2 {strided.Shape}");
display(
Plot.Images(new[] { digit, valid, same, strided }, titles: new[] { "digit 28×28", "valid 26×26", "same 28×28", "stride 2: 14×14" }, colormap: "diverging")
);

// **Padding.** With *valid* padding the filter only visits positions where it fits entirely inside the image, so a 3×3 filter loses one pixel on each side: $28 - 3 + 1 = 26$. With *same* padding the image is surrounded by zeros (here one pixel wide) so the output keeps the input's size. **Stride** is the step between positions: stride 2 halves each side. In general
//
// $$\text{output} = \left\lfloor \frac{\text{input} + 2\,\text{padding} - \text{kernel}}{\text{stride}} \right\rfloor + 1.$$
//
// **Max pooling** keeps the largest value of each 2×2 block: the map shrinks by half on each side and becomes a little insensitive to where exactly a feature appears.

Tensor MaxPool(Tensor map, int size)
{
    int outH = map.Shape[0] / size, outW = map.Shape[1] / size;
    var pooled = Tensor.Zeros(outH, outW);
    for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        {
            float best = float.NegativeInfinity;
            for (int i = 0; i < size; i++) for (int j = 0; j < size; j++) best = Math.Max(best, map.Item(oy * size + i, ox * size + j));
            pooled.SetItem(best, oy, ox);
        }
    return pooled;
}

var pooled = MaxPool(valid, 2);
Console.WriteLine($"{valid.Shape} -> max pool 2×2 -> {pooled.Shape}");
display(
Plot.Images(new[] { valid, pooled }, titles: new[] { "feature map 26×26", "max-pooled 13×13" }, colormap: "diverging")
);

// The library's `Conv2D` layer computes exactly this, for many filters and a whole batch at once. Check it against our loop with the same filter:

var conv = new Conv2D(1, kernelSize: (3, 3), padding: "same", inputShape: (28, 28, 1), useBias: false);
conv.Build(seed: 0);
conv.Kernel.AsSpan().Clear();
verticalEdge.AsSpan().CopyTo(conv.Kernel.AsSpan());      // kernel layout (height, width, in channels, filters)
var layerOutput = conv.Call(xTest[..1]).Reshape(28, 28);
var convolutionDifference = (layerOutput - same).Abs().Max().Item();
Console.WriteLine($"max |Conv2D - hand-written loop| = {convolutionDifference:E2}");

// ## The course's CNN
//
// Exactly the network of the course: a convolution with 28 filters of 3×3, a 2×2 max pooling, a dense layer of 128 ReLU units with dropout, and a softmax over the ten digits.

var model = new Sequential(seed: 1);
model.Add(new Conv2D(28, kernelSize: (3, 3), inputShape: (28, 28, 1)));
model.Add(new MaxPool2D((2, 2)));
model.Add(new Flatten());
model.Add(new Dense(128, activation: "relu"));
model.Add(new Dropout(0.2));
model.Add(new Dense(10, activation: "softmax"));
model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
display(
model.Summary()
);

// The parameter counts are those Keras prints for the same model: the convolution has $3 \cdot 3 \cdot 1 \cdot 28 + 28 = 280$ parameters (28 filters and their biases), the first dense layer $13 \cdot 13 \cdot 28 \cdot 128 + 128 = 605{,}824$ and the last $128 \cdot 10 + 10 = 1{,}290$. The filters are few and small because they are **shared** across all positions of the image.
//
// Training shows one line per epoch, updated live. Four passes over the 60,000 training images are enough: after them the test accuracy hovers around 98.5%, epoch to epoch, and more epochs mostly fit the training set more closely (try `epochs: 9`).

var history = model.Fit(xTrain, yTrain, epochs: 4, batchSize: 32, validationData: (xTest, yTest));
var (testLoss, testAccuracy) = model.Evaluate(xTest, yTest);
var samplesPerSecond = history.SamplesPerSecond;
Console.WriteLine($"test accuracy {testAccuracy:P2}, test loss {testLoss:F4}; trained at {samplesPerSecond:N0} images/s");

display(
history
);

// The same curves, interactive: hover the valley of the validation loss to find the epoch at which the network generalised best, and compare it with the training loss at that epoch (a validation loss well above the training loss is the mark of overfitting); hover the accuracy panel to read both accuracies at each epoch. Drag to zoom, double-click to reset. The interactive view needs plotly.js, which VS Code fetches from the internet the first time it shows one; offline, and on GitHub, a note stands in its place and the static figure above shows the same numbers.

display(
history.ToPlotly()
);

// ## Inside the network
//
// The 28 learned 3×3 filters (red positive, blue negative) and what they make of one test digit: each feature map lights up where its filter's pattern appears.

var filters = model.Layers[0].Weights[0];   // (3, 3, 1, 28)
display(
Plot.Filters(filters, columns: 14).Title("The 28 learned filters")
);

var featureMaps = model.PredictUpTo(xTest[..1], layer: 0);   // (1, 26, 26, 28)
display(
Plot.FeatureMaps(featureMaps[0], columns: 14).Title($"Feature maps of a test digit {yTest[0]}")
);

// ## How well it reads digits

var probabilities = model.Predict(xTest);
var predicted = probabilities.ArgMax(1).ToArray().Select(v => (int)v).ToArray();
var confusion = Metrics.ConfusionMatrix(yTest, predicted);
display(
confusion
);

// The confusion matrix again, interactive: hover a cell to read how many test digits of its true class (row) were predicted as its column, and what share of that class they are. The diagonal holds the correct answers; hover the brightest cells off the diagonal to find the pairs the network mixes up, the same ones listed below.

display(
confusion.ToPlotly()
);

Console.WriteLine("Most often confused (true → predicted: count):");
foreach (var pair in confusion.MostConfused(5)) Console.WriteLine($"  {pair.TrueName} → {pair.PredictedName}: {pair.Count}");
display(
Plot.Images(mnist.Test.Images, Enumerable.Range(0, 36).ToArray(), labels: yTest[..36], predictions: predicted[..36], columns: 12)
);

// ## How fast it trained
//
// The training speed on this machine, next to the same model in PyTorch 1.13 (2 threads, OpenBLAS) measured by the repository's benchmark on the same kind of machine:

// Written by the benchmark command (see README, "Performance"); measured on the reference machine.
var benchmark = JsonDocument.Parse(File.ReadAllText("../data/benchmarks/latest.json")).RootElement;
var cnnRow = benchmark.GetProperty("rows").EnumerateArray().First(r => r.GetProperty("workload").GetString() == "cnn_train");
var pytorchSamplesPerSecond = cnnRow.GetProperty("peer").GetDouble();
Console.WriteLine($"this notebook, this run:   {samplesPerSecond,8:N0} images/s (training, batch 32)");
Console.WriteLine($"library, benchmark:        {cnnRow.GetProperty("library").GetDouble(),8:N0} images/s");
Console.WriteLine($"{cnnRow.GetProperty("peer_name").GetString()}, benchmark: {pytorchSamplesPerSecond,8:N0} images/s");
Console.WriteLine($"(benchmark of {benchmark.GetProperty("date").GetString()} on {benchmark.GetProperty("machine").GetString()}; `{benchmark.GetProperty("command").GetString()}` reproduces it)");

// **Summary.** Sharing a few small filters across the image and pooling their responses gives a network with 280 convolution parameters that beats the fully connected networks of the earlier notebooks. Every piece of it, from the convolution loop above to the packed matrix products inside `Conv2D`, is implemented in this repository's library and checked against PyTorch.
