using MathNet.Numerics.Integration;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Upper orthant probabilities of the standard bivariate normal law: L(h, k; ρ) = P(X &gt; h, Y &gt; k) for
/// standard normal X, Y with correlation ρ. This is A. Genz's algorithm (BVNU, after Drezner and
/// Wesolowsky 1990; A. Genz, "Numerical computation of rectangular bivariate and trivariate normal and t
/// probabilities", Statistics and Computing 14, 2004), accurate to about 1e-15 absolute for every
/// |ρ| ≤ 1: Gauss–Legendre quadrature of Plackett's formula in asin ρ for |ρ| &lt; 0.925, and an
/// expansion around ρ = ±1 with a corrected quadrature otherwise. The Gauss–Legendre rules (6, 12 and
/// 20 points) come from MathNet.Numerics.
/// </summary>
internal static class BivariateNormal
{
    private const double TwoPi = 2.0 * Math.PI;

    private static readonly (double[] X, double[] W) Rule6 = Rule(6);
    private static readonly (double[] X, double[] W) Rule12 = Rule(12);
    private static readonly (double[] X, double[] W) Rule20 = Rule(20);

    /// <summary>P(X &gt; h, Y &gt; k) for standard normals with correlation ρ in [-1, 1].</summary>
    public static double UpperOrthant(double h, double k, double rho)
    {
        if (double.IsPositiveInfinity(h) || double.IsPositiveInfinity(k))
        {
            return 0.0;
        }

        if (double.IsNegativeInfinity(h))
        {
            return double.IsNegativeInfinity(k) ? 1.0 : StandardNormal.UpperTail(k);
        }

        if (double.IsNegativeInfinity(k))
        {
            return StandardNormal.UpperTail(h);
        }

        if (rho == 0)
        {
            return StandardNormal.UpperTail(h) * StandardNormal.UpperTail(k);
        }

        double r = Math.Abs(rho);
        (double[] x, double[] w) = r < 0.3 ? Rule6 : r < 0.75 ? Rule12 : Rule20;
        double bvn = r < 0.925 ? Plackett(h, k, rho, x, w) : NearDegenerate(h, k, rho, x, w);
        return Math.Clamp(bvn, 0.0, 1.0);
    }

    // L = Φ̄(h)Φ̄(k) + (1/2π) ∫_0^{asin ρ} exp(-(h² + k² - 2hk sin θ) / (2 cos² θ)) dθ.
    private static double Plackett(double h, double k, double rho, double[] x, double[] w)
    {
        double hk = h * k;
        double hs = ((h * h) + (k * k)) / 2.0;
        double asr = Math.Asin(rho) / 2.0;
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double sn = Math.Sin(asr * x[i]);
            sum += w[i] * Math.Exp(((sn * hk) - hs) / (1.0 - (sn * sn)));
        }

        return (sum * asr / TwoPi) + (StandardNormal.UpperTail(h) * StandardNormal.UpperTail(k));
    }

    // |ρ| ≥ 0.925: Genz's expansion of the integrand around |ρ| = 1 (Drezner–Wesolowsky's second form).
    private static double NearDegenerate(double h, double k, double rho, double[] x, double[] w)
    {
        double hk = h * k;
        if (rho < 0)
        {
            k = -k;
            hk = -hk;
        }

        double bvn = 0;
        if (Math.Abs(rho) < 1)
        {
            double aSquared = (1.0 - rho) * (1.0 + rho);
            double a = Math.Sqrt(aSquared);
            double bs = (h - k) * (h - k);
            double asr = -((bs / aSquared) + hk) / 2.0;
            double c = (4.0 - hk) / 8.0;
            double d = (12.0 - hk) / 80.0;
            if (asr > -100)
            {
                bvn = a * Math.Exp(asr) * (1.0 - (c * (bs - aSquared) * (1.0 - (d * bs)) / 3.0) + (c * d * aSquared * aSquared));
            }

            if (hk > -100)
            {
                double b = Math.Sqrt(bs);
                double sp = StandardNormal.Sqrt2Pi * StandardNormal.UpperTail(b / a);
                bvn -= Math.Exp(-hk / 2.0) * sp * b * (1.0 - (c * bs * (1.0 - (d * bs)) / 3.0));
            }

            double halfA = a / 2.0;
            for (int i = 0; i < x.Length; i++)
            {
                double xs = (halfA * x[i]) * (halfA * x[i]);
                double asri = -((bs / xs) + hk) / 2.0;
                if (asri > -100)
                {
                    double sp = 1.0 + (c * xs * (1.0 + (5.0 * d * xs)));
                    double rs = Math.Sqrt(1.0 - xs);
                    double ep = Math.Exp(-(hk / 2.0) * xs / ((1.0 + rs) * (1.0 + rs))) / rs;
                    bvn += halfA * w[i] * Math.Exp(asri) * (ep - sp);
                }
            }

            bvn = -bvn / TwoPi;
        }

        if (rho > 0)
        {
            return bvn + StandardNormal.UpperTail(Math.Max(h, k));
        }

        if (h >= k)
        {
            return -bvn;
        }

        double between = h < 0 ? StandardNormal.Cdf(k) - StandardNormal.Cdf(h) : StandardNormal.UpperTail(h) - StandardNormal.UpperTail(k);
        return between - bvn;
    }

    // Genz's abscissas 1 ± x_i on [0, 2] with the Gauss–Legendre weights of ±x_i on [-1, 1].
    private static (double[] X, double[] W) Rule(int order)
    {
        var rule = new GaussLegendreRule(-1.0, 1.0, order);
        return ([.. rule.Abscissas.Select(t => 1.0 + t)], [.. rule.Weights]);
    }
}
