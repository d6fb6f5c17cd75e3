using TorchSharp;
using LibTensor = NeuralNotebooks.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NeuralNotebooks.Torch;

/// <summary>Moves values between the library's tensors and TorchSharp's, and measures how far apart they are.</summary>
public static class TorchBridge
{
    /// <summary>A float32 TorchSharp tensor with the same shape and values (a copy).</summary>
    public static TorchTensor ToTorch(this LibTensor tensor, bool requiresGrad = false) =>
        torch.tensor(tensor.ToArray(), tensor.Shape.ToArray().Select(d => (long)d).ToArray(), requires_grad: requiresGrad);

    /// <summary>
    /// A library tensor with the same shape and values (a copy; the TorchSharp tensor may be on any real dtype,
    /// read as float32).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is complex: float32 would keep only its real parts.</exception>
    public static LibTensor ToLibrary(this TorchTensor tensor)
    {
        if (tensor.is_complex())
            throw new ArgumentException($"ToLibrary: the tensor is {tensor.dtype}; the library holds real float32 values, and a conversion would drop the imaginary parts. Take .real or .abs() first.");
        var shape = tensor.shape.Select(d => checked((int)d)).ToArray();
        // An empty tensor has no storage to read (data<float>() of a (0, 3) tensor throws).
        if (tensor.numel() == 0) return new LibTensor([], shape);
        using var cpu = tensor.detach().to(torch.float32).contiguous();
        return new LibTensor(cpu.data<float>().ToArray(), shape);
    }

    /// <summary>The largest |a - b| over all elements; the shapes must be equal.</summary>
    /// <exception cref="ArgumentException">The shapes differ (both are named).</exception>
    public static float MaxAbsDifference(LibTensor library, TorchTensor reference)
    {
        var other = reference.ToLibrary();
        if (library.Shape != other.Shape)
            throw new ArgumentException($"Cannot compare a library tensor of shape {library.Shape} with a TorchSharp tensor of shape {other.Shape}.");
        float max = 0;
        var a = library.AsSpan(); var b = other.AsSpan();
        for (int i = 0; i < a.Length; i++)
        {
            // Equal infinities (a log-probability of -inf on both sides) agree; inf - inf would read as NaN.
            if (a[i] == b[i]) continue;
            float d = MathF.Abs(a[i] - b[i]);
            if (float.IsNaN(d)) return float.NaN;
            max = MathF.Max(max, d);
        }
        return max;
    }
}
