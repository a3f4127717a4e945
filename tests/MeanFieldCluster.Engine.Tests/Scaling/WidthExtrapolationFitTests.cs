using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>The fit R(N) ≈ R_∞ + a N^{−p} with a profile interval for p.</summary>
public sealed class WidthExtrapolationFitTests
{
    private static readonly double[] N = [16, 32, 64, 128, 256, 512];

    [Fact]
    public void RecoversTheExponentAndLimitOfNoisyPowerLawData()
    {
        var rng = new Xoshiro256(4);
        int covered = 0, above = 0, limitWithin = 0;
        const int trials = 40;
        for (int t = 0; t < trials; t++)
        {
            double[] se = [.. N.Select(_ => 0.002)];
            double[] r = [.. N.Select(n => 0.2 + (0.8 * Math.Pow(n, -0.5)) + (0.002 * rng.NextGaussian()))];
            WidthExtrapolationResult fit = WidthExtrapolationFit.Fit(N, r, se)!;
            covered += fit.PCi95[0] <= 0.5 && 0.5 <= fit.PCi95[1] ? 1 : 0;
            above += fit.PCi95[0] > 0 ? 1 : 0;
            limitWithin += Math.Abs(fit.RInfinity!.Value - 0.2) <= 3 * fit.RInfinityStdErr!.Value ? 1 : 0;
        }

        // A 95% interval covers in about 38 of 40 trials; allow 4 binomial SDs (≈ 5.5) below that.
        Assert.True(covered >= 32, $"the interval covered p = 0.5 in {covered} of {trials} trials");
        Assert.Equal(trials, above);
        Assert.True(limitWithin >= 34, $"R_∞ within 3 SE in {limitWithin} of {trials} trials");
    }

    [Fact]
    public void FlatDataGiveAnIntervalThatReachesZero()
    {
        var rng = new Xoshiro256(9);
        double[] r = [.. N.Select(_ => 0.3 + (0.01 * rng.NextGaussian()))];
        WidthExtrapolationResult fit = WidthExtrapolationFit.Fit(N, r, [.. N.Select(_ => 0.01)])!;
        Assert.Equal(WidthExtrapolationFit.MinP, fit.PCi95[0]);
    }

    [Fact]
    public void FewerThanThreeWidthsGiveNoFit()
    {
        Assert.Null(WidthExtrapolationFit.Fit([16, 32], [0.1, 0.2], [0.01, 0.01]));
    }
}
