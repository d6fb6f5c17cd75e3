using System.Globalization;

namespace NeuralNotebooks.Plots;

/// <summary>"Nice" axis ticks: steps of 1, 2 or 5 times a power of ten that cover the data range.</summary>
public static class Ticks
{
    /// <summary>
    /// About <paramref name="target"/> evenly spaced round numbers from at or below <paramref name="min"/> to
    /// at or above <paramref name="max"/>. A degenerate range (min = max) is widened around the value.
    /// </summary>
    public static double[] Nice(double min, double max, int target = 6)
    {
        if (double.IsNaN(min) || double.IsNaN(max) || double.IsInfinity(min) || double.IsInfinity(max))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Axis range must be finite, got [{min}, {max}]."));
        if (min > max) (min, max) = (max, min);
        if (min == max)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad; max += pad;
        }
        if (double.IsInfinity(max - min))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Axis range [{min}, {max}] is wider than a double can hold."));
        var (nice, exponent) = StepParts((max - min) / Math.Max(1, target - 1));
        double step = Scale(nice, exponent);
        double first = Math.Floor(min / step + 1e-9), last = Math.Ceiling(max / step - 1e-9);
        int count = (int)(last - first) + 1;
        var ticks = new double[count];
        // Each tick is an integer count of (1, 2 or 5) scaled once by a power of ten, so 3 × 0.1 comes out as
        // 0.3, not 0.30000000000000004, at any magnitude (rounding to 12 decimals merged the ticks of 1e-30).
        for (int i = 0; i < count; i++)
        {
            double tick = Scale((first + i) * nice, exponent);
            ticks[i] = tick == 0 ? 0 : tick;   // never -0
        }
        return ticks;
    }

    /// <summary>(1, 2, 5 or 10, k): the step <c>nice × 10^k</c> nearest above <paramref name="raw"/>.</summary>
    private static (double Nice, int Exponent) StepParts(double raw)
    {
        int exponent = (int)Math.Floor(Math.Log10(raw));
        double f = raw / Math.Pow(10, exponent);
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10, exponent);
    }

    /// <summary>
    /// <paramref name="units"/> (a whole number) × 10^<paramref name="exponent"/>, the double nearest to that decimal:
    /// read from its text, since 10^k itself is inexact beyond 10²² (2 × 5 × 10²⁹ came out below 10³⁰).
    /// </summary>
    private static double Scale(double units, int exponent) =>
        double.Parse(string.Create(CultureInfo.InvariantCulture, $"{(long)units}e{exponent}"), CultureInfo.InvariantCulture);

    /// <summary>The nice step (1, 2 or 5 × 10^k) nearest above <paramref name="raw"/>.</summary>
    public static double Step(double raw)
    {
        var (nice, exponent) = StepParts(raw);
        return Scale(nice, exponent);
    }

    /// <summary>
    /// Labels for the ticks with just enough digits to tell them apart: fixed decimals, or scientific notation
    /// (2.5e-7, 6.0002e6) where the ticks reach 10⁶ or stay below 10⁻⁴, with as many digits as the step needs.
    /// </summary>
    public static string[] Labels(double[] ticks)
    {
        if (ticks.Length < 2) return ticks.Select(t => t.ToString("0.###", CultureInfo.InvariantCulture)).ToArray();
        double step = Math.Abs(ticks[1] - ticks[0]), largest = ticks.Max(Math.Abs);
        if (largest >= 1e6 || largest < 1e-4)
        {
            // Digits after the mantissa's point: how many decades the step lies below the largest tick.
            int digits = Math.Max(0, (int)Math.Floor(Math.Log10(largest) + 1e-9) - (int)Math.Floor(Math.Log10(step) + 1e-9));
            string format = (digits == 0 ? "0" : "0." + new string('0', digits)) + "e0";
            return ticks.Select(t => t == 0 ? "0" : t.ToString(format, CultureInfo.InvariantCulture)).ToArray();
        }
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return ticks.Select(t => t.ToString("F" + decimals, CultureInfo.InvariantCulture)).ToArray();
    }
}
