using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The mean-field limit of a sweep solved while the sweep runs, for its aggregation. The limit depends only on the
/// spec and on the times it is compared at; when every point completes, those are the planned observation times
/// (<see cref="PdeComparison.PlannedTimes"/>). <see cref="Start"/> solves it at those times on the thread pool;
/// <see cref="PdeComparison.Compute"/> takes that solution when its times are exactly the ones the completed points
/// recorded, and otherwise (a point diverged or failed, say) solves again. Either way the numbers are the ones a
/// solve at aggregation gives: what changes is when the solver runs. A process keeps at most <see cref="Kept"/>
/// solutions not yet taken (the oldest goes first), so sweeps that never aggregate cost no memory for long.
/// </summary>
public static class LimitPrefetch
{
    /// <summary>Solutions kept at most, not yet taken.</summary>
    internal const int Kept = 4;

    private static readonly Lock Gate = new();
    private static readonly LinkedList<Entry> Entries = [];
    private static long s_taken;

    /// <summary>Solutions taken by an aggregation so far in this process (for tests and diagnostics).</summary>
    internal static long Taken => Interlocked.Read(ref s_taken);

    /// <summary>
    /// Starts solving the limit of <paramref name="spec"/> at its planned times on the thread pool, unless the sweep
    /// has no reduced limit, has field axes (compared per combination), is a large-deviation sweep (no PDE
    /// comparison), or its solve has already started here.
    /// Returns whether a solve was started.
    /// </summary>
    public static bool Start(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.LargeDeviations is not null || spec.Grid.Axes.Count != 0 || ReducedLimit.Check(spec) is not null)
        {
            return false;
        }

        double[] times = PdeComparison.PlannedTimes(spec);
        if (times.Length == 0)
        {
            return false;
        }

        string key = SpecWriter.ToJson(spec);
        lock (Gate)
        {
            if (Entries.Any(e => e.Key == key))
            {
                return false;
            }

            Entries.AddLast(new Entry(key, times, Task.Run(() => ReducedLimit.Solve(spec, times))));
            while (Entries.Count > Kept)
            {
                Entries.RemoveFirst();
            }
        }

        return true;
    }

    /// <summary>Whether a solution for <paramref name="spec"/> is held, not yet taken.</summary>
    internal static bool Holds(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string key = SpecWriter.ToJson(spec);
        lock (Gate)
        {
            return Entries.Any(e => e.Key == key);
        }
    }

    /// <summary>
    /// The solution started for <paramref name="spec"/>, waited for, when it was solved at exactly
    /// <paramref name="times"/> and succeeded; null otherwise. Either way the entry is dropped.
    /// </summary>
    internal static LimitCurve? Take(SweepSpec spec, double[] times)
    {
        Entry? entry;
        lock (Gate)
        {
            // Nothing held (every sweep with field axes, whose comparisons are one per combination): no key to write.
            if (Entries.Count == 0)
            {
                return null;
            }

            string key = SpecWriter.ToJson(spec);
            LinkedListNode<Entry>? node = Entries.First;
            while (node is not null && node.Value.Key != key)
            {
                node = node.Next;
            }

            if (node is null)
            {
                return null;
            }

            entry = node.Value;
            Entries.Remove(node);
        }

        if (!entry.Times.AsSpan().SequenceEqual(times))
        {
            return null;
        }

        try
        {
            LimitCurve curve = entry.Curve.GetAwaiter().GetResult();
            Interlocked.Increment(ref s_taken);
            return curve;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The aggregation's own solve reports the failure.
            return null;
        }
    }

    private sealed record Entry(string Key, double[] Times, Task<LimitCurve> Curve);
}
