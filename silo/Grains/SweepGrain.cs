using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The coordinator of one sweep. Expands the grid, assigns each point to its own point grain, follows
/// progress, and aggregates. Its storage holds the spec and the final state of every point (not the
/// results, which stay with the point grains), so it survives the loss of its silo. A watchdog restarts
/// points that stop reporting (their silo died): a restarted point resumes from its last checkpoint.
/// Reports are idempotent: a point's final report counts once, however often it arrives.
/// </summary>
[Reentrant]
public sealed partial class SweepGrain(
    [PersistentState("sweep", GrainKeys.Storage)] IPersistentState<SweepGrainState> state,
    SweepPolicy policy,
    TimeProvider time,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable, IIncomingGrainCallFilter
{
    private const string WatchdogReminder = "watchdog";

    /// <summary>A point silent for this long is asked to start again (a no-op when it is in fact running).</summary>
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(10);

    private PointSpec[] _points = [];
    private PointProgress?[] _live = [];
    private DateTime[] _lastHeard = [];

    // Points started by (or heard from by) this activation; at most policy.PointsInFlight of them unfinished.
    private bool[] _dispatched = [];
    private int _inFlight;
    private int _nextToDispatch;
    private IGrainTimer? _watchdog;
    private Task<string>? _aggregation;

    // What coordinating has cost, counted from the submission (the stored figures plus this activation's).
    private long _calls;
    private double _callSeconds;
    private long _starts;
    private double _startSeconds;
    private long _writes;
    private int _activations;

    // Final point states received since the last write: stored by the watchdog's next tick (or when the
    // sweep ends, or on deactivation) rather than one write per point. A report lost with an unwritten
    // state is not lost work: the point keeps its result and reports it again when the watchdog restarts it.
    private bool _unsaved;

    private string SweepId => this.GetPrimaryKeyString();

    private bool IsFinished => state.State.FinishedUtc is not null;

    // The silo's clock (injected: tests may run it by hand).
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Coordinator is { } stored)
        {
            (_calls, _callSeconds, _writes, _activations, _starts, _startSeconds) = (stored.Calls, stored.CallSeconds, stored.StateWrites, stored.Activations, stored.Starts, stored.StartSeconds);
        }

        _activations++;
        if (state.State.SpecJson is { } specJson)
        {
            Plan(specJson);
            if (!IsFinished)
            {
                StartWatchdog();
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<SweepStatus> Start(string specJson)
    {
        ArgumentNullException.ThrowIfNull(specJson);
        if (state.State.SpecJson is not null)
        {
            if (state.State.SpecJson != specJson)
            {
                throw new InvalidOperationException($"Sweep '{SweepId}' already exists with a different spec; choose another sweep id.");
            }

            // Resubmitting an existing sweep (mfc run --resume) restarts whatever is unfinished.
            await RestartStalled(TimeSpan.Zero);
            return Status();
        }

        SweepSpec spec = Admit(specJson);
        using Activity? activity = StartActivity(MeanFieldTelemetry.SweepStartActivity);
        activity?.SetTag("mfc.points", _points.Length);
        state.State.TraceParent = Activity.Current?.Id;
        state.State.SpecJson = specJson;
        state.State.Name = spec.Name;
        state.State.StartedUtc = Now;
        state.State.Final = [.. _points.Select(_ => PointState.Pending)];
        state.State.Steps = new long[_points.Length];
        await WriteState();
        await GrainFactory.GetGrain<ISweepRegistryGrain>(GrainKeys.Registry).Register(new SweepEntry(SweepId, spec.Name, _points.Length, state.State.StartedUtc));
        await this.RegisterOrUpdateReminder(WatchdogReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartWatchdog();
        await Dispatch();
        return Status();
    }

    /// <inheritdoc/>
    public Task<SweepStatus> GetStatus() => Task.FromResult(Status());

    /// <inheritdoc/>
    public Task<string?> GetSpecJson() => Task.FromResult(state.State.SpecJson);

    /// <inheritdoc/>
    public Task<PointResult?> GetResult(int index) =>
        InRange(index) ? PointGrain(index).GetResult() : Task.FromResult<PointResult?>(null);

    /// <inheritdoc/>
    public async Task<string?> GetAggregateJson()
    {
        if (state.State.AggregateJson is { } cached || !IsFinished)
        {
            return state.State.AggregateJson;
        }

        _aggregation ??= Aggregate();
        string json = await _aggregation;
        if (state.State.AggregateJson is null)
        {
            state.State.AggregateJson = json;
            await WriteState();
        }

        return json;
    }

    /// <inheritdoc/>
    public Task ReportProgress(PointProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (InRange(progress.Index) && !IsFinal(state.State.Final[progress.Index]))
        {
            // A point started by an earlier activation of this coordinator counts as in flight once heard from.
            MarkDispatched(progress.Index);
            _live[progress.Index] = progress;
            _lastHeard[progress.Index] = Now;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task ReportResult(PointResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!InRange(result.Index) || IsFinal(state.State.Final[result.Index]))
        {
            return;
        }

        MarkFinal(result.Index, result.State, result.Steps);
        if (!state.State.Final.All(IsFinal))
        {
            _unsaved = true;

            // The next point starts in the background: the finished point's report returns at once.
            _ = Dispatch();
            return;
        }

        await Complete();
    }

    // Every point is final: the sweep is done.
    private async Task Complete()
    {
        state.State.FinishedUtc = Now;
        _watchdog?.Dispose();
        _watchdog = null;
        await WriteState();
        if (await this.GetReminder(WatchdogReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_unsaved)
        {
            return;
        }

        // One attempt: a silo shutting down must not wait on storage, and nothing is lost if this fails.
        try
        {
            BeforeWrite();
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFinalWriteFailed(logger, ex, SweepId);
        }
    }

    /// <inheritdoc/>
    public async Task Cancel()
    {
        if (state.State.SpecJson is null || IsFinished)
        {
            return;
        }

        // Points in flight are asked to stop (they report Cancelled); points never started are cancelled here.
        state.State.Cancelled = true;
        PointSpec[] running = [.. _points.Where(p => _dispatched[p.Index] && !IsFinal(state.State.Final[p.Index]))];
        foreach (PointSpec p in _points.Where(p => !_dispatched[p.Index] && !IsFinal(state.State.Final[p.Index])))
        {
            MarkFinal(p.Index, PointState.Cancelled, 0);
        }

        if (state.State.Final.All(IsFinal))
        {
            await Complete();
            return;
        }

        await WriteState();
        await Task.WhenAll(running.Select(p => PointGrain(p.Index).Cancel()));
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The reminder only needs to activate the grain after its silo died: activation starts the watchdog.
        if (IsFinished && await this.GetReminder(WatchdogReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    // This silo's own checks of a new sweep, whatever the client checked: csv data under the data root,
    // every point within the resource budget. Refusals name the fields, as the client's do. An admitted
    // sweep is planned from the same parse (csv files are read once).
    private SweepSpec Admit(string specJson)
    {
        IReadOnlyList<string> problems;
        SweepSpec? spec = null;
        PointSpec[] points = [];
        try
        {
            spec = SpecLoader.Parse(specJson, SpecFormat.Json, dataRoot: policy.DataRoot);
            points = [.. SweepPlanner.Expand(spec)];
            problems = [.. ResourceEstimator.Check(spec, points, policy.Budget).Select(m => $"grid: {m}")];
        }
        catch (SpecException ex)
        {
            problems = [.. ex.Errors.Select(e => e.ToString())];
        }

        if (spec is null || problems.Count > 0)
        {
            throw new ArgumentException($"the cluster refused sweep '{SweepId}':\n{string.Join('\n', problems)}");
        }

        Adopt(points);
        return spec;
    }

    // The stored spec of a sweep admitted earlier.
    private SweepSpec Plan(string specJson)
    {
        SweepSpec spec;
        try
        {
            spec = SpecLoader.Parse(specJson, SpecFormat.Json);
            Adopt([.. SweepPlanner.Expand(spec)]);
        }
        catch (SpecException ex)
        {
            // Specs are validated by the client first; this guards against other callers.
            throw new ArgumentException(ex.Message, nameof(specJson));
        }

        return spec;
    }

    private void Adopt(PointSpec[] points)
    {
        _points = points;
        _live = new PointProgress?[_points.Length];
        _lastHeard = [.. _points.Select(_ => Now)];
        _dispatched = new bool[_points.Length];
        _inFlight = 0;
        _nextToDispatch = 0;
    }

    private void MarkDispatched(int index)
    {
        if (!_dispatched[index])
        {
            _dispatched[index] = true;
            _inFlight++;
        }
    }

    private void MarkFinal(int index, PointState final, long steps)
    {
        state.State.Final[index] = final;
        state.State.Steps[index] = steps;
        _live[index] = null;
        if (_dispatched[index])
        {
            _inFlight--;
        }
        else
        {
            // Final without having been counted in flight: never to be dispatched.
            _dispatched[index] = true;
        }
    }

    // Starts points in index order until policy.PointsInFlight are unfinished: a sweep of any size holds a
    // bounded number of point activations (and their assignments) at a time.
    private async Task Dispatch()
    {
        if (state.State.SpecJson is not { } specJson || IsFinished || state.State.Cancelled)
        {
            return;
        }

        var batch = new List<PointSpec>();
        while (_inFlight < policy.PointsInFlight && _nextToDispatch < _points.Length)
        {
            PointSpec p = _points[_nextToDispatch++];
            if (!_dispatched[p.Index] && !IsFinal(state.State.Final[p.Index]))
            {
                MarkDispatched(p.Index);
                _lastHeard[p.Index] = Now;
                batch.Add(p);
            }
        }

        await StartPoints(batch, specJson, countStarts: true);
    }

    // Asks each point to start (a no-op for a point already running). A failed call is logged and left to
    // the watchdog, which starts the point again. The dispatch's starts count in the cost figures, the
    // watchdog's restarts do not.
    private Task StartPoints(IEnumerable<PointSpec> points, string specJson, bool countStarts) =>
        Task.WhenAll(points.Select(async p =>
        {
            long start = time.GetTimestamp();
            try
            {
                await PointGrain(p.Index).Start(Mapping.ToAssignment(SweepId, specJson, p));
                if (countStarts)
                {
                    _starts++;
                    _startSeconds += time.GetElapsedTime(start).TotalSeconds;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRestartFailed(logger, ex, SweepId, p.Index);
            }
        }));

    private void StartWatchdog() =>
        _watchdog ??= this.RegisterGrainTimer(WatchdogTick, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)) { Interleave = true });

    private async Task WatchdogTick()
    {
        if (_unsaved && !IsFinished)
        {
            await WriteState();
        }

        await RestartStalled(StallAfter);
    }

    // Asks every unfinished point not heard from within `silence` to start: a running point ignores it,
    // a point whose activation was lost is activated on a live silo and resumes from its checkpoint.
    private async Task RestartStalled(TimeSpan silence)
    {
        if (state.State.SpecJson is not { } specJson || IsFinished)
        {
            return;
        }

        DateTime now = Now;
        PointSpec[] stalled = [.. _points.Where(p => _dispatched[p.Index] && !IsFinal(state.State.Final[p.Index]) && now - _lastHeard[p.Index] >= silence)];
        foreach (PointSpec p in stalled)
        {
            _lastHeard[p.Index] = now;
        }

        using Activity? activity = stalled.Length == 0 ? null : StartActivity(MeanFieldTelemetry.SweepRestartActivity);
        activity?.SetTag("mfc.points", stalled.Length);

        await StartPoints(stalled, specJson, countStarts: false);
        await Dispatch();
    }

    // Streams the points' results through the aggregator one by one, keeping only what it needs.
    private async Task<string> Aggregate()
    {
        using Activity? activity = StartActivity(MeanFieldTelemetry.SweepAggregateActivity);
        SweepSpec spec = SpecLoader.Parse(state.State.SpecJson!, SpecFormat.Json);
        if (spec.LargeDeviations is not null)
        {
            var batches = new List<(PointSpec, double[]?)>(_points.Length);
            foreach (PointSpec p in _points)
            {
                batches.Add((p, (await PointGrain(p.Index).GetResult())?.Samples));
            }

            return LargeDeviationsAggregate.ToJson(spec, batches);
        }

        var outcomes = new List<PointOutcome>(_points.Length);
        foreach (PointSpec p in _points)
        {
            PointResult? r = await PointGrain(p.Index).GetResult();
            if (r is not null)
            {
                outcomes.Add(Mapping.ToOutcome(p, r));
            }
        }

        return AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes));
    }

    private SweepStatus Status()
    {
        SweepState sweepState = state.State.SpecJson is null ? SweepState.Unknown
            : IsFinished ? (state.State.Cancelled ? SweepState.Cancelled : SweepState.Completed)
            : SweepState.Running;
        PointProgress[] points = [.. _points.Select(p => IsFinal(state.State.Final[p.Index])
            ? new PointProgress(p.Index, state.State.Final[p.Index], p.ReplicaCount > 0 ? Work(p) : state.State.Steps[p.Index], Work(p))
            : _live[p.Index] ?? new PointProgress(p.Index, PointState.Pending, 0, Work(p)))];
        return new SweepStatus(SweepId, state.State.Name, sweepState, points, state.State.StartedUtc, state.State.FinishedUtc, Stats());
    }

    /// <summary>Counts every call the coordinator handles and the time spent in it (<see cref="CoordinatorStats"/>).</summary>
    /// <param name="context">The call.</param>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long start = time.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            _calls++;
            _callSeconds += time.GetElapsedTime(start).TotalSeconds;
        }
    }

    private CoordinatorStats Stats() => new(_calls, _callSeconds, _writes, _activations, _starts, _startSeconds);

    // Every write stores the cost figures too, so they survive a failover (up to the last write).
    private Task WriteState()
    {
        BeforeWrite();
        return Durable.Write(state, logger);
    }

    private void BeforeWrite()
    {
        _unsaved = false;
        _writes++;
        state.State.Coordinator = Stats();
    }

    // An activity in the submission's trace: a child of the caller when the caller is in it (or the
    // submission was not traced), else a child of the submission linked to the caller (a later
    // 'mfc results', the watchdog's timer).
    private Activity? StartActivity(string name)
    {
        ActivityContext caller = Activity.Current?.Context ?? default;
        ActivityContext parent = state.State.TraceParent is { } stored && ActivityContext.TryParse(stored, null, out ActivityContext submission) && submission.TraceId != caller.TraceId ? submission : caller;
        ActivityLink[]? links = caller != default && caller.TraceId != parent.TraceId ? [new ActivityLink(caller)] : null;
        Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(name, ActivityKind.Internal, parent, links: links);
        activity?.SetTag("mfc.sweep.id", SweepId);
        return activity;
    }

    // Units of progress: SGD steps, or replicas × steps per replica for a large-deviations batch.
    private static long Work(PointSpec p) => p.ReplicaCount > 0 ? p.ReplicaCount * Math.Max(1, p.Steps) : p.Steps;

    private ISweepPointGrain PointGrain(int index) => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(SweepId, index));

    private bool InRange(int index) => index >= 0 && index < _points.Length;

    private static bool IsFinal(PointState s) => PointStates.IsFinal(s);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: storing the points' final states on deactivation failed; the points report them again")]
    private static partial void LogFinalWriteFailed(ILogger logger, Exception exception, string sweepId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting point {Index} of sweep {SweepId} failed; the watchdog tries again")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, string sweepId, int index);
}
