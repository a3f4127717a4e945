using MathNet.Numerics.Distributions;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// The fit dist(N) ≈ C N^(-a) (MATH section 5).
/// </summary>
/// <param name="Exponent">The decay exponent a (minus the log-log slope).</param>
/// <param name="ExponentStdErr">Standard error of a from the residuals with m - 2 degrees of freedom; null with only 2 points.</param>
/// <param name="Prefactor">C = exp(intercept).</param>
/// <param name="Points">Number m of points used (after dropping unusable ones).</param>
/// <param name="RSquared">Coefficient of determination of the log-log regression; null when the log distances are all equal.</param>
public sealed record PowerLawFitResult(double Exponent, double? ExponentStdErr, double Prefactor, int Points, double? RSquared)
{
    /// <summary>Degrees of freedom m - 2 of the residuals.</summary>
    public int DegreesOfFreedom => Points - 2;

    /// <summary>
    /// The two-sided confidence interval a ± t_{m-2, (1+level)/2} SE(a) (Student t with m - 2 degrees of
    /// freedom); null when there are no degrees of freedom (2 points).
    /// </summary>
    /// <param name="level">Confidence level in (0, 1).</param>
    public (double Low, double High)? ExponentInterval(double level)
    {
        if (level is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must lie in (0, 1).");
        }

        if (ExponentStdErr is not double se || DegreesOfFreedom < 1)
        {
            return null;
        }

        double t = StudentT.InvCDF(0, 1, DegreesOfFreedom, 0.5 + (level / 2));
        return (Exponent - (t * se), Exponent + (t * se));
    }

    /// <summary>The 95% interval of <see cref="ExponentInterval"/>; null with only 2 points.</summary>
    public (double Low, double High)? ExponentInterval95() => ExponentInterval(0.95);
}

/// <summary>Least-squares power-law fits on log-log axes (MATH section 5).</summary>
public static class PowerLawFit
{
    /// <summary>
    /// Fits dist ≈ C n^(-a) by ordinary least squares of log dist on log n. Points whose n or dist is
    /// not finite or not strictly positive are dropped (a distance of exactly 0 carries no information
    /// on the rate, and its logarithm is -∞). Returns null when fewer than 2 points remain or when all
    /// remaining n are equal (the slope is then undetermined).
    /// </summary>
    /// <param name="n">The widths (or any positive abscissae).</param>
    /// <param name="dist">The distances, paired with <paramref name="n"/>.</param>
    /// <exception cref="ArgumentException">The lists have different lengths.</exception>
    public static PowerLawFitResult? Fit(IReadOnlyList<double> n, IReadOnlyList<double> dist)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(dist);
        if (n.Count != dist.Count)
        {
            throw new ArgumentException("n and dist must have the same length.");
        }

        var xs = new List<double>(n.Count);
        var ys = new List<double>(n.Count);
        for (int i = 0; i < n.Count; i++)
        {
            if (double.IsFinite(n[i]) && n[i] > 0 && double.IsFinite(dist[i]) && dist[i] > 0)
            {
                xs.Add(Math.Log(n[i]));
                ys.Add(Math.Log(dist[i]));
            }
        }

        int m = xs.Count;
        if (m < 2)
        {
            return null;
        }

        double meanX = xs.Average();
        double meanY = ys.Average();
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < m; i++)
        {
            double dx = xs[i] - meanX;
            double dy = ys[i] - meanY;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }

        if (sxx <= 0)
        {
            return null;
        }

        double slope = sxy / sxx;
        double intercept = meanY - (slope * meanX);
        double ssr = 0;
        for (int i = 0; i < m; i++)
        {
            double r = ys[i] - (intercept + (slope * xs[i]));
            ssr += r * r;
        }

        double? stdErr = m > 2 ? Math.Sqrt(ssr / (m - 2) / sxx) : null;
        double? rSquared = syy > 0 ? Math.Max(0, 1 - (ssr / syy)) : null;
        return new PowerLawFitResult(-slope, stdErr, Math.Exp(intercept), m, rSquared);
    }
}
