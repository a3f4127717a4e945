using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Cluster.Tests;

public sealed class WorkSchedulerTests
{
    [Fact]
    public async Task RequestsForEverySlotAllCompleteOneAtATime()
    {
        using var scheduler = new WorkScheduler(2);
        int running = 0, most = 0;

        async Task Work()
        {
            using IDisposable lease = await scheduler.AcquireAsync(2, CancellationToken.None);
            Assert.Equal(2, scheduler.Busy);
            most = Math.Max(most, Interlocked.Increment(ref running));
            await Task.Yield(); // the others try to acquire meanwhile
            Interlocked.Decrement(ref running);
        }

        Task all = Task.WhenAll(Work(), Work(), Work());
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Equal(1, most);
        Assert.Equal(0, scheduler.Busy);
    }

    [Fact]
    public async Task AMultiSlotRequestWaitsForSingleSlotWorkAndNeverHoldsMoreThanTheSlots()
    {
        using var scheduler = new WorkScheduler(2);
        IDisposable single = await scheduler.AcquireAsync(CancellationToken.None);
        Task<IDisposable> wide = scheduler.AcquireAsync(5, CancellationToken.None);

        // A lease is granted when a slot is released, never by time passing: no wait needed to see it pending.
        Assert.False(wide.IsCompleted);
        single.Dispose();
        using IDisposable lease = await wide.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(2, scheduler.Busy);
    }
}
