namespace NeuralNotebooks.Tests.Autograd;

/// <summary>
/// Compares autograd's gradients with central finite differences. The scalar being differentiated
/// is Σ f(inputs) ⊙ w for a fixed random w, so every output element's gradient is exercised.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, FiniteDifferences.Step, FiniteDifferences.Tolerance, inputs);

    public static void Check(Func<Tensor[], Tensor> f, float h, float tolerance, params Tensor[] inputs)
    {
        foreach (var x in inputs) { x.RequireGrad(); x.ZeroGrad(); }
        var y = f(inputs);
        var w = new Rng(7).Uniform(y.Shape, -1f, 1f);
        (y * w).Sum().Backward();

        double Loss()
        {
            using var _ = Tensor.NoGrad();
            return FiniteDifferences.Weighted(f(inputs).AsSpan(), w.AsSpan());
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            FiniteDifferences.Check(x.AsSpan(), x.Grad?.ToArray() ?? new float[x.Size], Loss, $"autograd input {k}", h, tolerance);
        }
    }
}
