namespace NeuralNotebooks.Display;

/// <summary>
/// A displayable object that is a web page of its own when written to a file, such as an
/// interactive figure that carries its script library with it: a file-based app writes
/// <see cref="ToHtmlPage"/> instead of wrapping <see cref="IRichDisplay.Render"/> in a bare page.
/// </summary>
public interface IHtmlPage
{
    /// <summary>A complete HTML document that works when opened from disk, without a network.</summary>
    string ToHtmlPage();
}
