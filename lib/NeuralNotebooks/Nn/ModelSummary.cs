using System.Globalization;
using System.Net;
using System.Text;
using NeuralNotebooks.Display;

namespace NeuralNotebooks;

/// <summary>A model's layers with their output shapes and parameter counts, printed like Keras's <c>model.summary()</c>.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ModelSummary : IRichDisplay
{
    internal ModelSummary(string name, IReadOnlyList<(string Layer, string OutputShape, long Parameters)> rows, long nonTrainable = 0)
    {
        Name = name;
        Rows = rows;
        NonTrainableParameters = nonTrainable;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }
    /// <summary>One row per layer: "name (Type)", output shape, parameter count (trainable and not, as Keras counts).</summary>
    public IReadOnlyList<(string Layer, string OutputShape, long Parameters)> Rows { get; }
    /// <summary>All parameters.</summary>
    public long TotalParameters => Rows.Sum(r => r.Parameters);
    /// <summary>Parameters that training does not change (layers' buffers, such as a running mean).</summary>
    public long NonTrainableParameters { get; }
    /// <summary>Parameters that training changes.</summary>
    public long TrainableParameters => TotalParameters - NonTrainableParameters;

    /// <summary>Keras's text layout.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        string rule = new('_', 65), dbl = new('=', 65);
        sb.AppendLine($"Model: \"{Name}\"").AppendLine(rule);
        sb.AppendLine($" {"Layer (type)",-28}{"Output Shape",-26}Param #").AppendLine(dbl);
        for (int i = 0; i < Rows.Count; i++)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $" {Rows[i].Layer,-28}{Rows[i].OutputShape,-26}{Rows[i].Parameters:N0}");
            if (i < Rows.Count - 1) sb.AppendLine();
        }
        sb.AppendLine(dbl);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Total params: {TotalParameters:N0}")
            .AppendLine(CultureInfo.InvariantCulture, $"Trainable params: {TrainableParameters:N0}")
            .AppendLine(CultureInfo.InvariantCulture, $"Non-trainable params: {NonTrainableParameters:N0}");
        return sb.Append(rule).ToString();
    }

    /// <summary>An HTML table.</summary>
    public string MimeType => "text/html";

    /// <summary>The summary as an HTML table with the totals under it.</summary>
    public string Render()
    {
        var sb = new StringBuilder($"<div><b>Model: {WebUtility.HtmlEncode(Name)}</b><table style=\"border-collapse:collapse\">");
        sb.Append("<tr><th style=\"text-align:left;padding:2px 12px\">Layer (type)</th><th style=\"text-align:left;padding:2px 12px\">Output Shape</th><th style=\"text-align:right;padding:2px 12px\">Param #</th></tr>");
        foreach (var r in Rows)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td style=\"padding:2px 12px\">{WebUtility.HtmlEncode(r.Layer)}</td><td style=\"padding:2px 12px\">{r.OutputShape}</td><td style=\"text-align:right;padding:2px 12px\">{r.Parameters:N0}</td></tr>");
        return sb.Append(CultureInfo.InvariantCulture, $"</table>Total params: {TotalParameters:N0}<br/>Trainable params: {TrainableParameters:N0}<br/>Non-trainable params: {NonTrainableParameters:N0}</div>").ToString();
    }
}
