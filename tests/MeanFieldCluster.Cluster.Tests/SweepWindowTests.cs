using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// A coordinator starts at most <see cref="WorkerOptions.PointsInFlight"/> points at a time, the rest as
/// these finish; points never started are cancelled by the coordinator itself.
/// </summary>
public sealed class SweepWindowTests : IAsyncLifetime
{
    private const int Window = 3;

    private const string Spec = """
        name: window
        seed: 3
        model: {preset: mmn-relu, activation: tanh, init: {kappa: 1.0, output_std: 0.5}}
        data: {kind: isotropic-gaussian, d: 6, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 100, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 2], quantiles: 8}
        grid: {width: [10, 20], step_size: [0.01, 0.02], seeds: 3}
        """;

    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo
            .AddMeanFieldCluster(new WorkerOptions { Slots = 1, PointsInFlight = Window })
            .AddMemoryGrainStorage(GrainKeys.Storage)
            .UseInMemoryReminderService());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ASweepLargerThanTheWindowRunsEveryPointOnceWithTheSameNumbersAsAnyOtherRun()
    {
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(Spec, SpecFormat.Yaml));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("window-all");

        await sweep.Start(specJson);
        SweepStatus status = await WaitForCompletion(sweep);

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
        await WaitForCompletion(again);
        for (int i = 0; i < 12; i++)
        {
            PointResult a = (await sweep.GetResult(i))!, b = (await again.GetResult(i))!;
            Assert.Equal(a.Risk.Select(r => r.Risk), b.Risk.Select(r => r.Risk));
        }
    }

    [Fact]
    public async Task OnlyTheWindowIsActivatedAndCancellingEndsThePointsNeverStartedWithoutWakingThem()
    {
        // Points of 10^7 steps: none finishes during the test, so the window stays full.
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(Spec, SpecFormat.Yaml, ["grid.width=[500]", "grid.step_size=[0.0001]", "training.horizon=1000", "grid.seeds=8"]));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("window-cancel");

        await sweep.Start(specJson);
        Assert.Equal(Window, await PointActivations());

        await sweep.Cancel();
        SweepStatus status = await WaitForCompletion(sweep);

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

    private static async Task<SweepStatus> WaitForCompletion(ISweepGrain sweep)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            SweepStatus status = await sweep.GetStatus();
            if (status.State != SweepState.Running)
            {
                return status;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
