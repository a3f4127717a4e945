namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// The R replica values F_r of one width, sorted ascending. Every estimator works on the sorted copy, so its
/// result depends only on the multiset of values: batches from many grains merge exactly, in any order
/// (MATH section 6).
/// </summary>
internal sealed class SortedSample
{
    /// <summary>Copies, checks and sorts the samples.</summary>
    /// <exception cref="ArgumentException">The sample is empty or holds a non-finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The width is below 1.</exception>
    public SortedSample(ReadOnlySpan<double> samples, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (samples.IsEmpty)
        {
            throw new ArgumentException("The rate function needs at least one sample.", nameof(samples));
        }

        double[] values = samples.ToArray();
        if (!Array.TrueForAll(values, double.IsFinite))
        {
            throw new ArgumentException("Samples must be finite (filter diverged runs before estimating).", nameof(samples));
        }

        Array.Sort(values);
        Values = values;
        Width = width;
        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        Mean = sum / values.Length;
    }

    /// <summary>The values, ascending.</summary>
    public double[] Values { get; }

    /// <summary>The width N.</summary>
    public int Width { get; }

    /// <summary>The sample count R.</summary>
    public int Count => Values.Length;

    /// <summary>The sample mean (summed in ascending order).</summary>
    public double Mean { get; }

    /// <summary>The smallest value.</summary>
    public double Min => Values[0];

    /// <summary>The largest value.</summary>
    public double Max => Values[^1];

    /// <summary>The first index whose value is ≥ x (Count when none).</summary>
    public int LowerBound(double x)
    {
        int lo = 0, hi = Values.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Values[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The first index whose value is &gt; x (Count when none).</summary>
    public int UpperBound(double x)
    {
        int lo = 0, hi = Values.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Values[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
