using NeuralNotebooks.Display;
using System.Globalization;
using System.Text;

namespace NeuralNotebooks;

// Printing a tensor the way PyTorch does, so a notebook cell that returns one shows its values.
public sealed partial class Tensor
{
    /// <summary>Tensors with more elements than this print only their corners (like PyTorch's threshold).</summary>
    public const int PrintThreshold = 1000;

    /// <summary>How many leading and trailing entries per axis a summarised tensor shows.</summary>
    public const int PrintEdgeItems = 3;

    /// <summary>
    /// The values in PyTorch's layout, e.g. <c>tensor([[1., 2.], [3., 4.]], shape=(2, 2))</c>; large
    /// tensors show only their first and last entries along each axis, with <c>...</c>.
    /// </summary>
    public override string ToString()
    {
        bool summarize = Size > PrintThreshold;
        // PyTorch chooses the format from the values it shows: a summary's corners, not the elided middle.
        var fmt = NumberFormat.For(summarize ? ShownValues() : data.AsSpan(0, Size));
        var sb = new StringBuilder("tensor(");
        if (Rank == 0) sb.Append(fmt.Format(data[0]));
        else AppendAxis(sb, 0, 0, summarize, fmt, indent: 7);
        sb.Append(", shape=").Append(Shape);
        if (Op is not null && RequiresGrad) sb.Append(", grad_fn=").Append(Op);
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    /// <summary>The entries a summarised print shows: the first and last <see cref="PrintEdgeItems"/> along each long axis.</summary>
    private float[] ShownValues()
    {
        var shown = new List<float>();
        void Walk(int axis, int offset)
        {
            int n = Shape[axis], stride = 1;
            for (int i = axis + 1; i < Rank; i++) stride *= Shape[i];
            for (int i = 0; i < n; i++)
            {
                if (n > 2 * PrintEdgeItems && i == PrintEdgeItems) i = n - PrintEdgeItems;
                if (axis == Rank - 1) shown.Add(data[offset + i]);
                else Walk(axis + 1, offset + i * stride);
            }
        }
        if (Rank > 0) Walk(0, 0);
        return [.. shown];
    }

    private void AppendAxis(StringBuilder sb, int axis, int offset, bool summarize, NumberFormat fmt, int indent)
    {
        int n = Shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < Rank; i++) stride *= Shape[i];
        sb.Append('[');
        bool cut = summarize && n > 2 * PrintEdgeItems;
        bool last = axis == Rank - 1;
        for (int i = 0; i < n; i++)
        {
            if (cut && i == PrintEdgeItems)
            {
                sb.Append(last ? "..., " : "...,\n" + new string(' ', indent + axis + 1));
                i = n - PrintEdgeItems - 1;
                continue;
            }
            if (last) sb.Append(fmt.Format(data[offset + i]));
            else AppendAxis(sb, axis + 1, offset + i * stride, summarize, fmt, indent);
            if (i < n - 1)
                sb.Append(last ? ", " : "," + new string('\n', Rank - axis - 1) + new string(' ', indent + axis + 1));
        }
        sb.Append(']');
    }

    /// <summary>A notebook shows a tensor as its printed values in a fixed-width block.</summary>
    string IRichDisplay.MimeType => "text/html";

    /// <summary>The printed values as an HTML <c>pre</c> block (so a notebook keeps the alignment).</summary>
    string IRichDisplay.Render() =>
        $"<pre style=\"margin:0\">{System.Net.WebUtility.HtmlEncode(ToString())}</pre>";

    /// <summary>One number format for the whole tensor, chosen like PyTorch: integers as "3.", else fixed or scientific.</summary>
    private sealed class NumberFormat
    {
        private readonly bool _integers, _scientific;
        private readonly int _width;

        private NumberFormat(bool integers, bool scientific, int width) { _integers = integers; _scientific = scientific; _width = width; }

        public static NumberFormat For(ReadOnlySpan<float> values)
        {
            // PyTorch's _Formatter (torch/_tensor_str.py), over the nonzero finite values, in double.
            bool integers = true, any = false;
            double maxAbs = 0, minAbs = double.PositiveInfinity;
            foreach (var v in values)
            {
                if (!float.IsFinite(v) || v == 0) continue;
                any = true;
                if (v != MathF.Ceiling(v)) integers = false;
                double a = Math.Abs((double)v);
                maxAbs = Math.Max(maxAbs, a);
                minAbs = Math.Min(minAbs, a);
            }
            // Scientific when the sizes span more than three decades or reach past 1e8, for whole numbers as
            // for fractions ([1., 2000.] prints as 1.0000e+00, 2.0000e+03), and for any fraction below 1e-4
            // (tensors of small gradients printed as all 0.0000 otherwise). The float nearest 1e-4 lies just
            // below it, so it counts as small, as in PyTorch.
            bool scientific = any && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || (!integers && minAbs < 1e-4));
            var probe = new NumberFormat(integers && !scientific, scientific, 0);
            // The column width comes from the nonzero finite values; "nan" or "-inf" may stick out, as in PyTorch.
            int width = 1;
            foreach (var v in values)
                if (float.IsFinite(v) && v != 0) width = Math.Max(width, probe.Raw(v).Length);
            return new NumberFormat(integers && !scientific, scientific, width);
        }

        private string Raw(float v)
        {
            if (float.IsNaN(v)) return "nan";
            if (float.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            if (_integers) return v.ToString("0", CultureInfo.InvariantCulture) + ".";
            if (_scientific) return v.ToString("0.0000e+00", CultureInfo.InvariantCulture);
            return v.ToString("0.0000", CultureInfo.InvariantCulture);
        }

        public string Format(float v) => Raw(v).PadLeft(_width);
    }
}
