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
    // The fingerprint runs: the exact population risk on anisotropic data at width 40 (wider than the warm-up's
    // copy), and the two-layer, three-layer and noisy runs at width 12.
    public static TheoryData<string> Kinds => NumericsFingerprintTests.Runs;

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
        (SweepSpec spec, PointSpec point) = NumericsFingerprintTests.Case(kind);
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
