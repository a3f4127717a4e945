using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;
using MeanFieldCluster.Engine.Randomness;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.RareEvents;

/// <summary>
/// Importance sampling at T = 0 against exact tail probabilities at N·I ≥ 20 (P ≤ 2·10⁻⁹): the mean of N Gaussian
/// weights (normal tail) and of N signs (binomial tail). Unbiased with honest intervals: the exact P lies in the
/// estimate's 95% interval in at least 90 of 100 independent runs of 2000 replicas each.
/// </summary>
public sealed class TiltedInitialSamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void GaussianWeightsCoverTheExactNormalTailInAtLeast90Of100Runs()
    {
        const int n = 50;
        const double x = 0.9, mu = 0.0, s = 1.0;
        double logExact = Math.Log(Normal.CDF(0, 1, -Math.Sqrt(n) * (x - mu) / s));
        Coverage(new GaussianInitialLaw(mu, s), n, x, logExact, seed: 11);
    }

    [Fact]
    public void SignWeightsCoverTheExactBinomialTailInAtLeast90Of100Runs()
    {
        const int n = 50;
        const double x = 0.84;

        // F = (2k − N)/N ≥ x ⇔ k ≥ N(1 + x)/2 = 46: P = Σ_{k ≥ 46} C(50, k) / 2^50.
        double logExact = Math.Log(Enumerable.Range(46, 5).Sum(k => Math.Exp(SpecialFunctions.BinomialLn(n, k)))) - (n * Math.Log(2));
        Coverage(new RademacherInitialLaw(0, 1), n, x, logExact, seed: 12);
    }

    [Fact]
    public void ALevelOutsideTheSupportIsCensoredWithAReason()
    {
        var rng = RandomStreams.Create(1, RandomStreams.Purpose.RareEvents);
        RareEventEstimate e = TiltedInitialSampler.Estimate(new RademacherInitialLaw(0, 1), 10, 1.5, 100, 10, ref rng);
        Assert.True(e.Censored);
        Assert.Contains("outside the support", e.Reason, StringComparison.Ordinal);
        Assert.Null(e.Rate(10).Value);
    }

    private void Coverage(IInitialLaw law, int width, double level, double logExact, ulong seed)
    {
        Assert.True(-logExact >= 20, $"N·I = {-logExact} must be at least 20");
        int covered = 0;
        var logs = new List<double>();
        for (int run = 0; run < 100; run++)
        {
            var rng = RandomStreams.Create(seed, RandomStreams.Purpose.RareEvents, (ulong)run);
            RareEventEstimate e = TiltedInitialSampler.Estimate(law, width, level, 2000, 100, ref rng);
            Assert.False(e.Censored, e.Reason);
            covered += e.Covers(logExact) ? 1 : 0;
            logs.Add(e.LogProbability);
        }

        output.WriteLine($"ln P exact {logExact:F4} (P = {Math.Exp(logExact):E3}), mean ln P̂ {logs.Average():F4}; covered in {covered}/100");
        Assert.True(covered >= 90, $"the exact P was inside the 95% interval in only {covered} of 100 runs");
    }
}
