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
            throw new ArgumentException($"Axis range must be finite, got [{min}, {max}].");
        if (min > max) (min, max) = (max, min);
        if (min == max)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad; max += pad;
        }
        double step = Step((max - min) / Math.Max(1, target - 1));
        double start = Math.Floor(min / step + 1e-9) * step, end = Math.Ceiling(max / step - 1e-9) * step;
        int count = (int)Math.Round((end - start) / step) + 1;
        var ticks = new double[count];
        for (int i = 0; i < count; i++) ticks[i] = Math.Round(start + i * step, 12);
        return ticks;
    }

    /// <summary>The nice step (1, 2 or 5 × 10^k) nearest above <paramref name="raw"/>.</summary>
    public static double Step(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Labels for the ticks with just enough decimals to tell them apart.</summary>
    public static string[] Labels(double[] ticks)
    {
        if (ticks.Length < 2) return ticks.Select(t => t.ToString("0.###", CultureInfo.InvariantCulture)).ToArray();
        double step = Math.Abs(ticks[1] - ticks[0]);
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        bool large = ticks.Max(Math.Abs) >= 1e6;
        return ticks.Select(t => large ? t.ToString("0.#e0", CultureInfo.InvariantCulture) : t.ToString("F" + decimals, CultureInfo.InvariantCulture)).ToArray();
    }
}
