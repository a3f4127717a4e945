// One job: telling a silo's grains which silos are active and how many worker slots each publishes.
using System.Globalization;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>An active silo and the worker slots it publishes.</summary>
/// <param name="Silo">The silo.</param>
/// <param name="Slots">Its worker slots (1 when it publishes none).</param>
public readonly record struct SiloSlots(SiloAddress Silo, int Slots);

/// <summary>
/// The active silos of the cluster, from this silo's view of the membership, each with the worker slots it
/// publishes in its silo metadata (<see cref="SlotsKey"/>, from <c>--workers</c>; 1 when absent, as for a silo
/// whose metadata has not arrived yet). Read by the placement director and by coordinators, which start a
/// sweep's points where slots are free (docs/performance.md, "Scale-out").
/// </summary>
public sealed class ClusterSlots(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    /// <summary>The silo metadata key that holds a silo's worker slots.</summary>
    public const string SlotsKey = "mfc.worker-slots";

    /// <summary>The active silos, by address, with their slots.</summary>
    public IReadOnlyList<SiloSlots> Active() =>
        [.. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => new SiloSlots(m.SiloAddress, Slots(m.SiloAddress)))
            .OrderBy(s => s.Silo)];

    /// <summary>The worker slots <paramref name="silo"/> publishes (1 when it publishes none).</summary>
    public int Slots(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SlotsKey, out string? text) && int.TryParse(text, CultureInfo.InvariantCulture, out int slots) && slots > 0 ? slots : 1;
}
