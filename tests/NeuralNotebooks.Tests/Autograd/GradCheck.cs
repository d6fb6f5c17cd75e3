namespace NeuralNotebooks.Tests.Autograd;

/// <summary>
/// Compares autograd's gradients with central finite differences. The scalar being differentiated
/// is Σ f(inputs) ⊙ w for a fixed random w, so every output element's gradient is exercised.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Float32 central differences with step h have error O(h²) from truncation plus O(ε·|f|/h) from
    /// rounding; h = 1e-2 balances them for values of order 1, so 2e-2 relative tolerance is honest.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, 1e-2f, 2e-2f, inputs);

    public static void Check(Func<Tensor[], Tensor> f, float h, float tolerance, params Tensor[] inputs)
    {
        foreach (var x in inputs) { x.RequireGrad(); x.ZeroGrad(); }
        var y = f(inputs);
        var w = new Rng(7).Uniform(y.Shape, -1f, 1f);
        (y * w).Sum().Backward();

        double Loss()
        {
            using var _ = Tensor.NoGrad();
            var v = f(inputs).AsSpan();
            var ws = w.AsSpan();
            double s = 0;
            for (int i = 0; i < v.Length; i++) s += (double)v[i] * ws[i];
            return s;
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            var analytic = x.Grad?.ToArray() ?? new float[x.Size];
            var xs = x.AsSpan();
            for (int i = 0; i < x.Size; i++)
            {
                float orig = xs[i];
                xs[i] = orig + h; double up = Loss();
                xs[i] = orig - h; double down = Loss();
                xs[i] = orig;
                double numeric = (up - down) / (2 * h);
                double scale = Math.Max(1.0, Math.Abs(numeric));
                Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * scale,
                    $"input {k} element {i}: autograd {analytic[i]} vs finite difference {numeric}");
            }
        }
    }
}
