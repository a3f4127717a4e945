using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

public sealed class SgdRunTests
{
    [Theory]
    [InlineData(Presets.MmnIsotropic, 1)]
    [InlineData(Presets.MmnRelu, 1)]
    [InlineData(Presets.MmnRelu, 3)]
    public void ARunCapturedAndRestoredBetweenChunksEndsBitIdenticalToAnUninterruptedRun(string preset, int batch)
    {
        SweepSpec spec = TestSpecs.Small(preset, batch: batch);
        PointSpec point = TestSpecs.Point(spec, width: 12, stepSize: 0.005);
        TestSet testSet = TestSet.Draw(DataModel.Create(spec.Data), spec.Observe.TestSamples, spec.Seed);

        var straight = new SgdRun(spec, point, testSet);
        straight.Advance(long.MaxValue);

        var chunked = new SgdRun(spec, point, testSet);
        while (chunked.Status == RunStatus.Running)
        {
            chunked.Advance(37);
            chunked = new SgdRun(spec, point, testSet, chunked.Capture());
        }

        Assert.Equal(RunStatus.Completed, straight.Status);
        Assert.Equal(straight.Capture().Parameters, chunked.Capture().Parameters);
        Assert.Equal(straight.Risk, chunked.Risk);
        Assert.Equal(straight.Snapshots.Select(s => (s.Step, s.Feature, string.Join(',', s.Values))), chunked.Snapshots.Select(s => (s.Step, s.Feature, string.Join(',', s.Values))));
    }

    [Fact]
    public void RiskAndSnapshotsAreRecordedExactlyAtThePlannedSteps()
    {
        SweepSpec spec = TestSpecs.Small(Presets.MmnRelu);
        PointSpec point = TestSpecs.Point(spec, width: 8, stepSize: 0.01);
        TestSet testSet = TestSet.Draw(DataModel.Create(spec.Data), spec.Observe.TestSamples, spec.Seed);

        var run = new SgdRun(spec, point, testSet);
        long taken = run.Advance(long.MaxValue);

        Assert.Equal(point.Steps, taken);
        Assert.Equal(point.RiskSteps, run.Risk.Select(r => r.Step));
        Assert.Equal(point.SnapshotSteps.Count * 3, run.Snapshots.Count);
        Assert.All(run.Risk, r => Assert.Equal(r.Step * point.StepSize, r.Time, 12));
        Assert.All(run.Snapshots, s => Assert.Equal(spec.Observe.QuantileLevels, s.Values.Count));
    }

    [Fact]
    public void TheSameSpecAndPointGiveTheSameNumbersAndAnotherSeedIndexGivesOthers()
    {
        SweepSpec spec = TestSpecs.Small();
        TestSet testSet = TestSet.Draw(DataModel.Create(spec.Data), spec.Observe.TestSamples, spec.Seed);
        double FinalRisk(int seed)
        {
            var run = new SgdRun(spec, TestSpecs.Point(spec, 10, 0.01, seed), testSet);
            run.Advance(long.MaxValue);
            return run.Risk[^1].Risk;
        }

        Assert.Equal(FinalRisk(0), FinalRisk(0));
        Assert.NotEqual(FinalRisk(0), FinalRisk(1));
    }

    [Fact]
    public void SgdLowersTheTestRiskOfTheMmnIsotropicModel()
    {
        SweepSpec spec = TestSpecs.Small(d: 10, horizon: 5.0, testSamples: 4000);
        PointSpec point = TestSpecs.Point(spec, width: 50, stepSize: 0.002);
        TestSet testSet = TestSet.Draw(DataModel.Create(spec.Data), spec.Observe.TestSamples, spec.Seed);

        var run = new SgdRun(spec, point, testSet);
        run.Advance(long.MaxValue);

        RiskPoint first = run.Risk[0], last = run.Risk[^1];
        Assert.True(last.Risk + (3 * last.StdErr) < first.Risk - (3 * first.StdErr), $"risk went from {first.Risk} to {last.Risk}");
    }

    [Fact]
    public void AHugeStepSizeEndsTheRunAsDivergedAtTheStepWhereItHappened()
    {
        SweepSpec spec = TestSpecs.Small(Presets.MmnRelu, ActivationKinds.Relu, horizon: 1e4);
        PointSpec point = TestSpecs.Point(spec, width: 10, stepSize: 5.0);
        TestSet testSet = TestSet.Draw(DataModel.Create(spec.Data), spec.Observe.TestSamples, spec.Seed);

        var run = new SgdRun(spec, point, testSet);
        run.Advance(long.MaxValue);

        Assert.Equal(RunStatus.Diverged, run.Status);
        Assert.True(run.Step < point.Steps);
    }
}
