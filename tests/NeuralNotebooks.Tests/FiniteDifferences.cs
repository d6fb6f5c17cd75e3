namespace NeuralNotebooks.Tests;

/// <summary>
/// The one finite-difference check of the tests: nudges each value of a tensor by ±h, recomputes a
/// scalar loss in double precision and compares the central difference with the analytic gradient.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Central differences with step h have error h²·|f‴|/6 from truncation plus about ε·|f|/h from the float32
    /// forward pass's rounding: for values of order 1 at h = 1e-2, about 2e-5 and 1e-5. A tolerance of 1e-3
    /// leaves a wide margin and still catches a gradient off by more than 1e-3, or by more than a tenth of a percent where it is
    /// larger than 1. It was 2e-2, which let a sigmoid's gradient 2% too large pass, and a max pooling's
    /// window trade places under the step unnoticed (its test now steps 1e-3).
    /// </summary>
    public const float Step = 1e-2f, Tolerance = 1e-3f;

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
