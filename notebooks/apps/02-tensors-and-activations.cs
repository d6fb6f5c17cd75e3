#:project ../../lib/NeuralNotebooks/NeuralNotebooks.csproj
#:property PublishAot=false
#:property Optimize=true
#:package XPlot.Plotly@4.1.0
#:project ../../lib/NeuralNotebooks.Plotly/NeuralNotebooks.Plotly.csproj
#:package System.Numerics.Tensors@11.0.0

// 02 — Tensors and activation functions: the tutorial notebook 02-tensors-and-activations.ipynb as a C# file-based app.
// Run it with: dotnet run notebooks/apps/02-tensors-and-activations.cs
// Text is printed; charts and tables are written to apps/output/ and their paths printed.
// Generated from the notebook by: dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/

using NeuralNotebooks;
using NeuralNotebooks.Plots;
using NeuralNotebooks.Plotly;
using System.Diagnostics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;   // only this class: the namespace also has a Tensor type
using static NeuralNotebooks.Display.FileBasedApp;

NeuralNotebooks.Display.FileBasedApp.Start();

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
// | name | $f(z)$ | $f'(z)$ |
// |---|---|---|
// | sigmoid (logistic) | $\sigma(z) = \frac{1}{1 + e^{-z}}$ | $\sigma(z)\,(1 - \sigma(z))$ |
// | tanh | $\tanh z$ | $1 - \tanh^2 z$ |
// | arctan | $\arctan z$ | $\frac{1}{1 + z^2}$ |
// | ReLU | $\max(z, 0)$ | $1$ if $z > 0$, else $0$ |
// | leaky ReLU | $z$ if $z > 0$, else $\alpha z$ | $1$ if $z > 0$, else $\alpha$ |

var z = Tensor.Linspace(-5f, 5f, 201);
var functions = new[] { "sigmoid", "tanh", "arctan", "relu", "leaky_relu" };
var charts = functions.Select(name =>
{
    var f = Activations.Get(name);
    return Plot.Line(z, f.Forward(z), label: $"{name}")
               .Add(z, f.Derivative(z), label: $"{name}'")
               .Title(name).XLabel("z").Shade(-5f, -2f).Shade(2f, 5f);
}).ToList();
foreach (var chart in charts) display(chart);

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

// The shaded bands mark $|z| > 2$. There the sigmoid's derivative is below 0.11 and tanh's below 0.08, and both keep shrinking towards 0: a neuron that lands there learns very slowly, and a deep stack of such neurons multiplies many small numbers together. This is the **vanishing gradient** problem, and the reason ReLU, whose derivative is exactly 1 for every positive input, became the default in hidden layers.

var probe = Tensor.From(0f, 2f, 5f);
var rows = functions.Select(name => (name, d: Activations.Get(name).Derivative(probe).ToArray()));
Console.WriteLine($"{"",-11}{"f'(0)",9}{"f'(2)",9}{"f'(5)",9}");
foreach (var (name, d) in rows) Console.WriteLine($"{name,-11}{d[0],9:F4}{d[1],9:F4}{d[2],9:F4}");
var sigmoidSlopeAt2 = Activations.Get("sigmoid").Derivative(Tensor.Scalar(2f)).Item();

// ## One activation, three ways, a million numbers
//
// How is `Sigmoid()` computed so fast? The library's kernels use **SIMD** instructions: one AVX-512 instruction works on 16 floats at a time. Here is the same sigmoid computed
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

// Best of 20 runs for each, after at least a second of warm-up: .NET first compiles a method
// quickly, then recompiles it fully optimized in the background once it has run a few dozen times.
double BestMilliseconds(Action run)
{
    var warmUp = Stopwatch.StartNew();
    for (int w = 0; w < 40 || warmUp.ElapsedMilliseconds < 1000; w++) run();
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

display(
Plot.Bar(new[] { "plain loop", "library SIMD", "TensorPrimitives" }, new[] { loopMs, simdMs, referenceMs })
    .Title("Sigmoid of 1,000,000 floats (ms, lower is better)")
);

// The three agree to about $10^{-7}$, the rounding error of a float32 near 1. The plain loop is several times slower: it computes one element per instruction while the SIMD kernels compute 16. Timings in a notebook vary from run to run; the repository's benchmarks measure them carefully.
//
// **Next:** [03 — The multilayer perceptron](03-mlp.ipynb) stacks neurons into layers and trains them.
