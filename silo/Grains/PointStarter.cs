using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Asks a sweep's point grains to start (a no-op for a point already running). A failed call is logged and
/// left to the watchdog, which starts the point again. Starts by the dispatch count in the coordinator's
/// cost figures; of the watchdog's requests, only those that really started an attempt count as restarts (a
/// point that is running or waiting for a worker slot ignores the request).
/// </summary>
internal sealed partial class PointStarter(IGrainFactory grains, string sweepId, CoordinatorCost cost, ILogger logger)
{
    /// <summary>
    /// Asks the watchdog's <paramref name="stalled"/> points to start again; those that did (their activation
    /// had been lost) count as restarts.
    /// </summary>
    public async Task Restart(IReadOnlyCollection<PointSpec> stalled, SweepSpec spec) =>
        cost.Restarted(stalled.Count, await Start([.. stalled.Select(p => (p, (SiloAddress?)null))], spec, counted: false));

    /// <summary>
    /// Starts <paramref name="points"/> of the sweep running <paramref name="spec"/>, all at once, and answers how
    /// many started an attempt. Each is sent the spec as typed records: the one the coordinator bound when it
    /// admitted or activated the sweep, not its text. A point with a silo is placed there if its start activates
    /// it (Orleans' placement hint, honoured by <see cref="WorkerSlotPlacementDirector"/>).
    /// </summary>
    public async Task<int> Start(IReadOnlyList<(PointSpec Point, SiloAddress? Silo)> points, SweepSpec spec, bool counted)
    {
        bool[] started = await Task.WhenAll(points.Select(async placed =>
        {
            PointSpec p = placed.Point;
            try
            {
                ISweepPointGrain point = grains.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, p.Index));
                if (placed.Silo is { } silo)
                {
                    // Request context is async-local: the hint travels with this call only.
                    RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
                }

                return await cost.Start(() => point.Start(Mapping.ToAssignment(sweepId, spec, p)), counted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStartFailed(logger, ex, sweepId, p.Index);
                return false;
            }
        }));
        return started.Count(s => s);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting point {Index} of sweep {SweepId} failed; the watchdog tries again")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string sweepId, int index);
}
