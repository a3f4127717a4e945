namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// The per-silo cap on concurrent CPU work: a point holds one slot while it computes, so at most
/// <see cref="Slots"/> points run at once and the grain scheduler's threads stay free for calls.
/// </summary>
public sealed class WorkScheduler : IDisposable
{
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates a scheduler with <paramref name="slots"/> worker slots (at least 1).</summary>
    public WorkScheduler(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        _slots = new SemaphoreSlim(slots, slots);
    }

    /// <summary>Number of worker slots.</summary>
    public int Slots { get; }

    /// <summary>Slots currently held.</summary>
    public int Busy => Slots - _slots.CurrentCount;

    /// <summary>Waits for a free slot; dispose the lease to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(true);
        return new Lease(_slots);
    }

    /// <inheritdoc/>
    public void Dispose() => _slots.Dispose();

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
