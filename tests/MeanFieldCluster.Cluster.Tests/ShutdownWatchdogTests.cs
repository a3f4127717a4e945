using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The silo's shutdown watchdog on an injected clock: idle until the host starts stopping, then it ends the
/// process (exit 1, one message) exactly when the timeout has passed on that clock, and never once the stop
/// finished (disposed) in time. The real process without Redis: Fault tests, ShutdownWatchdogProcessTests.
/// </summary>
public sealed class ShutdownWatchdogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public void NothingHappensWhileTheSiloRunsHoweverLong()
    {
        var (clock, lifetime, said, exits) = Setup();
        using var watchdog = new ShutdownWatchdog(lifetime, Timeout, clock, said.Add, exits.Add);
        clock.Advance(TimeSpan.FromDays(3));
        Assert.Empty(said);
        Assert.Empty(exits);
    }

    [Fact]
    public void AStopThatHangsEndsTheProcessWhenTheTimeoutHasPassedAndNotBefore()
    {
        var (clock, lifetime, said, exits) = Setup();
        using var watchdog = new ShutdownWatchdog(lifetime, Timeout, clock, said.Add, exits.Add);
        clock.Advance(TimeSpan.FromMinutes(5));
        lifetime.StopApplication();
        clock.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.Empty(exits);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal([ShutdownWatchdog.ExitCode], exits);
        Assert.Equal(1, ShutdownWatchdog.ExitCode);
        string message = Assert.Single(said);
        Assert.StartsWith("error: the silo did not stop within 45 s of the stop request (--shutdown-timeout); ending it now.", message, StringComparison.Ordinal);
        Assert.Contains("Redis", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStopThatFinishesInTimeEndsNothing()
    {
        var (clock, lifetime, said, exits) = Setup();
        var watchdog = new ShutdownWatchdog(lifetime, Timeout, clock, said.Add, exits.Add);
        lifetime.StopApplication();
        clock.Advance(Timeout / 2);
        watchdog.Dispose();
        clock.Advance(Timeout * 2);
        Assert.Empty(said);
        Assert.Empty(exits);
    }

    [Fact]
    public void ATimeoutThatIsNotPositiveIsRefused()
    {
        var (clock, lifetime, said, exits) = Setup();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShutdownWatchdog(lifetime, TimeSpan.Zero, clock, said.Add, exits.Add));
    }

    private static (FakeTimeProvider Clock, Lifetime Lifetime, List<string> Said, List<int> Exits) Setup() =>
        (new FakeTimeProvider(), new Lifetime(), [], []);

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }
}
