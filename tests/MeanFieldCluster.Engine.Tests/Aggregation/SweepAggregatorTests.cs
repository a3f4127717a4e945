using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

public sealed class SweepAggregatorTests
{
    private static readonly int[] Widths = [100, 400, 1600];
    private static readonly double[] ProjectionShifts = [0.5, -1.0, 2.0, 0.25];

    /// <summary>
    /// 3 widths × 2 seeds, ε = 0.01, snapshots at t = 0 and t = 1. At t = 0 every width has the same laws;
    /// at t = 1 the laws of the non-reference widths are the reference's shifted by c N^{-1/2}
    /// (c = 0.8 for w_norm, 1.5 for c, and per direction for the projections).
    /// </summary>
    internal static List<PointOutcome> ShiftedLawOutcomes()
    {
        List<PointOutcome> outcomes = [];
        for (int w = 0; w < Widths.Length; w++)
        {
            int n = Widths[w];
            double scale = n == Widths[^1] ? 0 : 1 / Math.Sqrt(n);
            for (int seed = 0; seed < 2; seed++)
            {
                PointSpec point = Point(w, n, 0.01, seed);
                List<MeasureSnapshot> snapshots = [];
                foreach ((long step, double time, double s) in new[] { (0L, 0.0, 0.0), (100L, 1.0, scale) })
                {
                    snapshots.Add(new MeasureSnapshot(step, time, FeatureNames.WeightNorm, Shift(BaseLaw(1, seed), 0.8 * s)));
                    snapshots.Add(new MeasureSnapshot(step, time, FeatureNames.Output, Shift(BaseLaw(2, seed), 1.5 * s)));
                    for (int k = 0; k < ProjectionShifts.Length; k++)
                    {
                        snapshots.Add(new MeasureSnapshot(step, time, FeatureNames.Projection(k), Shift(BaseLaw(10 + k, seed), ProjectionShifts[k] * s)));
                    }
                }

                double share = 0.3 / Math.Sqrt(n) * (seed == 0 ? 1.1 : 0.9);
                outcomes.Add(Outcome(point, snapshots, dependence: new DependenceResult(100, null, new EdgeStructure(share, 2 * share, 0.5, 0.25, 0.1))));
            }
        }

        return outcomes;
    }

    [Fact]
    public void LawsShiftedByCOverSqrtNGiveAFittedExponentOfOneHalf()
    {
        AggregateReport report = SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)]), ShiftedLawOutcomes());

        ConvergenceFamily family = Assert.Single(report.MeasureConvergence);
        Assert.Equal(ReferenceKinds.LargestWidth, family.Reference);
        Assert.Equal([1600], family.ReferenceWidth);
        Assert.Equal([[100], [400], [1600]], family.Widths.Select(w => w.ToArray()).ToArray());
        Assert.Equal(["c", "w_norm"], family.Features.Select(f => f.Feature));

        FeatureConvergence wNorm = family.Features.Single(f => f.Feature == FeatureNames.WeightNorm);
        Assert.Equal([0.0, 1.0], wNorm.Times.Select(t => t.Time));
        FeatureAtTime atOne = wNorm.Times[1];
        Assert.Equal([0.8 / 10, 0.8 / 20, 0.0], atOne.Widths.Select(w => w.W1), new Tolerance(1e-12));
        Assert.Equal([0.8 / 10, 0.8 / 20, 0.0], atOne.Widths.Select(w => w.W2), new Tolerance(1e-12));
        Assert.All(atOne.Widths, w => Assert.Equal(2, w.SeedCount));
        Assert.Equal(Distances.PooledQuantiles([BaseLaw(1, 0), BaseLaw(1, 1)], Levels), atOne.Widths[2].PooledQuantiles);

        foreach (FitSummary fit in new[] { atOne.W1Fit!, atOne.W2Fit! })
        {
            Assert.Equal(0.5, fit.Exponent, 9);
            Assert.Equal(0.8, fit.Prefactor, 9);
            Assert.Equal(2, fit.Points);
            Assert.Null(fit.ExponentStdErr);
            Assert.Null(fit.ExponentCi95);
        }

        FeatureAtTime outputAtOne = family.Features.Single(f => f.Feature == FeatureNames.Output).Times[1];
        Assert.Equal(0.5, outputAtOne.W1Fit!.Exponent, 9);
        Assert.Equal(1.5, outputAtOne.W1Fit.Prefactor, 9);

        // Identical laws at t = 0: every distance is 0 and the fit is undetermined.
        Assert.All(wNorm.Times[0].Widths, w => Assert.Equal(0.0, w.W1));
        Assert.Null(wNorm.Times[0].W1Fit);
    }

    [Fact]
    public void SlicedW2OfShiftedProjectionsDecaysLikeOneOverSqrtN()
    {
        AggregateReport report = SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)]), ShiftedLawOutcomes());

        // SW2 = sqrt(mean_k c_k²) N^{-1/2}.
        double c = Math.Sqrt(ProjectionShifts.Average(x => x * x));
        ConvergenceFamily family = Assert.Single(report.MeasureConvergence);
        Assert.Equal(2, family.SlicedW2.Count);
        SlicedConvergence atOne = family.SlicedW2[1];
        Assert.Equal(1.0, atOne.Time);
        Assert.Equal(4, atOne.Directions);
        Assert.Equal([c / 10, c / 20, 0.0], atOne.Widths.Select(w => w.SlicedW2), new Tolerance(1e-12));
        Assert.Equal(0.5, atOne.Fit!.Exponent, 9);
        Assert.Equal(c, atOne.Fit.Prefactor, 9);
        Assert.All(family.SlicedW2[0].Widths, w => Assert.Equal(0.0, w.SlicedW2));
    }

    [Fact]
    public void RiskCurvesAverageTheSeedsStepByStepAndOnlyCompletedPointsCount()
    {
        SweepSpec spec = Spec([100, 200], [new StepSizeSpec(0.01)], seeds: 5);
        PointOutcome[] outcomes =
        [
            Outcome(Point(0, 100, 0.01, 0, seeds: 5), risks: [1, 0.5, 0.2]),
            Outcome(Point(0, 100, 0.01, 1, seeds: 5), risks: [2, 0.5, 0.3]),
            Outcome(Point(0, 100, 0.01, 2, seeds: 5), risks: [4, 0.5, 0.4]),
            Outcome(Point(0, 100, 0.01, 3, seeds: 5), risks: [1, 1e9, double.NaN], status: RunStatus.Diverged),
            Outcome(Point(0, 100, 0.01, 4, seeds: 5), risks: [100, 100, 100], status: RunStatus.Running),
            Outcome(Point(1, 200, 0.01, 0, seeds: 5), risks: [3, 2, 1]),
        ];

        AggregateReport report = SweepAggregator.Aggregate(spec, outcomes);

        Assert.Equal(6, report.Points);
        Assert.Equal(4, report.Counts["completed"]);
        Assert.Equal(1, report.Counts["diverged"]);
        Assert.Equal(1, report.Counts["running"]);
        Assert.Equal(2, report.RiskCurves.Count);

        RiskCurveGroup wide = report.RiskCurves[0];
        Assert.Equal([100], wide.Widths);
        Assert.Equal([0, 1, 2], wide.Seeds);
        Assert.Equal([0L, 50L, 100L], wide.Curve.Select(p => p.Step));
        Assert.Equal([0.0, 0.5, 1.0], wide.Curve.Select(p => p.Time), new Tolerance(1e-15));
        Assert.All(wide.Curve, p => Assert.Equal(3, p.SeedCount));

        // Step 0: risks 1, 2, 4: mean 7/3, sample sd sqrt(7/3), stderr sqrt(7/3)/sqrt(3) = sqrt(7)/3.
        Assert.Equal(7.0 / 3, wide.Curve[0].Mean, 14);
        Assert.Equal(Math.Sqrt(7) / 3, wide.Curve[0].StdErr!.Value, 14);
        Assert.Equal(0.5, wide.Curve[1].Mean, 14);
        Assert.Equal(0.0, wide.Curve[1].StdErr!.Value, 14);
        Assert.Equal(0.3, wide.Curve[2].Mean, 14);
        Assert.Equal(0.1 / Math.Sqrt(3), wide.Curve[2].StdErr!.Value, 14);

        RiskCurveGroup single = report.RiskCurves[1];
        Assert.Equal([200], single.Widths);
        Assert.Equal([3.0, 2.0, 1.0], single.Curve.Select(p => p.Mean));
        Assert.All(single.Curve, p => Assert.Null(p.StdErr));
    }

    [Fact]
    public void AStepSizeDividedByTheWidthIsOneFamilyAcrossWidths()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(1, DividedByWidth: true)], seeds: 1);
        List<PointOutcome> outcomes = [];
        for (int w = 0; w < Widths.Length; w++)
        {
            int n = Widths[w];
            PointSpec point = Point(w, n, 1.0 / n, 0, seeds: 1, entry: new StepSizeSpec(1, DividedByWidth: true));
            double s = n == 1600 ? 0 : 1 / Math.Sqrt(n);
            outcomes.Add(Outcome(point, [new MeasureSnapshot(point.Steps, 1.0, FeatureNames.WeightNorm, Shift(BaseLaw(1, 0), 0.8 * s))]));
        }

        AggregateReport report = SweepAggregator.Aggregate(spec, outcomes);

        ConvergenceFamily family = Assert.Single(report.MeasureConvergence);
        Assert.Equal(1.0, family.StepSize);
        Assert.True(family.StepSizeDividedByWidth);
        Assert.Equal(3, family.Widths.Count);
        Assert.Equal(0.5, family.Features.Single().Times.Single().W1Fit!.Exponent, 9);
        Assert.Equal([0.01, 0.0025, 0.000625], report.RiskCurves.Select(g => g.StepSize));
    }

    [Fact]
    public void TheStepSizeCoordinateSeparatesStepSizesThatResolveToTheSameValue()
    {
        // ε = 0.01 and ε = 1/N coincide at N = 100.
        StepSizeSpec[] stepSizes = [new StepSizeSpec(0.01), new StepSizeSpec(1, DividedByWidth: true)];
        SweepSpec spec = Spec([100, 400], stepSizes, seeds: 1);
        List<PointOutcome> outcomes = [];
        for (int w = 0; w < 2; w++)
        {
            int n = w == 0 ? 100 : 400;
            for (int k = 0; k < 2; k++)
            {
                outcomes.Add(Outcome(Point(w, n, stepSizes[k].Resolve(n), 0, seeds: 1, stepSizeIndex: k, stepSizeCount: 2, entry: stepSizes[k])));
            }
        }

        AggregateReport report = SweepAggregator.Aggregate(spec, outcomes);

        Assert.Equal(2, report.MeasureConvergence.Count);
        Assert.Equal([false, true], report.MeasureConvergence.Select(f => f.StepSizeDividedByWidth));
        Assert.All(report.MeasureConvergence, f => Assert.Equal(2, f.Widths.Count));
        Assert.Equal(4, report.RiskCurves.Count);
    }

    [Fact]
    public void EdgeSharesAreAveragedOverSeedsAndFittedAgainstTheWidth()
    {
        AggregateReport report = SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)]), ShiftedLawOutcomes());

        Assert.Equal(3, report.CrossLayerDependence.Groups.Count);
        foreach ((DependenceGroup group, int n) in report.CrossLayerDependence.Groups.Zip(Widths))
        {
            // share = a (1 ± 0.1) with a = 0.3/sqrt(N): mean a, sample sd 0.1 sqrt(2) a, stderr 0.1 a.
            double a = 0.3 / Math.Sqrt(n);
            Assert.Equal([n], group.Widths);
            Assert.Equal([0, 1], group.Seeds);
            Assert.Equal(100, group.Step);
            Assert.Null(group.ChaosInitial);
            Assert.Null(group.ChaosFinal);
            EdgeShares edges = Assert.IsType<EdgeShares>(group.Edges);
            Assert.Equal(2, edges.SeedCount);
            Assert.Equal(a, edges.RankOneShare.Mean, 14);
            Assert.Equal(0.1 * a, edges.RankOneShare.StdErr!.Value, 14);
            Assert.Equal(2 * a, edges.FeatureShare.Mean, 14);
            Assert.Equal((0.5, 0.25, 0.1), (edges.LeftAlignment.Mean, edges.RightAlignment.Mean, edges.RelativeChange.Mean));
        }

        DependenceFamily family = Assert.Single(report.CrossLayerDependence.Families);
        Assert.Equal(3, family.Widths.Count);
        Assert.Null(family.ChaosFit);
        Assert.Equal(0.5, family.RankOneShareFit!.Exponent, 9);
        Assert.Equal(0.3, family.RankOneShareFit.Prefactor, 9);
        Assert.Equal(3, family.RankOneShareFit.Points);
        Assert.Equal(0.6, family.FeatureShareFit!.Prefactor, 9);
    }

    [Fact]
    public void OutcomesWithoutDependenceResultsGiveNoDependenceEntries()
    {
        PointOutcome[] outcomes = [Outcome(Point(0, 100, 0.01, 0)), Outcome(Point(1, 400, 0.01, 0))];

        AggregateReport report = SweepAggregator.Aggregate(Spec([100, 400], [new StepSizeSpec(0.01)]), outcomes);

        Assert.Empty(report.CrossLayerDependence.Groups);
        Assert.Empty(report.CrossLayerDependence.Families);
    }

    [Fact]
    public void TheOrderOfTheOutcomesDoesNotChangeTheReport()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)]);
        List<PointOutcome> outcomes = ShiftedLawOutcomes();

        string expected = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));
        string reversed = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, [.. outcomes.AsEnumerable().Reverse()]));

        Assert.Equal(expected, reversed);
    }

    [Fact]
    public void AnOutcomeReportedTwiceIsCountedTwiceButAveragedOnce()
    {
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)]);
        List<PointOutcome> outcomes = ShiftedLawOutcomes();
        AggregateReport once = SweepAggregator.Aggregate(spec, outcomes);

        AggregateReport twice = SweepAggregator.Aggregate(spec, [.. outcomes, outcomes[0]]);

        Assert.Equal(outcomes.Count + 1, twice.Points);
        Assert.Equal(outcomes.Count + 1, twice.Counts["completed"]);
        Assert.Equal(AggregateWriter.ToJson(once), AggregateWriter.ToJson(twice with { Points = once.Points, Counts = once.Counts }));
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
