using System.Diagnostics;
using System.Runtime.CompilerServices;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// One job: coordinating one sweep. It admits the spec, dispatches the points to point grains (a bounded
/// window at a time) and keeps the book of their progress and final states, which it streams to watchers.
/// Its storage holds the spec and the final state of every point (not the results, which stay with the
/// point grains), so it survives the loss of its silo; its watchdog (<see cref="PointWatchdog"/>) restarts
/// points that stop reporting, which resume from their last checkpoint. Reports are idempotent: a point's
/// final report counts once, however often it arrives. The aggregation runs in
/// <see cref="SweepAggregatorGrain"/>, off this grain; the cost of coordinating is counted by
/// <see cref="CoordinatorCost"/>, trace linking done by <see cref="SweepTrace"/>.
/// </summary>
[Reentrant]
public sealed class SweepGrain(
    [PersistentState("sweep", GrainKeys.Storage)] IPersistentState<SweepGrainState> state,
    SweepPolicy policy,
    TimeProvider time,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable, IIncomingGrainCallFilter
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10), MinInterval = TimeSpan.FromMilliseconds(50);

    private readonly CoordinatorCost _cost = new(time);
    private PointBook _book = new([], new SweepGrainState());
    private PointWatchdog _watchdog = new(time, 0);
    private Task<string>? _aggregation;

    private string SweepId => this.GetPrimaryKeyString();

    private PointStarter Starter => field ??= new PointStarter(GrainFactory, SweepId, _cost, logger);

    private SweepStore Store => field ??= new SweepStore(state, _cost, time, logger);

    private bool IsFinished => state.State.FinishedUtc is not null;

    private SweepState SweepState => state.State.SpecJson is null ? SweepState.Unknown
        : IsFinished ? (state.State.Cancelled ? SweepState.Cancelled : SweepState.Completed)
        : SweepState.Running;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _cost.Activated(state.State.Coordinator);
        if (state.State.SpecJson is { } specJson)
        {
            Adopt(SweepAdmission.Plan(specJson));
            if (!IsFinished)
            {
                _watchdog.Start(this, WatchdogTick);
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

        (SweepSpec spec, PointSpec[] points) = SweepAdmission.Admit(SweepId, specJson, policy);
        using Activity? activity = SweepTrace.Start(MeanFieldTelemetry.SweepStartActivity, SweepId, null);
        activity?.SetTag("mfc.points", points.Length);
        state.State.TraceParent = Activity.Current?.Id;
        state.State.SpecJson = specJson;
        state.State.Name = spec.Name;
        state.State.StartedUtc = time.GetUtcNow().UtcDateTime;
        state.State.Final = [.. points.Select(_ => PointState.Pending)];
        state.State.Steps = new long[points.Length];
        Adopt(points);
        await Store.Write();
        await GrainFactory.GetGrain<ISweepRegistryGrain>(GrainKeys.Registry).Register(new SweepEntry(SweepId, spec.Name, points.Length, state.State.StartedUtc));
        await PointWatchdog.Arm(this);
        _watchdog.Start(this, WatchdogTick);
        await Dispatch();
        return Status();
    }

    /// <inheritdoc/>
    public Task<SweepStatus> GetStatus() => Task.FromResult(Status());

    /// <inheritdoc/>
    public Task<SweepProgress> GetProgress() => Task.FromResult(_book.Snapshot(SweepState, state.State.FinishedUtc) with { Coordinator = _cost.Snapshot(), StorageFault = Store.Fault });

    /// <inheritdoc/>
    public async IAsyncEnumerable<SweepProgress> WatchProgress(TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        TimeSpan every = TimeSpan.FromTicks(Math.Clamp(interval.Ticks, MinInterval.Ticks, Heartbeat.Ticks));
        await foreach (SweepProgress message in _book.Stream(() => (SweepState, state.State.FinishedUtc), every, Heartbeat, time, cancellationToken))
        {
            yield return message with { StorageFault = Store.Fault };
        }
    }

    /// <inheritdoc/>
    public Task<string?> GetSpecJson() => Task.FromResult(state.State.SpecJson);

    /// <inheritdoc/>
    public Task<PointResult?> GetResult(int index) =>
        _book.InRange(index) ? PointGrain(index).GetResult() : Task.FromResult<PointResult?>(null);

    /// <inheritdoc/>
    public async Task<string?> GetAggregateJson()
    {
        if (state.State.AggregateJson is not null || !IsFinished)
        {
            return state.State.AggregateJson;
        }

        // Computed once, off this grain; after a failure (the aggregator's silo died, say) the next call tries again.
        _aggregation ??= GrainFactory.GetGrain<ISweepAggregatorGrain>(SweepId).Aggregate(state.State.SpecJson!, state.State.TraceParent);
        string json;
        try
        {
            json = await _aggregation;
        }
        catch (Exception) when (_aggregation is { IsFaulted: true })
        {
            _aggregation = null;
            throw;
        }

        if (state.State.AggregateJson is null)
        {
            state.State.AggregateJson = json;
            await Store.Write();
        }

        return json;
    }

    /// <inheritdoc/>
    public Task ReportProgress(PointProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (_book.InRange(progress.Index) && !_book.IsFinal(progress.Index))
        {
            _book.Heard(progress);
            _watchdog.Heard(progress.Index);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task ReportResult(PointResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!_book.InRange(result.Index) || _book.IsFinal(result.Index))
        {
            return;
        }

        _book.MarkFinal(result.Index, result.State, result.Steps);
        if (!_book.AllFinal)
        {
            Store.Changed();

            // The next point starts in the background: the finished point's report returns at once.
            _ = Dispatch();
            return;
        }

        await Complete();
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
        int[] running = _book.CancelUnstarted();
        if (_book.AllFinal)
        {
            await Complete();
            return;
        }

        await Store.Write();
        await Task.WhenAll(running.Select(i => PointGrain(i).Cancel()));
    }

    /// <inheritdoc/>
    public async Task ReportStorageFault(string fault)
    {
        // The point stopped. The store is probed at once, so a report of a write refused just before the store
        // recovered does not outlive the recovery; the watchdog restarts the points once it takes writes again.
        Store.Faulted(fault);
        await Store.Accepts();
    }

    /// <inheritdoc/>
    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        IsFinished ? PointWatchdog.Disarm(this) : Task.CompletedTask; // activation alone starts the watchdog

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Store.LastWrite(SweepId, cancellationToken);

    /// <summary>Counts every call the coordinator handles and the time spent in it (<see cref="CoordinatorStats"/>).</summary>
    /// <param name="context">The call.</param>
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _cost.Call(context.Invoke);
    }

    private void Adopt(PointSpec[] points)
    {
        _book = new PointBook(points, state.State);
        _watchdog = new PointWatchdog(time, points.Length);
    }

    // Every point is final: the sweep is done.
    private async Task Complete()
    {
        state.State.FinishedUtc = time.GetUtcNow().UtcDateTime;
        _watchdog.Stop();
        await Store.Write();
        await PointWatchdog.Disarm(this);
    }

    // Starts points in index order until policy.PointsInFlight are unfinished: a sweep of any size holds a
    // bounded number of point activations (and their assignments) at a time.
    private Task Dispatch()
    {
        if (state.State.SpecJson is not { } specJson || IsFinished || state.State.Cancelled)
        {
            return Task.CompletedTask;
        }

        List<PointSpec> batch = _book.Dispatch(policy.PointsInFlight);
        batch.ForEach(p => _watchdog.Heard(p.Index));
        return Starter.Start(batch, specJson, counted: true);
    }

    private async Task WatchdogTick()
    {
        if (!await Store.Accepts())
        {
            return; // the store refuses writes: restarted points would only stop again
        }

        if (!IsFinished)
        {
            await Store.WriteIfUnsaved();
        }

        await RestartStalled(PointWatchdog.StallAfter);
    }

    // Asks every unfinished point not heard from within `silence` to start: a running point ignores it,
    // a point whose activation was lost is activated on a live silo and resumes from its checkpoint.
    private async Task RestartStalled(TimeSpan silence)
    {
        if (state.State.SpecJson is not { } specJson || IsFinished)
        {
            return;
        }

        PointSpec[] stalled = [.. _watchdog.Stalled(_book.InFlightPoints(), silence).Select(i => _book.Points[i])];
        using Activity? activity = stalled.Length == 0 ? null : SweepTrace.Start(MeanFieldTelemetry.SweepRestartActivity, SweepId, state.State.TraceParent);
        activity?.SetTag("mfc.points", stalled.Length);

        await Starter.Start(stalled, specJson, counted: false);
        await Dispatch();
    }

    private SweepStatus Status() => new(
        SweepId, state.State.Name, SweepState, [.. _book.Points.Select(p => _book.Current(p.Index))], state.State.StartedUtc, state.State.FinishedUtc, _cost.Snapshot());

    private ISweepPointGrain PointGrain(int index) => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(SweepId, index));
}
