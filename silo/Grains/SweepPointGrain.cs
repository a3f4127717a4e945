using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// One job: running one grid point to its end, once. <see cref="Start"/> returns at once; an attempt
/// (<see cref="PointRunner"/>) then holds a worker slot and runs the point's work (<see cref="PointWork"/>:
/// SGD steps, or a batch of large-deviation replicas) on the thread pool in the one chunk loop. After every chunk the work is
/// checkpointed to grain storage and progress reported to the coordinator, so an activation that lost its
/// silo resumes elsewhere from the last checkpoint and ends bit-identical to an uninterrupted run. A
/// reminder brings the point back after a silo dies even when nobody calls it; the final report is
/// stored and delivered to the coordinator until it arrives.
/// </summary>
/// <remarks>
/// A finished point stays in memory only while used (reading its result ends the activation; an idle one goes after
/// <see cref="IdleMinutes"/> minutes). Points are placed by worker slots (<see cref="WorkerSlotPlacement"/> says why).
/// </remarks>
[CollectionAgeLimit(Minutes = IdleMinutes)]
[WorkerSlotPlacement]
public sealed partial class SweepPointGrain(
    [PersistentState("point", GrainKeys.Storage)] IPersistentState<PointGrainState> state,
    PointRunner runner,
    MeanFieldMetrics metrics,
    TimeProvider time,
    ILogger<SweepPointGrain> logger) : Grain, ISweepPointGrain, IRemindable
{
    /// <summary>Minutes an idle activation (a finished point read by a dashboard, say) stays in memory.</summary>
    public const int IdleMinutes = 2;

    private const string ResumeReminder = "resume";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _cancellation = new();
    private PointProgress? _progress;
    private Task? _work;
    private IGrainTimer? _keepAlive;
    private bool _resumed; // this activation resumed a lost point by itself and no start request has asked since

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A point that was assigned and never finished resumes as soon as it is activated again.
        if (state.State.Stored is not null && state.State.Result is null && !state.State.CancelRequested)
        {
            _resumed = StartWork(state.State.Stored);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<bool> Start(PointAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);

        // The coordinator's placement hint placed this activation; it must not travel on with this point's calls
        // (its reports, and whatever they activate).
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        if (state.State.Result is { } finished)
        {
            // Reported before; report again (idempotent) in case the coordinator lost it.
            await GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId).ReportResult(finished);
            return false;
        }

        if (state.State.Stored is null)
        {
            state.State.Stored = Mapping.ToStored(assignment);
            await Persist();
            await this.RegisterOrUpdateReminder(ResumeReminder, ReminderPeriod, ReminderPeriod);
        }

        if (!state.State.CancelRequested)
        {
            // An activation that resumed a lost point by itself answers the first request with true.
            bool started = StartWork(state.State.Stored, assignment) || _resumed;
            _resumed = false;
            return started;
        }

        if (_work is null)
        {
            await Finish(state.State.Stored, Mapping.ToResult(assignment.Index, PointState.Cancelled, null, null, 0), state.State.Checkpoint?.Step ?? 0);
        }

        return false;
    }

    /// <inheritdoc/>
    public Task<PointProgress> GetProgress() =>
        Task.FromResult(_progress ?? Progress(state.State.Result?.State ?? PointState.Pending));

    /// <inheritdoc/>
    public Task<PointResult?> GetResult()
    {
        // A finished point is read once or twice (aggregation, export): its activation goes as soon as it is idle.
        if (state.State.Result is not null && (_work is null || _work.IsCompleted))
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(state.State.Result);
    }

    /// <inheritdoc/>
    public Task<int> GetAttempts() => Task.FromResult(state.State.Attempts);

    /// <inheritdoc/>
    public Task<PointRecord> GetRecorded(string? feature) => Task.FromResult(PointRecords.Of(state.State, feature));

    /// <inheritdoc/>
    public async Task Cancel()
    {
        if (state.State.Result is not null)
        {
            return;
        }

        state.State.CancelRequested = true;
        await Persist();
        await _cancellation.CancelAsync();
        if (_work is null && state.State.Stored is { } assignment)
        {
            // Not running here (never started, or its activation was lost): finish it as cancelled now.
            await Finish(assignment, Mapping.ToResult(assignment.Index, PointState.Cancelled, null, null, 0), checkpointSteps: state.State.Checkpoint?.Step ?? 0);
        }
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Result is { } finished && state.State.Stored is { } done)
        {
            await GrainFactory.GetGrain<ISweepGrain>(done.SweepId).ReportResult(finished);
            await UnregisterReminder();
        }
        else if (state.State.Stored is { } assignment && !state.State.CancelRequested)
        {
            _resumed |= StartWork(assignment);
        }
    }

    // Starts the work unless it runs (true when it started); a KeepAlive timer holds the activation meanwhile.
    private bool StartWork(StoredAssignment assignment, PointAssignment? sent = null)
    {
        if (_work is not null)
        {
            return false;
        }

        _progress = Progress(PointState.Pending);
        _keepAlive = this.RegisterGrainTimer(static () => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        _work = RunAsync(assignment, sent);
        return true;
    }

    private async Task RunAsync(StoredAssignment assignment, PointAssignment? sent)
    {
        ISweepGrain sweep = GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId);
        using Activity? activity = PointRunner.Trace(assignment);
        AttemptOutcome outcome = await runner.Run(assignment, sent, state.State, Persist, (pointState, done) =>
        {
            PointProgress progress = _progress = Progress(pointState, done);
            _ = BestEffort(() => sweep.ReportProgress(progress), progress.Index);
        }, activity, _cancellation.Token);
        if (outcome is { Result: null, Fault: null })
        {
            return; // this activation is gone (PointRunner): nothing more can be done from it
        }

        try
        {
            if (outcome.Result is { } result)
            {
                await Finish(assignment, result, outcome.CheckpointSteps);
            }
        }
        catch (Exception ex) when (StorageFaults.Find(ex, "the point's result") is { } fault)
        {
            outcome = outcome with { Fault = fault };
        }

        if (outcome.Fault is { } stopped)
        {
            await StoppedByStorage(sweep, assignment, stopped);
            return;
        }

        _keepAlive?.Dispose();
        DeactivateOnIdle();
    }

    // One warning, the coordinator told (best effort), the activation dropped; its reminder and the watchdog restart it.
    private async Task StoppedByStorage(ISweepGrain sweep, StoredAssignment assignment, StorageFault fault)
    {
        LogStorageRefused(logger, assignment.SweepId, assignment.Index, fault.ToString());
        await BestEffort(() => sweep.ReportStorageFault(fault.ToString()), assignment.Index);

        _keepAlive?.Dispose();
        DeactivateOnIdle();
    }

    private async Task Finish(StoredAssignment assignment, PointResult result, long checkpointSteps)
    {
        metrics.PointFinished(assignment.ReplicaCount > 0, result.State);
        state.State.Result = result;
        state.State.Checkpoint = null;
        state.State.PartialSamples = null;
        await Persist();
        _progress = Progress(result.State, Math.Max(result.Steps, checkpointSteps));
        await Durable.Retry(() => GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId).ReportResult(result), time, logger);
        await UnregisterReminder();
    }

    // Storage may be briefly unreachable (a Redis restart): keep trying rather than fail the point.
    private Task Persist() => Durable.Write(state, time, logger);

    // Progress and storage-fault reports are best effort: the coordinator re-reads state after a reconnect.
    private async Task BestEffort(Func<Task> report, int index)
    {
        try
        {
            await report();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReportFailed(logger, ex, index);
        }
    }

    private async Task UnregisterReminder()
    {
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private PointProgress Progress(PointState pointState, long step = 0)
    {
        StoredAssignment? a = state.State.Stored;
        return new PointProgress(a?.Index ?? -1, pointState, step, a is null ? 0 : PointStates.Work(a.Steps, a.ReplicaCount));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Progress report of point {Index} failed; it will be re-read later")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, int index);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep {SweepId} point {Index} stopped: {Fault}; it resumes from its last checkpoint once the store takes writes again")]
    private static partial void LogStorageRefused(ILogger logger, string sweepId, int index, string fault);
}
