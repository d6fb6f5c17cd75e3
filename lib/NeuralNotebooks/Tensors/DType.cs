namespace NeuralNotebooks;

/// <summary>The element type of a tensor. The library computes in 32-bit floats, like most deep learning.</summary>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point (C# <c>float</c>, PyTorch <c>torch.float32</c>).</summary>
    Float32,
}
