using NeuralNotebooks.Display;

namespace NeuralNotebooks.Plots;

/// <summary>
/// A grid of small images with a caption under each: digits with their labels (a wrong prediction
/// framed and captioned in red), learned filters, feature maps. Pixels are embedded as PNG, drawn
/// without smoothing.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ImageGrid : Chart
{
    /// <summary>One image: its pixels (row-major, height × width), caption, and whether it is marked as wrong.</summary>
    public sealed record Item(float[] Pixels, int Height, int Width, string? Caption, bool Wrong);

    private readonly List<Item> _items;
    private readonly int _columns;
    private readonly string _colormap;
    private readonly int _cell;

    /// <summary>
    /// Lays out <paramref name="items"/> in <paramref name="columns"/> columns. Colour maps: "ink" (0 white,
    /// 1 black: digits as written), "gray" (0 black, 1 white), "auto" (each image stretched to its own
    /// min..max, dark to light), "diverging" (blue negative, white 0, red positive, each image scaled to its
    /// largest magnitude: for weights and filters).
    /// </summary>
    public ImageGrid(IEnumerable<Item> items, int columns = 10, string colormap = "ink", int cellSize = 56)
    {
        _items = items.ToList();
        if (_items.Count == 0) throw new ArgumentException("Image grid: no images.");
        if (colormap is not ("ink" or "gray" or "auto" or "diverging"))
            throw new ArgumentException($"Image grid: unknown colormap '{colormap}'; use \"ink\", \"gray\", \"auto\" or \"diverging\".");
        foreach (var it in _items)
            if (it.Pixels.Length != it.Height * it.Width)
                throw new ArgumentException($"Image grid: an image of {it.Height}x{it.Width} needs {it.Height * it.Width} pixels, got {it.Pixels.Length}.");
        _columns = Math.Max(1, Math.Min(columns, _items.Count));
        _colormap = colormap;
        _cell = cellSize;
        int rows = (_items.Count + _columns - 1) / _columns;
        Width = _columns * (_cell + 8) + 8;
        Height = rows * (_cell + (HasCaptions ? 26 : 8)) + 8 + (TitleText is null ? 0 : 28);
    }

    /// <summary>The images, in order.</summary>
    public IReadOnlyList<Item> Items => _items;

    private bool HasCaptions => _items.Any(i => !string.IsNullOrEmpty(i.Caption));

    /// <summary>Sets the title.</summary>
    public ImageGrid Title(string title)
    {
        if (TitleText is null) Height += 28;
        TitleText = title;
        return this;
    }

    /// <inheritdoc/>
    public override string ToSvg()
    {
        var sb = Svg.Begin(Width, Height);
        int top = 8;
        if (TitleText is not null) { Svg.Text(sb, Width / 2.0, 22, TitleText, size: 15, extra: "font-weight=\"bold\""); top += 28; }
        int rowHeight = _cell + (HasCaptions ? 26 : 8);
        for (int n = 0; n < _items.Count; n++)
        {
            var it = _items[n];
            int x = 8 + (n % _columns) * (_cell + 8), y = top + (n / _columns) * rowHeight;
            double scale = (double)_cell / Math.Max(it.Height, it.Width);
            double w = it.Width * scale, h = it.Height * scale;
            string uri = Png.DataUri(Encode(it));
            sb.Append($"<image class=\"cell\" x=\"{x}\" y=\"{y}\" width=\"{Svg.N(w)}\" height=\"{Svg.N(h)}\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"{uri}\"/>");
            sb.Append($"<rect x=\"{x}\" y=\"{y}\" width=\"{Svg.N(w)}\" height=\"{Svg.N(h)}\" fill=\"none\" stroke=\"{(it.Wrong ? "#d62728" : "#ccc")}\" stroke-width=\"{(it.Wrong ? 3 : 1)}\"{(it.Wrong ? " class=\"wrong\"" : "")}/>");
            if (!string.IsNullOrEmpty(it.Caption))
                Svg.Text(sb, x + w / 2, y + h + 16, it.Caption, size: 11, fill: it.Wrong ? "#d62728" : "#222",
                    extra: it.Wrong ? "class=\"caption wrong\" font-weight=\"bold\"" : "class=\"caption\"");
        }
        return sb.Append("</svg>").ToString();
    }

    private byte[] Encode(Item it)
    {
        var p = it.Pixels;
        if (_colormap == "diverging")
        {
            float m = p.Select(Math.Abs).DefaultIfEmpty(0f).Max();
            var rgb = new byte[p.Length * 3];
            for (int i = 0; i < p.Length; i++)
            {
                var (r, g, b) = Svg.Diverging(m == 0 ? 0 : p[i] / m);
                rgb[3 * i] = r; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b;
            }
            return Png.Encode(rgb, it.Width, it.Height, rgb: true);
        }
        float lo = 0f, hi = 1f;
        if (_colormap == "auto") { lo = p.Min(); hi = p.Max(); }
        var gray = new byte[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float t = hi > lo ? Math.Clamp((p[i] - lo) / (hi - lo), 0f, 1f) : 0f;
            if (float.IsNaN(t)) t = 0f;
            gray[i] = (byte)Math.Round(255 * (_colormap == "ink" ? 1f - t : t));
        }
        return Png.Encode(gray, it.Width, it.Height);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ImageGrid{(TitleText is null ? "" : $" '{TitleText}'")}: {_items.Count} images of {_items[0].Height}x{_items[0].Width}" +
        (_items.Any(i => i.Wrong) ? $", {_items.Count(i => i.Wrong)} marked wrong" : "");
}
