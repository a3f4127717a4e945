using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Tests.LargeDeviations;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

/// <summary>
/// <see cref="SgdRun.WarmUp"/>: the small run that compiles a spec's code paths before <c>mfc run</c>'s sweep
/// starts. It must run for every kind of SGD spec, leave the real runs' numbers alone (it shares the process's pooled
/// workspaces with them) and decline large-deviations specs.
/// </summary>
public sealed class WarmUpTests
{
    // The exact population risk on anisotropic data, at a width whose first point is wider than the warm-up's.
    private const string Population = """
        name: warm-population
        seed: 5
        model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}
        data: {kind: anisotropic-gaussian, d: 10, s0: 3, delta: 0.8}
        training: {horizon: 1}
        observe: {risk: population, risk_times: {count: 5, spacing: linear}, snapshot_times: [0, 1], quantiles: 16, sliced_directions: 4}
        grid: {width: [40], step_size: [0.01], seeds: 1}
        """;

    public static TheoryData<string> Kinds => ["population", "two-layer", "three-layer", "noisy"];

    private static (SweepSpec Spec, PointSpec Point) Case(string kind)
    {
        if (kind == "population")
        {
            SweepSpec population = SpecLoader.Parse(Population, SpecFormat.Yaml);
            return (population, SweepPlanner.Expand(population)[0]);
        }

        SweepSpec spec = kind switch
        {
            "two-layer" => TestSpecs.Small(),
            "three-layer" => TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Ramp)),
            "noisy" => TestSpecs.Small(ridge: 0.01, beta: 50.0),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return (spec, TestSpecs.Point(spec, 24, 0.01, seed: 3, layers: kind == "three-layer" ? 2 : 1));
    }

    private static SgdCheckpoint RunToEnd(SweepSpec spec, PointSpec point)
    {
        SgdRun run = TestSpecs.Run(spec, point);
        run.Advance(long.MaxValue);
        return run.Capture();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheWarmUpRunsForEveryKindOfSgdSpecAndLeavesTheRunsNumbersAlone(string kind)
    {
        (SweepSpec spec, PointSpec point) = Case(kind);
        SgdCheckpoint before = RunToEnd(spec, point);

        Assert.True(SgdRun.WarmUp(spec, point));
        SgdCheckpoint after = RunToEnd(spec, point);

        Assert.Equal(before.Parameters, after.Parameters);
        Assert.Equal(before.Risk, after.Risk);
        Assert.Equal(before.Snapshots.Count, after.Snapshots.Count);
        for (int k = 0; k < before.Snapshots.Count; k++)
        {
            Assert.Equal(before.Snapshots[k].Feature, after.Snapshots[k].Feature);
            Assert.Equal(before.Snapshots[k].Values, after.Snapshots[k].Values);
        }
    }

    [Fact]
    public void ALargeDeviationsSpecIsLeftAlone()
    {
        SweepSpec spec = LinearNeuronSpecs.Parse(LinearNeuronSpecs.KnownAnswer);
        Assert.False(SgdRun.WarmUp(spec, SweepPlanner.Expand(spec)[0]));
    }
}
