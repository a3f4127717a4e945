using System.Diagnostics;
using System.Globalization;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Runs one grid point. <see cref="Start"/> returns at once; the SGD work runs on the thread pool in
/// chunks while holding one worker slot. After every chunk the grain checkpoints the run (parameters,
/// step, random streams, observations) to grain storage and reports progress to the coordinator, so an
/// activation that lost its silo resumes elsewhere from the last checkpoint and ends bit-identical to an
/// uninterrupted run. A reminder brings the point back after a silo dies even when nobody calls it.
/// </summary>
/// <remarks>
/// A finished point is kept in memory only while it is used: reading its result ends the activation, and
/// any activation idle for <see cref="IdleMinutes"/> minutes is collected (a running point keeps itself alive).
/// </remarks>
[CollectionAgeLimit(Minutes = IdleMinutes)]
public sealed partial class SweepPointGrain(
    [PersistentState("point", GrainKeys.Storage)] IPersistentState<PointGrainState> state,
    WorkScheduler scheduler,
    MeanFieldMetrics metrics,
    WorkerOptions workerOptions,
    IChunkSizer sizer,
    ChunkBoundary boundary,
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

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A point that was assigned and never finished resumes as soon as it is activated again.
        if (state.State.Assignment is not null && state.State.Result is null && !state.State.CancelRequested)
        {
            StartWork(state.State.Assignment);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task Start(PointAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (state.State.Result is { } finished)
        {
            // Reported before; report again (idempotent) in case the coordinator lost it.
            await GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId).ReportResult(finished);
            return;
        }

        if (state.State.Assignment is null)
        {
            state.State.Assignment = assignment;
            await Persist();
            await this.RegisterOrUpdateReminder(ResumeReminder, ReminderPeriod, ReminderPeriod);
        }

        if (!state.State.CancelRequested)
        {
            StartWork(state.State.Assignment);
        }
        else if (_work is null)
        {
            await Finish(state.State.Assignment, Mapping.ToResult(assignment.Index, PointState.Cancelled, null, null, 0), state.State.Checkpoint?.Step ?? 0);
        }
    }

    /// <inheritdoc/>
    public Task<PointProgress> GetProgress() =>
        Task.FromResult(_progress ?? Progress(state.State.Result?.State ?? PointState.Pending));

    /// <inheritdoc/>
    public Task<PointResult?> GetResult()
    {
        // A finished point is read once or twice (aggregation, export) and then never again: its activation
        // goes as soon as it is idle, so a large sweep's export does not fill the silo with finished points.
        if (state.State.Result is not null && (_work is null || _work.IsCompleted))
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(state.State.Result);
    }

    /// <inheritdoc/>
    public Task<int> GetAttempts() => Task.FromResult(state.State.Attempts);

    /// <inheritdoc/>
    public Task<PointRecord> GetRecorded(string? feature)
    {
        // The result and the checkpoint are immutable records replaced whole on the grain's turn: reading
        // them from an interleaved call sees one consistent snapshot.
        PointResult? result = state.State.Result;
        CheckpointData? checkpoint = state.State.Checkpoint;
        PointResult? recorded = result ?? checkpoint?.Partial;
        int index = state.State.Assignment?.Index ?? -1;
        if (recorded is null)
        {
            return Task.FromResult(new PointRecord(index, 0, false, [], [], []));
        }

        string[] features = [.. recorded.Measures.Select(m => m.Feature).Distinct(StringComparer.Ordinal)];
        MeasureRow[] measures = feature is null ? [] : [.. recorded.Measures.Where(m => m.Feature == feature)];
        long step = result is not null ? result.Steps : checkpoint!.Step;
        return Task.FromResult(new PointRecord(index, step, result is not null, recorded.Risk, features, measures));
    }

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
        if (_work is null && state.State.Assignment is { } assignment)
        {
            // Not running here (never started, or its activation was lost): finish it as cancelled now.
            await Finish(assignment, Mapping.ToResult(assignment.Index, PointState.Cancelled, null, null, 0), checkpointSteps: state.State.Checkpoint?.Step ?? 0);
        }
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Result is { } finished && state.State.Assignment is { } done)
        {
            await GrainFactory.GetGrain<ISweepGrain>(done.SweepId).ReportResult(finished);
            await UnregisterReminder();
        }
        else if (state.State.Assignment is { } assignment && !state.State.CancelRequested)
        {
            StartWork(assignment);
        }
    }

    private void StartWork(PointAssignment assignment)
    {
        if (_work is not null)
        {
            return;
        }

        _progress = Progress(PointState.Pending);

        // A timer with KeepAlive holds the activation while the work runs, whatever the idle collection age.
        _keepAlive = this.RegisterGrainTimer(static () => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        _work = RunAsync(assignment);
    }

    private async Task RunAsync(PointAssignment assignment)
    {
        ISweepGrain sweep = GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId);
        bool largeDeviations = assignment.ReplicaCount > 0;
        using Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointRunActivity);
        activity?.SetTag("mfc.sweep.id", assignment.SweepId).SetTag("mfc.point.index", assignment.Index).SetTag("mfc.point.kind", MeanFieldTelemetry.Kind(largeDeviations));
        long started = 0;
        PointResult result;
        SgdRun? run = null;
        IDisposable? active = null;
        try
        {
            // A wide point may take several slots and run its first-layer passes on that many threads (same numbers).
            var stepper = new SgdStepperOptions { Threads = workerOptions.ThreadsPerWidePoint };
            int threads = assignment.Mode is null && assignment.Widths[0] >= stepper.ParallelMinWidth ? Math.Clamp(stepper.Threads, 1, scheduler.Slots) : 1;
            using IDisposable slot = await scheduler.AcquireAsync(threads, _cancellation.Token);
            active = metrics.PointActive(largeDeviations);
            started = time.GetTimestamp();
            state.State.Attempts++;
            activity?.AddEvent(new ActivityEvent("worker slot acquired")).SetTag("mfc.point.attempt", state.State.Attempts);

            // The attempt is stored while the run is set up and its first chunk computes: the slot never waits on storage.
            Task attemptStored = Persist();
            PointSpec point = Mapping.ToPointSpec(assignment);
            SweepSpec spec = SpecLoader.Parse(assignment.SpecJson, SpecFormat.Json).ForPoint(point);
            if (spec.LargeDeviations is not null)
            {
                await attemptStored;
                double[] samples = await RunReplicas(spec, point, sweep);
                result = Mapping.ToResult(assignment.Index, PointState.Completed, null, null, Seconds(started)) with { Steps = samples.Length, Samples = samples };
                Ended(activity, largeDeviations, result, ref active);
                await Finish(assignment, result, 0);
                _keepAlive?.Dispose();
                DeactivateOnIdle();
                return;
            }

            CheckpointData? checkpoint = state.State.Checkpoint;
            run = await Task.Run(() =>
            {
                DataModel data = DataModel.Create(spec.Data, spec.Seed);
                TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
                return new SgdRun(spec, point, data, testSet, checkpoint?.ToEngine(), stepper with { Threads = threads });
            });
            string shape = Shape(spec, point, threads);
            await RunChunks(run, sweep, sizer.FirstSteps(shape, MultiplyAddsPerStep(point, spec)), shape, attemptStored);
            result = Mapping.ToResult(assignment.Index, MapState(run.Status), run, null, Seconds(started));
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            result = Mapping.ToResult(assignment.Index, PointState.Cancelled, run, null, Seconds(started));
        }
        catch (Exception ex)
        {
            LogPointFailed(logger, ex, assignment.SweepId, assignment.Index);
            result = Mapping.ToResult(assignment.Index, PointState.Failed, run, ex.Message, Seconds(started));
            activity?.AddException(ex);
        }

        Ended(activity, largeDeviations, result, ref active);
        await Finish(assignment, result, run?.Step ?? 0);
        _keepAlive?.Dispose();
        DeactivateOnIdle();
    }

    // The point stops computing on this silo: it leaves the active points; its duration counts if it computed.
    private void Ended(Activity? activity, bool largeDeviations, PointResult result, ref IDisposable? active)
    {
        activity?.SetTag("mfc.point.state", MeanFieldTelemetry.State(result.State));
        if (result.State == PointState.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        if (active is not null)
        {
            metrics.PointDuration(largeDeviations, result.State, result.Seconds);
            active.Dispose();
            active = null;
        }
    }

    // Runs chunks until the run ends, checkpointing after each one. Chunk length adapts to about one second
    // of work; results do not depend on it (a run resumed at any step continues bit for bit). Storage
    // writes and progress reports overlap the computing: a chunk's checkpoint is written while the next
    // chunk runs (and awaited before the next checkpoint or the end), and progress is reported without
    // waiting for the coordinator, so the worker slot is busy with steps. A resumed run therefore redoes at
    // most about two chunks.
    private async Task RunChunks(SgdRun run, ISweepGrain sweep, long chunk, string shape, Task pendingWrite)
    {
        _progress = Progress(PointState.Running, run.Step);
        _ = ReportProgress(sweep, _progress);
        try
        {
            while (run.Status == RunStatus.Running)
            {
                using Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointChunkActivity);
                long from = run.Step, chunkStarted = time.GetTimestamp();
                try
                {
                    await Task.Run(() => run.Advance(chunk, _cancellation.Token));
                }
                finally
                {
                    metrics.StepsDone(run.Step - from);
                    activity?.SetTag("mfc.steps.from", from).SetTag("mfc.steps.to", run.Step);
                }

                chunk = sizer.NextSteps(shape, chunk, run.Step - from, chunkStarted);
                await pendingWrite;
                if (run.Status == RunStatus.Running)
                {
                    using Activity? checkpoint = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointCheckpointActivity);
                    checkpoint?.SetTag("mfc.checkpoint.step", run.Step);
                    state.State.Checkpoint = CheckpointData.Capture(state.State.Assignment!.Index, run);
                    pendingWrite = Persist();
                    if (boundary.Active)
                    {
                        await boundary.Writing(sweep.GetPrimaryKeyString(), state.State.Assignment!.Index, run.Step);
                    }
                }

                _progress = Progress(run.Status == RunStatus.Running ? PointState.Running : MapState(run.Status), run.Step);
                _ = ReportProgress(sweep, _progress);
                if (run.Status == RunStatus.Running && boundary.Active)
                {
                    // Test hooks only (docs/testing.md): the checkpoint is stored before the point announces itself.
                    await pendingWrite;
                    await boundary.Pass(sweep.GetPrimaryKeyString(), state.State.Assignment!.Index, run.Step, _cancellation.Token);
                }
            }
        }
        finally
        {
            // Whatever ends the run (the last step, a cancel, an error), its last write lands before the result's.
            await pendingWrite;
        }
    }

    // Large deviations: the batch's replicas in chunks of about a second, checkpointing the values done so far.
    private async Task<double[]> RunReplicas(SweepSpec spec, PointSpec point, ISweepGrain sweep)
    {
        var samples = new List<double>(state.State.PartialSamples ?? []);
        ReplicaRunner runner = await Task.Run(() =>
        {
            DataModel data = DataModel.Create(spec.Data, spec.Seed);
            bool testRisk = spec.LargeDeviations!.Functional == LdFunctionals.Risk && spec.Observe.Risk == RiskKinds.Test;
            TestSet? testSet = testRisk ? TestSet.For(data, spec.Observe.TestSamples, spec.Seed) : null;
            return new ReplicaRunner(spec, point, data, testSet, ReplicaRunner.ReferenceFor(spec, point));
        });
        long perReplica = Math.Max(1, point.Steps);
        int chunk = sizer.FirstReplicas();
        while (samples.Count < point.ReplicaCount)
        {
            _cancellation.Token.ThrowIfCancellationRequested();
            using Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointChunkActivity);
            int from = point.ReplicaStart + samples.Count, count = Math.Min(chunk, point.ReplicaCount - samples.Count);
            activity?.SetTag("mfc.replicas.from", from).SetTag("mfc.replicas.count", count);
            long chunkStarted = time.GetTimestamp();
            double[] done = await Task.Run(() => Enumerable.Range(from, count).Select(runner.Run).ToArray());
            metrics.ReplicasDone(done.Length);
            samples.AddRange(done);
            chunk = sizer.NextReplicas(chunk, chunkStarted);
            using (Activity? checkpoint = MeanFieldTelemetry.ActivitySource.StartActivity(MeanFieldTelemetry.PointCheckpointActivity))
            {
                checkpoint?.SetTag("mfc.checkpoint.replicas", samples.Count);
                state.State.PartialSamples = [.. samples];
                await Persist();
            }

            _progress = Progress(PointState.Running, samples.Count * perReplica);
            await ReportProgress(sweep, _progress);
            if (samples.Count < point.ReplicaCount && boundary.Active)
            {
                await boundary.Pass(sweep.GetPrimaryKeyString(), point.Index, samples.Count * perReplica, _cancellation.Token);
            }
        }

        return [.. samples];
    }

    private async Task Finish(PointAssignment assignment, PointResult result, long checkpointSteps)
    {
        metrics.PointFinished(assignment.ReplicaCount > 0, result.State);
        state.State.Result = result;
        state.State.Checkpoint = null;
        state.State.PartialSamples = null;
        await Persist();
        _progress = Progress(result.State, Math.Max(result.Steps, checkpointSteps));
        await Durable.Retry(() => GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId).ReportResult(result), logger);
        await UnregisterReminder();
    }

    // Storage may be briefly unreachable (a Redis restart): keep trying rather than fail the point.
    private Task Persist() => Durable.Write(state, logger);

    // Progress is best effort: the coordinator re-reads state after a reconnect.
    private async Task ReportProgress(ISweepGrain sweep, PointProgress progress)
    {
        try
        {
            await sweep.ReportProgress(progress);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReportFailed(logger, ex, progress.Index);
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
        PointAssignment? a = state.State.Assignment;
        long total = a is null ? 0 : a.ReplicaCount > 0 ? a.ReplicaCount * Math.Max(1, a.Steps) : a.Steps;
        return new PointProgress(a?.Index ?? -1, pointState, step, total);
    }

    // The kind of point whose speed the chunk sizer learns: model, activation, widths, d, batch, precision, threads.
    private static string Shape(SweepSpec spec, PointSpec point, int threads) => string.Create(
        CultureInfo.InvariantCulture,
        $"{spec.Model.Preset}/{spec.Model.Activation.Kind}/{string.Join('x', point.Widths)}/{spec.Data.Dimension}/{spec.Training.BatchSize}/{spec.Training.Precision}/{threads}");

    // Multiply-adds of one SGD step (forward and backward pass over every layer's weights).
    private static double MultiplyAddsPerStep(PointSpec point, SweepSpec spec)
    {
        double work = (double)point.Widths[0] * spec.Data.Dimension;
        for (int l = 1; l < point.Layers; l++)
        {
            work += (double)point.Widths[l] * point.Widths[l - 1];
        }

        return 2 * work * spec.Training.BatchSize;
    }

    private double Seconds(long started) => started == 0 ? 0 : time.GetElapsedTime(started).TotalSeconds;

    private static PointState MapState(RunStatus status) => status switch
    {
        RunStatus.Completed => PointState.Completed,
        RunStatus.Diverged => PointState.Diverged,
        _ => PointState.Running,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Progress report of point {Index} failed; it will be re-read later")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, int index);

    [LoggerMessage(Level = LogLevel.Error, Message = "Point {Index} of sweep {SweepId} failed")]
    private static partial void LogPointFailed(ILogger logger, Exception exception, string sweepId, int index);
}
