using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>
/// The verdict on the width correction R_N(t) ≈ R_∞(t) + a N^{−p} (docs/models.md, "What to expect as N grows"):
/// identified when p's interval lies inside (0, 4), unresolved when it reaches 0; and the expected exponents.
/// </summary>
public sealed class WidthCorrectionTests
{
    // The design of examples/normalization-gamma.yaml: 10 widths 8 … 4096, seed SE s N^{-q}/√64.
    private static readonly double[] N = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

    private static (double[] Mean, double[] StdErr) Synthetic(Xoshiro256 rng, double a, double p, double s, double q)
    {
        double[] se = [.. N.Select(n => s * Math.Pow(n, -q) / 8)];
        double[] mean = [.. N.Select((n, i) => 0.25 + (a * Math.Pow(n, -p)) + (se[i] * rng.NextGaussian()))];
        return (mean, se);
    }

    [Fact]
    public void APowerLawCorrectionAboveTheSeedNoiseIsIdentifiedAndItsIntervalCoversTheTrueExponent()
    {
        // γ = 1 at t = 0: a = 0.5, p = 1, seed SD 0.27 N^{-1/2} (the measured values); and γ = 3/4: a = 0.5,
        // p = 1/2, SD 0.21 N^{-1/4}. Coverage over 20 draws: about 19 expected, 3 binomial SDs allow 16.
        foreach ((double p, double s, double q) in new[] { (1.0, 0.27, 0.5), (0.5, 0.21, 0.25) })
        {
            var rng = new Xoshiro256(17);
            int covered = 0, identified = 0;
            const int trials = 20;
            for (int t = 0; t < trials; t++)
            {
                (double[] mean, double[] se) = Synthetic(rng, 0.5, p, s, q);
                WidthExtrapolationResult fit = WidthExtrapolationFit.Fit(N, mean, se)!;
                WidthCorrection verdict = WidthCorrections.Classify(N, mean, se, fit, new ExpectedCorrection(p, "synthetic"))!;
                covered += verdict.ExpectedPInCi == true ? 1 : 0;
                identified += verdict.Status == WidthCorrections.Identified ? 1 : 0;
                Assert.True(verdict.WidthDependencePValue < 1e-3, $"p = {p}: constant-fit p-value {verdict.WidthDependencePValue}");
            }

            Assert.True(covered >= 16, $"p = {p}: the interval covered the true exponent in {covered} of {trials} draws");
            Assert.True(identified >= 18, $"p = {p}: identified in {identified} of {trials} draws");
        }
    }

    [Fact]
    public void WithoutACorrectionTheExponentIsUnresolved()
    {
        // a = 0: the interval must reach 0 in nearly every draw (a 95% profile interval excludes every p > 0 only
        // when the data favour a drift, a few per cent of draws), and the constant fit is rejected at 5% in about
        // 1 draw of 20 (4 allowed).
        var rng = new Xoshiro256(23);
        int unresolved = 0, rejected = 0;
        const int trials = 20;
        for (int t = 0; t < trials; t++)
        {
            (double[] mean, double[] se) = Synthetic(rng, 0.0, 1.0, 0.27, 0.5);
            WidthCorrection verdict = WidthCorrections.Classify(N, mean, se, WidthExtrapolationFit.Fit(N, mean, se), ExpectedCorrection.None)!;
            unresolved += verdict.Status == WidthCorrections.Unresolved ? 1 : 0;
            rejected += verdict.WidthDependencePValue < 0.05 ? 1 : 0;
            Assert.Null(verdict.ExpectedPInCi);
        }

        Assert.True(unresolved >= 17, $"unresolved in {unresolved} of {trials} draws");
        Assert.True(rejected <= 4, $"the constant fit was rejected at 5% in {rejected} of {trials} draws");
    }

    [Fact]
    public void TheConstantFitPValueIsTheChiSquaredTail()
    {
        // Values ±1 SE around their weighted mean: χ² = 2 on 1 degree of freedom, tail 0.1573.
        Assert.Equal(0.157299, WidthCorrections.ConstantFitPValue([1.0, 3.0], [1.0, 1.0]), 5);
    }

    [Theory]
    [InlineData(1, 0.5, 0.0, null)]
    [InlineData(1, 0.75, 0.0, 0.5)]
    [InlineData(1, 1.0, 0.0, 1.0)]
    [InlineData(1, 1.0, 0.5, 1.0)]
    [InlineData(1, 0.75, 0.5, null)]
    [InlineData(2, 0.75, 0.0, 1.0)]
    [InlineData(2, 1.0, 0.0, 2.0)]
    [InlineData(2, 1.0, 0.5, null)]
    public void TheExpectedExponentFollowsTheInitialOutputVarianceAtTimeZeroAndTheSelfInteractionAtGammaOne(int layers, double gamma, double time, double? expected)
    {
        SweepSpec spec = Spec([16, 32, 64], [new StepSizeSpec(0.01)]);
        spec = spec with
        {
            Model = spec.Model with { Preset = Presets.Normalized, Activation = new ActivationSpec(ActivationKinds.Tanh), Init = new InitSpec(OutputMean: 0, OutputStd: 1) },
        };
        PointSpec point = Point(0, 16, 0.01, 0) with { Layers = layers, Widths = [.. Enumerable.Repeat(16, layers)], Gamma = [.. Enumerable.Repeat(gamma, layers)] };
        (double? p, string? basis, _) = WidthCorrections.Expected(spec, point, -1, time);
        Assert.Equal(expected, p);
        if (layers == 1 && gamma == 0.5)
        {
            Assert.Contains("no width correction", basis, StringComparison.Ordinal);
        }

        // A nonzero output mean adds −2 E[y ŷ_0] ∝ N^(1−γ) at t = 0: nothing is derived there.
        SweepSpec shifted = spec with { Model = spec.Model with { Init = new InitSpec(OutputMean: 1, OutputStd: 1) } };
        if (time == 0)
        {
            Assert.Null(WidthCorrections.Expected(shifted, point, -1, time).P);
        }
    }
}
