using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// A coordinator starts at most <see cref="SweepPolicy.PointsInFlight"/> points at a time, the rest as
/// these finish; points never started are cancelled by the coordinator itself. Points hold at their chunk
/// boundaries under the test gate until a test releases them.
/// </summary>
public sealed class SweepWindowTests : IAsyncLifetime
{
    private const int Window = 3;

    private readonly string _gate = Path.Combine(Path.GetTempPath(), $"mfc-window-{Guid.NewGuid():N}");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestClusters.DeployAsync(w => w.Slots = 1, hooks: WatchdogClockTests.Gated(_gate), policy: p => (p.PointsInFlight, p.PointsQueuedPerSlot) = (Window, 10)); // the window, not the slots, binds
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_gate, recursive: true);
    }

    [Fact]
    public async Task ASweepLargerThanTheWindowRunsEveryPointOnceWithTheSameNumbersAsAnyOtherRun()
    {
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml, ["grid.seeds=3"]));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("window-all");
        Directory.CreateDirectory(_gate);
        await File.WriteAllTextAsync(Path.Combine(_gate, "release-all"), "");

        await sweep.Start(specJson);
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(12, status.Points.Length);
        Assert.All(status.Points, p => Assert.Equal(PointState.Completed, p.State));
        Assert.NotNull(status.Coordinator);
        Assert.Equal(12, status.Coordinator.Starts);
        Assert.True(status.Coordinator.Calls >= 12, $"{status.Coordinator.Calls} calls for 12 points");
        foreach (PointProgress p in status.Points)
        {
            Assert.Equal(1, await _cluster.Client.GetGrain<ISweepPointGrain>(GrainKeys.Point("window-all", p.Index)).GetAttempts());
        }

        // The numbers do not depend on how points were dispatched: the same spec under another id, same results.
        ISweepGrain again = _cluster.Client.GetGrain<ISweepGrain>("window-again");
        await again.Start(specJson);
        await TestClusters.WaitForCompletion(again);
        for (int i = 0; i < 12; i++)
        {
            PointResult a = (await sweep.GetResult(i))!, b = (await again.GetResult(i))!;
            Assert.Equal(a.Risk.Select(r => r.Risk), b.Risk.Select(r => r.Risk));
        }
    }

    [Fact]
    public async Task OnlyTheWindowIsActivatedAndCancellingEndsThePointsNeverStartedWithoutWakingThem()
    {
        // The points hold at their first chunk boundary (never released): none finishes, so the window stays full.
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml, ["grid.width=[20]", "grid.step_size=[0.01]", "grid.seeds=8"]));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("window-cancel");

        await sweep.Start(specJson);
        Assert.Equal(Window, await PointActivations());

        await sweep.Cancel();
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.All(status.Points, p => Assert.Equal(PointState.Cancelled, p.State));
        Assert.All(status.Points.Skip(Window), p => Assert.Equal(0, p.Step));
        Assert.True(await PointActivations() <= Window, "cancelling woke points that never started");
        Assert.Equal(Window, status.Coordinator!.Starts);
    }

    private async Task<int> PointActivations()
    {
        SimpleGrainStatistic[] stats = await _cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains("sweeppoint", StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
    }
}
