using MathNet.Numerics.Distributions;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>How the interval of an extrapolated point was obtained.</summary>
public static class ExtrapolationIntervals
{
    /// <summary>Student t with n - 2 degrees of freedom on the least-squares standard error of the intercept (n ≥ 3 widths).</summary>
    public const string Regression = "regression";

    /// <summary>Bootstrap intervals of the two widths propagated through the exact two-point line (n = 2).</summary>
    public const string BootstrapPropagation = "bootstrap-propagation";

    /// <summary>No interval (two widths without intervals).</summary>
    public const string None = "none";
}

/// <summary>The extrapolation of Î_N(x) to N → ∞ at one x (MATH section 6, item 4).</summary>
/// <param name="X">The point x.</param>
/// <param name="Value">I_∞(x): the intercept of Î_N = I + b/N.</param>
/// <param name="Slope">b(x).</param>
/// <param name="Low">Lower end of the 95% interval; null when unavailable.</param>
/// <param name="High">Upper end of the 95% interval; null when unavailable.</param>
/// <param name="Widths">Number of widths used.</param>
/// <param name="IntervalMethod">One of <see cref="ExtrapolationIntervals"/>.</param>
public sealed record ExtrapolatedRate(double X, double Value, double Slope, double? Low, double? High, int Widths, string IntervalMethod);

/// <summary>
/// Fits Î_N(x) = I(x) + b(x)/N across widths, per x (MATH section 6, item 4), by ordinary (unweighted) least
/// squares of Î_N on 1/N. Unweighted, because the bootstrap intervals of different widths are not comparable
/// variances of one model (the model itself is only asymptotic, and the residuals then measure its misfit too).
/// Points whose value is missing or censored are skipped; an x with fewer than two usable widths gets no fit.
/// <para>
/// Interval: with n ≥ 3 widths, intercept ± t_{n-2, 0.975} SE(intercept) from the residuals; with exactly two,
/// the line through both points is exact and the interval propagates the bootstrap intervals: I_∞ =
/// (N2 Î2 - N1 Î1)/(N2 - N1), each width's σ taken as its interval's length / (2 × 1.96) (independent widths),
/// giving I_∞ ± 1.96 σ_∞ (none when either interval is missing or unbounded).
/// </para>
/// </summary>
public static class WidthExtrapolation
{
    /// <summary>The 97.5% standard normal quantile.</summary>
    public const double Z975 = 1.959963984540054;

    /// <summary>Fits every x of the grid shared by the widths.</summary>
    /// <param name="widths">The widths N, distinct, ≥ 1.</param>
    /// <param name="pointsByWidth">Per width (same order), the estimates on the same x grid (same length and X values).</param>
    /// <exception cref="ArgumentException">Lengths or x grids differ, or widths repeat.</exception>
    public static IReadOnlyList<ExtrapolatedRate> Fit(IReadOnlyList<int> widths, IReadOnlyList<IReadOnlyList<RatePoint>> pointsByWidth)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(pointsByWidth);
        Validate(widths, pointsByWidth);
        var result = new List<ExtrapolatedRate>();
        int gridLength = pointsByWidth.Count == 0 ? 0 : pointsByWidth[0].Count;
        for (int i = 0; i < gridLength; i++)
        {
            var usable = new List<(int Width, RatePoint Point)>();
            for (int w = 0; w < widths.Count; w++)
            {
                RatePoint p = pointsByWidth[w][i];
                if (p.Value is double v && double.IsFinite(v) && !p.Censored)
                {
                    usable.Add((widths[w], p));
                }
            }

            if (FitPoint(pointsByWidth[0][i].X, usable) is { } fit)
            {
                result.Add(fit);
            }
        }

        return result;
    }

    /// <summary>The fit at one x from (width, estimate) pairs with values; null with fewer than two pairs.</summary>
    /// <param name="x">The point x.</param>
    /// <param name="points">Usable (uncensored, valued) estimates with their widths.</param>
    public static ExtrapolatedRate? FitPoint(double x, IReadOnlyList<(int Width, RatePoint Point)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Count switch
        {
            < 2 => null,
            2 => TwoWidths(x, points[0], points[1]),
            _ => Regression(x, points),
        };
    }

    private static ExtrapolatedRate TwoWidths(double x, (int Width, RatePoint Point) a, (int Width, RatePoint Point) b)
    {
        double n1 = a.Width, n2 = b.Width, y1 = a.Point.Value!.Value, y2 = b.Point.Value!.Value;
        double c1 = -n1 / (n2 - n1), c2 = n2 / (n2 - n1);
        double intercept = (c1 * y1) + (c2 * y2);
        double slope = (y1 - y2) / ((1 / n1) - (1 / n2));
        if (Sigma(a.Point) is double s1 && Sigma(b.Point) is double s2)
        {
            double s = Math.Sqrt((c1 * c1 * s1 * s1) + (c2 * c2 * s2 * s2));
            return new ExtrapolatedRate(x, intercept, slope, intercept - (Z975 * s), intercept + (Z975 * s), 2, ExtrapolationIntervals.BootstrapPropagation);
        }

        return new ExtrapolatedRate(x, intercept, slope, null, null, 2, ExtrapolationIntervals.None);
    }

    private static ExtrapolatedRate Regression(double x, IReadOnlyList<(int Width, RatePoint Point)> points)
    {
        int n = points.Count;
        double[] u = [.. points.Select(p => 1.0 / p.Width)];
        double[] y = [.. points.Select(p => p.Point.Value!.Value)];
        double meanU = u.Average(), meanY = y.Average();
        double suu = 0, suy = 0;
        for (int i = 0; i < n; i++)
        {
            suu += (u[i] - meanU) * (u[i] - meanU);
            suy += (u[i] - meanU) * (y[i] - meanY);
        }

        double slope = suy / suu;
        double intercept = meanY - (slope * meanU);
        double ssr = 0;
        for (int i = 0; i < n; i++)
        {
            double r = y[i] - (intercept + (slope * u[i]));
            ssr += r * r;
        }

        double se = Math.Sqrt(ssr / (n - 2) * ((1.0 / n) + (meanU * meanU / suu)));
        double t = StudentT.InvCDF(0, 1, n - 2, 0.975);
        return new ExtrapolatedRate(x, intercept, slope, intercept - (t * se), intercept + (t * se), n, ExtrapolationIntervals.Regression);
    }

    /// <summary>σ = interval length / (2 × 1.96); null without a finite interval.</summary>
    private static double? Sigma(RatePoint p) =>
        p.Low is double lo && p.High is double hi && double.IsFinite(lo) && double.IsFinite(hi) ? (hi - lo) / (2 * Z975) : null;

    private static void Validate(IReadOnlyList<int> widths, IReadOnlyList<IReadOnlyList<RatePoint>> pointsByWidth)
    {
        if (widths.Count != pointsByWidth.Count)
        {
            throw new ArgumentException("One list of estimates is needed per width.", nameof(pointsByWidth));
        }

        if (widths.Any(w => w < 1) || widths.Distinct().Count() != widths.Count)
        {
            throw new ArgumentException("Widths must be distinct and at least 1.", nameof(widths));
        }

        for (int w = 1; w < pointsByWidth.Count; w++)
        {
            if (pointsByWidth[w].Count != pointsByWidth[0].Count || pointsByWidth[w].Where((p, i) => p.X != pointsByWidth[0][i].X).Any())
            {
                throw new ArgumentException("All widths must share the same x grid.", nameof(pointsByWidth));
            }
        }
    }
}
