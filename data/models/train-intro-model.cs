// Trains the small MLP that notebook 01 loads, and writes data/models/intro-mlp.safetensors.
// Run from the repository root:  dotnet run data/models/train-intro-model.cs
// Deterministic: the same seed gives the same file, byte for byte, with the same library version on a CPU with the
// same vector width; another version or width changes the last bits of rounding in the weights.
#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:property PublishAot=false
#:property Optimize=true
using NeuralNotebooks;

var here = Path.GetDirectoryName(Path.GetFullPath(Path.Combine("data", "models", "train-intro-model.cs")))!;
var mnist = Mnist.Load(Path.Combine(here, "..", "mnist"));
var model = new Sequential(seed: 0);
model.Add(new Dense(64, activation: "relu", inputShape: 784));
model.Add(new Dense(10, activation: "softmax"));
model.Compile(optimizer: new Adam(), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Fit(mnist.Train.Images.Reshape(-1, 784), mnist.Train.Labels, epochs: 5, batchSize: 64);
var (loss, accuracy) = model.Evaluate(mnist.Test.Images.Reshape(-1, 784), mnist.Test.Labels);
Console.WriteLine($"test loss {loss:F4}, test accuracy {accuracy:P2}");
var path = Path.Combine(here, "intro-mlp.safetensors");
model.SaveWeights(path);
Console.WriteLine($"wrote {path}");
