namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The coordinator's watchdog: remembers when each point was last heard from (on the silo's injected
/// <see cref="TimeProvider"/>) and names the points silent for too long, whose silo probably died. Asking
/// such a point to start again is harmless: a running point ignores it, a lost one resumes from its
/// checkpoint on a live silo.
/// </summary>
public sealed class PointWatchdog
{
    /// <summary>A point silent for this long is asked to start again.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(10);

    /// <summary>How often the coordinator runs its watchdog (and stores the final states received since).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly DateTimeOffset[] _lastHeard;

    /// <summary>A watchdog over <paramref name="points"/> points, all heard from now.</summary>
    public PointWatchdog(TimeProvider time, int points)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _lastHeard = new DateTimeOffset[points];
        Array.Fill(_lastHeard, time.GetUtcNow());
    }

    /// <summary>Point <paramref name="index"/> reported, or was just started.</summary>
    public void Heard(int index) => _lastHeard[index] = _time.GetUtcNow();

    /// <summary>
    /// Those of <paramref name="candidates"/> (dispatched, unfinished points) not heard from within
    /// <paramref name="silence"/>; they count as heard from now, so the next restart waits another period.
    /// </summary>
    public IReadOnlyList<int> Stalled(IEnumerable<int> candidates, TimeSpan silence)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        DateTimeOffset now = _time.GetUtcNow();
        var stalled = new List<int>();
        foreach (int i in candidates)
        {
            if (now - _lastHeard[i] >= silence)
            {
                stalled.Add(i);
                _lastHeard[i] = now;
            }
        }

        return stalled;
    }
}
