using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>A bootstrap percentile interval [Low, High]; High is +∞ when the upper percentile falls on resamples with zero tail hits.</summary>
/// <param name="Low">The 2.5% percentile.</param>
/// <param name="High">The 97.5% percentile.</param>
public sealed record PercentileInterval(double Low, double High);

/// <summary>Bootstrap percentile intervals of both estimators, per x of the grid (MATH section 6, item 3).</summary>
/// <param name="Resamples">Resamples drawn.</param>
/// <param name="Tail">Per x: the interval of the tail estimate; null where the estimate itself is censored.</param>
/// <param name="GartnerEllis">
/// Per x: the interval of the Gärtner–Ellis estimate over the resamples that define it; null when fewer than
/// <see cref="Bootstrap.MinDefinedFraction"/> of the resamples do (x at the edge of the reliable range).
/// </param>
public sealed record BootstrapIntervals(int Resamples, IReadOnlyList<PercentileInterval?> Tail, IReadOnlyList<PercentileInterval?> GartnerEllis);

/// <summary>
/// Bootstrap percentile intervals (2.5%, 97.5%) for the tail and Gärtner–Ellis estimators (MATH section 6,
/// item 3). Each resample draws R indices uniformly with replacement from the sorted sample with its own
/// xoshiro256** stream keyed by (<see cref="LdSettings.BootstrapSeed"/>, width, resample index), so the
/// intervals are deterministic in the seed and independent of the input order.
/// <para>
/// The tail estimator is resampled exactly (hit counts from prefix sums of the per-position counts, O(R) per
/// resample). The Gärtner–Ellis estimator is resampled through bin counts (<see cref="BinnedTilts"/>): the
/// resample reweights each equal-width bin of F by n*_j / n_j, ignoring only the noise within a bin, so a
/// resample costs O(R + bins × tilts) instead of O(R × tilts). Each resample gets its own reliable range and
/// Legendre transform, as the point estimate does; only tilts where the full sample has ESS ≥
/// <see cref="TableEssFactor"/> × EssMin are tabulated.
/// </para>
/// </summary>
public static class Bootstrap
{
    /// <summary>The lower percentile level.</summary>
    public const double LowerLevel = 0.025;

    /// <summary>The upper percentile level.</summary>
    public const double UpperLevel = 0.975;

    /// <summary>The fraction of resamples that must define a Gärtner–Ellis value at x for its interval to be reported.</summary>
    public const double MinDefinedFraction = 0.9;

    /// <summary>Tilts are tabulated for the bootstrap while the full sample's ESS is at least this factor × EssMin.</summary>
    public const double TableEssFactor = 0.1;

    /// <summary>Sub-key of the <see cref="RandomStreams.Purpose.Observation"/> streams of the bootstrap ("LD_BOOT").</summary>
    public const ulong StreamTag = 0x4C445F424F4F54;

    /// <summary>The intervals for one width's samples.</summary>
    /// <param name="samples">The replica values F_r (finite).</param>
    /// <param name="width">The width N.</param>
    /// <param name="settings">Grids, ESS threshold, resample count, seed and bins.</param>
    public static BootstrapIntervals Intervals(ReadOnlySpan<double> samples, int width, LdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sample = new SortedSample(samples, width);
        return Intervals(sample, settings, GartnerEllis.Curve(sample, settings.KGrid, settings.EssMin));
    }

    /// <summary>
    /// The type-7 (linear interpolation) percentile of ascending <paramref name="sorted"/> values; +∞ values are
    /// allowed at the top and give +∞ when they enter the interpolation.
    /// </summary>
    /// <param name="sorted">Values, ascending, at least one.</param>
    /// <param name="level">Level in [0, 1].</param>
    public static double Percentile(ReadOnlySpan<double> sorted, double level)
    {
        if (sorted.IsEmpty || level is not (>= 0 and <= 1))
        {
            throw new ArgumentException("A percentile needs values and a level in [0, 1].");
        }

        double h = (sorted.Length - 1) * level;
        int lo = (int)Math.Floor(h);
        double frac = h - lo;
        if (frac == 0 || lo + 1 >= sorted.Length)
        {
            return sorted[lo];
        }

        double a = sorted[lo], b = sorted[lo + 1];
        return double.IsPositiveInfinity(b) ? b : a + (frac * (b - a));
    }

    internal static BootstrapIntervals Intervals(SortedSample sample, LdSettings settings, ScgfCurve curve)
    {
        double[] xGrid = settings.XGrid;
        int resamples = settings.Bootstrap;
        if (resamples == 0)
        {
            return new BootstrapIntervals(0, new PercentileInterval?[xGrid.Length], new PercentileInterval?[xGrid.Length]);
        }

        var tail = new TailResampler(sample, xGrid);
        BinnedTilts binned = BinnedTilts.Create(sample, settings.KGrid, curve, settings.BootstrapBins, TableEssFactor);
        double[][] tailValues = NewColumns(xGrid.Length, resamples), geValues = NewColumns(xGrid.Length, resamples);
        var counts = new int[sample.Count];
        var prefix = new long[sample.Count + 1];
        var binCounts = new double[binned.BinCount];
        for (int b = 0; b < resamples; b++)
        {
            var rng = RandomStreams.Create(settings.BootstrapSeed, RandomStreams.Purpose.Observation, StreamTag, (ulong)sample.Width, (ulong)b);
            DrawCounts(ref rng, counts, prefix);
            binned.BinCounts(prefix, binCounts);
            ScgfCurve resampled = binned.Curve(binCounts, sample.Count);
            for (int i = 0; i < xGrid.Length; i++)
            {
                tailValues[i][b] = tail.Rate(prefix, i);
                geValues[i][b] = resampled.Rate(xGrid[i]) ?? double.NaN;
            }
        }

        return new BootstrapIntervals(
            resamples,
            [.. tailValues.Select((column, i) => tail.IsCensored(i) ? null : Interval(column, requiredFraction: 1))],
            [.. geValues.Select(column => Interval(column, MinDefinedFraction))]);
    }

    /// <summary>Per-position counts of R uniform draws with replacement, as prefix sums: prefix[p] = draws at positions &lt; p.</summary>
    private static void DrawCounts(ref Xoshiro256 rng, int[] counts, long[] prefix)
    {
        Array.Clear(counts);
        ulong n = (ulong)counts.Length;
        for (int i = 0; i < counts.Length; i++)
        {
            // Lemire's multiply-shift: the high word of a 64 × 64-bit product is uniform on [0, n) up to n / 2^64.
            counts[(int)Math.BigMul(rng.NextUInt64(), n, out _)]++;
        }

        prefix[0] = 0;
        for (int p = 0; p < counts.Length; p++)
        {
            prefix[p + 1] = prefix[p] + counts[p];
        }
    }

    private static double[][] NewColumns(int columns, int rows)
    {
        var result = new double[columns][];
        for (int i = 0; i < columns; i++)
        {
            result[i] = new double[rows];
        }

        return result;
    }

    /// <summary>The percentile interval of the defined (non-NaN) values, when at least a fraction of them is defined.</summary>
    private static PercentileInterval? Interval(double[] column, double requiredFraction)
    {
        double[] defined = [.. column.Where(v => !double.IsNaN(v))];
        if (defined.Length == 0 || defined.Length < requiredFraction * column.Length)
        {
            return null;
        }

        Array.Sort(defined);
        return new PercentileInterval(Percentile(defined, LowerLevel), Percentile(defined, UpperLevel));
    }

    /// <summary>Tail rates of a resample: the side and boundary of each x are those of the full sample.</summary>
    private sealed class TailResampler
    {
        private readonly TailSide[] _sides;
        private readonly int[] _boundaries;
        private readonly bool[] _censored;
        private readonly int _count;
        private readonly int _width;

        public TailResampler(SortedSample sample, double[] xGrid)
        {
            (_count, _width) = (sample.Count, sample.Width);
            _sides = [.. xGrid.Select(x => TailEstimator.SideOf(sample, x))];
            _boundaries = [.. xGrid.Select((x, i) => TailEstimator.TailBoundary(sample, x, _sides[i]))];
            _censored = [.. xGrid.Select((x, i) => TailEstimator.Hits(sample, x, _sides[i]) == 0)];
        }

        public bool IsCensored(int i) => _censored[i];

        public double Rate(ReadOnlySpan<long> prefix, int i)
        {
            long hits = _sides[i] == TailSide.Upper ? _count - prefix[_boundaries[i]] : prefix[_boundaries[i]];
            return TailEstimator.Rate(hits, _count, _width);
        }
    }
}
