namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Runs the whole of MATH section 6 on the raw F_r values of every width: the tail and Gärtner–Ellis
/// estimates with bootstrap intervals per width (items 1–3), and their extrapolation N → ∞ (item 4).
/// <para>
/// The tail estimator's target -(1/N) ln P(F_N ≥ x) exceeds I(x) by the Bahadur–Rao prefactor
/// (1/N) ln(k* σ* sqrt(2π N)) = ln(N)/(2N) + O(1/N) for x away from the mean, which the model I + b/N cannot
/// absorb. With <see cref="LdSettings.TailPrefactorCorrection"/> (the default) the known term ln(N)/(2N) is
/// subtracted from the tail values and intervals before the fit, leaving the O(1/N) remainder to b(x). The
/// correction is wrong within about σ/sqrt(N) of the mean, where P(F ≥ x) → 1/2 has no ln N term: there the
/// extrapolated tail undershoots by about ln(N2/N1) / (2 (N2 - N1)). The Gärtner–Ellis values are fitted as
/// they are (λ_N has no ln N term).
/// </para>
/// </summary>
public static class RateFunctionEstimator
{
    /// <summary>Estimates all widths and the extrapolation.</summary>
    /// <param name="samplesByWidth">Raw F_r values per width N (each non-empty, finite, any order).</param>
    /// <param name="settings">The estimator settings.</param>
    /// <param name="centring">
    /// Optional shift per width added to that width's sample before the extrapolation only (the per-width rows
    /// stay as measured): with shift = c_ref − c_N, every width's curve is centred at the same c_ref, so the fit
    /// Î_N(x) = I(x) + b(x)/N does not mix curves centred in different places (quenched draws, MATH section 6).
    /// Widths without an entry are not shifted.
    /// </param>
    /// <exception cref="ArgumentException">No widths, a width below 1, or an empty or non-finite sample.</exception>
    public static RateFunctionReport Estimate(IReadOnlyDictionary<int, double[]> samplesByWidth, LdSettings settings, IReadOnlyDictionary<int, double>? centring = null)
    {
        ArgumentNullException.ThrowIfNull(samplesByWidth);
        ArgumentNullException.ThrowIfNull(settings);
        if (samplesByWidth.Count == 0)
        {
            throw new ArgumentException("At least one width is needed.", nameof(samplesByWidth));
        }

        WidthRates[] widths = [.. samplesByWidth.OrderBy(p => p.Key).Select(p => EstimateWidth(p.Value, p.Key, settings))];
        var rows = new List<RateFunctionRow>();
        foreach (WidthRates w in widths)
        {
            rows.AddRange(WidthRows(w.Width, RateEstimators.Tail, w.Tail));
            rows.AddRange(WidthRows(w.Width, RateEstimators.GartnerEllis, w.GartnerEllis));
        }

        WidthRates[] forInfinity = centring is null
            ? widths
            : [.. widths.Select(w => centring.TryGetValue(w.Width, out double shift) && shift != 0
                ? EstimateWidth([.. samplesByWidth[w.Width].Select(f => f + shift)], w.Width, settings)
                : w)];
        rows.AddRange(InfinityRows(RateEstimators.Tail, forInfinity, w => settings.TailPrefactorCorrection ? Corrected(w.Tail, w.Width) : w.Tail));
        rows.AddRange(InfinityRows(RateEstimators.GartnerEllis, forInfinity, w => w.GartnerEllis));
        ReliableKRange[] reliable = [.. widths.Select(w => new ReliableKRange(w.Width, w.Samples, w.Curve.KMin, w.Curve.KMax, w.Curve.XMin, w.Curve.XMax))];
        return new RateFunctionReport(rows, reliable, widths);
    }

    /// <summary>The estimates of one width, with bootstrap intervals (none when <see cref="LdSettings.Bootstrap"/> is 0).</summary>
    /// <param name="samples">The replica values F_r.</param>
    /// <param name="width">The width N.</param>
    /// <param name="settings">The estimator settings.</param>
    public static WidthRates EstimateWidth(ReadOnlySpan<double> samples, int width, LdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sample = new SortedSample(samples, width);
        TailPoint[] tail = TailEstimator.Estimate(sample, settings.XGrid);
        ScgfCurve curve = GartnerEllis.Curve(sample, settings.KGrid, settings.EssMin);
        BootstrapIntervals intervals = Bootstrap.Intervals(sample, settings, curve);
        RatePoint[] tailRates = [.. tail.Select((t, i) => Point(t.X, t.Value, t.Censored ? null : intervals.Tail[i], t.Censored))];
        RatePoint[] geRates = [.. settings.XGrid.Select((x, i) => curve.Rate(x) is double v ? Point(x, v, intervals.GartnerEllis[i], false) : new RatePoint(x, null, null, null, false))];
        return new WidthRates(width, sample.Count, tailRates, geRates, tail, curve);
    }

    private static RatePoint Point(double x, double value, PercentileInterval? interval, bool censored)
    {
        double? low = interval is { } a && double.IsFinite(a.Low) ? a.Low : null;
        double? high = interval is { } b && double.IsFinite(b.High) ? b.High : null;
        return new RatePoint(x, value, low, high, censored);
    }

    private static IEnumerable<RateFunctionRow> WidthRows(int width, string estimator, IReadOnlyList<RatePoint> points) =>
        points.Where(p => p.Value is not null).Select(p => new RateFunctionRow(width, p.X, estimator, p.Value!.Value, p.Low, p.High, p.Censored));

    private static IEnumerable<RateFunctionRow> InfinityRows(string estimator, WidthRates[] widths, Func<WidthRates, IReadOnlyList<RatePoint>> points)
    {
        if (widths.Length < 2)
        {
            return [];
        }

        IReadOnlyList<ExtrapolatedRate> fits = WidthExtrapolation.Fit([.. widths.Select(w => w.Width)], [.. widths.Select(points)]);
        return fits.Select(f => new RateFunctionRow(null, f.X, estimator, f.Value, f.Low, f.High, false));
    }

    /// <summary>The tail points minus the Bahadur–Rao term ln(N)/(2N) (values and interval ends).</summary>
    private static RatePoint[] Corrected(IReadOnlyList<RatePoint> tail, int width)
    {
        double c = Math.Log(width) / (2.0 * width);
        return [.. tail.Select(p => p with { Value = p.Value - c, Low = p.Low - c, High = p.High - c })];
    }
}
