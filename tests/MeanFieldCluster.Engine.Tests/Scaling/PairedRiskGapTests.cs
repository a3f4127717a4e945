using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>
/// <c>scaling.families[].paired_risk_gap</c> (docs/models.md, "Sequential limit"): the root mean square over
/// seeds of R_{N,s}(t) − R_{ref,s}(t) for coupled widths, with its decay exponent, on outcomes whose gaps are known.
/// </summary>
public sealed class PairedRiskGapTests
{
    private static readonly int[] Widths = [32, 128, 512, 2048];

    // Seed s at width N: a seed-level baseline shared by every width plus gap(N, s) (0 at the reference).
    private static List<PointOutcome>[] Outcomes(int seeds, Func<int, int, double> gap)
    {
        var rng = new Xoshiro256(5);
        double[] baseline = [.. Enumerable.Range(0, seeds).Select(_ => 0.2 + (0.05 * rng.NextGaussian()))];
        return [.. Widths.Select((n, w) => Enumerable.Range(0, seeds).Select(s =>
        {
            PointSpec point = Point(w, n, 0.01, s, seeds);
            return Outcome(point, risks: [.. point.RiskSteps.Select(_ => baseline[s] + gap(n, s))]);
        }).ToList())];
    }

    private static double Shape(int n) => Math.Sqrt((1.0 / n) - (1.0 / Widths[^1]));

    [Fact]
    public void AGapThatIsOneMonteCarloErrorPerSeedDecaysAtTheExpectedExponentExactly()
    {
        // gap = Z_s √(1/N − 1/N_ref) with Z_s the same at every width: rms = ‖Z‖ √(1/N − 1/N_ref), so the fitted
        // exponent is the expected one (0.549 over 32..512 against 2048) in every resample of the seeds.
        var rng = new Xoshiro256(9);
        double[] z = [.. Enumerable.Range(0, 16).Select(_ => rng.NextGaussian())];
        var gaps = ScalingAggregate.PairedGaps(3, Widths, Outcomes(16, (n, s) => z[s] * Shape(n)))!;

        Assert.NotEmpty(gaps);
        double norm = Math.Sqrt(z.Average(v => v * v));
        foreach (PairedRiskGap at in gaps)
        {
            Assert.Equal(16, at.Seeds);
            Assert.Equal([32, 128, 512], at.N);
            for (int g = 0; g < 3; g++)
            {
                Assert.Equal(norm * Shape(Widths[g]), at.Rms[g], 12);
                Assert.Equal(z.Average() * Shape(Widths[g]), at.MeanGap[g], 12);
            }

            double expected = Math.Log(Shape(32) / Shape(512)) / Math.Log(16);
            Assert.Equal(expected, at.ExpectedExponent, 12);
            Assert.Equal(expected, at.Fit!.Exponent, 12);
            Assert.Equal(expected, at.Fit.ExponentCi95![0], 9);
            Assert.Equal(expected, at.Fit.ExponentCi95[1], 9);
        }
    }

    [Fact]
    public void AGapOfOrderOneOverNIsToldApartFromTheMonteCarloShape()
    {
        // gap = Z_s (1/N − 1/N_ref): the exponent is log(R(32)/R(512))/log 16 ≈ 1.02, far outside what the
        // Monte Carlo shape gives (0.549): the estimator reads the data, not the expectation.
        var rng = new Xoshiro256(9);
        double[] z = [.. Enumerable.Range(0, 16).Select(_ => rng.NextGaussian())];
        PairedRiskGap at = ScalingAggregate.PairedGaps(3, Widths, Outcomes(16, (n, s) => z[s] * ((1.0 / n) - (1.0 / 2048))))![0];
        Assert.Equal(Math.Log(((1.0 / 32) - (1.0 / 2048)) / ((1.0 / 512) - (1.0 / 2048))) / Math.Log(16), at.Fit!.Exponent, 12);
        Assert.True(at.Fit.ExponentCi95![0] > 1.0);
    }

    [Fact]
    public void TheSeedBootstrapIntervalCoversTheExponentOfIndependentGaps()
    {
        // gap = 0.01 G_{N,s} N^{-1/2}, independent over widths and seeds: rms ≈ 0.01 N^{-1/2}, exponent 1/2. With
        // 64 seeds each rms is known to about 9%, so the interval is about ±0.07 wide and must hold 1/2.
        var rng = new Xoshiro256(17);
        PairedRiskGap at = ScalingAggregate.PairedGaps(3, Widths, Outcomes(64, (n, s) => n == 2048 ? 0 : 0.01 * rng.NextGaussian() / Math.Sqrt(n)))![0];
        Assert.InRange(0.5, at.Fit!.ExponentCi95![0], at.Fit.ExponentCi95[1]);
        Assert.InRange(at.Fit.ExponentCi95[1] - at.Fit.ExponentCi95[0], 0.05, 0.4);
        Assert.InRange(at.Fit.ExponentStdErr!.Value, 0.01, 0.1);
    }

    [Fact]
    public void OnlyNestedInitializationPairsTheSeeds()
    {
        List<PointOutcome> outcomes = [.. Outcomes(4, (n, s) => s * Shape(n)).SelectMany(o => o)];
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 4);
        Assert.Null(Assert.Single(ScalingAggregate.Compute(spec, outcomes)!.Families).PairedRiskGap);

        SweepSpec nested = spec with { Model = spec.Model with { Init = spec.Model.Init with { Nested = true } } };
        Assert.NotNull(Assert.Single(ScalingAggregate.Compute(nested, outcomes)!.Families).PairedRiskGap);
    }

    [Fact]
    public void FewerThanTwoCommonSeedsGiveNoGap()
    {
        List<PointOutcome>[] one = Outcomes(1, (n, s) => Shape(n));
        Assert.Null(ScalingAggregate.PairedGaps(3, Widths, one));
    }
}
