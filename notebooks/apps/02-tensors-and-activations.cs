#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:project ../../lib/NeuralNotebooks.Plotly/NeuralNotebooks.Plotly.csproj
#:project ../../lib/NeuralNotebooks.Torch/NeuralNotebooks.Torch.csproj
#:property PublishAot=false
#:property Optimize=true
#:package XPlot.Plotly@4.1.0
#:package TorchSharp-cpu@0.107.0
#:package System.Numerics.Tensors@11.0.0

// 02 — Tensors and activation functions: the tutorial notebook notebooks/02-tensors-and-activations.ipynb as a C# file-based app.
// Run it with: dotnet run notebooks/apps/02-tensors-and-activations.cs
// Text is printed; charts and tables are written to notebooks/apps/output/02-tensors-and-activations/ and their paths printed.
// Generated from the notebook by: dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/02-tensors-and-activations.ipynb

using NeuralNotebooks;
using NeuralNotebooks.Plots;
using NeuralNotebooks.Plotly;
using TorchSharp;
using NeuralNotebooks.Torch;
using System.Diagnostics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;   // only this class: the namespace also has a Tensor type
using static NeuralNotebooks.Display.FileBasedApp;

NeuralNotebooks.Display.FileBasedApp.Start("..");

// # 02 — Tensors and activation functions
//
// A neural network is arithmetic on arrays of numbers. This notebook introduces the two building blocks every later notebook uses:
//
// 1. **Tensors**: arrays of any number of axes, with a *shape* and a *data type*, and the rule (*broadcasting*) that lets arrays of different shapes be combined.
// 2. **Activation functions**: the non-linear functions a neuron applies to its weighted sum, and their derivatives, which is what training needs.
//
// At the end we compute one activation over a million numbers three ways (a plain loop, the library's SIMD kernel and .NET's own `TensorPrimitives`) and check that they agree.

// ## Tensors by rank
//
// A tensor's **rank** is its number of axes; its **shape** is the size along each axis; its **data type** says how each number is stored. This library stores every number as a 32-bit float (`float32`), like most deep-learning code.
//
// | rank | name | example | shape |
// |---|---|---|---|
// | 0 | scalar | a loss value | `()` |
// | 1 | vector | one flattened image | `(784,)` |
// | 2 | matrix | a batch of flattened images | `(32, 784)` |
// | 3 | 3-D tensor | a batch of grayscale images | `(32, 28, 28)` |
// | 4 | 4-D tensor | a batch of images with channels | `(32, 28, 28, 1)` |

var scalar = Tensor.Scalar(3.5f);
var vector = Tensor.From(1f, 2f, 3f);
var matrix = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
var cube = Tensor.Arange(24).Reshape(2, 3, 4);

foreach (var (name, t) in new[] { ("scalar", scalar), ("vector", vector), ("matrix", matrix), ("cube", cube) })
    Console.WriteLine($"{name,-7} rank {t.Rank}  shape {t.Shape,-10}  dtype {t.DType}  size {t.Size}");

// Returning a tensor from a cell prints its values, like PyTorch does:

display(
cube
);

// ## Element-wise operations
//
// `+`, `-`, `*`, `/` and functions such as `Exp()` act on each element separately: the two operands of `+` must line up element by element. (`*` is the element-wise product; the matrix product is `MatMul`.)

var a = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
var b = Tensor.From(new float[,] { { 10, 20 }, { 30, 40 } });
Console.WriteLine($"a + b     = {a + b}");
Console.WriteLine($"a * b     = {a * b}");
Console.WriteLine($"a * 2 + 1 = {a * 2f + 1f}");
Console.WriteLine($"a.Exp()   = {a.Exp()}");
Console.WriteLine($"a @ b     = {a.MatMul(b)}");

// ## Broadcasting
//
// Adding a bias vector to every row of a batch is so common that it has a rule of its own, the same in NumPy, PyTorch and this library:
//
// > Line the shapes up **from the right**. Two sizes are compatible when they are **equal** or **one of them is 1**. A missing axis counts as 1. The result takes the larger size on each axis, and a size-1 axis is repeated to match.
//
// So `(2, 3) + (3,)` adds the vector to each row, and a column `(2, 1)` times a row `(3,)` gives a `(2, 3)` grid:

var batch = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });   // (2, 3)
var bias = Tensor.From(100f, 200f, 300f);                               // (3,)
var column = Tensor.From(new float[,] { { 1 }, { 10 } });              // (2, 1)
Console.WriteLine($"(2, 3) + (3,)  -> {batch + bias}");
Console.WriteLine($"(2, 1) * (3,)  -> {column * bias}");

// When the sizes differ and neither is 1, there is no sensible way to line the elements up, and the operation fails with an error that names both shapes:

string broadcastError;
try
{
    var wrong = batch + Tensor.From(1f, 2f);   // (2, 3) + (2,)
    broadcastError = "no error";
}
catch (ArgumentException e)
{
    broadcastError = e.Message;
}
display(
broadcastError
);

// ## Activation functions and their derivatives
//
// A neuron computes a weighted sum $z = \sum_i w_i x_i + b$ and then applies an **activation function** $f(z)$. Without it, a stack of layers would collapse into one linear map; with it, the network can bend its decision boundaries. Training needs the derivative $f'(z)$ too, because back-propagation multiplies the gradients of every layer together.
//
// | name | $f(z)$ | range | $f'(z)$ |
// |---|---|---|---|
// | sigmoid (logistic) | $\sigma(z) = \frac{1}{1 + e^{-z}}$ | $(0, 1)$ | $\sigma(z)\,(1 - \sigma(z))$ |
// | tanh | $\tanh z$ | $(-1, 1)$ | $1 - \tanh^2 z$ |
// | arctan | $\arctan z$ | $(-\pi/2, \pi/2)$ | $\frac{1}{1 + z^2}$ |
// | ReLU | $\max(z, 0)$ | $[0, \infty)$ | $1$ if $z > 0$, else $0$ |
// | leaky ReLU | $z$ if $z > 0$, else $\alpha z$ | $(-\infty, \infty)$ | $1$ if $z > 0$, else $\alpha$ |
//
// **Arctan** is shaped like tanh: zero-centred, odd, slope 1 at 0, but wider ($\pm\pi/2 \approx \pm 1.57$ instead of $\pm 1$) and it flattens much more slowly: its slope falls like $1/z^2$, tanh's like $e^{-2|z|}$. **Leaky ReLU** is ReLU with a small slope $\alpha$ for negative inputs; the library uses $\alpha = 0.3$, the default of Keras's `LeakyReLU` layer (Keras's `leaky_relu` function defaults to 0.2, PyTorch's to 0.01). Why it exists is shown below.

var z = Tensor.Linspace(-5f, 5f, 201);
var functions = new[] { "sigmoid", "tanh", "arctan", "relu", "leaky_relu" };
var charts = functions.Select(name =>
{
    var f = Activations.Get(name);
    return Plot.Line(z, f.Forward(z), label: $"{name}(z)")
               .Add(z, f.Derivative(z), label: $"{name}'(z)")
               .Title(name).XLabel("z").YLabel("value of f(z) and f'(z)");
}).ToList();
foreach (var chart in charts) display(chart);

// Each chart draws the function and its derivative. Away from 0 the sigmoid's and tanh's derivatives shrink fast: the table below reads them off at $z = 0, 2, 5$. At $z = 2$ the sigmoid's slope is about 0.1 and tanh's below 0.08; at $z = 5$ both are nearly 0. A neuron whose weighted sum lands there learns very slowly, and a deep stack of such neurons multiplies many small numbers together. This is the **vanishing gradient** problem, and the reason ReLU, whose derivative is exactly 1 for every positive input, became the default in hidden layers. Arctan's slope decays far more slowly than tanh's (0.04 against 0.0002 at $z = 5$).

var probe = Tensor.From(0f, 2f, 5f);
var rows = functions.Select(name => (name, d: Activations.Get(name).Derivative(probe).ToArray()));
Console.WriteLine($"{"",-11}{"f'(0)",9}{"f'(2)",9}{"f'(5)",9}");
foreach (var (name, d) in rows) Console.WriteLine($"{name,-11}{d[0],9:F4}{d[1],9:F4}{d[2],9:F4}");

// ### The same curves, interactive
//
// All five functions and their derivatives in one Plotly figure. Hover anywhere to read every curve at that $z$ (at $z = 2$ the sigmoid's derivative is already down to about 0.105), drag a box to zoom into a flat tail, double-click to zoom back out, and click a name in the legend to hide that curve (double-click it to show only that one). The interactive view needs plotly.js, which VS Code fetches from the internet the first time it shows one; offline, and on GitHub, a note stands in its place and the static figure above shows the same numbers.

var activationCurves = new LineChart(800, 480).Title("Activation functions and their derivatives").XLabel("z").Shade(-5f, -2f).Shade(2f, 5f);
foreach (var name in functions)
{
    var f = Activations.Get(name);
    activationCurves.Add(z, f.Forward(z), label: name).Add(z, f.Derivative(z), label: $"{name}'");
}
display(
activationCurves.ToPlotly()
);

// ## The same tensors in TorchSharp
//
// [TorchSharp](https://github.com/dotnet/TorchSharp) is .NET's binding to LibTorch, the engine inside PyTorch, and the library a C# programmer would use in production. Computing the same things with it checks the numbers above against an independent implementation. The next cell loads it (a download of about 270 MB the first time, 1.2 GB once unpacked). Where TorchSharp cannot run, for example on Linux on ARM, for which there is no LibTorch package, the cells below say so and skip the comparison; the rest of the notebook does not need them.

// On Debian 12 and other Linux systems with an older C++ runtime this also makes TorchSharp loadable;
// the message says what was done (README, "TorchSharp on Debian 12 / older Linux").
var torchSharp = TorchSharpSetup.Load();
Console.WriteLine(torchSharp.Message);

// Creation, element-wise operations and broadcasting, on both sides. `ToTorch()` copies a library tensor into a TorchSharp tensor; the last column is the largest difference between the two results.

if (torchSharp.Ready)
{
    var tBatch = batch.ToTorch();
    var tBias = bias.ToTorch();
    var tColumn = column.ToTorch();
    Console.WriteLine($"{"operation",-22}{"library shape",-15}{"TorchSharp shape",-18}{"max |difference|",16}");
    void Row(string name, Tensor ours, torch.Tensor theirs) =>
        Console.WriteLine($"{name,-22}{ours.Shape,-15}{new Shape(theirs.shape.Select(d => (int)d).ToArray()),-18}{TorchBridge.MaxAbsDifference(ours, theirs),16:G3}");
    Row("arange(24).reshape", Tensor.Arange(24).Reshape(2, 3, 4), torch.arange(24, dtype: torch.float32).reshape(2, 3, 4));
    Row("linspace(-5, 5, 201)", Tensor.Linspace(-5f, 5f, 201), torch.linspace(-5, 5, 201));
    Row("(2, 3) + (3,)", batch + bias, tBatch + tBias);
    Row("(2, 3) * (2, 1)", batch * column, tBatch * tColumn);
    Row("(2, 1) + (3,)", column + bias, tColumn + tBias);
    Row("exp of (2, 3)", batch.Exp(), tBatch.exp());
}
else Console.WriteLine(torchSharp.Message);

// The same broadcasting mistake, `(2, 3) + (2,)`, on both sides. Both refuse it; each says which sizes clash in its own words (PyTorch counts the axes from the left, after lining the shapes up from the right).

if (torchSharp.Ready)
{
    string torchError;
    try
    {
        var wrong = batch.ToTorch() + Tensor.From(1f, 2f).ToTorch();
        torchError = "no error";
    }
    catch (Exception e)
    {
        torchError = e.Message.Split('\n')[0];
    }
    Console.WriteLine($"library:    {broadcastError}");
    Console.WriteLine($"TorchSharp: {torchError}");
}
else Console.WriteLine(torchSharp.Message);

// The activation functions on a million random inputs in $[-10, 10]$. TorchSharp computes each derivative by automatic differentiation (`backward()`), while the library uses the formulas above.

if (torchSharp.Ready)
{
    var zMillion = new Rng(1).Uniform(new Shape(1_000_000), -10f, 10f);
    Console.WriteLine($"{"function",-12}{"max |f - TorchSharp f|",24}{"max |f' - autograd f'|",26}");
    foreach (var name in functions)
    {
        var f = Activations.Get(name);
        var tz = zMillion.ToTorch(requiresGrad: true);
        var ty = name switch
        {
            "sigmoid" => tz.sigmoid(),
            "tanh" => tz.tanh(),
            "arctan" => tz.atan(),
            "relu" => tz.relu(),
            _ => torch.nn.functional.leaky_relu(tz, 0.3),   // the library's slope: Keras's LeakyReLU layer's default
        };
        ty.sum().backward();
        Console.WriteLine($"{name,-12}{TorchBridge.MaxAbsDifference(f.Forward(zMillion), ty),24:G3}{TorchBridge.MaxAbsDifference(f.Derivative(zMillion), tz.grad!),26:G3}");
    }
}
else Console.WriteLine(torchSharp.Message);

// The differences are float32 rounding: a few units in the last place of numbers near 1 (about $10^{-7}$), and exactly 0 for ReLU and leaky ReLU, which only compare and multiply. (`linspace` in the table above differs by such a rounding too: the two libraries compute the points with a different order of operations.) The live tests in `tests/NeuralNotebooks.Torch.Tests` check the same values, and the other tensor operations, on every run of the test suite.

// ### Dying ReLUs, and the leak that prevents them
//
// ReLU's derivative is exactly 0 for every negative input. If a neuron's weighted sum is negative for *every* training example (after a large update pushed its bias down, say), its gradient is 0 on every example, no update ever changes its weights again, and it outputs 0 for good: a **dead** neuron. Below, 100 ReLU neurons see 1,000 inputs, with biases pushed down to $-5$; we count the neurons whose gradient is 0 on all of them. Leaky ReLU's slope $\alpha$ keeps a small gradient flowing, so the same neurons can still learn their way back.

var inputs = new Rng(1).Normal(new Shape(1000, 20));                 // 1,000 examples, 20 features
var neuronWeights = new Rng(2).Normal(new Shape(20, 100), std: 0.3f);  // 100 neurons
var zDying = inputs.MatMul(neuronWeights) - 5f;                       // every bias pushed down to -5

int DeadNeurons(string activation)
{
    var slope = Activations.Get(activation).Derivative(zDying);       // (1000, 100): f'(z) per example and neuron
    return Enumerable.Range(0, 100).Count(j => Enumerable.Range(0, 1000).All(i => slope.Item(i, j) == 0f));
}
var deadRelu = DeadNeurons("relu");
var deadLeaky = DeadNeurons("leaky_relu");
Console.WriteLine($"ReLU: {deadRelu} of 100 neurons get zero gradient on all 1,000 examples (dead)");
Console.WriteLine($"leaky ReLU: {deadLeaky} of 100 (every negative input still passes gradient × 0.3)");

// ## One activation, three ways, a million numbers
//
// How does the library compute an activation over a million numbers quickly? The library's kernels use **SIMD** (single instruction, multiple data) instructions: one instruction works on a whole vector of floats, 16 at a time with AVX-512, 8 with AVX2 (most x86 laptops), 4 with Arm's NEON (Apple Silicon); the element-wise kernels, this sigmoid among them, use the widest the processor has. Here is the same sigmoid computed
//
// 1. with a plain C# loop, one element at a time;
// 2. with the library's SIMD kernel `Kernels.Simd.Sigmoid`;
// 3. with `TensorPrimitives.Sigmoid` from `System.Numerics.Tensors`, Microsoft's production implementation, as the reference.
//
// They must agree to within float32 rounding; then we compare their speed.

const int N = 1_000_000;
var input = new Rng(0).Uniform(new Shape(N), -10f, 10f).ToArray();
var loop = new float[N];
var simd = new float[N];
var reference = new float[N];

void PlainLoop(float[] x, float[] y) { for (int i = 0; i < x.Length; i++) y[i] = 1f / (1f + MathF.Exp(-x[i])); }

// Best of 20 runs for each, after a warm-up: .NET first compiles a method quickly, then recompiles it
// fully optimized in the background once it has run a few dozen times, later still on a busy machine
// (in one run of this notebook TensorPrimitives was still 13 times slower than usual after a second).
// So the warm-up lasts at least three seconds and goes on (up to 10 s) until 50 runs in a row bring
// no new best time.
double BestMilliseconds(Action run)
{
    var warmUp = Stopwatch.StartNew();
    double fastest = double.MaxValue;
    for (int sinceImproved = 0; warmUp.ElapsedMilliseconds < 10_000 && (warmUp.ElapsedMilliseconds < 3000 || sinceImproved < 50); )
    {
        var lap = Stopwatch.StartNew();
        run();
        double t = lap.Elapsed.TotalMilliseconds;
        if (t < fastest * 0.95) { fastest = t; sinceImproved = 0; } else sinceImproved++;
    }
    double best = double.MaxValue;
    for (int r = 0; r < 20; r++)
    {
        var sw = Stopwatch.StartNew();
        run();
        best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
    }
    return best;
}

var loopMs = BestMilliseconds(() => PlainLoop(input, loop));
var simdMs = BestMilliseconds(() => NeuralNotebooks.Kernels.Simd.Sigmoid(input, simd));
var referenceMs = BestMilliseconds(() => TensorPrimitives.Sigmoid(input, reference));

float MaxAbsDiff(float[] x, float[] y) { float m = 0; for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i])); return m; }
var maxDiffSimdVsReference = MaxAbsDiff(simd, reference);
var maxDiffLoopVsReference = MaxAbsDiff(loop, reference);

Console.WriteLine($"plain loop        {loopMs,7:F3} ms   max |difference| from TensorPrimitives: {maxDiffLoopVsReference:E2}");
Console.WriteLine($"library SIMD      {simdMs,7:F3} ms   max |difference| from TensorPrimitives: {maxDiffSimdVsReference:E2}");
Console.WriteLine($"TensorPrimitives  {referenceMs,7:F3} ms");
// The sentence follows the measurement: within 10% counts as a tie, since timings move that much between runs.
var simdVersusReference = simdMs < referenceMs * 0.9 ? $"faster than TensorPrimitives ({referenceMs / simdMs:F1}x)"
    : simdMs > referenceMs * 1.1 ? $"slower than TensorPrimitives ({simdMs / referenceMs:F1}x its time)"
    : "about as fast as TensorPrimitives (within 10%)";
Console.WriteLine($"In this run the library's SIMD sigmoid was {simdVersusReference}, and {loopMs / simdMs:F0}x faster than the plain loop.");

display(
Plot.Bar(new[] { "plain loop", "library SIMD", "TensorPrimitives" }, new[] { loopMs, simdMs, referenceMs })
    .Title("Sigmoid of 1,000,000 floats (lower is better)").XLabel("implementation").YLabel("milliseconds (best of 20)").HighlightMax(false)
);

// The three agree to about $10^{-7}$, the rounding error of a float32 near 1. The plain loop is more than ten times slower than the library's kernel (the sentence under the timings gives this run's factor): it computes one element per instruction while a SIMD kernel computes several at once (8 or 16 on an x86 processor, 4 on Apple Silicon). TensorPrimitives is vectorized too; in the repository's benchmark (README, "Performance") the library's kernel was 1.7x as fast on 512-bit vectors, 2.1x on 256-bit and 1.6x on 128-bit ones in the tables quoted there (both warmed up first), and the ratio moves from run to run; the sentence under the timings, computed from this run's numbers, says which was faster here and by how much. Timings in a notebook move a lot from run to run, especially on a busy machine, where one of the two can come out several times slower than in the benchmark (in some runs TensorPrimitives is no faster than the plain loop); the benchmark measures them carefully.
//
// **Next:** [03 — The multilayer perceptron](03-mlp.ipynb) stacks neurons into layers and trains them.
