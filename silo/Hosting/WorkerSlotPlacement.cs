// One job: placing the activations of point grains: on the silo a coordinator names, else in proportion to worker slots.
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Places activations on the compatible silos in proportion to the worker slots each publishes
/// (docs/performance.md, "Scale-out"): a silo with twice the slots receives twice the points of a burst.
/// Orleans' default (resource-optimized, preferring the caller's silo when loads look alike) put every point
/// of a sweep on its coordinator's silo, and activation-count placement, which reads statistics published
/// every few seconds, put 49 of a burst of 64 on one of two silos.
/// </summary>
[GenerateSerializer]
[Immutable]
[SuppressReferenceTracking]
public sealed class WorkerSlotPlacement : PlacementStrategy
{
}

/// <summary>Gives a grain class the <see cref="WorkerSlotPlacement"/> strategy.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerSlotPlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public WorkerSlotPlacementAttribute()
        : base(new WorkerSlotPlacement())
    {
    }
}

/// <summary>
/// The director of <see cref="WorkerSlotPlacement"/>. A placement hint (Orleans'
/// <see cref="IPlacementDirector.PlacementHintKey"/> in the request context, a <see cref="SiloAddress"/>) naming a
/// compatible silo wins: a coordinator names the silo where one of its points has just freed a slot. Otherwise,
/// smooth weighted round robin over the compatible silos, each weighted by the worker slots it publishes
/// (<see cref="ClusterSlots"/>): at every placement each silo's credit grows by its slots and the silo with the
/// most credit (ties: the lowest address) is chosen and pays the slots of all; so over any run of placements each
/// silo receives its share of slots to within one point, also in a burst that Orleans' activation statistics
/// (published every few seconds) would not yet see. A silo that joins starts with no credit and receives its share
/// at once. Placement never changes a number: a point's results depend on its spec only.
/// </summary>
/// <remarks>
/// The director of the caller's silo decides, so a burst of points started by one coordinator is spread by one
/// director. Unhinted placements balance the number of points placed, not their durations; hints (see
/// <c>DispatchLedger</c>) let a coordinator place each point where a slot has freed, so a faster silo runs more.
/// </remarks>
public sealed class WorkerSlotPlacementDirector(ClusterSlots slots) : IPlacementDirector
{
    private readonly Dictionary<SiloAddress, long> _credit = [];
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        SiloAddress[] silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new OrleansException($"No compatible silo for {target.GrainIdentity}.");
        }

        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hinted)
        {
            return Task.FromResult(hinted);
        }

        lock (_gate)
        {
            foreach (SiloAddress gone in _credit.Keys.Except(silos).ToList())
            {
                _credit.Remove(gone);
            }

            long total = 0;
            SiloAddress? best = null;
            foreach (SiloAddress silo in silos.OrderBy(s => s))
            {
                long weight = slots.Slots(silo);
                total += weight;
                long credit = _credit[silo] = _credit.GetValueOrDefault(silo) + weight;
                if (best is null || credit > _credit[best])
                {
                    best = silo;
                }
            }

            _credit[best!] -= total;
            return Task.FromResult(best!);
        }
    }
}
