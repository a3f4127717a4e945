using MathNet.Numerics.Distributions;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// The fit R(N) ≈ R_∞ + a N^{−p} of a quantity measured at several widths with known standard errors
/// (docs/models.md, "Learning-rate multipliers for every γ"): weighted least squares, profiled over p.
/// </summary>
/// <param name="P">The best exponent p.</param>
/// <param name="PCi95">
/// The 95% profile interval of p, {p : χ²(p) − χ²_min ≤ 3.84 s²} with s² = max(1, χ²_min / (m − 3)) (the
/// reduced χ² when the errors understate the scatter); an end at the search range's edge
/// (<see cref="WidthExtrapolationFit.MinP"/>, <see cref="WidthExtrapolationFit.MaxP"/>) means unbounded on that side.
/// </param>
/// <param name="RInfinity">R_∞ at the best p (null when the best p is 0, the logarithmic limit, which has no finite R_∞).</param>
/// <param name="RInfinityStdErr">Its standard error from the covariance of all three parameters (scaled by s); null when that is singular.</param>
/// <param name="A">a at the best p.</param>
/// <param name="ChiSquared">χ²_min.</param>
/// <param name="DegreesOfFreedom">m − 3.</param>
public sealed record WidthExtrapolationResult(double P, IReadOnlyList<double> PCi95, double? RInfinity, double? RInfinityStdErr, double A, double ChiSquared, int DegreesOfFreedom);

/// <summary>Fits of R(N) ≈ R_∞ + a N^{−p}.</summary>
public static class WidthExtrapolationFit
{
    /// <summary>Smallest p searched (p → 0 is the limit R ≈ c − b ln N).</summary>
    public const double MinP = 0.0;

    /// <summary>Largest p searched.</summary>
    public const double MaxP = 4.0;

    private const int GridPoints = 4001;

    /// <summary>
    /// Fits at widths <paramref name="n"/> the values <paramref name="r"/> with standard errors
    /// <paramref name="stdErr"/> (non-positive errors are replaced by the smallest positive one). Null with
    /// fewer than 3 distinct widths or no positive error.
    /// </summary>
    public static WidthExtrapolationResult? Fit(IReadOnlyList<double> n, IReadOnlyList<double> r, IReadOnlyList<double> stdErr)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(stdErr);
        int m = n.Count;
        if (r.Count != m || stdErr.Count != m)
        {
            throw new ArgumentException("n, r and stdErr must have the same length.");
        }

        double floor = stdErr.Where(s => s > 0 && double.IsFinite(s)).DefaultIfEmpty(0).Min();
        if (m < 3 || n.Distinct().Count() < 3 || !(floor > 0) || r.Any(v => !double.IsFinite(v)))
        {
            return null;
        }

        double[] w = [.. stdErr.Select(s => 1.0 / Math.Pow(s > 0 && double.IsFinite(s) ? s : floor, 2))];
        double[] chi = new double[GridPoints];
        double[] ps = new double[GridPoints];
        int best = 0;
        for (int g = 0; g < GridPoints; g++)
        {
            ps[g] = MinP + ((MaxP - MinP) * g / (GridPoints - 1));
            chi[g] = Solve(n, r, w, ps[g]).Chi;
            if (chi[g] < chi[best])
            {
                best = g;
            }
        }

        int dof = m - 3;
        double s2 = dof > 0 ? Math.Max(1.0, chi[best] / dof) : 1.0;
        double limit = chi[best] + (ChiSquared.InvCDF(1, 0.95) * s2);
        int low = best, high = best;
        while (low > 0 && chi[low - 1] <= limit)
        {
            low--;
        }

        while (high < GridPoints - 1 && chi[high + 1] <= limit)
        {
            high++;
        }

        (double rInf, double a, _, double chiBest) = Solve(n, r, w, ps[best]);
        double varRInf = double.IsFinite(rInf) ? FullVariance(n, w, a, ps[best]) : double.NaN;
        return new WidthExtrapolationResult(ps[best], [ps[low], ps[high]], double.IsFinite(rInf) ? rInf : null, double.IsFinite(varRInf) ? Math.Sqrt(varRInf * s2) : null, a, chiBest, dof);
    }

    // Var(R_∞) from the Gauss–Newton covariance (JᵀWJ)^{-1} of all three parameters (R_∞, a, p), so that the
    // uncertainty of p is included; the conditional variance at fixed p would understate it.
    private static double FullVariance(IReadOnlyList<double> n, double[] w, double a, double p)
    {
        var jtj = new MathNet.Numerics.LinearAlgebra.Double.DenseMatrix(3, 3);
        for (int i = 0; i < n.Count; i++)
        {
            double f = Math.Pow(n[i], -p);
            double[] j = [1.0, f, -a * Math.Log(n[i]) * f];
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++)
                {
                    jtj[r, c] += w[i] * j[r] * j[c];
                }
            }
        }

        double det = jtj.Determinant();
        return det > 0 && double.IsFinite(det) ? jtj.Inverse()[0, 0] : double.NaN;
    }

    // Weighted least squares of r on (1, f) with f = N^{-p}, or f = −ln N at p = 0 (the limit of
    // (N^{-p} − 1)/p, which spans the same model as p → 0).
    private static (double RInf, double A, double VarRInf, double Chi) Solve(IReadOnlyList<double> n, IReadOnlyList<double> r, double[] w, double p)
    {
        double sw = 0, sf = 0, sff = 0, sr = 0, sfr = 0;
        for (int i = 0; i < n.Count; i++)
        {
            double f = p == 0 ? -Math.Log(n[i]) : Math.Pow(n[i], -p);
            sw += w[i];
            sf += w[i] * f;
            sff += w[i] * f * f;
            sr += w[i] * r[i];
            sfr += w[i] * f * r[i];
        }

        double det = (sw * sff) - (sf * sf);
        if (!(det > 0))
        {
            return (double.NaN, double.NaN, double.NaN, double.PositiveInfinity);
        }

        double a = ((sw * sfr) - (sf * sr)) / det;
        double c = ((sff * sr) - (sf * sfr)) / det;
        double chi = 0;
        for (int i = 0; i < n.Count; i++)
        {
            double f = p == 0 ? -Math.Log(n[i]) : Math.Pow(n[i], -p);
            double e = r[i] - c - (a * f);
            chi += w[i] * e * e;
        }

        // At p = 0 the model has no finite R_∞ (R ≈ c − a ln N diverges): report c only as a fit value.
        return (p == 0 ? double.NaN : c, a, p == 0 ? double.NaN : sff / det, chi);
    }
}
