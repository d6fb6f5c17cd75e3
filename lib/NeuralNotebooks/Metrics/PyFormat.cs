using System.Globalization;
using System.Numerics;

namespace NeuralNotebooks;

/// <summary>
/// Number formatting that matches Python's <c>format(x, ".2f")</c> digit for digit, so the text
/// of a report equals scikit-learn's.
/// </summary>
/// <remarks>
/// Python rounds the exact binary value of a double half to even: 0.125 prints as "0.12" and
/// 0.375 as "0.38". .NET's "F2" rounds exact halves away from zero ("0.13"), so it cannot be
/// used here. The exact value m·2^e is scaled by 10^digits with big integers and rounded once.
/// </remarks>
internal static class PyFormat
{
    /// <summary>Python's <c>len(text)</c>: code points, so "🐶" is one where C#'s Length counts two UTF-16 units.</summary>
    public static int Length(string text) => text.EnumerateRunes().Count();

    /// <summary>Python's <c>text.rjust(width)</c>: padded on the left to <paramref name="width"/> code points.</summary>
    public static string RightAlign(string text, int width) => new string(' ', Math.Max(0, width - Length(text))) + text;

    /// <summary>The value with <paramref name="digits"/> decimals, as Python's fixed-point format writes it.</summary>
    public static string Fixed(double value, int digits)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        ArgumentOutOfRangeException.ThrowIfNegative(digits);

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        int exponent = (biased == 0 ? 1 : biased) - 1075; // value = mantissa * 2^exponent

        BigInteger scaled = mantissa * BigInteger.Pow(10, digits);
        BigInteger q;
        if (exponent >= 0)
        {
            q = scaled << exponent;
        }
        else
        {
            BigInteger denominator = BigInteger.One << -exponent;
            q = BigInteger.DivRem(scaled, denominator, out BigInteger remainder);
            int cmp = (remainder * 2).CompareTo(denominator);
            if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        }

        string s = q.ToString(CultureInfo.InvariantCulture);
        if (digits > 0)
        {
            s = s.PadLeft(digits + 1, '0');
            s = s[..^digits] + "." + s[^digits..];
        }
        return negative ? "-" + s : s;
    }
}
