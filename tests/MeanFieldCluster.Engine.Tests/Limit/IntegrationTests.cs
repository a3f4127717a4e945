using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The limit wired into specs, runs and the coordinator's aggregation.</summary>
public sealed class IntegrationTests
{
    private const string Mmn = """
        name: mmn
        seed: 3
        model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 10, delta: 0.8}
        training: {horizon: 1}
        observe: {risk: population, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 1], quantiles: 32, sliced_directions: 0}
        grid: {width: [20, 40], step_size: [0.01], seeds: 2}
        """;

    [Fact]
    public void PopulationRiskIsAcceptedForTheReducedModelAndRefusedWithTheReasonOtherwise()
    {
        Assert.Equal(RiskKinds.Population, SpecLoader.Parse(Mmn, SpecFormat.Yaml).Observe.Risk);

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(Mmn.Replace("preset: mmn-isotropic", "preset: mmn-relu", StringComparison.Ordinal), SpecFormat.Yaml));
        SpecError error = Assert.Single(ex.Errors);
        Assert.Equal("observe.risk", error.Path);
        Assert.Contains("mmn-isotropic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APopulationRiskRunRecordsTheExactRiskOfItsNetwork()
    {
        SweepSpec spec = SpecLoader.Parse(Mmn, SpecFormat.Yaml);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        SgdRun run = TestSpecs.Run(spec, point);
        PopulationRiskEstimate expected = PopulationRisk.Compute(run.Network.FirstLayer, point.Width, spec.Data.Dimension, spec.Data.Delta, RampParameters.Mmn);

        run.Advance(0);

        Assert.Equal(expected.Risk, run.Risk[0].Risk);
        Assert.Equal(expected.TruncationBound, run.Risk[0].StdErr);
    }

    // Every point of the spec run to its end.
    private static PointOutcome[] Completed(SweepSpec spec) => [.. SweepPlanner.Expand(spec).Select(p =>
    {
        SgdRun run = TestSpecs.Run(spec, p);
        run.Advance(long.MaxValue);
        return run.ToOutcome();
    })];

    [Fact]
    public void TheAggregationOfAReducibleSweepComparesEveryWidthWithThePde()
    {
        SweepSpec spec = SpecLoader.Parse(Mmn, SpecFormat.Yaml);
        PointOutcome[] outcomes = [.. SweepPlanner.Expand(spec).Select(p =>
        {
            SgdRun run = TestSpecs.Run(spec, p);
            run.Advance(long.MaxValue);
            return run.ToOutcome();
        })];

        PdeComparison? comparison = SweepAggregator.Aggregate(spec, outcomes).PdeComparison;

        Assert.NotNull(comparison);
        PdeFamily family = Assert.Single(comparison.Families);
        Assert.Equal([20, 40], family.Widths.Select(w => w.Width));
        Assert.All(family.Widths, w => Assert.InRange(w.RiskGapMean, 1e-6, 1.0));
        Assert.All(family.Widths, w => Assert.Equal([0.0, 1.0], w.W1.Select(p => p.Time)));
        Assert.Equal(comparison.Times.Count, comparison.Risk.Count);
        Assert.Contains("pde_comparison", AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes)), StringComparison.Ordinal);
    }

    [Fact]
    public void ALimitSolvedAheadAtThePlannedTimesIsTakenByTheAggregationAndGivesTheSameNumbers()
    {
        SweepSpec spec = SpecLoader.Parse(Mmn.Replace("seed: 3", "seed: 31", StringComparison.Ordinal), SpecFormat.Yaml);
        PointOutcome[] outcomes = Completed(spec);
        Assert.Equal(outcomes.SelectMany(o => o.Risk.Select(r => r.Time).Concat(o.Snapshots.Select(s => s.Time))).Distinct().Order(), PdeComparison.PlannedTimes(spec));
        string solved = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));
        long taken = LimitPrefetch.Taken;

        Assert.True(LimitPrefetch.Start(spec));
        Assert.False(LimitPrefetch.Start(spec));
        string prefetched = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));

        Assert.Equal(taken + 1, LimitPrefetch.Taken);
        Assert.False(LimitPrefetch.Holds(spec));
        Assert.Equal(solved, prefetched);
    }

    [Fact]
    public void ALimitSolvedAheadIsDroppedAndSolvedAgainWhenThePointsRecordedOtherTimes()
    {
        SweepSpec spec = SpecLoader.Parse(Mmn.Replace("seed: 3", "seed: 32", StringComparison.Ordinal), SpecFormat.Yaml);

        // The risk at the middle time left out, as if no completed point had recorded it.
        PointOutcome[] outcomes = [.. Completed(spec).Select(o => o with { Risk = [o.Risk[0], o.Risk[^1]] })];
        string solved = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));
        long taken = LimitPrefetch.Taken;

        Assert.True(LimitPrefetch.Start(spec));
        string again = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));

        Assert.Equal(taken, LimitPrefetch.Taken);
        Assert.False(LimitPrefetch.Holds(spec));
        Assert.Equal(solved, again);
    }

    [Fact]
    public void OnlySweepsWithAReducedLimitAndNoFieldAxesAreSolvedAheadAndAtMostKeptAreHeld()
    {
        Assert.False(LimitPrefetch.Start(TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer))));
        SweepSpec[] specs = [.. Enumerable.Range(0, LimitPrefetch.Kept + 1).Select(k => SpecLoader.Parse(Mmn.Replace("seed: 3", $"seed: {40 + k}", StringComparison.Ordinal), SpecFormat.Yaml))];
        Assert.All(specs, s => Assert.True(LimitPrefetch.Start(s)));

        Assert.False(LimitPrefetch.Holds(specs[0]));
        Assert.All(specs[1..], s => Assert.True(LimitPrefetch.Holds(s)));
        Assert.All(specs[1..], s => Assert.NotNull(LimitPrefetch.Take(s, PdeComparison.PlannedTimes(s))));
    }

    [Fact]
    public void ModelsWithoutTheReductionGetNoPdeComparison()
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer));
        Assert.NotNull(RadialReduction.Check(spec));
        Assert.Null(PdeComparison.Compute(spec, []));
    }
}
