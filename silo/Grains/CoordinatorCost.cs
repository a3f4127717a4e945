using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Cost accounting of one sweep's coordinator (<see cref="CoordinatorStats"/>): the calls it handles and
/// the time spent in them, the points it starts and how long each took to acknowledge, its state writes
/// and activations. Counted from the submission: an activation starts from the figures last stored.
/// </summary>
internal sealed class CoordinatorCost(TimeProvider time)
{
    private long _calls;
    private double _callSeconds;
    private long _starts;
    private double _startSeconds;
    private long _writes;
    private int _activations;
    private long _restarts;
    private long _silentAsked;

    /// <summary>Continues from the stored figures (none for a new sweep) and counts this activation.</summary>
    public void Activated(CoordinatorStats? stored)
    {
        if (stored is not null)
        {
            (_calls, _callSeconds, _writes, _activations, _starts, _startSeconds, _restarts, _silentAsked) = (stored.Calls, stored.CallSeconds, stored.StateWrites, stored.Activations, stored.Starts, stored.StartSeconds, stored.Restarts, stored.SilentAsked);
        }

        _activations++;
    }

    /// <summary>Runs one handled call, counting it and its wall-clock time.</summary>
    public async Task Call(Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        long start = time.GetTimestamp();
        try
        {
            await call();
        }
        finally
        {
            _calls++;
            _callSeconds += time.GetElapsedTime(start).TotalSeconds;
        }
    }

    /// <summary>Runs one start of a point; when <paramref name="counted"/> and it succeeds, it counts with its time. Returns what the point answered (whether it started an attempt).</summary>
    public async Task<bool> Start(Func<Task<bool>> start, bool counted)
    {
        ArgumentNullException.ThrowIfNull(start);
        long began = time.GetTimestamp();
        bool started = await start();
        if (counted)
        {
            _starts++;
            _startSeconds += time.GetElapsedTime(began).TotalSeconds;
        }

        return started;
    }

    /// <summary>Counts <paramref name="asked"/> silent points the watchdog asked to start again, of which <paramref name="started"/> did (they had been lost).</summary>
    public void Restarted(int asked, int started) => (_silentAsked, _restarts) = (_silentAsked + asked, _restarts + started);

    /// <summary>The mean time a counted start took to be acknowledged, in seconds (0 before the first).</summary>
    public double MeanStartSeconds => _starts == 0 ? 0 : _startSeconds / _starts;

    /// <summary>Counts a state write; returns the figures to store with it.</summary>
    public CoordinatorStats Written()
    {
        _writes++;
        return Snapshot();
    }

    /// <summary>The figures so far.</summary>
    public CoordinatorStats Snapshot() => new(_calls, _callSeconds, _writes, _activations, _starts, _startSeconds, _restarts, _silentAsked);
}
