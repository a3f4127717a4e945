using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The coordinator's watchdog runs on the silo's injected clock, grain timer included: with a fake clock
/// installed as the grains' <see cref="TimeProvider"/> (Orleans drives grain timers from it; the silo's own
/// maintenance loops stay on real time), the watchdog checks only when the test advances the clock, and
/// restarts a silent point exactly when ten seconds of that clock have passed, however long the machine takes.
/// </summary>
public sealed class WatchdogClockTests : IAsyncLifetime
{
    private readonly ArmingClock _clock = new();
    private readonly string _gate = Path.Combine(Path.GetTempPath(), $"mfc-watchdog-{Guid.NewGuid():N}");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestClusters.DeployAsync(w => w.Slots = 1, hooks: Gated(_gate), silos: 1, silo: s =>
        {
            s.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock));
            s.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_gate, recursive: true);
    }

    [Fact]
    public async Task ASilentPointIsRestartedWhenTenSecondsOfTheInjectedClockHavePassedAndNotBefore()
    {
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml, ["grid.width=[10]", "grid.step_size=[0.01]", "grid.seeds=1"]));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("watchdog-clock");
        await sweep.Start(specJson);

        // The point holds at its first chunk boundary and stops reporting; the watchdog's timer is armed for one period.
        // The point sends its report of that chunk before it holds, but the report reaches the coordinator on its own
        // schedule: the clock must not move before it has (the coordinator would then have last heard the point one
        // period late, and ask a period late).
        string held = Path.Combine(_gate, "held-0");
        await ProgressStreamTests.Until(() => File.Exists(held), "the point to hold at its first boundary");
        long boundary = long.Parse((await File.ReadAllTextAsync(held)).Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        await ProgressStreamTests.Until(async () => (await sweep.GetStatus()).Points[0].Step >= boundary, "the coordinator to hear the point's first chunk");

        await ProgressStreamTests.Until(() => _clock.Armed >= 1, "the watchdog's timer to be armed");

        // The point was last heard at the clock's start. Each period of the clock runs exactly one check; the
        // checks at 2, 4, 6 and 8 s leave it alone, the one at 10 s asks it to start again (it is running: a no-op,
        // not counted as a restart).
        int periods = (int)(PointWatchdog.StallAfter / PointWatchdog.Period);
        for (int tick = 1; tick <= periods + 1; tick++)
        {
            _clock.Advance(PointWatchdog.Period);
            await ProgressStreamTests.Until(() => _clock.Armed >= tick + 1, $"check {tick} to run and re-arm the timer");
            CoordinatorStats cost = (await sweep.GetStatus()).Coordinator!;
            Assert.True(cost.SilentAsked == (tick < periods ? 0 : 1), $"after {tick} periods of the injected clock: {cost.SilentAsked} requests");
            Assert.Equal(0, cost.Restarts);
        }

        Assert.Equal(periods + 2, _clock.Armed);
        Assert.Equal(1, await _cluster.Client.GetGrain<ISweepPointGrain>(GrainKeys.Point("watchdog-clock", 0)).GetAttempts());

        // Released, the point finishes; the clock has no say in the numbers.
        await File.WriteAllTextAsync(Path.Combine(_gate, "release-all"), "");
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);
        Assert.Equal(PointState.Completed, status.Points[0].State);
    }

    /// <summary>The suite-level hooks of the environment plus a gate in <paramref name="gate"/>, with chunks of at most 50 steps so a point has boundaries to hold at.</summary>
    internal static TestHooks Gated(string gate)
    {
        TestHooks environment = TestHooks.FromEnvironment();
        return environment with { GateDirectory = gate, ChunkSteps = environment.ChunkSteps ?? 50 };
    }

    // A fake clock that counts how often a timer is armed for one watchdog period: Orleans re-arms a grain
    // timer when its tick completes, so a test knows a check has run and the next period will fire it.
    private sealed class ArmingClock : FakeTimeProvider
    {
        private int _armed;

        public int Armed => Volatile.Read(ref _armed);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new Counted(base.CreateTimer(callback, state, dueTime, period), this);

        private sealed class Counted(ITimer inner, ArmingClock clock) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                bool changed = inner.Change(dueTime, period);
                if (changed && dueTime == PointWatchdog.Period)
                {
                    Interlocked.Increment(ref clock._armed);
                }

                return changed;
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
