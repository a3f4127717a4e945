// One job: placing the activations of point grains on the silos in proportion to their worker slots.
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
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
/// The director of <see cref="WorkerSlotPlacement"/>: smooth weighted round robin over the compatible silos,
/// each weighted by the worker slots it publishes in its silo metadata (<see cref="SlotsKey"/>; 1 when absent).
/// At every placement each silo's credit grows by its slots and the silo with the most credit (ties: the
/// lowest address) is chosen and pays the slots of all; so over any run of placements each silo receives its
/// share of slots to within one point, also in a burst that Orleans' activation statistics (published every
/// few seconds) would not yet see. A silo that joins starts with no credit and receives its share at once.
/// Placement never changes a number: a point's results depend on its spec only.
/// </summary>
/// <remarks>
/// The director of the caller's silo decides, so a burst of points started by one coordinator is spread by one
/// director. It balances the number of points placed, not their durations: points of very unequal length can
/// still leave one silo idle while another has points waiting for a slot.
/// </remarks>
public sealed class WorkerSlotPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    /// <summary>The silo metadata key that holds a silo's worker slots.</summary>
    public const string SlotsKey = "mfc.worker-slots";

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
                long slots = Slots(silo);
                total += slots;
                long credit = _credit[silo] = _credit.GetValueOrDefault(silo) + slots;
                if (best is null || credit > _credit[best])
                {
                    best = silo;
                }
            }

            _credit[best!] -= total;
            return Task.FromResult(best!);
        }
    }

    /// <summary>The worker slots <paramref name="silo"/> publishes (1 when it publishes none).</summary>
    public long Slots(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SlotsKey, out string? text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out long slots) && slots > 0 ? slots : 1;
}
