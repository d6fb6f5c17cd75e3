namespace NeuralNotebooks.Display;

/// <summary>
/// A library object that shows itself as a picture or a table in a notebook: a chart, a tensor,
/// a confusion matrix, a classification report, a training history, a model summary.
/// </summary>
/// <remarks>
/// Implementers also carry <c>[TypeFormatterSource(typeof(RichDisplayFormatterSource))]</c> so
/// that the notebook kernel finds the formatter, and override <c>ToString()</c> for plain text.
/// </remarks>
public interface IRichDisplay
{
    /// <summary>The mime type of <see cref="Render"/>: <c>image/svg+xml</c> or <c>text/html</c>.</summary>
    string MimeType { get; }

    /// <summary>The object as an SVG document or an HTML fragment.</summary>
    string Render();
}
