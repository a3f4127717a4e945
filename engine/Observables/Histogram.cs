namespace MeanFieldCluster.Engine.Observables;

/// <summary>Equal-width histograms of per-neuron features (MATH section 5).</summary>
public static class Histogram
{
    /// <summary>
    /// Counts <paramref name="values"/> in <paramref name="bins"/> equal-width bins over [min, max]:
    /// bin k is [Low + k h, Low + (k + 1) h) with h = (High - Low)/bins, and the last bin is closed, so the
    /// maximum falls in it and the counts sum to the number of values. When all values are equal,
    /// Low = High = that value and every value is counted in bin 0 (the other bins are 0).
    /// </summary>
    /// <param name="values">The sample; not empty, every value finite.</param>
    /// <param name="bins">Number of bins ≥ 1.</param>
    /// <returns>The left edge of the first bin, the right edge of the last bin, and the count per bin.</returns>
    /// <exception cref="ArgumentException">The sample is empty or holds a NaN or infinite value.</exception>
    public static (double Low, double High, long[] Counts) Compute(ReadOnlySpan<double> values, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (values.IsEmpty)
        {
            throw new ArgumentException("Cannot take a histogram of an empty sample.", nameof(values));
        }

        double low = double.PositiveInfinity;
        double high = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The sample holds a NaN or infinite value.", nameof(values));
            }

            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }

        var counts = new long[bins];
        if (low == high)
        {
            counts[0] = values.Length;
            return (low, high, counts);
        }

        double scale = bins / (high - low);
        foreach (double v in values)
        {
            int k = (int)((v - low) * scale);
            counts[Math.Clamp(k, 0, bins - 1)]++;
        }

        return (low, high, counts);
    }
}
