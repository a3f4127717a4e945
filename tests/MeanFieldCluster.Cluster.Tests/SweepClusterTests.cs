using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

public sealed class SweepClusterTests : IAsyncLifetime
{
    /// <summary>Eight points (two widths, two step sizes, two seeds) of about a tenth of a second each.</summary>
    internal const string EightPointSpec = """
        name: eight-points
        seed: 3
        model: {preset: mmn-relu, activation: tanh, init: {kappa: 1.0, output_std: 0.5}}
        data: {kind: isotropic-gaussian, d: 6, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 300, risk_times: {count: 5, spacing: linear}, snapshot_times: [0, 2], quantiles: 8}
        grid: {width: [10, 20], step_size: [0.01, 0.02], seeds: 2}
        """;

    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestClusters.DeployAsync(w => w.Slots = 1);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AnEightPointSweepRunsToCompletionAndEveryPointMatchesADirectEngineRun()
    {
        SweepSpec spec = SpecLoader.Parse(EightPointSpec, SpecFormat.Yaml);
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);
        Assert.Equal(8, points.Count);
        string specJson = SpecWriter.ToJson(spec);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("eight-points-test");

        SweepStatus started = await sweep.Start(specJson);
        // Tiny points may all finish before Start returns.
        Assert.Contains(started.State, new[] { SweepState.Running, SweepState.Completed });
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Points, p => Assert.Equal(PointState.Completed, p.State));
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        foreach (PointSpec point in points)
        {
            PointResult? result = await sweep.GetResult(point.Index);
            Assert.NotNull(result);
            var direct = new SgdRun(spec, point, data, testSet);
            direct.Advance(long.MaxValue);
            Assert.Equal(direct.Step, result.Steps);
            Assert.Equal(direct.Risk.Select(r => (r.Step, r.Risk, r.StdErr)), result.Risk.Select(r => (r.Step, r.Risk, r.StdErr)));
            Assert.Equal(direct.Snapshots.SelectMany(s => s.Values), result.Measures.SelectMany(m => m.Values));
        }
    }

    [Fact]
    public async Task StartingASweepAgainWithTheSameSpecReturnsTheSameSweepAndADifferentSpecIsRefused()
    {
        SweepSpec spec = SpecLoader.Parse(EightPointSpec, SpecFormat.Yaml);
        string specJson = SpecWriter.ToJson(spec);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("idempotent-test");
        Assert.Null(await sweep.GetSpec());

        SweepStatus first = await sweep.Start(specJson);
        SweepStatus second = await sweep.Start(specJson);

        Assert.Equal(first.StartedUtc, second.StartedUtc);
        // The spec comes back typed, as the coordinator bound it: written again, it is the text the sweep started with.
        Assert.Equal(specJson, SpecWriter.ToJson((await sweep.GetSpec())!));
        string other = SpecWriter.ToJson(spec with { Seed = 4 });
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => sweep.Start(other));
        await TestClusters.WaitForCompletion(sweep);
    }

    [Fact]
    public async Task ADuplicateResultReportCountsOnce()
    {
        SweepSpec spec = SpecLoader.Parse(EightPointSpec, SpecFormat.Yaml);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("duplicate-test");
        await sweep.Start(SpecWriter.ToJson(spec));
        await TestClusters.WaitForCompletion(sweep);
        PointResult original = (await sweep.GetResult(0))!;

        await sweep.ReportResult(original with { Steps = 1, State = PointState.Failed });

        PointResult after = (await sweep.GetResult(0))!;
        Assert.Equal(original.Steps, after.Steps);
        Assert.Equal(PointState.Completed, after.State);
    }

    [Fact]
    public async Task CancellingStopsRunningPointsWithinAChunkAndKeepsFinishedResults()
    {
        // Per seed, a point of 2,000 steps and one of 10^7 steps, in chunks of 50 behind the test gate, which
        // releases every boundary before 5,000 steps: the short points finish, the long ones hold at 5,000. Each
        // silo has a slot for every point, wherever they are placed.
        string gate = Path.Combine(Path.GetTempPath(), $"mfc-cancel-{Guid.NewGuid():N}");
        Directory.CreateDirectory(gate);
        await File.WriteAllTextAsync(Path.Combine(gate, "release-all"), "5000");
        await using InProcessTestCluster cluster = await TestClusters.DeployAsync(w => w.Slots = 4, hooks: WatchdogClockTests.Gated(gate));
        string spec = SpecWriter.ToJson(SpecLoader.Parse(EightPointSpec, SpecFormat.Yaml, ["grid.width=[500]", "grid.step_size=[0.5, 0.0001]", "training.horizon=1000"]));
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(SpecLoader.Parse(spec, SpecFormat.Json));
        int[] longPoints = [.. points.Where(p => p.StepSize < 0.01).Select(p => p.Index)];
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>("cancel-test");
        await sweep.Start(spec);
        DateTime deadline = DateTime.UtcNow.AddMinutes(5);
        // A point announces every boundary it reaches (held-<index>: "<sweep> <index> <steps done> <pid>"), released or not.
        bool HeldAt5000(int i) => File.Exists(Path.Combine(gate, $"held-{i}")) && File.ReadAllText(Path.Combine(gate, $"held-{i}")).Split(' ')[2] == "5000";
        while (!longPoints.All(HeldAt5000)
            || (await sweep.GetStatus()).Points.Count(p => p.State == PointState.Completed) < points.Count - longPoints.Length)
        {
            Assert.True(DateTime.UtcNow < deadline, $"held: {string.Join(", ", Directory.GetFiles(gate).Select(Path.GetFileName))}; points: {string.Join(", ", (await sweep.GetStatus()).Points.Select(p => $"{p.Index} {p.State} {p.Step}"))}");
            await Task.Delay(50);
        }

        await sweep.Cancel();
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);
        Directory.Delete(gate, recursive: true);

        // The held points stop where they were (no further chunk); the finished ones keep their results.
        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.All(longPoints, i => Assert.Equal((PointState.Cancelled, 5000L), (status.Points[i].State, status.Points[i].Step)));
        Assert.All(status.Points.Where(p => !longPoints.Contains(p.Index)), p => Assert.Equal(PointState.Completed, p.State));
        foreach (PointProgress p in status.Points.Where(p => p.State == PointState.Completed))
        {
            PointResult? kept = await sweep.GetResult(p.Index);
            Assert.NotNull(kept);
            Assert.NotEmpty(kept.Risk);
        }

        // A status of chosen points carries just those, in the order asked; indices out of range are left out.
        SweepStatus some = await sweep.GetStatusOf([3, 0, 99, -1]);
        Assert.Equal([3, 0], some.Points.Select(p => p.Index));
        Assert.Equal([status.Points[3], status.Points[0]], some.Points);
    }
}
