using System.Diagnostics;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The coordinator's watchdog: remembers when each point was last heard from (on the silo's injected
/// <see cref="TimeProvider"/>) and names the points silent for too long, whose silo probably died. Asking
/// such a point to start again is harmless: a running point ignores it, a lost one resumes from its
/// checkpoint on a live silo. It ticks on a grain timer while the sweep runs; a reminder re-activates the
/// coordinator (and so its watchdog) after the coordinator's silo died.
/// </summary>
public sealed class PointWatchdog
{
    private const string Reminder = "watchdog";

    /// <summary>A point silent for this long is asked to start again.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(10);

    /// <summary>How often the coordinator runs its watchdog (and stores the final states received since).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly DateTimeOffset[] _lastHeard;
    private IGrainTimer? _timer;

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

    /// <summary>
    /// Asks every point of <paramref name="book"/> in flight and not heard from within <paramref name="silence"/>
    /// to start again (<paramref name="starter"/>): a running point ignores it, a point whose activation was
    /// lost is activated on a live silo and resumes from its checkpoint. Traced in the sweep's submission trace.
    /// </summary>
    internal async Task Restart(PointBook book, PointStarter starter, TimeSpan silence, SweepSpec spec, string sweepId, string? traceParent)
    {
        PointSpec[] stalled = [.. Stalled(book.InFlightPoints(), silence).Select(i => book.Points[i])];
        if (stalled.Length == 0)
        {
            return;
        }

        using Activity? activity = SweepTrace.Start(MeanFieldTelemetry.SweepRestartActivity, sweepId, traceParent);
        activity?.SetTag("mfc.points", stalled.Length);
        await starter.Restart(stalled, spec);
    }

    /// <summary>Registers the reminder that re-activates <paramref name="grain"/> should its silo die (once, for a new sweep).</summary>
    public static Task Arm(IGrainBase grain) => grain.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    /// <summary>Unregisters the reminder of <paramref name="grain"/> (its sweep ended).</summary>
    public static async Task Disarm(IGrainBase grain)
    {
        if (await grain.GetReminder(Reminder) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }

    /// <summary>Runs <paramref name="tick"/> every <see cref="Period"/> on a timer of <paramref name="grain"/>, interleaved with its calls.</summary>
    public void Start(IGrainBase grain, Func<Task> tick) =>
        _timer ??= grain.RegisterGrainTimer(tick, new GrainTimerCreationOptions(Period, Period) { Interleave = true });

    /// <summary>Stops the timer.</summary>
    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }
}
