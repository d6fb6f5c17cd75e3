namespace NeuralNotebooks.Display;

/// <summary>
/// Names the class that supplies notebook formatters for the type it decorates.
/// </summary>
/// <remarks>
/// The Polyglot Notebooks kernel (dotnet-interactive) looks for an attribute with exactly this
/// class name, in any namespace, and calls <c>CreateTypeFormatters()</c> on an instance of
/// <see cref="FormatterSourceType"/>. Defining it here lets library objects render as SVG or
/// HTML in VS Code without any package reference; the repository's runner reads the same
/// attribute, so a headless run writes the same outputs.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = true)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    /// <summary>The type whose <c>CreateTypeFormatters()</c> returns the formatters.</summary>
    public Type FormatterSourceType { get; } = formatterSourceType;

    /// <summary>The mime types the notebook should prefer for the decorated type, best first.</summary>
    public string[]? PreferredMimeTypes { get; set; }
}
