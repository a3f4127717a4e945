using System.Net;
using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Hosting;
using Orleans.Runtime;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The coordinator's dispatch ledger (<see cref="DispatchLedger"/>): each silo takes at most slots × (1 + queued)
/// points, a new point goes to the least loaded silo with room (ties: lowest address), and the next point goes
/// where a point ended; silos that leave are forgotten with their points, silos that join take points.
/// </summary>
public sealed class DispatchLedgerTests
{
    private static readonly SiloAddress A = Silo(1), B = Silo(2), C = Silo(3);

    [Fact]
    public void PointsGoToTheLeastLoadedSiloUntilEachHoldsItsSlotsAndOneQueuedPerSlot()
    {
        var ledger = new DispatchLedger(queuedPerSlot: 1);
        ledger.Refresh([new(B, 1), new(A, 3)]);
        Assert.Equal(8, ledger.Free);

        string placed = Names(Enumerable.Range(0, 9).Select(ledger.Place));

        // Loads (n + 1) / slots: A 1/3, 2/3, then A 3/3 ties B 1/1 and A (the lower address) wins; B 1/1 beats
        // A 4/3; A 4/3 and 5/3 beat B 2/1; A 6/3 ties B 2/1 and fills A; B takes the last place; then none is left.
        Assert.Equal("A A A B A A A B -", placed);
        Assert.Equal((6, 2, 0), (ledger.On(A), ledger.On(B), ledger.Free));
    }

    [Fact]
    public void ThePointAfterAnEndGoesWhereTheSlotFreed()
    {
        var ledger = new DispatchLedger(queuedPerSlot: 1);
        ledger.Refresh([new(A, 1), new(B, 1)]);
        Assert.Equal("A B A B", Names(Enumerable.Range(0, 4).Select(ledger.Place)));

        // B (points 1, 3) is faster: each of its ends frees B, and A, full, takes nothing.
        ledger.Ended(1);
        Assert.Equal((1, "B"), (ledger.Free, Names([ledger.Place(4)])));
        ledger.Ended(3);
        ledger.Ended(4);
        Assert.Equal("B B -", Names(new[] { 5, 6, 7 }.Select(ledger.Place)));
        Assert.Equal((2, 2), (ledger.On(A), ledger.On(B)));

        // An end the ledger never placed (a restarted point) changes nothing.
        ledger.Ended(99);
        Assert.Equal(0, ledger.Free);
    }

    [Fact]
    public void WithNothingQueuedASiloTakesOnePointPerSlot()
    {
        var ledger = new DispatchLedger(queuedPerSlot: 0);
        ledger.Refresh([new(A, 2), new(B, 1)]);
        Assert.Equal("A A B -", Names(Enumerable.Range(0, 4).Select(ledger.Place)));
        ledger.Ended(0);
        Assert.Equal("A", Names([ledger.Place(4)]));
    }

    [Fact]
    public void ASiloThatLeavesIsForgottenWithItsPointsAndASiloThatJoinsTakesTheNext()
    {
        var ledger = new DispatchLedger(queuedPerSlot: 1);
        Assert.False(ledger.KnowsSilos);
        ledger.Refresh([new(A, 1), new(B, 1)]);
        Assert.True(ledger.KnowsSilos);
        Assert.Equal("A B A B", Names(Enumerable.Range(0, 4).Select(ledger.Place)));

        ledger.Refresh([new(A, 1), new(C, 2)]);
        Assert.Equal((2, 0, 4), (ledger.On(A), ledger.On(B), ledger.Free));
        ledger.Ended(1); // it was on B, gone: nothing to free
        Assert.Equal(4, ledger.Free);
        Assert.Equal("C C C C -", Names(Enumerable.Range(4, 5).Select(ledger.Place)));

        // A silo that publishes more slots takes more.
        ledger.Refresh([new(A, 2), new(C, 2)]);
        Assert.Equal("A A -", Names(Enumerable.Range(9, 3).Select(ledger.Place)));
    }

    [Fact]
    public void ShortPointsDeepenTheQueueSoThatASlotsNextPointIsStartedBeforeItIsNeeded()
    {
        var ledger = new DispatchLedger(queuedPerSlot: 1);
        ledger.Refresh([new(A, 2)]);
        Assert.Equal("A A A A -", Names(Enumerable.Range(0, 5).Select(ledger.Place)));

        // Points of a second, starts of 10 ms: one queued per slot is plenty.
        ledger.Ended(0, seconds: 1.0, startSeconds: 0.010);
        Assert.Equal((1, 1), (ledger.QueuedPerSlot, ledger.Free));

        // The average follows the points by fifths: 1 → 0.2 + 0.8 · 1 = 0.8016 after a 0.008 s point, ...
        ledger.Ended(1, seconds: 0.008, startSeconds: 0.010);
        Assert.Equal(1, ledger.QueuedPerSlot); // ceil(2 · 0.010 / 0.8016) = 1
        for (int i = 2; i < 40; i++)
        {
            ledger.Ended(i, seconds: 0.008, startSeconds: 0.010);
        }

        // ... to about 8 ms: 2 · 10 / 8 = 2.5, so 3 queued per slot, 2 × (1 + 3) places.
        Assert.Equal(3, ledger.QueuedPerSlot);
        Assert.Equal(8 - ledger.On(A), ledger.Free);

        // A point that never ran (0 s) leaves the average; a configured minimum is never undercut.
        ledger.Ended(40, seconds: 0, startSeconds: 0.010);
        Assert.Equal(3, ledger.QueuedPerSlot);
        var deep = new DispatchLedger(queuedPerSlot: 5);
        deep.Refresh([new(A, 1)]);
        deep.Ended(0, seconds: 2.0, startSeconds: 0.010);
        Assert.Equal(5, deep.QueuedPerSlot);

        // Points that take no time at all raise it to the bound, not beyond.
        deep.Ended(1, seconds: 1e-9, startSeconds: 1.0);
        for (int i = 2; i < 200; i++)
        {
            deep.Ended(i, seconds: 1e-9, startSeconds: 1.0);
        }

        Assert.Equal(SweepPolicy.MaxPointsQueuedPerSlot, deep.QueuedPerSlot);
    }

    // The silos as letters, "-" for none.
    private static string Names(IEnumerable<SiloAddress?> silos) =>
        string.Join(' ', silos.Select(s => s is null ? "-" : s.Equals(A) ? "A" : s.Equals(B) ? "B" : s.Equals(C) ? "C" : "?"));

    private static SiloAddress Silo(int i) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11110 + i), 1);
}
