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

        SweepStatus first = await sweep.Start(specJson);
        SweepStatus second = await sweep.Start(specJson);

        Assert.Equal(first.StartedUtc, second.StartedUtc);
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
        // Per seed, a point of 2,000 steps and one of 10^7 steps (minutes): the long ones cannot finish.
        string spec = SpecWriter.ToJson(SpecLoader.Parse(EightPointSpec, SpecFormat.Yaml, ["grid.width=[500]", "grid.step_size=[0.5, 0.0001]", "training.horizon=1000"]));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("cancel-test");
        await sweep.Start(spec);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            // Wait until some point is computing (its first chunk reported) or has finished.
            while (!(await sweep.GetStatus()).Points.Any(p => p.State == PointState.Completed || (p.State == PointState.Running && p.Step > 0)))
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await sweep.Cancel();
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cancelling took {clock.Elapsed}");
        Assert.All(status.Points, p => Assert.Contains(p.State, new[] { PointState.Completed, PointState.Cancelled }));
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(SpecLoader.Parse(spec, SpecFormat.Json));
        Assert.All(points.Where(p => p.StepSize < 0.01), p => Assert.Equal(PointState.Cancelled, status.Points[p.Index].State));
        foreach (PointProgress p in status.Points.Where(p => p.State == PointState.Completed))
        {
            PointResult? kept = await sweep.GetResult(p.Index);
            Assert.NotNull(kept);
            Assert.NotEmpty(kept.Risk);
        }
    }
}
