using System.Globalization;
using System.Text;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>A tick of a logarithmic axis: the value (not its logarithm) and its label, null for a minor tick.</summary>
internal readonly record struct LogTick(double Value, string? Label);

/// <summary>
/// Ticks for a base-10 logarithmic axis (ScottPlot draws log axes as linear axes over log10 of the data).
/// Major ticks at the powers of ten when the range holds at least two of them, otherwise at 1, 2 and 5
/// times powers of ten (and every integer multiple if that is still fewer than three); minor ticks at the
/// other integer multiples of the powers of ten.
/// </summary>
internal static class LogTicks
{
    /// <summary>The ticks of the values from 10^<paramref name="logMin"/> to 10^<paramref name="logMax"/>, in increasing order.</summary>
    public static IReadOnlyList<LogTick> For(double logMin, double logMax)
    {
        if (!(logMax > logMin) || !double.IsFinite(logMin) || !double.IsFinite(logMax))
        {
            return [];
        }

        int first = (int)Math.Floor(logMin), last = (int)Math.Ceiling(logMax);
        List<double> candidates = [];
        for (int k = first; k <= last; k++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double v = m * Math.Pow(10, k);
                double lg = Math.Log10(v);
                if (lg >= logMin - 1e-9 && lg <= logMax + 1e-9)
                {
                    candidates.Add(v);
                }
            }
        }

        int Mantissa(double v) => (int)Math.Round(v / Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-9)));
        Func<double, bool> major = v => Mantissa(v) == 1;
        if (candidates.Count(major) < 3)
        {
            major = v => Mantissa(v) is 1 or 2 or 5;
            if (candidates.Count(major) < 3)
            {
                major = _ => true;
            }
        }

        // Many decades: label every other power of ten so the labels do not collide.
        int decades = candidates.Count(v => Mantissa(v) == 1);
        int stride = decades > 7 ? 2 : 1;
        return [.. candidates.Select(v => major(v) && (stride == 1 || Mantissa(v) != 1 || Exponent(v) % stride == 0) ? new LogTick(v, Label(v)) : new LogTick(v, null))];
    }

    /// <summary>A short label: plain digits from 0.001 to 99999, m×10ⁿ with a superscript exponent outside.</summary>
    public static string Label(double value)
    {
        if (value >= 1e-3 && value < 1e5)
        {
            return value.ToString("G6", CultureInfo.InvariantCulture);
        }

        int exponent = Exponent(value);
        int mantissa = (int)Math.Round(value / Math.Pow(10, exponent));
        string power = "10" + Superscript(exponent);
        return mantissa == 1 ? power : $"{mantissa}×{power}";
    }

    private static int Exponent(double value) => (int)Math.Floor(Math.Log10(value) + 1e-9);

    private static string Superscript(int exponent)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var text = new StringBuilder();
        if (exponent < 0)
        {
            text.Append('⁻');
        }

        foreach (char c in Math.Abs(exponent).ToString(CultureInfo.InvariantCulture))
        {
            text.Append(digits[c - '0']);
        }

        return text.ToString();
    }
}
