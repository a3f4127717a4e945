using MeanFieldCluster.Contracts;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Writes a coordinator's state (<see cref="SweepGrainState"/>), with its cost figures so that they survive
/// a failover. Final point states are written in batches: a state marked unsaved is stored by the
/// watchdog's next tick (or when the sweep ends, or on deactivation) rather than once per finished point.
/// A report lost with an unwritten state is not lost work: the point keeps its result and reports it
/// again when the watchdog restarts it.
/// </summary>
internal sealed partial class SweepStore(IPersistentState<SweepGrainState> state, CoordinatorCost cost, TimeProvider time, ILogger logger)
{
    private bool _unsaved;

    /// <summary>The state changed; the next <see cref="WriteIfUnsaved"/> stores it.</summary>
    public void Changed() => _unsaved = true;

    /// <summary>
    /// While the store refuses writes for good (<see cref="StorageFaults"/>), reported by a point or met by this
    /// store: where and why; cleared by the next write that succeeds.
    /// </summary>
    public string? Fault { get; private set; }

    /// <summary>A point's write was refused for good: the first such fault is kept until a write succeeds.</summary>
    public void Faulted(string fault) => Fault ??= fault;

    /// <summary>Writes the state now, retrying while storage is unreachable; a write refused for good is kept as <see cref="Fault"/> and thrown.</summary>
    public async Task Write()
    {
        _unsaved = false;
        state.State.Coordinator = cost.Written();
        try
        {
            await Durable.Write(state, time, logger);
            Fault = null;
        }
        catch (Exception ex) when (StorageFaults.Find(ex, "the coordinator's state") is { } fault)
        {
            _unsaved = true;
            Fault ??= fault.ToString();
            throw;
        }
    }

    /// <summary>Whether the store takes writes again: while there is a <see cref="Fault"/>, tries one write of the state.</summary>
    public async Task<bool> Accepts()
    {
        if (Fault is null)
        {
            return true;
        }

        try
        {
            await Write();
            return true;
        }
        catch (Exception ex) when (StorageFaults.Describe(ex) is not null)
        {
            return false;
        }
    }

    /// <summary>Writes the state if it changed since the last write.</summary>
    public Task WriteIfUnsaved() => _unsaved ? Write() : Task.CompletedTask;

    /// <summary>
    /// On deactivation: one attempt to store unsaved changes. A silo shutting down must not wait on storage,
    /// and nothing is lost if this fails.
    /// </summary>
    public async Task LastWrite(string sweepId, CancellationToken cancellationToken)
    {
        if (!_unsaved)
        {
            return;
        }

        try
        {
            _unsaved = false;
            state.State.Coordinator = cost.Written();
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLastWriteFailed(logger, ex, sweepId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: storing the points' final states on deactivation failed; the points report them again")]
    private static partial void LogLastWriteFailed(ILogger logger, Exception exception, string sweepId);
}
