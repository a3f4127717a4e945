using MathNet.Numerics.Distributions;

namespace MeanFieldCluster.Engine.Tests.Randomness;

/// <summary>
/// Checks that draws z (Box–Muller pairs in order: z[2p], z[2p + 1]) follow N(0, 1), with tolerances from the
/// statistics: mean and variance within 5 standard errors, the Kolmogorov–Smirnov statistic √n·D below 1.95 (the
/// 0.1 % critical value), the count beyond 3σ within 5 binomial standard errors, and the two members of a pair
/// uncorrelated within 5 standard errors.
/// </summary>
internal static class StandardNormalLaw
{
    public static void Check(double[] z)
    {
        int n = z.Length;
        double mean = z.Average();
        double variance = z.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance - 1, -5 * Math.Sqrt(2.0 / n), 5 * Math.Sqrt(2.0 / n));

        double[] sorted = [.. z.Order()];
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = Normal.CDF(0, 1, sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - f, f - ((double)i / n)));
        }

        Assert.True(Math.Sqrt(n) * d < 1.95, $"KS statistic √n·D = {Math.Sqrt(n) * d:F3}");

        // Box–Muller reaches 8.5σ with u₁ ≥ 2⁻⁵³.
        double p3 = 2 * Normal.CDF(0, 1, -3);
        int beyond = z.Count(v => Math.Abs(v) > 3);
        Assert.InRange(beyond, (n * p3) - (5 * Math.Sqrt(n * p3)), (n * p3) + (5 * Math.Sqrt(n * p3)));

        double pairs = 0;
        for (int i = 0; i + 1 < n; i += 2)
        {
            pairs += z[i] * z[i + 1];
        }

        Assert.InRange(pairs / (n / 2), -5 / Math.Sqrt(n / 2), 5 / Math.Sqrt(n / 2));
    }
}
