namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// The per-silo cap on concurrent CPU work: a point holds one slot while it computes, so at most
/// <see cref="Slots"/> points run at once and the grain scheduler's threads stay free for calls.
/// </summary>
public sealed class WorkScheduler : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _gate = new(1, 1);

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

    /// <summary>
    /// Waits for <paramref name="count"/> slots (at most <see cref="Slots"/>) for one piece of work; dispose the
    /// lease to give them all back. Requests for several slots take them one after another behind a gate, so
    /// two of them never each hold part of what they need.
    /// </summary>
    public async Task<IDisposable> AcquireAsync(int count, CancellationToken cancellationToken)
    {
        count = Math.Clamp(count, 1, Slots);
        if (count == 1)
        {
            return await AcquireAsync(cancellationToken).ConfigureAwait(true);
        }

        var leases = new List<IDisposable>(count);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(true);
        try
        {
            while (leases.Count < count)
            {
                leases.Add(await AcquireAsync(cancellationToken).ConfigureAwait(true));
            }
        }
        catch
        {
            leases.ForEach(l => l.Dispose());
            throw;
        }
        finally
        {
            _gate.Release();
        }

        return new Leases(leases);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _slots.Dispose();
        _gate.Dispose();
    }

    private sealed class Leases(List<IDisposable> leases) : IDisposable
    {
        public void Dispose() => leases.ForEach(l => l.Dispose());
    }

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
