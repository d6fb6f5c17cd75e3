using System.Globalization;
using System.Xml.Linq;

namespace NeuralNotebooks.Tests.Plots;

/// <summary>What the chart tests read from the library's SVG: its namespace, numeric attributes, the width of digits.</summary>
internal static class SvgReading
{
    public static readonly XNamespace S = "http://www.w3.org/2000/svg";

    /// <summary>The number in attribute <paramref name="attribute"/>.</summary>
    public static double D(XElement e, string attribute) => double.Parse(e.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    /// <summary>How wide <paramref name="text"/> is at most, from DejaVu Sans's digit advance, 0.636 em, which no digit, point or minus exceeds.</summary>
    public static double DigitsWidth(string text, double fontSize) => text.Length * 0.636 * fontSize;
}
