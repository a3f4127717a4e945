using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>The list of sweeps, for <c>mfc list</c>.</summary>
public sealed class SweepRegistryGrain(
    [PersistentState("registry", GrainKeys.Storage)] IPersistentState<List<SweepEntry>> state) : Grain, ISweepRegistryGrain
{
    /// <inheritdoc/>
    public async Task Register(SweepEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (state.State.Any(e => e.SweepId == entry.SweepId))
        {
            return;
        }

        state.State.Add(entry);
        await state.WriteStateAsync();
    }

    /// <inheritdoc/>
    public Task<SweepEntry[]> List() => Task.FromResult(state.State.ToArray());
}
