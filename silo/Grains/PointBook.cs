using System.Runtime.CompilerServices;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The coordinator's bookkeeping of a sweep's points: each point's final state (in the grain's stored
/// state) or last reported progress, which points were dispatched and how many are in flight, the next
/// point to dispatch, and the counts by state and the work done, kept up to date change by change. Every
/// change gets a version, so a progress stream sends just the points changed since its last message.
/// </summary>
internal sealed class PointBook
{
    /// <summary>Points a progress message carries at most; further changes follow in the next messages.</summary>
    public const int MaxChangesPerMessage = 256;

    private readonly SweepGrainState _state;
    private readonly PointProgress?[] _live;
    private readonly bool[] _dispatched;
    private readonly long[] _changedAt;
    private readonly int[] _counts = new int[Enum.GetValues<PointState>().Length];
    private long _done;
    private int _next;
    private int _final;

    /// <summary>The book of <paramref name="points"/>, whose final states and steps are those of <paramref name="state"/>.</summary>
    public PointBook(PointSpec[] points, SweepGrainState state)
    {
        Points = points;
        _state = state;
        _live = new PointProgress?[points.Length];
        _dispatched = new bool[points.Length];
        _changedAt = new long[points.Length];
        foreach (PointSpec p in points)
        {
            PointProgress now = Current(p.Index);
            _final += IsFinal(p.Index) ? 1 : 0;
            _counts[(int)now.State]++;
            _done += now.DoneSteps;
            TotalWork += now.TotalSteps;
        }
    }

    /// <summary>The sweep's points, by index.</summary>
    public PointSpec[] Points { get; }

    /// <summary>Dispatched points not final.</summary>
    public int InFlight { get; private set; }

    /// <summary>Units of work of the whole sweep.</summary>
    public long TotalWork { get; }

    /// <summary>The version of the last change.</summary>
    public long Version { get; private set; }

    /// <summary>Whether every point is final.</summary>
    public bool AllFinal => _final == Points.Length;

    /// <summary>Whether <paramref name="index"/> names a point.</summary>
    public bool InRange(int index) => index >= 0 && index < Points.Length;

    /// <summary>Whether point <paramref name="index"/> is final.</summary>
    public bool IsFinal(int index) => PointStates.IsFinal(_state.Final[index]);

    /// <summary>Whether point <paramref name="index"/> was dispatched (or heard from) and is not final.</summary>
    public bool IsInFlight(int index) => _dispatched[index] && !IsFinal(index);

    /// <summary>Indices of the points in flight.</summary>
    public IEnumerable<int> InFlightPoints() => Points.Select(p => p.Index).Where(IsInFlight);

    /// <summary>What the coordinator knows of point <paramref name="index"/>.</summary>
    public PointProgress Current(int index)
    {
        PointSpec p = Points[index];
        return IsFinal(index)
            ? new PointProgress(index, _state.Final[index], p.ReplicaCount > 0 ? Work(p) : _state.Steps[index], Work(p))
            : _live[index] ?? new PointProgress(index, PointState.Pending, 0, Work(p));
    }

    /// <summary>A point reported progress: it counts as in flight (it may have been started by an earlier activation).</summary>
    public void Heard(PointProgress progress)
    {
        MarkDispatched(progress.Index);
        Change(progress.Index, () => _live[progress.Index] = progress);
    }

    /// <summary>Point <paramref name="index"/> reached <paramref name="final"/> after <paramref name="steps"/> steps.</summary>
    public void MarkFinal(int index, PointState final, long steps)
    {
        _final += IsFinal(index) ? 0 : 1;
        Change(index, () =>
        {
            _state.Final[index] = final;
            _state.Steps[index] = steps;
            _live[index] = null;
        });
        if (_dispatched[index])
        {
            InFlight--;
        }
        else
        {
            // Final without having been counted in flight: never to be dispatched.
            _dispatched[index] = true;
        }
    }

    /// <summary>The next points to start, in index order, until <paramref name="limit"/> are in flight; they count as dispatched.</summary>
    public List<PointSpec> Dispatch(int limit)
    {
        var batch = new List<PointSpec>();
        while (InFlight < limit && _next < Points.Length)
        {
            PointSpec p = Points[_next++];
            if (!_dispatched[p.Index] && !IsFinal(p.Index))
            {
                MarkDispatched(p.Index);
                batch.Add(p);
            }
        }

        return batch;
    }

    /// <summary>The longest a watcher waits for a message while nothing changes.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>A watcher's requested <paramref name="interval"/> between messages, held within [50 ms, <see cref="Heartbeat"/>].</summary>
    public static TimeSpan Interval(TimeSpan interval) => TimeSpan.FromTicks(Math.Clamp(interval.Ticks, TimeSpan.FromMilliseconds(50).Ticks, Heartbeat.Ticks));

    /// <summary>
    /// The progress stream (<see cref="ISweepGrain.WatchProgress"/>): a snapshot, then every
    /// <paramref name="interval"/> the changes since the message before (when there are any, else at least
    /// every <paramref name="heartbeat"/>); once the sweep is no longer running, the changes not yet sent,
    /// then the stream ends. <paramref name="sweep"/> reads the sweep's state and end; waits run on
    /// <paramref name="time"/>.
    /// </summary>
    public async IAsyncEnumerable<SweepProgress> Stream(Func<(SweepState State, DateTime? FinishedUtc)> sweep, TimeSpan interval, TimeSpan heartbeat, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (SweepState state, DateTime? finished) = sweep();
        SweepProgress message = Snapshot(state, finished);
        long cursor = message.Version, quiet = 0;
        yield return message;
        while (message.State == SweepState.Running || cursor < Version)
        {
            if (message.State == SweepState.Running)
            {
                await Task.Delay(interval, time, cancellationToken);
                (state, finished) = sweep();
                if (Version == cursor && state == SweepState.Running && ++quiet * interval < heartbeat)
                {
                    continue;
                }
            }

            quiet = 0;
            message = Changes(ref cursor, state, finished);
            yield return message;
        }
    }

    /// <summary>
    /// Marks every point neither final nor in flight cancelled (it will never start); returns the points in
    /// flight, which are to be asked to stop.
    /// </summary>
    public int[] CancelUnstarted()
    {
        int[] running = [.. InFlightPoints()];
        foreach (PointSpec p in Points.Where(p => !IsFinal(p.Index) && !IsInFlight(p.Index)))
        {
            MarkFinal(p.Index, PointState.Cancelled, 0);
        }

        return running;
    }

    /// <summary>A compact status: counts, work, and every point with reported progress that is not final.</summary>
    public SweepProgress Snapshot(SweepState state, DateTime? finishedUtc) =>
        Message(state, Version, true, [.. _live.OfType<PointProgress>()], finishedUtc);

    /// <summary>
    /// The changes after version <paramref name="cursor"/> (at most <see cref="MaxChangesPerMessage"/> points,
    /// the oldest changes first); <paramref name="cursor"/> moves to the version the message covers.
    /// </summary>
    public SweepProgress Changes(ref long cursor, SweepState state, DateTime? finishedUtc)
    {
        var changed = new List<(long At, int Index)>();
        for (int i = 0; i < _changedAt.Length; i++)
        {
            if (_changedAt[i] > cursor)
            {
                changed.Add((_changedAt[i], i));
            }
        }

        if (changed.Count > MaxChangesPerMessage)
        {
            changed.Sort();
            changed.RemoveRange(MaxChangesPerMessage, changed.Count - MaxChangesPerMessage);
            cursor = changed[^1].At;
        }
        else
        {
            cursor = Version;
        }

        return Message(state, cursor, false, [.. changed.Select(c => Current(c.Index))], finishedUtc);
    }

    private SweepProgress Message(SweepState state, long version, bool snapshot, PointProgress[] points, DateTime? finishedUtc) =>
        new(state, version, snapshot, [.. _counts], _done, TotalWork, points, finishedUtc);

    // Applies a change to a point, keeping the counts and the work done current, and stamps it with a version.
    private void Change(int index, Action change)
    {
        PointProgress before = Current(index);
        change();
        PointProgress after = Current(index);
        _counts[(int)before.State]--;
        _counts[(int)after.State]++;
        _done += after.DoneSteps - before.DoneSteps;
        _changedAt[index] = ++Version;
    }

    private void MarkDispatched(int index)
    {
        if (!_dispatched[index])
        {
            _dispatched[index] = true;
            InFlight++;
        }
    }

    private static long Work(PointSpec p) => PointStates.Work(p.Steps, p.ReplicaCount);
}
