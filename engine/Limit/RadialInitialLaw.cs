using MathNet.Numerics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The initial radial law of MATH section 4.1: for w ~ N(0, κ²/d I_d), r = ‖w‖ ~ (κ/√d) χ_d; for d = ∞,
/// r = κ. Particles sit at its quantiles r_j = F^{-1}((j + 1/2)/M).
/// </summary>
public static class RadialInitialLaw
{
    /// <summary>The M particles r_j = F^{-1}((j + 1/2)/M), ascending (all κ when d is null, i.e. ∞).</summary>
    public static double[] Particles(int? dimension, double kappa, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var radii = new double[count];
        for (int j = 0; j < count; j++)
        {
            radii[j] = dimension is int d ? Quantile(d, kappa, (j + 0.5) / count) : kappa;
        }

        return radii;
    }

    /// <summary>
    /// The p-quantile of (κ/√d) χ_d: (κ/√d) √(2 x) with x the p-quantile of Gamma(d/2, 1), from MathNet's
    /// inverse regularized incomplete gamma function polished by Newton steps on the tail that keeps
    /// precision (relative accuracy about 1e-14).
    /// </summary>
    public static double Quantile(int dimension, double kappa, double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The level must lie in (0, 1).");
        }

        double shape = dimension / 2.0;
        double x = SpecialFunctions.GammaLowerRegularizedInv(shape, p);
        double logGamma = SpecialFunctions.GammaLn(shape);
        for (int iteration = 0; iteration < 4 && x > 0; iteration++)
        {
            // f(x) = P(shape, x) - p, written with Q = 1 - P above the median; f'(x) = x^{shape-1} e^{-x} / Γ(shape).
            double f = p < 0.5 ? SpecialFunctions.GammaLowerRegularized(shape, x) - p : (1.0 - p) - SpecialFunctions.GammaUpperRegularized(shape, x);
            double density = Math.Exp(((shape - 1.0) * Math.Log(x)) - x - logGamma);
            double next = x - (f / density);
            x = next > 0 ? next : x / 2.0;
        }

        return kappa / Math.Sqrt(dimension) * Math.Sqrt(2.0 * x);
    }
}
