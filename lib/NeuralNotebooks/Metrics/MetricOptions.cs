namespace NeuralNotebooks;

/// <summary>How per-class scores are combined into one (scikit-learn's <c>average</c>).</summary>
public enum Average
{
    /// <summary>The plain mean over classes.</summary>
    Macro,
    /// <summary>The mean weighted by each class's support.</summary>
    Weighted,
    /// <summary>The score from the counts summed over classes (equals accuracy for single-label data).</summary>
    Micro,
    /// <summary>The score of class 1, for labels 0 and 1.</summary>
    Binary,
}

/// <summary>What a confusion matrix is divided by (scikit-learn's <c>normalize</c>).</summary>
public enum Normalization
{
    /// <summary>The counts themselves.</summary>
    None,
    /// <summary>Row sums: each row is the distribution of predictions for one true class ("true").</summary>
    True,
    /// <summary>Column sums: each column is the distribution of true classes for one prediction ("pred").</summary>
    Pred,
    /// <summary>The total: the table sums to 1 ("all").</summary>
    All,
}

/// <summary>The scikit-learn spellings of the metric options, looked up where a learner types them.</summary>
internal static class MetricOptions
{
    private static readonly Dictionary<string, Average> Averages = new()
    {
        ["macro"] = Average.Macro, ["weighted"] = Average.Weighted, ["micro"] = Average.Micro, ["binary"] = Average.Binary,
    };

    private static readonly Dictionary<string, Normalization> Normalizations = new()
    {
        ["true"] = Normalization.True, ["pred"] = Normalization.Pred, ["all"] = Normalization.All,
    };

    /// <summary>"macro" → <see cref="Average.Macro"/>; an unknown name is an error listing the known ones.</summary>
    public static Average ParseAverage(string average, string perClassName) =>
        average is null ? throw new ArgumentException($"For one score per class (average=None in scikit-learn) call Metrics.{perClassName}.", nameof(average))
        : Averages.TryGetValue(average, out var a) ? a
        : throw new ArgumentException($"Unknown average \"{average}\"; use {Known(Averages.Keys)}.", nameof(average));

    /// <summary>null → <see cref="Normalization.None"/>, "true" → <see cref="Normalization.True"/>, ...; an unknown name lists the known ones.</summary>
    public static Normalization ParseNormalization(string? normalize) =>
        normalize is null ? Normalization.None
        : Normalizations.TryGetValue(normalize, out var n) ? n
        : throw new ArgumentException($"normalize must be null, {Known(Normalizations.Keys)}; got \"{normalize}\".", nameof(normalize));

    /// <summary>The scikit-learn spelling of a normalization: null, "true", "pred" or "all".</summary>
    public static string? Name(Normalization n) => n == Normalization.None ? null : Normalizations.First(kv => kv.Value == n).Key;

    private static string Known(IEnumerable<string> names)
    {
        var quoted = names.Select(s => $"\"{s}\"").ToArray();
        return string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }
}
