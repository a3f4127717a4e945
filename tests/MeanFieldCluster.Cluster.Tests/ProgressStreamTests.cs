using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The coordinator's bookkeeping and progress stream (changes, not the whole status, with bounded
/// messages), its watchdog and the storage retries on an injected clock.
/// </summary>
public sealed class ProgressStreamTests(ITestOutputHelper output)
{
    private static readonly Serializer Wire = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void TheWatchdogNamesThePointsSilentForTenSecondsOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var watchdog = new PointWatchdog(time, 3);
        time.Advance(TimeSpan.FromSeconds(6));
        watchdog.Heard(1);
        time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromTicks(1));
        Assert.Empty(watchdog.Stalled([0, 1, 2], PointWatchdog.StallAfter));

        // Points 0 and 2 were last heard from 10 s ago (when the watchdog began), point 1 only 4 s ago.
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal([0, 2], watchdog.Stalled([0, 1, 2], PointWatchdog.StallAfter));

        // A point asked to start again waits another full period; a point not among the candidates (finished) never stalls.
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([1], watchdog.Stalled([0, 1, 2], PointWatchdog.StallAfter));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal([0], watchdog.Stalled([0, 1], PointWatchdog.StallAfter));

        // A resubmission restarts every candidate at once.
        Assert.Equal([0, 1, 2], watchdog.Stalled([0, 1, 2], TimeSpan.Zero));
    }

    [Fact]
    public async Task StorageRetriesWaitOnTheInjectedClockDoublingFromTwoTenthsOfASecond()
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        Task retry = Durable.Retry(() => ++attempts < 3 ? Task.FromException(new IOException("storage down")) : Task.CompletedTask, time, NullLogger.Instance);
        Assert.Equal(1, attempts);

        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(1, attempts);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Until(() => attempts == 2);

        // The second delay is twice the first.
        time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(2, attempts);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await retry.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task AWriteFromAnActivationOrleansInvalidatedIsNotRetried()
    {
        // Orleans' own message (GrainRuntime.CheckRuntimeContext), wrapped as a storage bridge may wrap it: one
        // attempt, at once, however long the clock would allow; any other failure is still retried.
        var time = new FakeTimeProvider();
        int attempts = 0;
        var gone = new InvalidOperationException($"{Durable.InvalidActivationMessage}: [Activation: S127.0.0.1:1:1/sweeppoint/x/1]");
        Task retry = Durable.Retry(() => { attempts++; return Task.FromException(new OrleansException("write failed", gone)); }, time, NullLogger.Instance);
        Exception thrown = await Assert.ThrowsAsync<OrleansException>(() => retry.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.True(Durable.ActivationGone(thrown));
        Assert.Equal(1, attempts);
        Assert.False(Durable.ActivationGone(new InvalidOperationException("Activation access violation.")));
        Assert.False(Durable.ActivationGone(new IOException(Durable.InvalidActivationMessage)));
    }

    [Fact]
    public void MessagesCarryTheChangesSinceTheLastOneWithExactCountsAndAtMostAFewHundredPoints()
    {
        (PointBook book, long perPoint) = Book(1000);
        SweepProgress snapshot = book.Snapshot(SweepState.Running, null);
        Assert.True(snapshot.Snapshot);
        Assert.Empty(snapshot.Points);
        Assert.Equal(1000, snapshot.Count(PointState.Pending));
        long cursor = snapshot.Version;

        // Two points report progress, one finishes: the next message has just those.
        book.Heard(new PointProgress(3, PointState.Running, 40, 100));
        book.Heard(new PointProgress(5, PointState.Running, 10, 100));
        book.MarkFinal(3, PointState.Completed, 100);
        SweepProgress changes = book.Changes(ref cursor, SweepState.Running, null);
        Assert.False(changes.Snapshot);
        Assert.Equal([3, 5], changes.Points.Select(p => p.Index).Order());
        Assert.Equal(PointState.Completed, changes.Points.Single(p => p.Index == 3).State);
        Assert.Equal((998, 1, 1, perPoint + 10), (changes.Count(PointState.Pending), changes.Count(PointState.Running), changes.Count(PointState.Completed), changes.DoneWork));
        Assert.Empty(book.Changes(ref cursor, SweepState.Running, null).Points);

        // More changes than a message carries: the oldest first, the rest in the next message; counts always exact.
        for (int i = 100; i < 700; i++)
        {
            book.MarkFinal(i, PointState.Completed, 100);
        }

        SweepProgress first = book.Changes(ref cursor, SweepState.Running, null), second = book.Changes(ref cursor, SweepState.Running, null), third = book.Changes(ref cursor, SweepState.Running, null);
        Assert.Equal(Enumerable.Range(100, PointBook.MaxChangesPerMessage), first.Points.Select(p => p.Index));
        Assert.Equal(Enumerable.Range(100 + PointBook.MaxChangesPerMessage, PointBook.MaxChangesPerMessage), second.Points.Select(p => p.Index));
        Assert.Equal(Enumerable.Range(100 + (2 * PointBook.MaxChangesPerMessage), 600 - (2 * PointBook.MaxChangesPerMessage)), third.Points.Select(p => p.Index));
        Assert.All([first, second, third], m => Assert.Equal(601, m.Count(PointState.Completed)));

        // The snapshot after a reconnect: the running point, exact counts.
        SweepProgress again = book.Snapshot(SweepState.Running, null);
        Assert.Equal([5], again.Points.Select(p => p.Index));
        Assert.Equal(601, again.FinishedCount);
    }

    [Fact]
    public async Task TheStreamWaitsOnTheInjectedClockAndSendsEveryChangeBeforeItEnds()
    {
        (PointBook book, _) = Book(1000);
        var time = new FakeTimeProvider();
        SweepState state = SweepState.Running;
        await using IAsyncEnumerator<SweepProgress> stream = book.Stream(() => (state, null), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), time).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.True(stream.Current.Snapshot);

        // The sweep ends with 600 changes unsent: they all come, 256 at a time, then the stream ends.
        for (int i = 0; i < 600; i++)
        {
            book.MarkFinal(i, PointState.Completed, 1);
        }

        state = SweepState.Completed;
        ValueTask<bool> next = stream.MoveNextAsync(); // waits for the next interval on the injected clock
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var sizes = new List<int>();
        for (bool more = await next; more; more = await stream.MoveNextAsync())
        {
            sizes.Add(stream.Current.Points.Length);
            Assert.Equal(SweepState.Completed, stream.Current.State);
        }

        Assert.Equal([256, 256, 88], sizes);
    }

    [Fact]
    public void WatchingA100000PointSweepTakesBoundedBytesWhateverItsSize()
    {
        // A 100,000-point sweep planned, its running simulated: 1024 points in flight; before each message
        // 1000 points finish and every running point reports progress (far more than a real half second brings).
        (PointBook book, long perPoint) = Book(100_000);
        int full = Wire.SerializeToArray(new SweepStatus("s", "n", SweepState.Running, [.. book.Points.Select(p => book.Current(p.Index))], DateTime.UtcNow, null)).Length;
        long cursor = book.Version, bytes = 0;
        int largest = 0, snapshot = 0;
        const int Rounds = 20;
        for (int next = 0; next < Rounds * 1000; next += 1000)
        {
            for (int i = next; i < next + 1024; i++)
            {
                book.Heard(new PointProgress(i, PointState.Running, perPoint / 2, perPoint));
            }

            snapshot = Math.Max(snapshot, Wire.SerializeToArray(book.Snapshot(SweepState.Running, null)).Length);
            for (int i = next; i < next + 1000; i++)
            {
                book.MarkFinal(i, PointState.Completed, perPoint);
            }

            int size = Wire.SerializeToArray(book.Changes(ref cursor, SweepState.Running, null)).Length;
            (largest, bytes) = (Math.Max(largest, size), bytes + size);
        }

        // A few kB a message (at most 256 points), against more than a megabyte for the whole status.
        output.WriteLine($"100,000 points: full status {full:N0} B; snapshot with 1024 running {snapshot:N0} B; {Rounds} change messages, largest {largest:N0} B, {bytes:N0} B in all");
        Assert.True(largest < 8_000, $"{largest} B");
        Assert.True(snapshot < 32_000, $"{snapshot} B");
        Assert.True(full > 1_000_000, $"{full} B");
    }

    [Fact]
    public async Task AWatchSeesASnapshotThenChangesUntilTheSweepEndsWithEveryPointCompleted()
    {
        await using InProcessTestCluster cluster = await TestClusters.DeployAsync(w => w.Slots = 1, policy: p => p.PointsInFlight = 3);
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml));
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>("stream-eight");
        await sweep.Start(specJson);

        var messages = new List<SweepProgress>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await foreach (SweepProgress message in sweep.WatchProgress(TimeSpan.FromMilliseconds(100), timeout.Token))
        {
            messages.Add(message);
        }

        Assert.True(messages[0].Snapshot);
        Assert.All(messages.Skip(1), m => Assert.False(m.Snapshot));
        Assert.Equal(messages.Select(m => m.Version).Order(), messages.Select(m => m.Version));
        SweepProgress last = messages[^1];
        Assert.Equal((SweepState.Completed, 8, 8), (last.State, last.Count(PointState.Completed), last.PointCount));
        Assert.Equal(last.TotalWork, last.DoneWork);

        // No point's end is lost: it was sent once it happened, or it had ended before the snapshot, which
        // counts it. How many end before the snapshot depends on speed and placement, and a point ending as
        // the snapshot is taken may be both counted and sent; so the two together cover the 8 at least.
        int[] endsSent = [.. messages.Skip(1).SelectMany(m => m.Points).Where(p => p.IsFinished).Select(p => p.Index).Distinct()];
        Assert.InRange(endsSent.Length + messages[0].Count(PointState.Completed), 8, 16);
        SweepProgress compact = await sweep.GetProgress();
        Assert.Equal((SweepState.Completed, 8), (compact.State, compact.Count(PointState.Completed)));
        Assert.NotNull(compact.Coordinator);
    }

    // A book of `count` points like those of a sweep of tiny points (planned once, copied), and the work of one point.
    private static (PointBook Book, long PerPoint) Book(int count)
    {
        PointSpec one = SweepPlanner.Expand(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml))[0];
        PointSpec[] points = [.. Enumerable.Range(0, count).Select(i => one with { Index = i })];
        var state = new SweepGrainState { Final = new PointState[points.Length], Steps = new long[points.Length] };
        return (new PointBook(points, state), points[0].Steps);
    }

    /// <summary>Waits until <paramref name="condition"/> holds (at most two minutes); on timeout the failure names <paramref name="what"/>.</summary>
    internal static Task Until(Func<bool> condition, string what = "the condition") => Until(() => Task.FromResult(condition()), what);

    /// <summary>Waits until the asynchronous <paramref name="condition"/> holds (at most two minutes), as <see cref="Until(Func{bool}, string)"/>.</summary>
    internal static async Task Until(Func<Task<bool>> condition, string what = "the condition")
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
