using NeuralNotebooks.Torch;
using TorchSharp;

namespace NeuralNotebooks.Torch.Tests;

/// <summary>Loads TorchSharp once for the live comparisons (fails with the setup's explanation when it cannot run here).</summary>
static class Live
{
    public static void Require()
    {
        TorchSharpSetup.Require();
        torch.manual_seed(0);
    }

    /// <summary>Seeded uniform values in [low, high).</summary>
    public static Tensor Uniform(int seed, float low, float high, params int[] shape) => Tensor.RandomUniform(shape, new Rng(seed), low, high);

    /// <summary>|library - TorchSharp| ≤ atol + rtol·|TorchSharp| element by element, with the worst element named.</summary>
    public static void Close(Tensor library, torch.Tensor reference, float rtol = 1e-5f, float atol = 1e-6f, string what = "")
    {
        var expected = reference.ToLibrary();
        Assert.True(library.Shape == expected.Shape, $"{what}: library shape {library.Shape}, TorchSharp shape {expected.Shape}");
        var a = library.AsSpan(); var b = expected.AsSpan();
        for (int i = 0; i < a.Length; i++)
            Assert.True(MathF.Abs(a[i] - b[i]) <= atol + rtol * MathF.Abs(b[i]), $"{what}: element {i}: library {a[i]}, TorchSharp {b[i]}");
    }
}
