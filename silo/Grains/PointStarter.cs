using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Asks a sweep's point grains to start (a no-op for a point already running). A failed call is logged and
/// left to the watchdog, which starts the point again. Starts by the dispatch count in the coordinator's
/// cost figures, the watchdog's restarts do not.
/// </summary>
internal sealed partial class PointStarter(IGrainFactory grains, string sweepId, CoordinatorCost cost, ILogger logger)
{
    /// <summary>Asks the watchdog's <paramref name="stalled"/> points to start again, counting them as restarts.</summary>
    public Task Restart(IReadOnlyCollection<PointSpec> stalled, string specJson)
    {
        cost.Restarted(stalled.Count);
        return Start(stalled, specJson, counted: false);
    }

    /// <summary>Starts <paramref name="points"/> of the sweep running <paramref name="specJson"/>, all at once.</summary>
    public Task Start(IEnumerable<PointSpec> points, string specJson, bool counted) =>
        Task.WhenAll(points.Select(async p =>
        {
            try
            {
                ISweepPointGrain point = grains.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, p.Index));
                await cost.Start(() => point.Start(Mapping.ToAssignment(sweepId, specJson, p)), counted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStartFailed(logger, ex, sweepId, p.Index);
            }
        }));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting point {Index} of sweep {SweepId} failed; the watchdog tries again")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string sweepId, int index);
}
