using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>How one attempt at a point ended: with a result, stopped because the store refuses writes, or abandoned because Orleans deactivated its activation (both null).</summary>
/// <param name="Result">The point's result (completed, diverged, cancelled or failed); null when <paramref name="Fault"/> stopped it or the activation is gone.</param>
/// <param name="Fault">The storage fault that stopped the attempt, if any.</param>
/// <param name="CheckpointSteps">Steps covered by the last checkpoint the attempt wrote.</param>
public sealed record AttemptOutcome(PointResult? Result, StorageFault? Fault, long CheckpointSteps);

/// <summary>
/// One attempt at a point's work on this silo, for <see cref="SweepPointGrain"/>: it waits for worker slots,
/// builds the work (<see cref="PointWork"/>) from the assignment and the stored checkpoint, runs the chunk
/// loop (<see cref="ChunkLoop"/>) and says how it ended. It owns the active-point and duration metrics and
/// tags the attempt's trace activity (<see cref="Trace"/>); the grain owns the stored state and the reports
/// to the coordinator, which the activity also covers.
/// </summary>
public sealed partial class PointRunner(WorkScheduler scheduler, MeanFieldMetrics metrics, WorkerOptions workerOptions, ChunkLoop chunks, TimeProvider time, ILogger<PointRunner> logger)
{
    /// <summary>Starts the trace activity of one attempt at <paramref name="assignment"/> (docs/telemetry.md: <c>mfc.point.run</c>).</summary>
    public static Activity? Trace(StoredAssignment assignment) =>
        MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointRunActivity)?
            .SetTag("mfc.sweep.id", assignment.SweepId).SetTag("mfc.point.index", assignment.Index).SetTag("mfc.point.kind", MeanFieldTelemetry.Kind(assignment.ReplicaCount > 0));

    /// <summary>
    /// Runs <paramref name="assignment"/> from <paramref name="stored"/> (written by <paramref name="persist"/>),
    /// reporting the point's state and work done to <paramref name="report"/> after every chunk. The spec and point
    /// are those <paramref name="sent"/> by the coordinator in this activation, else the stored ones read back.
    /// </summary>
    public async Task<AttemptOutcome> Run(StoredAssignment assignment, PointAssignment? sent, PointGrainState stored, Func<Task> persist, Action<PointState, long> report, Activity? activity, CancellationToken cancellationToken)
    {
        bool largeDeviations = assignment.ReplicaCount > 0;
        long started = 0;
        PointResult result;
        PointWork? work = null;
        IDisposable? active = null;
        try
        {
            // A wide point may take several slots and run its first-layer passes on that many threads (same numbers).
            var stepper = new SgdStepperOptions { Threads = workerOptions.ThreadsPerWidePoint };
            int threads = assignment.Mode is null && assignment.Widths[0] >= stepper.ParallelMinWidth ? Math.Clamp(stepper.Threads, 1, scheduler.Slots) : 1;
            using IDisposable slot = await scheduler.AcquireAsync(threads, cancellationToken);
            active = metrics.PointActive(largeDeviations);
            started = time.GetTimestamp();
            stored.Attempts++;
            activity?.AddEvent(new ActivityEvent("worker slot acquired")).SetTag("mfc.point.attempt", stored.Attempts);

            // The attempt is stored while the work is set up and its first chunk computes: the slot never waits on storage.
            Task attemptStored = persist();
            PointAssignment typed = Mapping.Resolve(assignment, sent);
            PointSpec point = typed.Point;
            SweepSpec spec = typed.Spec.ForPoint(point);
            work = await PointWork.CreateAsync(spec, point, stored.Checkpoint, stored.PartialSamples, stepper with { Threads = threads });
            await chunks.RunAsync(work, stored, assignment.SweepId, assignment.Index, persist, report, attemptStored, cancellationToken);
            result = work.Result(assignment.Index, work.State, null, Seconds(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = PointWork.Result(work, assignment.Index, PointState.Cancelled, null, Seconds(started));
        }
        catch (Exception ex) when (StorageFaults.Find(ex, "the point's state") is { } fault)
        {
            // The store refuses writes for good: nothing more can be kept, so the point stops without a result
            // and resumes from its last stored checkpoint once the coordinator finds the store writable again.
            activity?.SetStatus(ActivityStatusCode.Error, fault.ToString());
            active?.Dispose();
            return new AttemptOutcome(null, fault, 0);
        }
        catch (Exception ex) when (Durable.ActivationGone(ex))
        {
            // Orleans deactivated this activation under the running work: stop at once and give up the worker
            // slot; the point's next activation resumes from its last stored checkpoint (same numbers).
            active?.Dispose();
            return new AttemptOutcome(null, null, 0);
        }
        catch (Exception ex)
        {
            LogPointFailed(logger, ex, assignment.SweepId, assignment.Index);
            result = PointWork.Result(work, assignment.Index, PointState.Failed, ex.Message, Seconds(started));
            activity?.AddException(ex);
        }

        // The point stops computing on this silo: it leaves the active points; its duration counts if it computed.
        activity?.SetTag("mfc.point.state", MeanFieldTelemetry.State(result.State));
        if (result.State == PointState.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        if (active is not null)
        {
            metrics.PointDuration(largeDeviations, result.State, result.Seconds);
            active.Dispose();
        }

        return new AttemptOutcome(result, null, work?.CheckpointSteps ?? 0);
    }

    private double Seconds(long started) => started == 0 ? 0 : time.GetElapsedTime(started).TotalSeconds;

    [LoggerMessage(Level = LogLevel.Error, Message = "Point {Index} of sweep {SweepId} failed")]
    private static partial void LogPointFailed(ILogger logger, Exception exception, string sweepId, int index);
}
