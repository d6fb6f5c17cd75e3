namespace NeuralNotebooks.Tests.Reference;

/// <summary>
/// Every tensor op and activation against PyTorch 1.13 (data/reference/ops.json, activations.json):
/// the output, and the gradients of Σ output ⊙ dy with respect to each input. Tolerances come with
/// each case (element-wise ops 1e-5 relative: float32 results of the same formula differ by an ulp or
/// two; reductions and matmul looser, because the summation order differs from PyTorch's).
/// </summary>
public class TensorReferenceTests
{
    public static TheoryData<string> OpCases() => Names("ops");
    public static TheoryData<string> ActivationCases() => Names("activations");

    private static TheoryData<string> Names(string file)
    {
        var data = new TheoryData<string>();
        foreach (var c in PyTorchReference.Load(file).Cases) data.Add(c.Name);
        return data;
    }

    [Theory, MemberData(nameof(OpCases))]
    public void Op_matches_pytorch(string name) => Check(PyTorchReference.Load("ops")[name]);

    [Theory, MemberData(nameof(ActivationCases))]
    public void Activation_matches_pytorch(string name) => Check(PyTorchReference.Load("activations")[name]);

    private static void Check(ReferenceCase c)
    {
        var inputs = c.Inputs.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.ToArray(), kv.Value.Shape).RequireGrad());
        var y = Apply(c, inputs);
        Assert.True(c.Close(c.Output!, y, out var why), why);
        (y * c.Dy!).Sum().Backward();
        foreach (var (name, expected) in c.Grads)
        {
            var grad = inputs[name].Grad ?? Tensor.ZerosLike(inputs[name]);
            Assert.True(c.Close(expected, grad, out var gwhy), $"gradient of {name}: {gwhy}");
        }
    }

    private static Tensor Apply(ReferenceCase c, Dictionary<string, Tensor> t)
    {
        Tensor X() => t["x"];
        Tensor A() => t["a"];
        Tensor B() => t["b"];
        int? Axis() => c.HasParam("axis") ? (int)c.Param("axis") : null;
        bool KeepDims() => c.Json.GetProperty("params").GetProperty("keepdims").GetBoolean();
        Tensor Reduce(Func<Tensor> all, Func<int, bool, Tensor> axis) => Axis() is int a ? axis(a, KeepDims()) : all();
        return c.Op switch
        {
            "add" => A() + B(),
            "sub" => A() - B(),
            "mul" => A() * B(),
            "div" => A() / B(),
            "maximum" => Tensor.Maximum(A(), B()),
            "minimum" => Tensor.Minimum(A(), B()),
            "add_scalar" => X() + c.Param("scalar"),
            "mul_scalar" => X() * c.Param("scalar"),
            "maximum_scalar" => X().Maximum(c.Param("scalar")),
            "minimum_scalar" => X().Minimum(c.Param("scalar")),
            "clamp" => X().Clamp(c.Param("min"), c.Param("max")),
            "neg" => -X(),
            "pow" => X().Pow(c.Param("exponent")),
            "exp" => X().Exp(),
            "log" => X().Log(),
            "sqrt" => X().Sqrt(),
            "abs" => X().Abs(),
            "sum" => Reduce(() => X().Sum(), (a, k) => X().Sum(a, k)),
            "mean" => Reduce(() => X().Mean(), (a, k) => X().Mean(a, k)),
            "max" => Reduce(() => X().Max(), (a, k) => X().Max(a, k)),
            "min" => Reduce(() => X().Min(), (a, k) => X().Min(a, k)),
            "matmul" => A().MatMul(B()),
            "reshape" => X().Reshape(c.Json.GetProperty("params").GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray()),
            "transpose" => X().T,
            "concat" => Tensor.Concat([A(), B()], (int)c.Param("axis")),
            "sigmoid" => X().Sigmoid(),
            "tanh" => X().Tanh(),
            "atan" => X().Atan(),
            "relu" => X().Relu(),
            "leaky_relu" => X().LeakyRelu(c.Param("negative_slope")),
            "linear" => X() * 1f,
            "softmax" => X().Softmax(),
            _ => throw new NotSupportedException($"No mapping for reference op '{c.Op}' (case {c.Name}) — add one."),
        };
    }

    [Fact]
    public void Missing_case_lists_the_cases_there_are()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => PyTorchReference.Load("ops")["no_such_case"]);
        Assert.Contains("matmul_2d", e.Message);
    }
}
