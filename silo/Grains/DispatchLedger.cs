using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// A coordinator's record of the silo each of its dispatched points was placed on, so that it starts points
/// where worker slots are free (docs/performance.md, "Scale-out"). Each active silo takes at most
/// slots × (1 + queued per slot) of the sweep's unfinished points: one running per slot and
/// <c>queuedPerSlot</c> waiting behind it, already activated, so a slot that frees starts its next point at
/// once. A new point goes to the silo with the lowest load, (points + 1) / slots, among those below that cap
/// (ties: the lowest address); as a point ends, its silo's load drops, so the next point goes where the slot
/// freed, and a faster silo runs more points than a slower one. A silo that leaves the membership is forgotten
/// with its points (the watchdog restarts them elsewhere); a silo that joins takes points at the next dispatch.
/// Points whose silo the ledger does not know (started by an earlier activation, or restarted) are not counted
/// against any silo; the sweep's window (<see cref="SweepPolicy.PointsInFlight"/>) bounds every point in flight.
/// Short points need a deeper queue: a slot's next point must be started (the coordinator hears of an end, starts
/// a point, the point activates and stores its assignment) before the points queued behind the slot have run.
/// So the points queued per slot grow to 2 × (the mean time a start takes) / (the recent time a point holds its
/// slot), never below the configured number nor above <see cref="SweepPolicy.MaxPointsQueuedPerSlot"/>: for points
/// of a second or more that is the configured one, for points of milliseconds a few. Soft state: placement never
/// changes a number, only where and when a point runs.
/// </summary>
internal sealed class DispatchLedger(int queuedPerSlot)
{
    private readonly SortedDictionary<SiloAddress, Load> _silos = [];
    private readonly Dictionary<int, SiloAddress> _placed = [];
    private readonly int _minimum = queuedPerSlot;
    private double _pointSeconds = double.NaN; // moving average of the slot time of the points that ended

    /// <summary>Points queued behind each worker slot now: the configured number, or more for short points.</summary>
    public int QueuedPerSlot { get; private set; } = queuedPerSlot;

    /// <summary>Whether any silo is known (else the coordinator dispatches by its window alone, unhinted).</summary>
    public bool KnowsSilos => _silos.Count > 0;

    /// <summary>Takes the active silos and their slots: new silos start empty, silos gone are forgotten with their points.</summary>
    public void Refresh(IReadOnlyList<SiloSlots> active)
    {
        var live = active.Select(a => a.Silo).ToHashSet();
        foreach (SiloAddress gone in _silos.Keys.Where(s => !live.Contains(s)).ToList())
        {
            foreach (int point in _silos[gone].Points)
            {
                _placed.Remove(point);
            }

            _silos.Remove(gone);
        }

        foreach (SiloSlots a in active)
        {
            if (_silos.TryGetValue(a.Silo, out Load? load))
            {
                load.Slots = a.Slots;
            }
            else
            {
                _silos[a.Silo] = new Load(a.Slots);
            }
        }
    }

    /// <summary>How many more points the known silos take now.</summary>
    public int Free => _silos.Values.Sum(l => Math.Max(0, Cap(l) - l.Points.Count));

    /// <summary>The unfinished points placed on <paramref name="silo"/>.</summary>
    public int On(SiloAddress silo) => _silos.TryGetValue(silo, out Load? load) ? load.Points.Count : 0;

    /// <summary>
    /// Records point <paramref name="index"/> on the least loaded silo below its cap and answers that silo, or null
    /// when every known silo is full.
    /// </summary>
    public SiloAddress? Place(int index)
    {
        SiloAddress? best = null;
        Load? bestLoad = null;
        foreach ((SiloAddress silo, Load load) in _silos)
        {
            // (n + 1) / slots < (m + 1) / s, in integers; the first (lowest address) wins ties.
            if (load.Points.Count < Cap(load) && (bestLoad is null || (long)(load.Points.Count + 1) * bestLoad.Slots < (long)(bestLoad.Points.Count + 1) * load.Slots))
            {
                (best, bestLoad) = (silo, load);
            }
        }

        if (best is not null)
        {
            bestLoad!.Points.Add(index);
            _placed[index] = best;
        }

        return best;
    }

    /// <summary>
    /// Point <paramref name="index"/> is final after holding its slot for <paramref name="seconds"/> (0 when it never
    /// ran), and a start now takes <paramref name="startSeconds"/> on average: the slot is free again, and the queue
    /// per slot follows the points' length (a moving average over the last points, weight 1/5 each).
    /// </summary>
    public void Ended(int index, double seconds, double startSeconds)
    {
        Ended(index);
        if (seconds > 0 && double.IsFinite(seconds))
        {
            _pointSeconds = double.IsNaN(_pointSeconds) ? seconds : _pointSeconds + ((seconds - _pointSeconds) / 5);
        }

        if (startSeconds > 0 && double.IsFinite(startSeconds) && _pointSeconds > 0)
        {
            double needed = Math.Ceiling(2 * startSeconds / _pointSeconds);
            QueuedPerSlot = (int)Math.Clamp(needed, _minimum, Math.Max(_minimum, SweepPolicy.MaxPointsQueuedPerSlot));
        }
    }

    /// <summary>Point <paramref name="index"/> is final: its silo's slot is free again.</summary>
    public void Ended(int index)
    {
        if (_placed.Remove(index, out SiloAddress? silo))
        {
            _silos[silo].Points.Remove(index);
        }
    }

    private int Cap(Load load) => (int)Math.Min(int.MaxValue, (long)load.Slots * (1 + QueuedPerSlot));

    private sealed class Load(int slots)
    {
        public int Slots { get; set; } = slots;

        public HashSet<int> Points { get; } = [];
    }
}
