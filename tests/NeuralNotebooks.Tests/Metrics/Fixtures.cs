namespace NeuralNotebooks.Tests.Metrics;

/// <summary>
/// Small label vectors whose expected metrics were produced by scikit-learn 1.2
/// (classification_report, confusion_matrix, precision_score, ... with zero_division=0).
/// </summary>
internal static class Fixtures
{
    /// <summary>Three classes; class 1 is never predicted (its precision divides by zero).</summary>
    public static readonly int[] NeverPredictedTrue = [0, 1, 2, 2, 1, 0, 2, 1, 0, 2];
    public static readonly int[] NeverPredictedPred = [0, 2, 2, 2, 0, 0, 2, 0, 0, 2];

    /// <summary>Class 3 occurs only in the predictions (its recall divides by zero, support 0).</summary>
    public static readonly int[] AbsentFromTrueTrue = [0, 0, 1, 1, 2, 2, 0, 1];
    public static readonly int[] AbsentFromTruePred = [0, 3, 1, 1, 2, 0, 0, 3];

    /// <summary>Scores that are exact binary halves at two decimals (0.125, 0.375): Python rounds them to even.</summary>
    public static readonly int[] TieTrue = [0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2];
    public static readonly int[] TiePred = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1];

    /// <summary>Two classes 0 and 1.</summary>
    public static readonly int[] BinaryTrue = [0, 1, 1, 0, 1, 1];
    public static readonly int[] BinaryPred = [0, 1, 0, 0, 1, 1];
}
