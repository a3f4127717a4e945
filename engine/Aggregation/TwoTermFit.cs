using MathNet.Numerics.Distributions;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// Weighted least-squares fits of y ≈ B N^(-p) + C ε across a grid of widths N and step sizes ε (MATH section 7,
/// "SGD against the limit"; docs/limit.md "Bias, step size and fluctuation fitted apart"). For a fixed p the
/// model is linear in (B, C): the 2×2 normal equations with weights 1/σ_k². Standard errors come from the
/// inverse normal matrix scaled by the Birge ratio max(1, χ²/dof), so a fit worse than its error bars widens
/// them rather than being trusted. With p free, χ²(p) is profiled over p ∈ [0.02, 4] (the linear parameters
/// re-fitted at each p) and the 95% interval is {p : χ²(p) ≤ χ²_min + 3.84 max(1, χ²_min/dof)}; an end of
/// the search range inside the interval is reported as an open end (null).
/// </summary>
public static class TwoTermFit
{
    private const double MinExponent = 0.02, MaxExponent = 4.0, GridStep = 0.002;

    /// <summary>The fit with p fixed, or null with fewer than 3 usable points or a singular design.</summary>
    /// <param name="widths">N_k.</param>
    /// <param name="stepSizes">ε_k.</param>
    /// <param name="values">y_k.</param>
    /// <param name="sigmas">σ_k &gt; 0, the standard errors of y_k (points with a non-positive or missing σ are dropped).</param>
    /// <param name="exponent">p.</param>
    public static FixedExponentFit? Fixed(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> values, IReadOnlyList<double> sigmas, double exponent)
    {
        Point[] points = Usable(widths, stepSizes, values, sigmas);
        return Summary(Solve(points, exponent), points.Length, exponent);
    }

    /// <summary>The fit with p free (profiled), or null with fewer than 4 usable points or fewer than 2 distinct widths.</summary>
    public static FreeExponentFit? Free(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> values, IReadOnlyList<double> sigmas)
    {
        Point[] points = Usable(widths, stepSizes, values, sigmas);
        return Profile(points, p => Solve(points, p));
    }

    /// <summary>
    /// The fit of sample variances s_k² ≈ B N^(-p) + C ε with p fixed. A sample variance of n seeds has
    /// standard error √(2/(n - 1)) σ², so the weights come from the model itself by iterated reweighting
    /// (σ_k = √(2/(n_k - 1)) times the fitted variance, five rounds from the measured one); null with fewer
    /// than 3 usable points.
    /// </summary>
    /// <param name="widths">N_k.</param>
    /// <param name="stepSizes">ε_k.</param>
    /// <param name="variances">s_k², the sample variances over seeds.</param>
    /// <param name="seeds">n_k ≥ 2, the seeds behind each variance.</param>
    /// <param name="exponent">p (1 for SD ∝ N^(-1/2)).</param>
    public static FixedExponentFit? FixedVariance(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> variances, IReadOnlyList<int> seeds, double exponent)
    {
        Point[] points = VariancePoints(widths, stepSizes, variances, seeds);
        return Summary(SolveVariance(points, exponent), points.Length, exponent);
    }

    // The fixed-exponent summary of a solution on `count` points, errors scaled by the Birge ratio.
    private static FixedExponentFit? Summary(Solution? solution, int count, double exponent)
    {
        if (solution is not { } s)
        {
            return null;
        }

        int dof = count - 2;
        double scale = dof > 0 ? Math.Max(1.0, s.ChiSquare / dof) : 1.0;
        return new FixedExponentFit(exponent, s.B, Math.Sqrt(s.VarB * scale), s.C, Math.Sqrt(s.VarC * scale), s.ChiSquare, dof);
    }

    /// <summary>As <see cref="FixedVariance"/> with p profiled (see <see cref="TwoTermFit"/>); the exponent of the SD is p/2.</summary>
    public static FreeExponentFit? FreeVariance(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> variances, IReadOnlyList<int> seeds)
    {
        Point[] points = VariancePoints(widths, stepSizes, variances, seeds);
        return Profile(points, p => SolveVariance(points, p));
    }

    // Points whose Sigma holds √(2/(n - 1)), the relative standard error of a sample variance.
    private static Point[] VariancePoints(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> variances, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count != widths.Count)
        {
            throw new ArgumentException("seeds must have one entry per width.");
        }

        double[] relative = [.. seeds.Select(n => n >= 2 ? Math.Sqrt(2.0 / (n - 1)) : double.NaN)];
        return Usable(widths, stepSizes, variances, relative);
    }

    // Iterated reweighting: σ_k = rel_k · max(model_k, floor), starting from the measured variances.
    internal static Solution? SolveVariance(Point[] points, double exponent)
    {
        if (points.Length < 3)
        {
            return null;
        }

        double floor = 1e-3 * points.Average(p => Math.Abs(p.Y));
        if (!(floor > 0))
        {
            return null;
        }

        var weighted = new Point[points.Length];
        for (int k = 0; k < points.Length; k++)
        {
            weighted[k] = points[k] with { Sigma = points[k].Sigma * Math.Max(points[k].Y, floor) };
        }

        Solution? s = null;
        for (int round = 0; round < 5; round++)
        {
            s = Solve(weighted, exponent);
            if (s is not { } fit)
            {
                return null;
            }

            for (int k = 0; k < points.Length; k++)
            {
                double model = (fit.B * Math.Pow(points[k].N, -exponent)) + (fit.C * points[k].Epsilon);
                weighted[k] = points[k] with { Sigma = points[k].Sigma * Math.Max(model, floor) };
            }
        }

        return s;
    }

    /// <summary>
    /// The profile of a free exponent for any solver of the linear parameters at fixed p: the best p, and the
    /// 95% interval from χ²(p) − χ²_min ≤ 3.84 times the Birge ratio.
    /// </summary>
    internal static FreeExponentFit? Profile(Point[] points, Func<double, Solution?> solve)
    {
        if (points.Length < 4 || points.Select(p => p.N).Distinct().Count() < 2)
        {
            return null;
        }

        int count = (int)Math.Round((MaxExponent - MinExponent) / GridStep) + 1;
        var chi = new double[count];
        int best = -1;
        for (int k = 0; k < count; k++)
        {
            chi[k] = solve(MinExponent + (k * GridStep)) is { } s ? s.ChiSquare : double.PositiveInfinity;
            if (double.IsFinite(chi[k]) && (best < 0 || chi[k] < chi[best]))
            {
                best = k;
            }
        }

        if (best < 0)
        {
            return null;
        }

        // Refine the minimum by golden-section search on the bracketing grid cells.
        double lo = MinExponent + (Math.Max(best - 1, 0) * GridStep), hi = MinExponent + (Math.Min(best + 1, count - 1) * GridStep);
        double exponent = GoldenMinimum(p => solve(p)?.ChiSquare ?? double.PositiveInfinity, lo, hi);
        Solution at = solve(exponent)!.Value;
        int dof = points.Length - 3;
        double birge = Math.Max(1.0, at.ChiSquare / dof);
        double threshold = at.ChiSquare + (ChiSquared.InvCDF(1, 0.95) * birge);
        double? low = null, high = null;
        for (int k = best; k >= 0; k--)
        {
            if (chi[k] > threshold)
            {
                low = Crossing(solve, MinExponent + (k * GridStep), MinExponent + ((k + 1) * GridStep), threshold);
                break;
            }
        }

        for (int k = best; k < count; k++)
        {
            if (chi[k] > threshold)
            {
                high = Crossing(solve, MinExponent + (k * GridStep), MinExponent + ((k - 1) * GridStep), threshold);
                break;
            }
        }

        return new FreeExponentFit(exponent, low, high, at.B, Math.Sqrt(at.VarB * birge), at.C, Math.Sqrt(at.VarC * birge), at.ChiSquare, dof);
    }

    /// <summary>Solves the weighted 2×2 problem at a fixed p; null when it is singular or has fewer than 3 points.</summary>
    internal static Solution? Solve(ReadOnlySpan<Point> points, double exponent)
    {
        if (points.Length < 3)
        {
            return null;
        }

        double s11 = 0, s12 = 0, s22 = 0, r1 = 0, r2 = 0;
        foreach (Point p in points)
        {
            double x = Math.Pow(p.N, -exponent), w = 1.0 / (p.Sigma * p.Sigma);
            s11 += w * x * x;
            s12 += w * x * p.Epsilon;
            s22 += w * p.Epsilon * p.Epsilon;
            r1 += w * x * p.Y;
            r2 += w * p.Epsilon * p.Y;
        }

        double det = (s11 * s22) - (s12 * s12);
        if (!(det > 1e-12 * s11 * s22))
        {
            return null;
        }

        double b = ((s22 * r1) - (s12 * r2)) / det, c = ((s11 * r2) - (s12 * r1)) / det;
        double chi = 0;
        foreach (Point p in points)
        {
            double r = (p.Y - (b * Math.Pow(p.N, -exponent)) - (c * p.Epsilon)) / p.Sigma;
            chi += r * r;
        }

        return new Solution(b, c, s22 / det, s11 / det, chi);
    }

    /// <summary>
    /// The p that minimizes χ²(p) on a grid of step 0.05 over [0.02, 4], refined by golden section in the
    /// bracketing cells: the point estimate of <see cref="Profile"/> without its interval, for resampling.
    /// </summary>
    internal static double? BestExponent(Func<double, Solution?> solve)
    {
        const double coarse = 0.05;
        int count = (int)Math.Round((MaxExponent - MinExponent) / coarse) + 1, best = -1;
        double bestChi = double.PositiveInfinity;
        for (int k = 0; k < count; k++)
        {
            double chi = solve(MinExponent + (k * coarse))?.ChiSquare ?? double.PositiveInfinity;
            if (chi < bestChi)
            {
                (best, bestChi) = (k, chi);
            }
        }

        return best < 0 ? null : GoldenMinimum(p => solve(p)?.ChiSquare ?? double.PositiveInfinity, MinExponent + (Math.Max(best - 1, 0) * coarse), MinExponent + (Math.Min(best + 1, count - 1) * coarse));
    }

    /// <summary>The points of <see cref="FixedVariance"/>: σ_k holds √(2/(n_k − 1)), the relative error of a sample variance.</summary>
    internal static Point[] VarianceUsable(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> variances, IReadOnlyList<int> seeds) =>
        VariancePoints(widths, stepSizes, variances, seeds);

    internal static Point[] Usable(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> values, IReadOnlyList<double> sigmas)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(stepSizes);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(sigmas);
        if (widths.Count != stepSizes.Count || widths.Count != values.Count || widths.Count != sigmas.Count)
        {
            throw new ArgumentException("widths, step sizes, values and sigmas must have the same length.");
        }

        return [.. Enumerable.Range(0, widths.Count)
            .Where(k => widths[k] > 0 && double.IsFinite(widths[k]) && double.IsFinite(stepSizes[k]) && double.IsFinite(values[k]) && sigmas[k] > 0 && double.IsFinite(sigmas[k]))
            .Select(k => new Point(widths[k], stepSizes[k], values[k], sigmas[k]))];
    }

    private static double GoldenMinimum(Func<double, double> f, double lo, double hi)
    {
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double a = lo, b = hi, x1 = b - (ratio * (b - a)), x2 = a + (ratio * (b - a));
        double f1 = f(x1), f2 = f(x2);
        for (int i = 0; i < 40; i++)
        {
            if (f1 <= f2)
            {
                (b, x2, f2) = (x2, x1, f1);
                x1 = b - (ratio * (b - a));
                f1 = f(x1);
            }
            else
            {
                (a, x1, f1) = (x1, x2, f2);
                x2 = a + (ratio * (b - a));
                f2 = f(x2);
            }
        }

        return f1 <= f2 ? x1 : x2;
    }

    // The p between inside (χ² ≤ threshold) and outside (χ² > threshold) where χ² crosses the threshold, by bisection.
    private static double Crossing(Func<double, Solution?> solve, double outside, double inside, double threshold)
    {
        for (int i = 0; i < 40; i++)
        {
            double mid = 0.5 * (outside + inside);
            if ((solve(mid)?.ChiSquare ?? double.PositiveInfinity) > threshold)
            {
                outside = mid;
            }
            else
            {
                inside = mid;
            }
        }

        return 0.5 * (outside + inside);
    }

    /// <summary>One grid cell: width, step size, value and its standard error.</summary>
    internal readonly record struct Point(double N, double Epsilon, double Y, double Sigma);

    /// <summary>The linear parameters at a fixed p, their unscaled variances and χ².</summary>
    internal readonly record struct Solution(double B, double C, double VarB, double VarC, double ChiSquare);
}

/// <summary>y ≈ B N^(-p) + C ε with p fixed (see <see cref="TwoTermFit"/>).</summary>
/// <param name="Exponent">The fixed p.</param>
/// <param name="B">B (the coefficient of N^(-p)).</param>
/// <param name="BStdErr">Its standard error (scaled by the Birge ratio when χ²/dof &gt; 1).</param>
/// <param name="C">C (the coefficient of ε).</param>
/// <param name="CStdErr">Its standard error (scaled likewise).</param>
/// <param name="ChiSquare">χ² of the weighted residuals.</param>
/// <param name="DegreesOfFreedom">Points − 2.</param>
public sealed record FixedExponentFit(double Exponent, double B, double BStdErr, double C, double CStdErr, double ChiSquare, int DegreesOfFreedom);

/// <summary>y ≈ B N^(-p) + C ε with p fitted (see <see cref="TwoTermFit"/>).</summary>
/// <param name="Exponent">The best p.</param>
/// <param name="ExponentLow95">Lower end of the profile 95% interval (null when it reaches the search range's end, 0.02).</param>
/// <param name="ExponentHigh95">Upper end (null when it reaches 4).</param>
/// <param name="B">B at the best p.</param>
/// <param name="BStdErr">Its standard error at the best p (scaled by the Birge ratio).</param>
/// <param name="C">C at the best p.</param>
/// <param name="CStdErr">Its standard error.</param>
/// <param name="ChiSquare">χ² at the best p.</param>
/// <param name="DegreesOfFreedom">Points − 3.</param>
public sealed record FreeExponentFit(double Exponent, double? ExponentLow95, double? ExponentHigh95, double B, double BStdErr, double C, double CStdErr, double ChiSquare, int DegreesOfFreedom)
{
    /// <summary>Whether the 95% interval contains <paramref name="value"/> (an open end counts as unbounded).</summary>
    public bool IntervalContains(double value) => (ExponentLow95 is not { } lo || lo <= value) && (ExponentHigh95 is not { } hi || value <= hi);
}
