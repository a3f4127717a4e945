using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

public sealed class CrossLayerDependenceTests
{
    private static readonly int[] Widths = [4, 16, 64];
    private const int Seeds = 64;

    /// <summary>
    /// Synthetic seeds: X ~ N(0, I_3) and Y = (X_1 · 4/N + Z_1, Z_2) at the end (dependence of order 1/N), and X, Y
    /// independent at step 0; every seed's edge shares are 0.9 ± 0.01.
    /// </summary>
    private static List<PointOutcome> Outcomes()
    {
        List<PointOutcome> outcomes = [];
        var rng = new Xoshiro256(31);
        for (int w = 0; w < Widths.Length; w++)
        {
            int n = Widths[w];
            for (int seed = 0; seed < Seeds; seed++)
            {
                var v = new double[10];
                rng.FillGaussian(v);
                double[] x0 = [v[0], v[1], v[2]], y0 = [v[3], v[4]];
                double[] x = [v[5], v[6], v[7]], y = [(v[5] * 4.0 / n) + v[8], v[9]];
                var edges = new EdgeStructure(0.9 + (seed % 2 == 0 ? 0.01 : -0.01), 0.8, 0.99, 0.9, 0.5);
                outcomes.Add(Outcome(Point(w, n, 0.01, seed, Seeds), dependence: new DependenceResult(100, new NeuronFeatures(x0, y0, x, y), edges)));
            }
        }

        return outcomes;
    }

    [Fact]
    public void TheChaosTestDetectsDependenceThatFallsWithNAndNotAtStepZero()
    {
        AggregateReport report = SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)], Seeds), Outcomes());

        IReadOnlyList<DependenceGroup> groups = report.CrossLayerDependence.Groups;
        Assert.Equal(3, groups.Count);
        foreach (DependenceGroup group in groups)
        {
            Assert.Equal(Seeds, group.Seeds.Count);
            ChaosTest initial = group.ChaosInitial!;
            Assert.Equal((Seeds, 3, 2, 999), (initial.Pairs, initial.DimensionX, initial.DimensionY, initial.Permutations));

            // Independent by construction: within 4 null SDs of 0 (a 6e-5 two-sided chance each).
            Assert.True(Math.Abs(initial.DcorSquared) < 4 * initial.NullSd!.Value, $"N = {group.Widths[0]}: R* = {initial.DcorSquared}");
            Assert.Equal(0.9, group.Edges!.RankOneShare.Mean, 12);
            
            // ±0.01 about the mean: sample SD 0.01 sqrt(64/63), standard error 0.01 / sqrt(63).
            Assert.Equal(0.01 / Math.Sqrt(Seeds - 1), group.Edges.RankOneShare.StdErr!.Value, 12);
        }

        // At N = 4 the correlation of Y_1 with X_1 is 1/sqrt(2): detected at the smallest p-value 1/1000; at N = 64 it is 0.06.
        ChaosTest small = groups[0].ChaosFinal!;
        Assert.True(small.DcorSquared > 10 * small.NullSd!.Value, $"R* = {small.DcorSquared}, null SD {small.NullSd}");
        Assert.Equal(1.0 / 1000, small.PValue, 12);
        Assert.True(groups[2].ChaosFinal!.DcorSquared < small.DcorSquared / 10);
        ChaosTest change = groups[0].ChaosChange!;
        Assert.Equal(small.DcorSquared - groups[0].ChaosInitial!.DcorSquared, change.DcorSquared, 12);
        Assert.Equal(1.0 / 1000, change.PValue, 12);

        DependenceFamily family = Assert.Single(report.CrossLayerDependence.Families);
        Assert.Equal([4, 16, 64], family.Widths.Select(w => w.Widths[0]));
        Assert.Equal(small.DcorSquared, family.Widths[0].DcorSquared);
        Assert.NotNull(family.ChaosFit);
        Assert.True(family.ChaosFit.Exponent > 0.5, $"exponent {family.ChaosFit.Exponent}");
        Assert.Equal(3, family.ChaosFit.Points);
        Assert.True(family.ChaosFit.ExponentCi95[0] > 0, $"CI {family.ChaosFit.ExponentCi95[0]}..{family.ChaosFit.ExponentCi95[1]}");
        Assert.Equal(0.0, family.RankOneShareFit!.Exponent, 10);
    }

    [Fact]
    public void ThePermutationStreamIsFixedByTheSweepSeedAndTheGroup()
    {
        List<PointOutcome> outcomes = Outcomes();
        List<PointOutcome> reversed = [.. outcomes.AsEnumerable().Reverse()];
        SweepSpec spec = Spec(Widths, [new StepSizeSpec(0.01)], Seeds);

        CrossLayerDependenceReport first = SweepAggregator.Aggregate(spec, outcomes).CrossLayerDependence;
        CrossLayerDependenceReport second = SweepAggregator.Aggregate(spec, reversed).CrossLayerDependence;

        Assert.Equal(first.Groups.Select(g => g.ChaosFinal), second.Groups.Select(g => g.ChaosFinal));
        Assert.Equal(first.Groups.Select(g => g.ChaosInitial), second.Groups.Select(g => g.ChaosInitial));
        Assert.Equal(first.Groups.Select(g => g.ChaosChange), second.Groups.Select(g => g.ChaosChange));
    }

    [Fact]
    public void FewerThanFourSeedsGiveNoChaosTestButStillEdgeShares()
    {
        List<PointOutcome> outcomes = [.. Outcomes().Where(o => o.Point.Seed < 3)];

        AggregateReport report = SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)], Seeds), outcomes);

        Assert.All(report.CrossLayerDependence.Groups, g => Assert.Null(g.ChaosFinal));
        Assert.All(report.CrossLayerDependence.Groups, g => Assert.Null(g.ChaosChange));
        Assert.All(report.CrossLayerDependence.Groups, g => Assert.Equal(3, g.Edges!.SeedCount));
        Assert.Null(report.CrossLayerDependence.Families[0].ChaosFit);
    }
}
