namespace NeuralNotebooks.Plots;

/// <summary>
/// How to draw labels that sit one slot apart along an axis (a heatmap's columns and rows, a bar chart's
/// bars) so that they keep apart: level, slanted or upright, and every how many of them.
/// </summary>
internal static class SlotLabels
{
    /// <summary>
    /// The angle (0 level, else degrees turned anticlockwise) and the step (1 for every label, k for every k-th) of
    /// labels at most <paramref name="widest"/> px wide, <paramref name="slot"/> px apart, in <paramref name="size"/> px text:
    /// level while the widest keeps 2 px from its neighbour; turned 45 degrees where the slanted lines are a line of
    /// text apart (0.7 of the slot); else upright, thinned when even upright lines of text are closer than a line.
    /// </summary>
    public static (int Angle, int Step) Fit(double widest, double slot, int size)
    {
        if (widest <= slot - 2) return (0, 1);
        if (slot * 0.7 >= size + 1) return (45, 1);
        return (90, Step(slot, size));
    }

    /// <summary>Every how many lines of <paramref name="size"/> px text, <paramref name="slot"/> px apart, can be drawn without overlapping.</summary>
    public static int Step(double slot, int size) => slot >= size ? 1 : (int)Math.Ceiling(size / slot);
}
