using System.Xml.Linq;

namespace NeuralNotebooks.Tests.Metrics;

/// <summary>Parses an HTML fragment written as well-formed markup, so tests can walk its table.</summary>
internal static class HtmlFragment
{
    public static XElement Parse(string html)
    {
        var root = XElement.Parse(html);
        Assert.Equal("table", root.Name.LocalName);
        return root;
    }
}
