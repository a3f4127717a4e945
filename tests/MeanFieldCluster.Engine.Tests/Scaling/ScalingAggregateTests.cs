using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>The <c>scaling</c> section on synthetic outcomes whose width dependence is known.</summary>
public sealed class ScalingAggregateTests
{
    private static readonly int[] Widths = [16, 32, 64, 128, 256];

    // Seeds per width: risk 0.2 + 0.5/N + noise 0.002 at every time; initial outputs ~ N(0, 1/N) on 8 probes;
    // spread of layer 1 = 2 N^{-1/2} exactly.
    private static List<PointOutcome> Outcomes(int seeds)
    {
        var rng = new Xoshiro256(21);
        List<PointOutcome> outcomes = [];
        for (int w = 0; w < Widths.Length; w++)
        {
            int n = Widths[w];
            for (int s = 0; s < seeds; s++)
            {
                PointSpec point = Point(w, n, 0.01, s, seeds);
                double[] risks = [.. point.RiskSteps.Select(_ => 0.2 + (0.5 / n) + (0.002 * rng.NextGaussian()))];
                double[] outputs = [.. Enumerable.Range(0, 8).Select(_ => rng.NextGaussian() / Math.Sqrt(n))];
                MeasureSnapshot[] probes =
                [
                    new(0, 0.0, FeatureNames.OutputProbe, outputs),
                    new(0, 0.0, FeatureNames.Spread(1), [.. Enumerable.Repeat(2 / Math.Sqrt(n), 8)]),
                ];
                outcomes.Add(Outcome(point, probes, risks));
            }
        }

        return outcomes;
    }

    [Fact]
    public void TheFamilyOfUniformWidthsGetsTheRiskFitTheVarianceSlopeAndTheSpreadSlope()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 64) with { Model = Spec(Widths, [new StepSizeSpec(0.01)]).Model with { Init = new InitSpec(OutputMean: 0, OutputStd: 1) } };
        ScalingReport report = ScalingAggregate.Compute(spec, Outcomes(64))!;

        ScalingFamily family = Assert.Single(report.Families);
        Assert.Equal("all", family.Varies);
        Assert.Equal(3, family.RiskExtrapolation.Count);
        Assert.All(family.RiskExtrapolation, r =>
        {
            Assert.True(r.Fit!.PCi95[0] <= 1 && 1 <= r.Fit.PCi95[1], $"p interval [{r.Fit.PCi95[0]}, {r.Fit.PCi95[1]}] misses 1");
            Assert.True(r.Fit.PCi95[0] > 0);
        });

        // 64 seeds: each variance to about 18%, the slope to about ±0.15 over this range.
        OutputVariance variance = family.InitialOutputVariance!;
        Assert.Equal(-1.0, variance.Expected);
        Assert.InRange(variance.Fit!.Slope, -1.2, -0.8);

        SpreadAtTime spread = Assert.Single(family.Spread);
        Assert.Equal(-0.5, spread.Fit!.Slope, 9);
        Assert.Empty(family.Laws);
    }

    // Each seed's risk is 0.2 + 0.5/N + 0.3 Z_1 − 0.2 Z_2 + noise 0.002, with controls Z ~ N(0, 0.1²) recorded at
    // step 0: the plain seed mean carries the controls' spread (SE about 0.036/8), the controlled one only the
    // noise's (about 0.002/8), so the variance ratio is about 0.003 and the controlled fit pins p = 1.
    [Fact]
    public void TheControlledEstimateRemovesTheControlsSpreadAndKeepsTheMean()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 64) with { Model = Spec(Widths, [new StepSizeSpec(0.01)]).Model with { Init = new InitSpec(OutputMean: 0, OutputStd: 1) } };
        var rng = new Xoshiro256(5);
        List<PointOutcome> outcomes = [];
        for (int w = 0; w < Widths.Length; w++)
        {
            int n = Widths[w];
            for (int s = 0; s < 64; s++)
            {
                PointSpec point = Point(w, n, 0.01, s, 64);
                double z1 = 0.1 * rng.NextGaussian(), z2 = 0.1 * rng.NextGaussian();
                double[] risks = [.. point.RiskSteps.Select(_ => 0.2 + (0.5 / n) + (0.3 * z1) - (0.2 * z2) + (0.002 * rng.NextGaussian()))];
                outcomes.Add(Outcome(point, [new(0, 0.0, FeatureNames.OutputControls, [z1, z2])], risks));
            }
        }

        ScalingFamily family = Assert.Single(ScalingAggregate.Compute(spec, outcomes)!.Families);
        Assert.All(family.RiskExtrapolation, r =>
        {
            ControlledRisk c = r.Controlled!;
            for (int g = 0; g < Widths.Length; g++)
            {
                Assert.InRange(c.VarianceRatio[g], 0.0005, 0.02);
                Assert.True(Math.Abs(c.Mean[g] - (0.2 + (0.5 / Widths[g]))) < 4 * c.StdErr[g], $"N = {Widths[g]}: {c.Mean[g]} ± {c.StdErr[g]}");
                Assert.True(Math.Abs(c.Mean[g] - r.Mean[g]) < 4 * r.StdErr[g]);
            }

            Assert.Equal("identified", c.Correction!.Status);
            Assert.True(c.Fit!.PCi95[0] <= 1 && 1 <= c.Fit.PCi95[1] && c.Fit.PCi95[1] - c.Fit.PCi95[0] < 0.5, $"p interval [{c.Fit.PCi95[0]}, {c.Fit.PCi95[1]}]");
        });

        // Without the controls (or with a seed lacking them) there is no controlled estimate.
        List<PointOutcome> partial = [.. outcomes.Select((o, i) => i == 3 ? o with { Snapshots = [] } : o)];
        Assert.All(Assert.Single(ScalingAggregate.Compute(spec, partial)!.Families).RiskExtrapolation, r => Assert.Null(r.Controlled));
    }

    [Fact]
    public void FitsAcrossWidthRunWithinEachValueOfAFieldAxis()
    {
        // The same outcomes at two values of data.delta, the second with every risk raised by 0.1: two
        // families, each with its value; fitted apart, the second's fit is the first's moved up by 0.1
        // exactly (mixed, neither would be), and each limit is its own within 4 SE.
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 16);
        List<PointOutcome> outcomes = [];
        foreach ((string delta, double shift) in new[] { ("0.2", 0.0), ("0.5", 0.1) })
        {
            foreach (PointOutcome o in Outcomes(16))
            {
                PointSpec point = o.Point with { Coordinates = [.. o.Point.Coordinates, new AxisCoordinate("data.delta", new AxisValue(delta))] };
                outcomes.Add(o with { Point = point, Risk = [.. o.Risk.Select(r => r with { Risk = r.Risk + shift })] });
            }
        }

        ScalingReport report = ScalingAggregate.Compute(spec, outcomes)!;
        Assert.Equal(2, report.Families.Count);
        Assert.Equal(["0.2", "0.5"], report.Families.Select(f => Assert.Single(f.Axes!).Value.Json));
        foreach ((RiskAtTime low, RiskAtTime high) in report.Families[0].RiskExtrapolation.Zip(report.Families[1].RiskExtrapolation))
        {
            Assert.Equal(low.Fit!.P, high.Fit!.P, 6);
            Assert.Equal(low.Fit.RInfinity!.Value + 0.1, high.Fit.RInfinity!.Value, 6);
            Assert.True(Math.Abs(low.Fit.RInfinity.Value - 0.2) <= 4 * low.Fit.RInfinityStdErr!.Value, $"R_inf {low.Fit.RInfinity} ± {low.Fit.RInfinityStdErr} misses 0.2");
        }
    }

    [Fact]
    public void TheExpectedExponentIsTakenAtTheFamilysOwnFieldCoordinates()
    {
        // A sweep over model.init.output_mean with mean-zero output weights in the spec itself: at output_mean 0 the
        // t = 0 correction is Var ŷ_0 ∝ N^(1−2γ) (expected p = 1 at γ = 1); at output_mean 1 the term −2 E[y ŷ_0]
        // enters and nothing is derived. Taking the sweep's spec for both families would claim p = 1 for the second.
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 16) with { Model = Spec(Widths, [new StepSizeSpec(0.01)]).Model with { Init = new InitSpec(OutputMean: 0, OutputStd: 1) } };
        List<PointOutcome> outcomes = [];
        foreach (string mean in new[] { "0", "1" })
        {
            outcomes.AddRange(Outcomes(16).Select(o => o with { Point = o.Point with { Coordinates = [.. o.Point.Coordinates, new AxisCoordinate("model.init.output_mean", new AxisValue(mean))] } }));
        }

        ScalingReport report = ScalingAggregate.Compute(spec, outcomes)!;
        Assert.Equal(["0", "1"], report.Families.Select(f => Assert.Single(f.Axes!).Value.Json));
        Assert.Equal(1.0, report.Families[0].RiskExtrapolation.Single(r => r.Time == 0).Correction!.ExpectedP);
        Assert.Null(report.Families[1].RiskExtrapolation.Single(r => r.Time == 0).Correction!.ExpectedP);
    }

    [Fact]
    public void FewerThanThreeWidthsGiveNoScalingSection()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], seeds: 2);
        Assert.Null(ScalingAggregate.Compute(spec, [.. Outcomes(2).Where(o => o.Point.Width <= 32)]));
    }
}
