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
/// One job: coordinating one sweep. It admits the spec, dispatches the points to point grains (where worker slots
/// free, see <see cref="DispatchLedger"/>; a bounded window at a time) and keeps the book of their progress and
/// final states, which it streams to watchers. It stores the spec and every point's final state (the results stay
/// with the point grains), so it survives the loss of its silo; its watchdog (<see cref="PointWatchdog"/>) restarts
/// points that stop reporting. Reports are idempotent.
/// Helpers do the rest: <see cref="SweepAggregate"/> (the aggregation, off this grain), <see cref="CoordinatorCost"/>,
/// <see cref="SweepStore"/>, <see cref="PointStarter"/> and <see cref="SweepTrace"/>.
/// </summary>
[Reentrant]
public sealed class SweepGrain(
    [PersistentState("sweep", GrainKeys.Storage)] IPersistentState<SweepGrainState> state,
    SweepPolicy policy,
    ClusterSlots slots,
    TimeProvider time,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable, IIncomingGrainCallFilter
{
    private readonly CoordinatorCost _cost = new(time);
    private PointBook _book = new([], new SweepGrainState());
    private PointWatchdog _watchdog = new(time, 0);
    private SweepSpec? _spec; // bound once per activation: what the points, the aggregator and GetSpec receive
    private readonly DispatchLedger _ledger = new(policy.PointsQueuedPerSlot);

    private string SweepId => this.GetPrimaryKeyString();

    private PointStarter Starter => field ??= new PointStarter(GrainFactory, SweepId, _cost, logger);

    private SweepStore Store => field ??= new SweepStore(state, _cost, time, logger);

    private SweepAggregate Aggregate => field ??= new SweepAggregate(GrainFactory, SweepId, state, Store);

    private bool IsFinished => state.State.FinishedUtc is not null;

    private SweepState SweepState => state.State.SpecJson is null ? SweepState.Unknown
        : IsFinished ? (state.State.Cancelled ? SweepState.Cancelled : SweepState.Completed) : SweepState.Running;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _cost.Activated(state.State.Coordinator);
        if (state.State.SpecJson is { } specJson)
        {
            Adopt(SweepAdmission.Plan(specJson, state.State.SpecVersion, state.State.NumericsVersion, SweepId));
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
            // Resubmitting an existing sweep (mfc run --resume) restarts whatever is unfinished.
            SweepAdmission.SameSpec(SweepId, state.State.SpecJson, specJson);
            await RestartStalled(TimeSpan.Zero);
            return Status();
        }

        (SweepSpec spec, PointSpec[] points) = SweepAdmission.Admit(SweepId, specJson, policy);
        using Activity? activity = SweepTrace.Start(MeanFieldTelemetry.SweepStartActivity, SweepId, null);
        activity?.SetTag("mfc.points", points.Length);
        SweepAdmission.Record(state.State, specJson, spec.Name, points.Length, time.GetUtcNow().UtcDateTime, Activity.Current?.Id);
        Adopt((spec, points));
        // The aggregator solves the sweep's mean-field limit while the points run (it waits for nothing here).
        await GrainFactory.GetGrain<ISweepAggregatorGrain>(SweepId).Prepare(spec);
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
    public Task<SweepStatus> GetStatusOf(int[] indices) => Task.FromResult(Status(indices.Where(_book.InRange)));

    /// <inheritdoc/>
    public Task<SweepProgress> GetProgress() => Task.FromResult(_book.Snapshot(SweepState, state.State.FinishedUtc) with { Coordinator = _cost.Snapshot(), StorageFault = Store.Fault });

    /// <inheritdoc/>
    public async IAsyncEnumerable<SweepProgress> WatchProgress(TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (SweepProgress message in _book.Stream(() => (SweepState, state.State.FinishedUtc), PointBook.Interval(interval), PointBook.Heartbeat, time, cancellationToken))
        {
            yield return message with { StorageFault = Store.Fault };
        }
    }

    /// <inheritdoc/>
    public Task<SweepSpec?> GetSpec() => Task.FromResult(_spec);

    /// <inheritdoc/>
    public Task<PointResult?> GetResult(int index) =>
        _book.InRange(index) ? PointGrain(index).GetResult() : Task.FromResult<PointResult?>(null);

    /// <inheritdoc/>
    public Task<string?> GetAggregateJson() => Aggregate.Get(_spec);

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
        _ledger.Ended(result.Index, result.Seconds, _cost.MeanStartSeconds);
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

    private void Adopt((SweepSpec Spec, PointSpec[] Points) sweep) =>
        (_spec, _book, _watchdog) = (sweep.Spec, new PointBook(sweep.Points, state.State), new PointWatchdog(time, sweep.Points.Length));

    // Every point is final: the sweep is done.
    private async Task Complete()
    {
        state.State.FinishedUtc = time.GetUtcNow().UtcDateTime;
        _watchdog.Stop();
        await Store.Write();
        await PointWatchdog.Disarm(this);
    }

    // Starts points in index order, each on the least loaded active silo with room (DispatchLedger): one running
    // and policy.PointsQueuedPerSlot waiting per worker slot, so points go where slots free. At most
    // policy.PointsInFlight are unfinished: a sweep of any size holds a bounded number of point activations (and
    // their assignments) at a time. With no silo known, the window alone bounds the starts, placed unhinted.
    private Task Dispatch()
    {
        if (_spec is not { } spec || IsFinished || state.State.Cancelled)
        {
            return Task.CompletedTask;
        }

        _ledger.Refresh(slots.Active());
        int limit = _ledger.KnowsSilos ? Math.Min(policy.PointsInFlight, _book.InFlight + _ledger.Free) : policy.PointsInFlight;
        List<(PointSpec Point, SiloAddress? Silo)> batch = [.. _book.Dispatch(limit).Select(p => (p, _ledger.Place(p.Index)))];
        batch.ForEach(p => _watchdog.Heard(p.Point.Index));
        return Starter.Start(batch, spec, counted: true);
    }

    // The store refuses writes: restarted points would only stop again.
    private async Task WatchdogTick()
    {
        if (await Store.Accepts())
        {
            await Store.WriteIfUnsaved();
            await RestartStalled(PointWatchdog.StallAfter);
        }
    }

    // Asks every unfinished point not heard from within `silence` to start: a running point ignores it,
    // a point whose activation was lost is activated on a live silo and resumes from its checkpoint.
    private async Task RestartStalled(TimeSpan silence)
    {
        if (_spec is not { } spec || IsFinished)
        {
            return;
        }

        await _watchdog.Restart(_book, Starter, silence, spec, SweepId, state.State.TraceParent);
        await Dispatch();
    }

    private SweepStatus Status(IEnumerable<int>? points = null) => new(
        SweepId, state.State.Name, SweepState, [.. (points ?? Enumerable.Range(0, _book.Points.Length)).Select(_book.Current)], state.State.StartedUtc, state.State.FinishedUtc, _cost.Snapshot());

    private ISweepPointGrain PointGrain(int index) => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(SweepId, index));
}
