using System.Globalization;
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
    private int _columns;
    private readonly string _colormap;
    private int _cell;
    private double? _pixelSize;
    private readonly float _lo, _hi;
    private string? _keyLabel;

    /// <summary>The widest picture a notebook shows without cutting it off; larger grids shrink their cells.</summary>
    public const int MaxWidth = 960;
    private const int KeyWidth = 86, CaptionHeight = 26, Gap = 8;

    /// <summary>
    /// Lays out <paramref name="items"/> in <paramref name="columns"/> columns. Colour maps: "ink" (0 white,
    /// 1 black: digits as written), "gray" (0 black, 1 white), "auto" (dark to light over the smallest to the
    /// largest value of all the images together), "diverging" (blue negative, white 0, red positive, scaled
    /// to the largest magnitude of all the images together). "auto" and "diverging" draw a colour key, so one
    /// colour means one value in every cell. Each image is drawn <paramref name="cellSize"/> pixels on its
    /// longer side, or, with <paramref name="pixelSize"/>, that many screen pixels per image pixel, so
    /// images of different sizes keep their proportions.
    /// </summary>
    public ImageGrid(IEnumerable<Item> items, int columns = 10, string colormap = "ink", int cellSize = 56, double? pixelSize = null)
    {
        _items = items.ToList();
        if (_items.Count == 0) throw new ArgumentException("Image grid: no images.");
        if (colormap is not ("ink" or "gray" or "auto" or "diverging"))
            throw new ArgumentException($"Image grid: unknown colormap '{colormap}'; use \"ink\", \"gray\", \"auto\" or \"diverging\".");
        if (pixelSize is <= 0) throw new ArgumentOutOfRangeException(nameof(pixelSize),
            string.Create(CultureInfo.InvariantCulture, $"Image grid: pixelSize must be positive, got {pixelSize}."));
        for (int n = 0; n < _items.Count; n++)
        {
            var it = _items[n];
            if (it.Pixels.Length != it.Height * it.Width)
                throw new ArgumentException($"Image grid: an image of {it.Height}x{it.Width} needs {it.Height * it.Width} pixels, got {it.Pixels.Length}.");
            // A NaN pixel was drawn white (black in "gray") as though it were a value, hiding a diverged model's weights.
            int bad = Array.FindIndex(it.Pixels, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Image grid: image {n}{(string.IsNullOrEmpty(it.Caption) ? "" : $" ('{it.Caption}')")} of {it.Height}x{it.Width}: the pixel at row {bad / it.Width}, column {bad % it.Width} is {it.Pixels[bad]}; an image grid needs finite numbers."), nameof(items));
        }
        _columns = Math.Max(1, Math.Min(columns, _items.Count));
        _colormap = colormap;
        var all = _items.SelectMany(i => i.Pixels).DefaultIfEmpty(0f).ToArray();
        (_lo, _hi) = colormap switch
        {
            "diverging" => (-all.Max(Math.Abs), all.Max(Math.Abs)),
            "auto" => (all.Min(), all.Max()),
            _ => (0f, 1f),
        };
        // Fit the width a notebook shows: first smaller cells (down to 28 px, or 1 px per image pixel), then
        // fewer columns, so captions never run into each other.
        _pixelSize = pixelSize;
        _cell = cellSize;
        while (FullWidth() > MaxWidth && (_pixelSize is { } ps ? ps > 1 : _cell > 28))
        {
            if (_pixelSize is { } p) _pixelSize = Math.Max(p * 0.9, 1); else _cell = Math.Max(_cell - 2, 28);
        }
        while (FullWidth() > MaxWidth && _columns > 1) _columns--;
        int rows = (_items.Count + _columns - 1) / _columns;
        Width = FullWidth();
        Height = rows * RowHeight() + Gap;
        if (HasKey) Height = Math.Max(Height, 150);
    }

    /// <summary>The images, in order.</summary>
    public IReadOnlyList<Item> Items => _items;

    /// <summary>Whether the grid draws a colour key (for the "auto" and "diverging" colour maps).</summary>
    public bool HasKey => _colormap is "auto" or "diverging";

    /// <summary>The values at the two ends of the colour scale, shared by every image.</summary>
    public (float Low, float High) Range => (_lo, _hi);

    private bool HasCaptions => _items.Any(i => !string.IsNullOrEmpty(i.Caption));

    private (double W, double H) Size(Item it)
    {
        double scale = _pixelSize ?? (double)_cell / Math.Max(it.Height, it.Width);
        return (it.Width * scale, it.Height * scale);
    }

    // The widest a caption can be: one column, with its gaps and the key, across the widest picture.
    private double MaxCaptionWidth => MaxWidth - 2 * Gap - (HasKey ? KeyWidth : 0);

    /// <summary>The caption as drawn (11 px, bold when marked wrong): shortened with "…" if it is wider than the widest column.</summary>
    private string? Caption(Item it) => string.IsNullOrEmpty(it.Caption) ? it.Caption : Svg.Shorten(it.Caption, 11, MaxCaptionWidth, bold: it.Wrong);

    // Captions were sized at 6.5 px a character, which capitals, arrows and bold (a wrong prediction's "SNEAKER→BOOT",
    // 101 px in an 86 px column) overflow: measured, they keep apart, and the 6.5 px still sets the columns of
    // captions it fits (notebook 03's "T-shirt/top"), so those grids keep their size.
    private double CaptionWidth(Item it) => Caption(it) is { Length: > 0 } caption
        ? Math.Min(MaxCaptionWidth, Math.Max(6.5 * caption.Length, Svg.TextWidth(caption, 11, bold: it.Wrong))) : 0;

    private int FullWidth() => _columns * Pitch() + Gap + (HasKey ? KeyWidth : 0);

    private int Pitch() => (int)Math.Ceiling(_items.Max(it => Math.Max(Size(it).W, CaptionWidth(it)))) + Gap;

    private int RowHeight() => (int)Math.Ceiling(_items.Max(it => Size(it).H)) + (HasCaptions ? CaptionHeight : Gap);

    /// <summary>Sets the title.</summary>
    public ImageGrid Title(string title)
    {
        if (TitleText is null) Height += 28;
        TitleText = title;
        return this;
    }

    // A title wider than the images widens the picture (it was guessed at 9 px a character, which "MNIST WEIGHTS",
    // 138 px in bold capitals, overflowed), up to the widest picture; the images and their key are centred under it.
    private protected override int PictureWidth() => WidthForTitle(RequestedWidth);

    /// <summary>Names what the colour key measures, e.g. "weight" or "activation".</summary>
    public ImageGrid KeyLabel(string label) { _keyLabel = label; return this; }

    /// <inheritdoc/>
    public override string ToSvg()
    {
        int width = Width, shift = (width - RequestedWidth) / 2;
        var sb = Svg.Begin(width, Height);
        int top = Gap;
        WriteTitle(sb, width / 2.0, 22, width);
        if (TitleText is not null) top += 28;
        int pitch = Pitch(), rowHeight = RowHeight();
        for (int n = 0; n < _items.Count; n++)
        {
            var it = _items[n];
            var (w, h) = Size(it);
            double x = shift + Gap + (n % _columns) * pitch + (pitch - Gap - w) / 2, y = top + (n / _columns) * rowHeight;
            string uri = Png.DataUri(Encode(it));
            sb.Append($"<image class=\"cell\" x=\"{Svg.N(x)}\" y=\"{y}\" width=\"{Svg.N(w)}\" height=\"{Svg.N(h)}\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"{uri}\"/>");
            sb.Append($"<rect x=\"{Svg.N(x)}\" y=\"{y}\" width=\"{Svg.N(w)}\" height=\"{Svg.N(h)}\" fill=\"none\" stroke=\"{(it.Wrong ? "#d62728" : "#ccc")}\" stroke-width=\"{(it.Wrong ? 3 : 1)}\"{(it.Wrong ? " class=\"wrong\"" : "")}/>");
            if (!string.IsNullOrEmpty(it.Caption))
                Svg.Text(sb, x + w / 2, y + h + 16, Caption(it)!, size: 11, fill: it.Wrong ? "#d62728" : "#222",
                    extra: it.Wrong ? "class=\"caption wrong\" font-weight=\"bold\"" : "class=\"caption\"");
        }
        if (HasKey) DrawKey(sb, shift + RequestedWidth - KeyWidth + 10, top + 4, Math.Max(100, Math.Min(240, Height - top - 24)));
        return sb.Append("</svg>").ToString();
    }

    private void DrawKey(System.Text.StringBuilder sb, double x, double y, double height)
    {
        sb.Append("<g class=\"key\">");
        const int Steps = 48;
        for (int k = 0; k < Steps; k++)
        {
            double t = 1 - k / (Steps - 1.0);
            string fill = _colormap == "diverging" ? Hex(Svg.Diverging(2 * t - 1)) : Hex(((byte)(255 * t), (byte)(255 * t), (byte)(255 * t)));
            sb.Append($"<rect x=\"{Svg.N(x)}\" y=\"{Svg.N(y + k * height / Steps)}\" width=\"14\" height=\"{Svg.N(height / Steps + 0.5)}\" fill=\"{fill}\"/>");
        }
        sb.Append($"<rect x=\"{Svg.N(x)}\" y=\"{Svg.N(y)}\" width=\"14\" height=\"{Svg.N(height)}\" fill=\"none\" stroke=\"#888\"/>");
        Svg.Text(sb, x + 18, y + 9, Format(_hi), anchor: "start", size: 10, extra: "class=\"key-high\"");
        if (_colormap == "diverging") Svg.Text(sb, x + 18, y + height / 2 + 4, "0", anchor: "start", size: 10);
        Svg.Text(sb, x + 18, y + height, Format(_lo), anchor: "start", size: 10, extra: "class=\"key-low\"");
        if (_keyLabel is not null)
            Svg.Text(sb, x + 62, y + height / 2, _keyLabel, size: 11, extra: $"class=\"key-label\" transform=\"rotate(-90 {Svg.N(x + 62)} {Svg.N(y + height / 2)})\"");
        sb.Append("</g>");
    }

    // Below a thousandth the key read "0" or "-0" (an untrained layer's gradients, tiny weights): written 2.5e-4 instead.
    private static string Format(float v) => Svg.Number(v, Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 1 ? "0.0#"
        : Math.Abs(v) >= 0.001 || v == 0 ? "0.###" : "0.#e0");

    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";

    private byte[] Encode(Item it)
    {
        var p = it.Pixels;
        if (_colormap == "diverging")
        {
            float m = _hi;
            var rgb = new byte[p.Length * 3];
            for (int i = 0; i < p.Length; i++)
            {
                var (r, g, b) = Svg.Diverging(m == 0 ? 0 : p[i] / m);
                rgb[3 * i] = r; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b;
            }
            return Png.Encode(rgb, it.Width, it.Height, rgb: true);
        }
        float lo = _lo, hi = _hi;
        var gray = new byte[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float t = hi > lo ? Math.Clamp((p[i] - lo) / (hi - lo), 0f, 1f) : 0f;
            if (float.IsNaN(t)) t = 0f;
            gray[i] = (byte)Math.Round(255 * (_colormap == "ink" ? 1f - t : t));
        }
        return Png.Encode(gray, it.Width, it.Height);
    }

    /// <summary>
    /// A one-line text summary, e.g. "ImageGrid: 24 images of 28x28, 3 marked wrong"; images of different
    /// sizes are listed in order: "3 images: 26x26, 28x28, 14x14".
    /// </summary>
    public override string ToString()
    {
        var sizes = _items.Select(i => $"{i.Height}x{i.Width}").ToList();
        string what = sizes.Distinct().Count() == 1
            ? $"{_items.Count} {(_items.Count == 1 ? "image" : "images")} of {sizes[0]}"
            : $"{_items.Count} images: {string.Join(", ", sizes)}";
        return $"ImageGrid{(TitleText is null ? "" : $" '{TitleText}'")}: {what}" +
            (_items.Any(i => i.Wrong) ? $", {_items.Count(i => i.Wrong)} marked wrong" : "");
    }
}
