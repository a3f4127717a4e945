using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The one chunk loop of a point, for SGD steps and large-deviation replicas alike (<see cref="PointWork"/>):
/// chunks sized by the injected <see cref="IChunkSizer"/> until the work ends, the work captured into the
/// point's stored state after each. Results do not depend on chunk lengths: work resumed at any chunk
/// boundary continues bit for bit. Storage writes and progress reports overlap the computing: a chunk's
/// checkpoint is written while the next chunk runs (and awaited before the next checkpoint or the end),
/// and progress is reported without waiting, so the worker slot stays busy. A resumed point therefore
/// redoes at most about two chunks. Test hooks act at the boundaries (<see cref="ChunkBoundary"/>).
/// </summary>
public sealed class ChunkLoop(IChunkSizer sizer, ChunkBoundary boundary, MeanFieldMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// Runs <paramref name="work"/> of point <paramref name="index"/> of sweep <paramref name="sweepId"/> to its
    /// end. <paramref name="stored"/> is the point's state, written by <paramref name="persist"/>;
    /// <paramref name="pendingWrite"/> a write still under way; <paramref name="report"/> receives the
    /// point's state and work done after every chunk (and once at the start).
    /// </summary>
    internal async Task RunAsync(PointWork work, PointGrainState stored, string sweepId, int index, Func<Task> persist, Action<PointState, long> report, Task pendingWrite, CancellationToken cancellationToken)
    {
        report(PointState.Running, work.Done);
        long chunk = work.FirstChunk(sizer);
        try
        {
            while (!work.Ended)
            {
                using Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointChunkActivity);
                long chunkStarted = time.GetTimestamp();
                long advanced = await work.Advance(chunk, metrics, activity, cancellationToken);
                chunk = work.NextChunk(sizer, chunk, advanced, chunkStarted);
                await pendingWrite;
                if (!work.Ended)
                {
                    using Activity? checkpoint = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointCheckpointActivity);
                    work.Capture(stored, index, checkpoint);
                    pendingWrite = persist();
                    if (boundary.Active)
                    {
                        await boundary.Writing(sweepId, index, work.Done);
                    }
                }

                report(work.State, work.Done);
                if (!work.Ended && boundary.Active)
                {
                    // Test hooks only (docs/testing.md): the checkpoint is stored before the point announces itself.
                    await pendingWrite;
                    await boundary.Pass(sweepId, index, work.Done, cancellationToken);
                }
            }
        }
        finally
        {
            // Whatever ends the work (the last chunk, a cancel, an error), its last write lands before the result's.
            await pendingWrite;
        }
    }
}
