namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>Which tail the tail estimator counts at a point x.</summary>
public enum TailSide
{
    /// <summary>P(F ≥ x), used for x at or above the sample mean.</summary>
    Upper,

    /// <summary>P(F ≤ x), used for x below the sample mean.</summary>
    Lower,
}

/// <summary>The tail estimate at one point x (MATH section 6, item 1).</summary>
/// <param name="X">The point x.</param>
/// <param name="Value">
/// Î(x) = -(1/N) ln(hits / R); when <paramref name="Censored"/>, the censored bound (1/N) ln R instead
/// (the true value exceeds it).
/// </param>
/// <param name="Censored">True when no sample lies in the tail (zero hits).</param>
/// <param name="Side">The tail counted.</param>
/// <param name="Hits">Number of samples in the tail.</param>
public sealed record TailPoint(double X, double Value, bool Censored, TailSide Side, int Hits);

/// <summary>
/// The tail estimator Î_N(x) = -(1/N) ln P̂(F ≥ x) above the sample mean and -(1/N) ln P̂(F ≤ x) below it
/// (MATH section 6, item 1), computed from the logarithm of the hit count: ln R - ln hits, never a tiny
/// probability. Its target is the exact finite-N tail rate -(1/N) ln P(F_N ≥ x), which exceeds I(x) by
/// the Bahadur–Rao prefactor (1/N) ln(k* σ* sqrt(2π N)) = O(ln N / N) away from the mean.
/// </summary>
public static class TailEstimator
{
    /// <summary>Estimates Î_N at every point of <paramref name="xGrid"/> (in grid order).</summary>
    /// <param name="samples">The replica values F_r (any order; finite).</param>
    /// <param name="width">The width N (≥ 1).</param>
    /// <param name="xGrid">The points x.</param>
    public static TailPoint[] Estimate(ReadOnlySpan<double> samples, int width, double[] xGrid)
    {
        ArgumentNullException.ThrowIfNull(xGrid);
        return Estimate(new SortedSample(samples, width), xGrid);
    }

    /// <summary>The censored bound (1/N) ln R reported when no sample lies in the tail.</summary>
    /// <param name="samples">The sample count R.</param>
    /// <param name="width">The width N.</param>
    public static double CensoredBound(int samples, int width) => Math.Log(samples) / width;

    internal static TailPoint[] Estimate(SortedSample sample, double[] xGrid)
    {
        var points = new TailPoint[xGrid.Length];
        for (int i = 0; i < xGrid.Length; i++)
        {
            double x = xGrid[i];
            TailSide side = SideOf(sample, x);
            int hits = Hits(sample, x, side);
            points[i] = hits == 0
                ? new TailPoint(x, CensoredBound(sample.Count, sample.Width), true, side, 0)
                : new TailPoint(x, Rate(hits, sample.Count, sample.Width), false, side, hits);
        }

        return points;
    }

    /// <summary>Upper for x ≥ the sample mean, lower below it.</summary>
    internal static TailSide SideOf(SortedSample sample, double x) => x >= sample.Mean ? TailSide.Upper : TailSide.Lower;

    /// <summary>The boundary index of the tail in the sorted sample: the tail is [index, R) (upper) or [0, index) (lower).</summary>
    internal static int TailBoundary(SortedSample sample, double x, TailSide side) =>
        side == TailSide.Upper ? sample.LowerBound(x) : sample.UpperBound(x);

    /// <summary>The number of samples ≥ x (upper) or ≤ x (lower).</summary>
    internal static int Hits(SortedSample sample, double x, TailSide side)
    {
        int boundary = TailBoundary(sample, x, side);
        return side == TailSide.Upper ? sample.Count - boundary : boundary;
    }

    /// <summary>-(1/N) ln(hits / R) from the log counts; +∞ for zero hits.</summary>
    internal static double Rate(long hits, long samples, int width) =>
        hits == 0 ? double.PositiveInfinity : (Math.Log(samples) - Math.Log(hits)) / width;
}
