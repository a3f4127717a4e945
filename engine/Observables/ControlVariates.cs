namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// The control-variate estimate of a mean: given samples r_s and controls z_s whose expectation is known to be
/// 0, the least-squares fit r_s ≈ α + β·z_s and its intercept α̂ = r̄ − β̂·z̄, which estimates E r with the
/// variance of the residuals instead of that of r (docs/models.md, "Control variates of the initial output").
/// </summary>
public static class ControlVariates
{
    /// <summary>
    /// α̂ and its standard error σ̂ √(1/n + z̄ᵀ S⁻¹ z̄), where S is the centred cross-product matrix of the
    /// controls and σ̂² the residual sum of squares over n − 3 (ordinary least squares with an intercept and
    /// two controls). When the two controls are collinear in the sample, only <paramref name="z1"/> is used
    /// (n − 2 degrees of freedom). Null with fewer than 4 samples or a degenerate fit.
    /// </summary>
    public static (double Mean, double StdErr)? Intercept(IReadOnlyList<double> r, IReadOnlyList<double> z1, IReadOnlyList<double> z2)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        int n = r.Count;
        if (n < 4 || z1.Count != n || z2.Count != n)
        {
            return null;
        }

        double rBar = r.Average(), aBar = z1.Average(), bBar = z2.Average();
        double saa = 0, sab = 0, sbb = 0, sar = 0, sbr = 0;
        for (int s = 0; s < n; s++)
        {
            double a = z1[s] - aBar, b = z2[s] - bBar, y = r[s] - rBar;
            saa += a * a;
            sab += a * b;
            sbb += b * b;
            sar += a * y;
            sbr += b * y;
        }

        double det = (saa * sbb) - (sab * sab);
        double betaA, betaB, quadratic;
        int parameters;
        if (det > 1e-12 * saa * sbb)
        {
            betaA = ((sbb * sar) - (sab * sbr)) / det;
            betaB = ((saa * sbr) - (sab * sar)) / det;
            quadratic = ((sbb * aBar * aBar) - (2 * sab * aBar * bBar) + (saa * bBar * bBar)) / det;
            parameters = 3;
        }
        else if (saa > 0)
        {
            betaA = sar / saa;
            betaB = 0;
            quadratic = aBar * aBar / saa;
            parameters = 2;
        }
        else
        {
            return null;
        }

        double rss = 0;
        for (int s = 0; s < n; s++)
        {
            double e = (r[s] - rBar) - (betaA * (z1[s] - aBar)) - (betaB * (z2[s] - bBar));
            rss += e * e;
        }

        double se = Math.Sqrt(rss / (n - parameters) * ((1.0 / n) + quadratic));
        double mean = rBar - (betaA * aBar) - (betaB * bBar);
        return se > 0 && double.IsFinite(se) && double.IsFinite(mean) ? (mean, se) : null;
    }
}
