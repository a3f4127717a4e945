using MathNet.Numerics.Distributions;
using MathNet.Numerics.Integration;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>Reference Gaussian integrals by adaptive quadrature, independent of the closed forms.</summary>
internal static class GaussianQuadrature
{
    /// <summary>The range [-Cut, Cut] carries all but e^{-98} of the Gaussian mass.</summary>
    public const double Cut = 14.0;

    /// <summary>
    /// ∫ f(g) φ(g) dg over [-Cut, Cut], split at <paramref name="breaks"/> (kinks of f), each piece by the
    /// double exponential rule, which is accurate to about 1e-14 for integrands smooth on the piece.
    /// </summary>
    public static double Expect(Func<double, double> f, params double[] breaks)
    {
        double[] points = [-Cut, .. breaks.Where(b => b > -Cut && b < Cut).Order(), Cut];
        double sum = 0;
        for (int k = 0; k + 1 < points.Length; k++)
        {
            if (points[k + 1] > points[k])
            {
                sum += DoubleExponentialTransformation.Integrate(g => f(g) * Normal.PDF(0, 1, g), points[k], points[k + 1], 1e-15);
            }
        }

        return sum;
    }

    /// <summary>The probabilists' Hermite polynomial He_n(g).</summary>
    public static double Hermite(int n, double g)
    {
        double previous = 0, current = 1;
        for (int k = 0; k < n; k++)
        {
            (previous, current) = (current, (g * current) - (k * previous));
        }

        return current;
    }

    /// <summary>The ramp σ(z).</summary>
    public static double Ramp(double t1, double t2, double s1, double s2, double z) =>
        z <= t1 ? s1 : z >= t2 ? s2 : s1 + ((s2 - s1) / (t2 - t1) * (z - t1));

    /// <summary>E(m + v Z - t)_+ = v φ((m - t)/v) + (m - t) Φ((m - t)/v), from MathNet's normal law.</summary>
    public static double ShiftedHinge(double m, double v, double t)
    {
        double z = (m - t) / v;
        return (v * Normal.PDF(0, 1, z)) + ((m - t) * Normal.CDF(0, 1, z));
    }
}
