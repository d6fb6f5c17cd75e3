using System.Text.RegularExpressions;

namespace NeuralNotebooks;

/// <summary>How a model names its layers, as Keras does: the class name in snake case, then _1, _2 for repeats.</summary>
internal static partial class LayerNames
{
    /// <summary>Keras's <c>to_snake_case</c>: "Dense" → "dense", "Conv2D" → "conv2d", "MyLinear" → "my_linear", "ReLU" → "re_lu".</summary>
    public static string SnakeCase(string typeName)
    {
        string s = WordStart().Replace(typeName, "$1_$2");
        return LowerUpper().Replace(s, "$1_$2").ToLowerInvariant();
    }

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex WordStart();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
