namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// Runs the blocks of one pass on the calling thread plus up to <c>helpers</c> thread-pool threads. Blocks
/// are claimed one at a time; which thread runs a block never changes what it computes (blocks write
/// disjoint rows and nothing is summed across blocks), so the result is the same for any thread count.
/// The calling thread takes blocks too, so a pass finishes even when the pool is busy. Nothing is
/// allocated per pass.
/// </summary>
internal sealed class RowTeam : IThreadPoolWorkItem
{
    private readonly Action<int> _body;
    private readonly int _helpers;
    private long _ticket; // generation << 32 | next unclaimed block
    private int _blocks;
    private int _done;

    /// <summary>A team that calls <paramref name="body"/>(block) for every block of a pass.</summary>
    public RowTeam(Action<int> body, int helpers)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(helpers);
        _body = body;
        _helpers = helpers;
    }

    /// <summary>Runs blocks 0..blocks-1 and returns when all are done.</summary>
    public void Run(int blocks)
    {
        if (_helpers == 0 || blocks <= 1)
        {
            for (int b = 0; b < blocks; b++)
            {
                _body(b);
            }

            return;
        }

        _blocks = blocks;
        _done = 0;
        long generation = (Volatile.Read(ref _ticket) >> 32) + 1;
        Volatile.Write(ref _ticket, generation << 32);
        for (int h = Math.Min(_helpers, blocks - 1); h > 0; h--)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        Work(generation);
        SpinWait wait = default;
        while (Volatile.Read(ref _done) < blocks)
        {
            wait.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <inheritdoc/>
    public void Execute() => Work(Volatile.Read(ref _ticket) >> 32);

    private void Work(long generation)
    {
        while (true)
        {
            long ticket = Volatile.Read(ref _ticket);
            int block = (int)(ticket & 0xFFFF_FFFF);
            if ((ticket >> 32) != generation || block >= Volatile.Read(ref _blocks))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _ticket, ticket + 1, ticket) != ticket)
            {
                continue;
            }

            _body(block);
            Interlocked.Increment(ref _done);
        }
    }
}
