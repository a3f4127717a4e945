namespace MeanFieldCluster.Engine.Observables;

/// <summary>A weighted power-law fit y ≈ C n^(−a) with known standard errors.</summary>
/// <param name="Exponent">a.</param>
/// <param name="ExponentStdErr">Standard error of a from the known errors ((JᵀWJ)⁻¹, not rescaled by the residuals).</param>
/// <param name="Prefactor">C.</param>
/// <param name="PrefactorStdErr">Standard error of C.</param>
/// <param name="Points">Points used.</param>
/// <param name="ChiSquared">Σ ((y_k − C n_k^(−a)) / s_k)², to compare with Points − 2 degrees of freedom.</param>
public sealed record WeightedPowerLawFitResult(double Exponent, double ExponentStdErr, double Prefactor, double PrefactorStdErr, int Points, double ChiSquared)
{
    /// <summary>The normal 95% interval a ± 1.96 SE(a) (the errors are taken as known).</summary>
    public (double Low, double High) ExponentInterval95() => (Exponent - (1.959963984540054 * ExponentStdErr), Exponent + (1.959963984540054 * ExponentStdErr));
}

/// <summary>
/// Weighted least squares of y ≈ C n^(−a) on the linear scale, by Gauss–Newton: unlike a log-log fit it
/// keeps values that are 0 or negative by noise (an unbiased estimate of a small positive quantity, such as
/// the bias-corrected distance correlation at large N), each weighted by its known standard error.
/// </summary>
public static class WeightedPowerLawFit
{
    /// <summary>Gauss–Newton iterations at most.</summary>
    public const int MaxIterations = 200;

    /// <summary>
    /// Fits y ≈ C n^(−a), minimizing Σ ((y_k − C n_k^(−a)) / s_k)². Points with a non-finite value or a
    /// standard error that is not finite and positive are dropped. Starts from the log-log fit of the positive
    /// values (or a = 1 from the largest value). Returns null with fewer than 3 points, fewer than 2 distinct
    /// n, or when the iteration does not converge to a finite, positive C.
    /// </summary>
    /// <param name="n">Abscissae &gt; 0 (widths).</param>
    /// <param name="y">Values.</param>
    /// <param name="stdErr">Their standard errors.</param>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static WeightedPowerLawFitResult? Fit(IReadOnlyList<double> n, IReadOnlyList<double> y, IReadOnlyList<double> stdErr)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(stdErr);
        if (n.Count != y.Count || n.Count != stdErr.Count)
        {
            throw new ArgumentException("n, y and stdErr must have the same length.");
        }

        List<(double LogN, double Y, double W)> points = [];
        for (int k = 0; k < n.Count; k++)
        {
            if (n[k] > 0 && double.IsFinite(n[k]) && double.IsFinite(y[k]) && stdErr[k] > 0 && double.IsFinite(stdErr[k]))
            {
                points.Add((Math.Log(n[k]), y[k], 1 / (stdErr[k] * stdErr[k])));
            }
        }

        if (points.Count < 3 || points.Select(p => p.LogN).Distinct().Count() < 2)
        {
            return null;
        }

        // Start: the log-log fit of the positive values, else a = 1 through the largest value.
        PowerLawFitResult? start = PowerLawFit.Fit([.. points.Where(p => p.Y > 0).Select(p => Math.Exp(p.LogN))], [.. points.Where(p => p.Y > 0).Select(p => p.Y)]);
        (double LogN, double Y, double W) top = points.MaxBy(p => p.Y);
        double a = start?.Exponent ?? 1.0;
        double c = start?.Prefactor ?? Math.Max(top.Y, 1e-12) * Math.Exp(top.LogN);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            // Model f = C e^(−a log n); ∂f/∂C = e^(−a log n), ∂f/∂a = −log n · f.
            double hcc = 0, hca = 0, haa = 0, gc = 0, ga = 0;
            foreach ((double logN, double yk, double w) in points)
            {
                double basis = Math.Exp(-a * logN);
                double f = c * basis, r = yk - f;
                double jc = basis, ja = -logN * f;
                hcc += w * jc * jc;
                hca += w * jc * ja;
                haa += w * ja * ja;
                gc += w * jc * r;
                ga += w * ja * r;
            }

            double det = (hcc * haa) - (hca * hca);
            if (!(det > 0))
            {
                return null;
            }

            double dc = ((haa * gc) - (hca * ga)) / det;
            double da = ((hcc * ga) - (hca * gc)) / det;

            // Step halving: take the largest fraction of the Gauss–Newton step that does not increase χ².
            double before = ChiSquared(points, a, c), step = 1;
            while (step > 1e-10 && !(ChiSquared(points, a + (step * da), c + (step * dc)) <= before))
            {
                step /= 2;
            }

            if (step <= 1e-10)
            {
                return c > 0 ? Result(points, a, c) : null;
            }

            a += step * da;
            c += step * dc;
            if (Math.Abs(step * da) < 1e-12 * (1 + Math.Abs(a)) && Math.Abs(step * dc) < 1e-12 * (1 + Math.Abs(c)))
            {
                return c > 0 ? Result(points, a, c) : null;
            }
        }

        return null;
    }

    private static double ChiSquared(List<(double LogN, double Y, double W)> points, double a, double c)
    {
        double chi2 = 0;
        foreach ((double logN, double yk, double w) in points)
        {
            double r = yk - (c * Math.Exp(-a * logN));
            chi2 += w * r * r;
        }

        return double.IsFinite(chi2) ? chi2 : double.PositiveInfinity;
    }

    private static WeightedPowerLawFitResult Result(List<(double LogN, double Y, double W)> points, double a, double c)
    {
        double hcc = 0, hca = 0, haa = 0, chi2 = 0;
        foreach ((double logN, double yk, double w) in points)
        {
            double basis = Math.Exp(-a * logN);
            double f = c * basis;
            double jc = basis, ja = -logN * f;
            hcc += w * jc * jc;
            hca += w * jc * ja;
            haa += w * ja * ja;
            chi2 += w * (yk - f) * (yk - f);
        }

        double det = (hcc * haa) - (hca * hca);
        return new WeightedPowerLawFitResult(a, Math.Sqrt(hcc / det), c, Math.Sqrt(haa / det), points.Count, chi2);
    }
}
