namespace MeanFieldCluster.Engine.Observables;

/// <summary>Quantiles of empirical laws (MATH section 5).</summary>
public static class Quantiles
{
    /// <summary>The quantile levels p_j = (j + 1/2)/n, j = 0..n-1, used for every snapshot.</summary>
    public static double[] Levels(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var levels = new double[count];
        for (int j = 0; j < count; j++)
        {
            levels[j] = Level(j, count);
        }

        return levels;
    }

    /// <summary>
    /// The empirical quantile function Q(p) = x_(⌈pN⌉) (the left-continuous inverse of the empirical CDF)
    /// of <paramref name="values"/> at the levels of <see cref="Levels"/>. With it, W_p distances between
    /// empirical laws are integrals of |Q_1 - Q_2|^p over p.
    /// </summary>
    public static double[] Empirical(ReadOnlySpan<double> values, int count) => SortAndTake(values.ToArray(), count);

    /// <summary>
    /// <see cref="Empirical"/> without a copy: sorts <paramref name="values"/> in place (a snapshot's scratch,
    /// overwritten by the next feature), then reads the quantiles off it.
    /// </summary>
    public static double[] SortAndTake(Span<double> values, int count)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("Cannot take quantiles of an empty sample.", nameof(values));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        values.Sort();
        var result = new double[count];
        int n = values.Length;
        for (int j = 0; j < count; j++)
        {
            int rank = (int)Math.Ceiling(Level(j, count) * n);
            result[j] = values[Math.Clamp(rank - 1, 0, n - 1)];
        }

        return result;
    }

    // p_j = (j + 1/2)/count.
    private static double Level(int j, int count) => (j + 0.5) / count;
}
