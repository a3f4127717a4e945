using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

/// <summary>
/// The three-layer dependence checks on real SGD runs (docs/models.md, "Cross-layer dependence"), at the
/// setting of examples/three-layer.yaml with two widths and fewer observations.
/// </summary>
public sealed class CrossLayerDependenceRunTests
{
    private const int Seeds = 256;

    private const string Spec = """
        name: three-layer-dependence
        seed: 11
        model:
          preset: three-layer
          activation: tanh
          init: {kappa: 1.0, hidden_mean: 0.0, hidden_std: 1.0, output_mean: 0.0, output_std: 1.0}
        data:
          kind: teacher-student
          d: 4
          teacher: {width: 4, activation: tanh, seed: 3}
          noise: 0.05
        training:
          horizon: 4
        observe:
          test_samples: 10
          risk_times: [4]
          snapshot_times: [4]
          quantiles: 2
          histogram_bins: 0
          sliced_directions: 0
          dependence: {permutations: 499}
        grid:
          width: [2, 32]
          step_size: [0.002]
          seeds: 256
        """;

    private static readonly Lazy<CrossLayerDependenceReport> Report = new(() =>
    {
        SweepSpec spec = SpecLoader.Parse(Spec, SpecFormat.Yaml);
        (var data, var testSet) = TestSpecs.DataOf(spec);
        List<PointOutcome> outcomes = [];
        foreach (PointSpec point in SweepPlanner.Expand(spec))
        {
            var run = new SgdRun(spec, point, data, testSet);
            run.Advance(long.MaxValue);
            outcomes.Add(run.ToOutcome());
        }

        return SweepAggregator.Aggregate(spec, outcomes).CrossLayerDependence;
    });

    [Fact]
    public void AtNEqualsTwoTheFixedNeuronsOfTwoLayersAreDependentAcrossRunsAndTheDependenceFallsWithN()
    {
        // A statistic over pairs of neurons with independently drawn indices is independent by construction
        // and could not pass this: here the same fixed neurons are compared across 256 independent runs.
        (DependenceGroup small, DependenceGroup large) = (Report.Value.Groups[0], Report.Value.Groups[1]);
        Assert.Equal([2, 2], small.Widths);
        Assert.Equal(Seeds, small.Seeds.Count);

        ChaosTest final = small.ChaosFinal!;
        Assert.Equal((4, 2), (final.DimensionX, final.DimensionY));
        Assert.True(final.DcorSquared > 3 * final.NullSd!.Value, $"N = 2: R* = {final.DcorSquared}, null SD {final.NullSd}");
        Assert.True(final.PValue <= 0.01, $"N = 2: p = {final.PValue}");
        Assert.True(small.ChaosChange!.PValue <= 0.01, $"N = 2: change {small.ChaosChange.DcorSquared}, p = {small.ChaosChange.PValue}");

        // Interactions of weight 1/N: R* ~ N^-2, so 256 times smaller at N = 32 (below the test's noise).
        Assert.True(large.ChaosFinal!.DcorSquared < final.DcorSquared / 2, $"N = 32: R* = {large.ChaosFinal.DcorSquared}");
        Assert.True(large.ChaosChange!.DcorSquared < small.ChaosChange.DcorSquared / 2, $"N = 32: change = {large.ChaosChange.DcorSquared}");
    }

    [Fact]
    public void AtStepZeroTheFixedNeuronsAreIndependentAtEveryWidth()
    {
        foreach (DependenceGroup group in Report.Value.Groups)
        {
            ChaosTest initial = group.ChaosInitial!;

            // Independent by construction: R* has mean 0 and SD ≈ sqrt(2)/256; 4 SDs is a 6e-5 two-sided chance.
            Assert.True(Math.Abs(initial.DcorSquared) < 4 * initial.NullSd!.Value, $"N = {group.Widths[0]}: R* = {initial.DcorSquared}");
            Assert.InRange(initial.NullSd.Value, 0.7 * Math.Sqrt(2) / Seeds, 1.3 * Math.Sqrt(2) / Seeds);
        }
    }

    [Fact]
    public void TheEdgeChangeIsNearlyRankOneAndExplainedByTheEndpointsAtEveryWidth()
    {
        // An unstructured change would have rank-one share ≈ 4/N (0.13 at N = 32) and a feature share ≈ 15/N².
        foreach (DependenceGroup group in Report.Value.Groups)
        {
            EdgeShares edges = group.Edges!;
            Assert.True(edges.RankOneShare.Mean > 0.95, $"N = {group.Widths[0]}: rank-one share {edges.RankOneShare.Mean}");
            Assert.True(edges.FeatureShare.Mean > 0.8, $"N = {group.Widths[0]}: feature share {edges.FeatureShare.Mean}");
            Assert.True(edges.LeftAlignment.Mean > 0.9, $"N = {group.Widths[0]}: left alignment {edges.LeftAlignment.Mean}");
        }

        DependenceFamily family = Assert.Single(Report.Value.Families);
        Assert.True(family.Widths[1].RankOneShare >= family.Widths[0].RankOneShare - 0.01);
    }
}
