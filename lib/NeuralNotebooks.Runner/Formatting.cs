using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using NeuralNotebooks.Runner.Scripting;

namespace NeuralNotebooks.Runner;

/// <summary>
/// Turns a value into notebook output the way the Polyglot kernel (dotnet-interactive) does. A type
/// carrying an attribute NAMED <c>TypeFormatterSourceAttribute</c> (any namespace, inherited) names a
/// formatter source; its <c>CreateTypeFormatters()</c> returns objects with <c>string MimeType</c>,
/// <c>Type Type</c> (may be an interface or a base class) and <c>bool Format(object, TextWriter)</c>.
/// The mime types written are the attribute's <c>PreferredMimeTypes</c> when set, else the kernel's
/// default, text/html. For a mime type, the formatters whose <c>Type</c> fits the value are tried
/// most specific type first, then in the order the source gave them, until one returns true.
/// Values without such formatters are written as text/plain (strings as they are, sequences as
/// <c>[ a, b, c ]</c>, others by <c>ToString()</c>).
/// </summary>
public static class Formatting
{
    /// <summary>The kernel's default mime type for values with formatters.</summary>
    public const string DefaultMimeType = "text/html";

    /// <summary>Plain text.</summary>
    public const string PlainTextMimeType = "text/plain";

    private sealed record ConventionFormatter(string MimeType, Type Type, Func<object, TextWriter, bool> Format);

    private sealed record TypeFormatters(IReadOnlyList<ConventionFormatter> Formatters, string[]? PreferredMimeTypes);

    private static readonly ConcurrentDictionary<Type, TypeFormatters> Cache = new();

    /// <summary>
    /// The outputs for <paramref name="value"/>: mime type to text, in the order written. With
    /// <paramref name="mimeTypes"/> given (as in <c>display(x, "text/plain")</c>) exactly those.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Format(object? value, params string[]? mimeTypes)
    {
        if (value is null) return [new(PlainTextMimeType, "<null>")];
        if (value is HtmlString html && (mimeTypes is null || mimeTypes.Length == 0)) return [new("text/html", html.Html)];

        var found = Cache.GetOrAdd(value.GetType(), Discover);
        string[] wanted = mimeTypes is { Length: > 0 } ? mimeTypes
            : found.PreferredMimeTypes is { Length: > 0 } preferred ? preferred
            : value is string || found.Formatters.Count == 0 ? [PlainTextMimeType]
            : [DefaultMimeType];

        var result = new List<KeyValuePair<string, string>>();
        foreach (var mime in wanted.Distinct())
        {
            var text = TryFormat(value, mime, found.Formatters);
            if (text is null && mime == PlainTextMimeType) text = PlainText(value);
            // No formatter for this mime type: the value is still shown, as plain text.
            if (text is null)
            {
                if (result.All(r => r.Key != PlainTextMimeType)) result.Add(new(PlainTextMimeType, TryFormat(value, PlainTextMimeType, found.Formatters) ?? PlainText(value)));
                continue;
            }
            result.Add(new(mime, text));
        }
        return result;
    }

    /// <summary>The output bundle of <paramref name="value"/> as Jupyter stores it: mime type to lines.</summary>
    internal static JsonObject ToData(object? value, string[]? mimeTypes)
    {
        var data = new JsonObject();
        foreach (var (mime, text) in Format(value, mimeTypes).OrderBy(p => p.Key, StringComparer.Ordinal))
            data[mime] = JupyterText.Lines(text);
        return data;
    }

    private static string? TryFormat(object value, string mime, IReadOnlyList<ConventionFormatter> formatters)
    {
        var candidates = formatters.Where(f => f.MimeType == mime && f.Type.IsAssignableFrom(value.GetType())).ToList();
        // Most specific type first (a formatter for the class before one for its interface or base), stable otherwise.
        var ordered = new List<ConventionFormatter>();
        foreach (var c in candidates)
        {
            int at = ordered.FindIndex(o => o.Type != c.Type && o.Type.IsAssignableFrom(c.Type));
            if (at < 0) ordered.Add(c); else ordered.Insert(at, c);
        }
        foreach (var f in ordered)
        {
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            if (f.Format(value, writer)) return writer.ToString();
        }
        return null;
    }

    private static TypeFormatters Discover(Type type)
    {
        var formatters = new List<ConventionFormatter>();
        string[]? preferred = null;
        foreach (var attribute in type.GetCustomAttributes(inherit: true).Where(a => a.GetType().Name == "TypeFormatterSourceAttribute"))
        {
            if (Property(attribute, "PreferredMimeTypes") is string[] mimes && mimes.Length > 0) preferred = mimes;
            if (Property(attribute, "FormatterSourceType") is not Type sourceType) continue;
            var source = Activator.CreateInstance(sourceType)
                ?? throw new InvalidOperationException($"The formatter source {sourceType} of {type} could not be created.");
            var create = sourceType.GetMethod("CreateTypeFormatters", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)
                ?? throw new InvalidOperationException($"The formatter source {sourceType} of {type} has no public CreateTypeFormatters().");
            if (create.Invoke(source, null) is not IEnumerable created) continue;
            foreach (var formatter in created)
            {
                if (formatter is null || Property(formatter, "MimeType") is not string mime) continue;
                var format = formatter.GetType().GetMethod("Format", [typeof(object), typeof(TextWriter)]);
                if (format is null || format.ReturnType != typeof(bool)) continue;
                var forType = Property(formatter, "Type") as Type ?? type;
                formatters.Add(new ConventionFormatter(mime, forType, (v, w) => Invoke(format, formatter, v, w)));
            }
        }
        return new TypeFormatters(formatters, preferred);
    }

    private static bool Invoke(MethodInfo format, object formatter, object value, TextWriter writer)
    {
        try { return (bool)format.Invoke(formatter, [value, writer])!; }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static object? Property(object target, string name) =>
        target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target);

    /// <summary>Plain text like the kernel's: strings as they are, sequences as their first 20 elements.</summary>
    public static string PlainText(object? value)
    {
        switch (value)
        {
            case null: return "<null>";
            case string s: return s;
            case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary d:
            {
                var keys = d.Keys.Cast<object>().ToList();
                return "{ " + string.Join(", ", keys.Take(20).Select(k => $"{PlainText(k)}: {PlainText(d[k])}")) + (keys.Count > 20 ? $" ... ({keys.Count - 20} more)" : "") + " }";
            }
            case IEnumerable e when value is Array || value.GetType().GetMethod("ToString", Type.EmptyTypes)?.DeclaringType == typeof(object):
            {
                var items = e.Cast<object?>().Take(21).Select(PlainText).ToList();
                return "[ " + string.Join(", ", items.Take(20)) + (items.Count > 20 ? " ... (more)" : "") + " ]";
            }
            default:
            {
                var t = value.GetType();
                if (t.IsGenericType && t.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
                    return "(" + string.Join(", ", t.GetFields().Select(f => PlainText(f.GetValue(value)))) + ")";
                return value.ToString() ?? "";
            }
        }
    }
}
