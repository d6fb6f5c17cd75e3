namespace NeuralNotebooks.Tests;

/// <summary>
/// The one finite-difference check of the tests: nudges each value of a tensor by ±h, recomputes a
/// scalar loss in double precision and compares the central difference with the analytic gradient.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Float32 central differences with step h have error O(h²) from truncation plus O(ε·|f|/h) from
    /// rounding; h = 1e-2 balances them for values of order 1, so 2e-2 relative tolerance is honest.
    /// </summary>
    public const float Step = 1e-2f, Tolerance = 2e-2f;

    /// <summary>Asserts that <paramref name="analytic"/>[i] ≈ ∂loss/∂values[i] for every i, naming <paramref name="what"/> on failure.</summary>
    public static void Check(Span<float> values, ReadOnlySpan<float> analytic, Func<double> loss, string what, float h = Step, float tolerance = Tolerance)
    {
        Assert.Equal(values.Length, analytic.Length);
        for (int i = 0; i < values.Length; i++)
        {
            float orig = values[i];
            values[i] = orig + h; double up = loss();
            values[i] = orig - h; double down = loss();
            values[i] = orig;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * Math.Max(1.0, Math.Abs(numeric)),
                $"{what}[{i}]: analytic {analytic[i]}, finite difference {numeric}");
        }
    }

    /// <summary>Σ output ⊙ w in double precision: a scalar whose gradient with respect to the output is w.</summary>
    public static double Weighted(ReadOnlySpan<float> output, ReadOnlySpan<float> w)
    {
        double s = 0;
        for (int i = 0; i < output.Length; i++) s += (double)output[i] * w[i];
        return s;
    }
}
