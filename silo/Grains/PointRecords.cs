using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>What a point has recorded so far, read from its stored state for live views (<see cref="ISweepPointGrain.GetRecorded"/>).</summary>
internal static class PointRecords
{
    /// <summary>
    /// The final observations once the point finished, else those of its last checkpoint (nothing before the
    /// first), with the quantile snapshots of <paramref name="feature"/> when it is not null.
    /// </summary>
    public static PointRecord Of(PointGrainState stored, string? feature)
    {
        // The result and the checkpoint are immutable records replaced whole on the grain's turn: reading
        // them from an interleaved call sees one consistent snapshot.
        PointResult? result = stored.Result;
        CheckpointData? checkpoint = stored.Checkpoint;
        PointResult? recorded = result ?? checkpoint?.Partial;
        int index = stored.Stored?.Index ?? stored.Result?.Index ?? -1;
        if (recorded is null)
        {
            return new PointRecord(index, 0, false, [], [], []);
        }

        string[] features = [.. recorded.Measures.Select(m => m.Feature).Distinct(StringComparer.Ordinal)];
        MeasureRow[] measures = feature is null ? [] : [.. recorded.Measures.Where(m => m.Feature == feature)];
        long step = result is not null ? result.Steps : checkpoint!.Step;
        return new PointRecord(index, step, result is not null, recorded.Risk, features, measures);
    }
}
