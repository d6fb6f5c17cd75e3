using System.Collections;
using System.Globalization;
using System.Reflection;

namespace NeuralNotebooks.Runner;

/// <summary>
/// Turns a value into notebook output the way the Polyglot kernel does: a type carrying an attribute
/// named <c>TypeFormatterSourceAttribute</c> (any namespace) names a formatter source whose
/// <c>CreateTypeFormatters()</c> gives objects with <c>MimeType</c>, <c>Type</c> and
/// <c>Format(object, TextWriter)</c>; the kernel prefers text/html. Other values become text/plain.
/// </summary>
public static class Formatting
{
    /// <summary>The mime type the kernel asks for first.</summary>
    public const string PreferredMimeType = "text/html";

    /// <summary>The mime type and text a notebook shows for <paramref name="value"/>.</summary>
    public static (string MimeType, string Text) Format(object? value)
    {
        if (value is null) return ("text/plain", "<null>");
        if (TryConvention(value, out var mime, out var text)) return (mime, text);
        return ("text/plain", PlainText(value));
    }

    private static bool TryConvention(object value, out string mime, out string text)
    {
        mime = text = "";
        var type = value.GetType();
        var attributes = type.GetCustomAttributes(inherit: true).Where(a => a.GetType().Name == "TypeFormatterSourceAttribute").ToList();
        foreach (var attribute in attributes)
        {
            var sourceType = attribute.GetType().GetProperty("FormatterSourceType")?.GetValue(attribute) as Type;
            if (sourceType is null) continue;
            var preferred = attribute.GetType().GetProperty("PreferredMimeTypes")?.GetValue(attribute) as string[];
            var source = Activator.CreateInstance(sourceType);
            if (sourceType.GetMethod("CreateTypeFormatters", BindingFlags.Public | BindingFlags.Instance)?.Invoke(source, null) is not IEnumerable formatters) continue;
            var candidates = formatters.Cast<object>()
                .Select(f => (Formatter: f, Mime: f.GetType().GetProperty("MimeType")?.GetValue(f) as string, Type: f.GetType().GetProperty("Type")?.GetValue(f) as Type))
                .Where(f => f.Mime is not null && f.Type is not null && f.Type.IsAssignableFrom(type))
                .ToList();
            foreach (var wanted in (preferred ?? []).Append(PreferredMimeType).Append("text/plain"))
                foreach (var c in candidates.Where(c => c.Mime == wanted))
                {
                    var writer = new StringWriter(CultureInfo.InvariantCulture);
                    var method = c.Formatter.GetType().GetMethod("Format", [typeof(object), typeof(TextWriter)]);
                    if (method?.Invoke(c.Formatter, [value, writer]) is true)
                    {
                        mime = wanted;
                        text = writer.ToString();
                        return true;
                    }
                }
        }
        return false;
    }

    /// <summary>Plain text like the kernel's: strings as they are, sequences as their first elements.</summary>
    public static string PlainText(object value)
    {
        switch (value)
        {
            case string s: return s;
            case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary d:
                return "{ " + string.Join(", ", d.Keys.Cast<object>().Take(20).Select(k => $"{PlainText(k)}: {PlainText(d[k]!)}")) + (d.Count > 20 ? ", ..." : "") + " }";
            case IEnumerable e when value.GetType().GetMethod("ToString", Type.EmptyTypes)?.DeclaringType == typeof(object) || value is Array:
            {
                var items = e.Cast<object?>().Take(21).Select(i => i is null ? "null" : PlainText(i)).ToList();
                return "[ " + string.Join(", ", items.Take(20)) + (items.Count > 20 ? ", ..." : "") + " ]";
            }
            default:
            {
                var t = value.GetType();
                if (t.IsGenericType && t.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
                    return "(" + string.Join(", ", t.GetFields().Select(f => f.GetValue(value) is { } v ? PlainText(v) : "null")) + ")";
                return value.ToString() ?? "";
            }
        }
    }
}
