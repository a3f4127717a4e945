using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The sweep's aggregate for its coordinator: computed once the sweep has finished, off the coordinator, by
/// <see cref="SweepAggregatorGrain"/>, and stored with the coordinator's state. Concurrent callers share the
/// one computation; after a failure (the aggregator's silo died, say) the next call tries again.
/// </summary>
internal sealed class SweepAggregate(IGrainFactory grains, string sweepId, IPersistentState<SweepGrainState> state, SweepStore store)
{
    private Task<string>? _computing;

    /// <summary>The stored aggregate, computed first if the sweep has finished and it is not yet stored; null while the sweep runs.</summary>
    /// <param name="spec">The sweep's spec as its coordinator bound it; null when none was submitted.</param>
    public async Task<string?> Get(SweepSpec? spec)
    {
        if (state.State.AggregateJson is not null || state.State.FinishedUtc is null || spec is null)
        {
            return state.State.AggregateJson;
        }

        _computing ??= grains.GetGrain<ISweepAggregatorGrain>(sweepId).Aggregate(spec, state.State.TraceParent);
        string json;
        try
        {
            json = await _computing;
        }
        catch (Exception) when (_computing is { IsFaulted: true })
        {
            _computing = null;
            throw;
        }

        if (state.State.AggregateJson is null)
        {
            state.State.AggregateJson = json;
            await store.Write();
        }

        return json;
    }
}
