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
        string shape = $"shape={Shape}";
        if (RequiresGrad) AppendSuffixes(sb, 7, shape, Op is not null ? $"grad_fn={Op}" : "requires_grad=True");
        else AppendSuffixes(sb, 7, shape);
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

    /// <summary>The width PyTorch keeps a printed tensor within: a row of entries longer than this goes on over several lines.</summary>
    private const int PrintLineWidth = 80;

    // PyTorch's _tensor_str: the entries of the last axis as many to a line as fit in PrintLineWidth columns
    // (a summary's " ..." counted as one), rows and blocks one under the other, a blank line between blocks.
    private void AppendAxis(StringBuilder sb, int axis, int offset, bool summarize, NumberFormat fmt, int indent)
    {
        int n = Shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < Rank; i++) stride *= Shape[i];
        bool cut = summarize && n > 2 * PrintEdgeItems, last = axis == Rank - 1;
        string under = new(' ', indent + axis + 1);
        string between = last ? ", " : "," + new string('\n', Rank - axis - 1) + under;
        int perLine = Math.Max(1, (PrintLineWidth - indent - axis) / (fmt.Width + 2));
        sb.Append('[');
        for (int i = 0, shown = 0; i < n; i++, shown++)
        {
            if (shown > 0) sb.Append(last && shown % perLine == 0 ? ",\n" + under : between);
            if (cut && i == PrintEdgeItems)
            {
                sb.Append(last ? " ..." : "...");
                i = n - PrintEdgeItems - 1;
            }
            else if (last) sb.Append(fmt.Format(data[offset + i]));
            else AppendAxis(sb, axis + 1, offset + i * stride, summarize, fmt, indent);
        }
        sb.Append(']');
    }

    // PyTorch's _add_suffixes: each of ", shape=...", ", grad_fn=..." on the current line while it stays within
    // PrintLineWidth, else on a line of its own. Its count of the first line is two more than the line's length.
    private static void AppendSuffixes(StringBuilder sb, int indent, params string[] suffixes)
    {
        int line = sb.Length + 2;
        for (int i = sb.Length - 1; i >= 0; i--)
            if (sb[i] == '\n') { line = sb.Length - i + 1; break; }
        foreach (var suffix in suffixes)
        {
            if (line + suffix.Length + 2 > PrintLineWidth)
            {
                sb.Append(",\n").Append(' ', indent).Append(suffix);
                line = indent + suffix.Length;
            }
            else
            {
                sb.Append(", ").Append(suffix);
                line += suffix.Length + 2;
            }
        }
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
            // As double, in standard formats: Python's, which PyTorch uses, round the exact value (ties to even).
            // A float's custom format rounds to 7 significant digits first (4327.8262 printed as 4327.8260,
            // 12345678 as 12345680), and a custom format rounds ties away from zero (0.03125 as 0.0313).
            double d = v;
            if (_integers) return d.ToString("F0", CultureInfo.InvariantCulture) + ".";
            if (!_scientific) return d.ToString("F4", CultureInfo.InvariantCulture);
            // "E4" writes 1.0000E-005; Python writes 1.0000e-05.
            string e = d.ToString("E4", CultureInfo.InvariantCulture);
            int at = e.IndexOf('E');
            return string.Concat(e.AsSpan(0, at), "e", e.AsSpan(at + 1, 1), e.AsSpan(at + 2).TrimStart('0').ToString().PadLeft(2, '0'));
        }

        public string Format(float v) => Raw(v).PadLeft(_width);

        /// <summary>The width every entry is padded to.</summary>
        public int Width => _width;
    }
}
