using TorchSharp;

namespace NeuralNotebooks.Torch.Tests;

/// <summary>Tensor operations, values and autograd gradients, against TorchSharp on the same inputs.</summary>
[Trait("Category", "TorchSharp")]
public class OpsTests
{
    public OpsTests() => Live.Require();

    public static TheoryData<string, int[], int[]> Binary => new()
    {
        { "add", [3, 4], [3, 4] }, { "add", [2, 3, 4], [4] }, { "subtract", [5, 1], [1, 7] },
        { "multiply", [2, 1, 4], [3, 1] }, { "divide", [17], [1] }, { "divide", [4, 1, 3], [2, 1] },
    };

    [Theory]
    [MemberData(nameof(Binary))]
    public void Broadcasting_arithmetic_and_its_gradients(string op, int[] shapeA, int[] shapeB)
    {
        var a = Live.Uniform(1, -2, 2, shapeA).RequireGrad();
        var b = Live.Uniform(2, 0.5f, 2, shapeB).RequireGrad();
        using var ta = a.ToTorch(requiresGrad: true);
        using var tb = b.ToTorch(requiresGrad: true);
        var (y, ty) = op switch
        {
            "add" => (a + b, ta + tb),
            "subtract" => (a - b, ta - tb),
            "multiply" => (a * b, ta * tb),
            _ => (a / b, ta / tb),
        };
        Live.Close(y, ty, what: op);
        // A non-uniform upstream gradient, so a wrong reduction over broadcast axes shows.
        var weights = Live.Uniform(3, -1, 1, y.Shape.ToArray());
        (y * weights).Sum().Backward();
        (ty * weights.ToTorch()).sum().backward();
        Live.Close(a.Grad!, ta.grad!, what: $"{op} d/da");
        Live.Close(b.Grad!, tb.grad!, what: $"{op} d/db");
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 17, 5)]
    [InlineData(64, 33, 65)]
    public void Matmul_and_its_gradients(int m, int k, int n)
    {
        var a = Live.Uniform(4, -1, 1, m, k).RequireGrad();
        var b = Live.Uniform(5, -1, 1, k, n).RequireGrad();
        using var ta = a.ToTorch(true);
        using var tb = b.ToTorch(true);
        var y = a.MatMul(b);
        using var ty = ta.matmul(tb);
        Live.Close(y, ty, 1e-5f, 1e-5f, "matmul");
        var w = Live.Uniform(6, -1, 1, m, n);
        (y * w).Sum().Backward();
        (ty * w.ToTorch()).sum().backward();
        Live.Close(a.Grad!, ta.grad!, 1e-5f, 1e-5f, "matmul d/da");
        Live.Close(b.Grad!, tb.grad!, 1e-5f, 1e-5f, "matmul d/db");
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("log")]
    [InlineData("sqrt")]
    [InlineData("abs")]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    public void Unary_ops_and_their_gradients(string op)
    {
        var x = Live.Uniform(7, op is "log" or "sqrt" ? 0.1f : -3, 3, 5, 17).RequireGrad();
        using var tx = x.ToTorch(true);
        var (y, ty) = op switch
        {
            "exp" => (x.Exp(), tx.exp()),
            "log" => (x.Log(), tx.log()),
            "sqrt" => (x.Sqrt(), tx.sqrt()),
            "abs" => (x.Abs(), tx.abs()),
            "softmax" => (x.Softmax(), tx.softmax(-1)),
            _ => (x.LogSoftmax(), tx.log_softmax(-1)),
        };
        Live.Close(y, ty, 2e-6f, 1e-6f, op);
        var w = Live.Uniform(8, -1, 1, 5, 17);
        (y * w).Sum().Backward();
        (ty * w.ToTorch()).sum().backward();
        Live.Close(x.Grad!, tx.grad!, 1e-5f, 1e-6f, $"{op}'");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Reductions_along_an_axis(int axis)
    {
        var x = Live.Uniform(9, -5, 5, 3, 4, 5);
        using var tx = x.ToTorch();
        Live.Close(x.Sum(axis), tx.sum(axis), 1e-5f, 1e-5f, "sum");
        Live.Close(x.Mean(axis, keepDims: true), tx.mean([axis], keepdim: true), 1e-5f, 1e-6f, "mean");
        Live.Close(x.Max(axis), tx.amax([axis]), 0, 0, "max");
        Assert.Equal(tx.argmax().item<long>(), x.ArgMax());
        Live.Close(x.ArgMax(axis), tx.argmax(axis).to(torch.float32), 0, 0, "argmax");
    }

    [Fact]
    public void Both_refuse_shapes_that_do_not_broadcast()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4);
        var ours = Assert.ThrowsAny<ArgumentException>(() => a + b);
        Assert.Contains("(2, 3)", ours.Message);
        Assert.Contains("(4,)", ours.Message);
        using var ta = a.ToTorch();
        using var tb = b.ToTorch();
        var theirs = Assert.ThrowsAny<Exception>(() => ta + tb);
        Assert.Contains("must match", theirs.Message);
    }
}
