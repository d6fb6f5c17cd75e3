using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>An element-wise operation on two operands, as row kernels for each broadcasting case.</summary>
internal interface IBinaryOp
{
    static abstract string Name { get; }
    static abstract void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
    static abstract void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d);
    static abstract void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d);
    static abstract float Apply(float x, float y);
}

internal readonly struct AddOp : IBinaryOp
{
    public static string Name => "add";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Add(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Add(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Add(y, x, d);
    public static float Apply(float x, float y) => x + y;
}

internal readonly struct SubOp : IBinaryOp
{
    public static string Name => "sub";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Subtract(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Subtract(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Subtract(x, y, d);
    public static float Apply(float x, float y) => x - y;
}

internal readonly struct MulOp : IBinaryOp
{
    public static string Name => "mul";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Multiply(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Multiply(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Multiply(y, x, d);
    public static float Apply(float x, float y) => x * y;
}

internal readonly struct DivOp : IBinaryOp
{
    public static string Name => "div";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Divide(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Divide(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Divide(x, y, d);
    public static float Apply(float x, float y) => x / y;
}

internal readonly struct MaxOp : IBinaryOp
{
    public static string Name => "maximum";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Max(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Max(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Max(y, x, d);
    public static float Apply(float x, float y) => MathF.Max(x, y);
}

internal readonly struct MinOp : IBinaryOp
{
    public static string Name => "minimum";
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => Simd.Min(x, y, d);
    public static void RowScalar(ReadOnlySpan<float> x, float y, Span<float> d) => Simd.Min(x, y, d);
    public static void ScalarRow(float x, ReadOnlySpan<float> y, Span<float> d) => Simd.Min(y, x, d);
    public static float Apply(float x, float y) => MathF.Min(x, y);
}

internal static class BinaryKernel
{
    /// <summary>Applies <typeparamref name="TOp"/> to two broadcast operands, returning the result's data.</summary>
    public static float[] Apply<TOp>(float[] x, Shape xs, float[] y, Shape ys, Shape outShape) where TOp : IBinaryOp
    {
        var result = new float[outShape.Size];
        if (xs == ys)
        {
            TOp.Rows(x, y, result);
            return result;
        }
        if (ys.Size == 1 && xs == outShape) { TOp.RowScalar(x, y[0], result); return result; }
        if (xs.Size == 1 && ys == outShape) { TOp.ScalarRow(x[0], y, result); return result; }
        Broadcasting.ForEachRow(outShape, Broadcasting.StridesIn(xs, outShape), Broadcasting.StridesIn(ys, outShape),
            (o, oa, ob, n, sa, sb) =>
            {
                var d = result.AsSpan(o, n);
                if (sa == 1 && sb == 1) TOp.Rows(x.AsSpan(oa, n), y.AsSpan(ob, n), d);
                else if (sa == 1) TOp.RowScalar(x.AsSpan(oa, n), y[ob], d);
                else if (sb == 1) TOp.ScalarRow(x[oa], y.AsSpan(ob, n), d);
                else d.Fill(TOp.Apply(x[oa], y[ob]));
            });
        return result;
    }
}
