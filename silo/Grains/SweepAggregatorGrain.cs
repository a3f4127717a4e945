using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>The aggregation of one finished sweep (key: sweep id), for its coordinator.</summary>
public interface ISweepAggregatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// aggregate.json of the sweep that runs <paramref name="spec"/> (typed records, as the points receive it), from its points' results;
    /// <paramref name="traceParent"/> is the submission's trace context, which the aggregation joins. A
    /// large sweep's aggregation may take minutes: the call waits up to a day (it fails at once when the
    /// aggregator's silo dies), while callers of the coordinator time out and ask again as usual.
    /// </summary>
    [ResponseTimeout("1.00:00:00")]
    Task<string> Aggregate(SweepSpec spec, string? traceParent);

    /// <summary>
    /// Starts what the aggregation can compute before the points have finished, off the grain scheduler: the
    /// sweep's mean-field limit at its planned times (<see cref="LimitPrefetch"/>). Called by the coordinator
    /// when the sweep starts; one-way, so it never delays or fails the start.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Prepare(SweepSpec spec);
}

/// <summary>
/// One job: aggregating a finished sweep (and, from its start, solving its mean-field limit ahead). Streams the points' results through the aggregator in point order
/// (keeping only what it pools), and runs the pooling, fits and large-deviation bootstrap and rare-event
/// estimates on the thread pool, off the grain scheduler: the coordinator stays responsive meanwhile. The
/// coordinator stores the JSON; this activation goes once it has answered.
/// </summary>
public sealed class SweepAggregatorGrain : Grain, ISweepAggregatorGrain
{
    // Results fetched ahead of the one being pooled: the round trips (and point activations) overlap.
    private const int Ahead = 16;

    /// <inheritdoc/>
    public async Task<string> Aggregate(SweepSpec spec, string? traceParent)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string sweepId = this.GetPrimaryKeyString();
        using Activity? activity = SweepTrace.Start(MeanFieldTelemetry.SweepAggregateActivity, sweepId, traceParent);
        PointSpec[] points = [.. SweepPlanner.Expand(spec)];
        string json;
        if (spec.LargeDeviations is not null)
        {
            var batches = new List<(PointSpec, double[]?)>(points.Length);
            await foreach ((PointSpec p, PointResult? r) in Results(sweepId, points))
            {
                batches.Add((p, r?.Samples));
            }

            json = await Task.Run(() => DiagnosticsClock.Aggregation(() => LargeDeviationsAggregate.ToJson(spec, batches)));
        }
        else
        {
            // Accumulated as the results arrive; the pooling and fits run once all have.
            var outcomes = new List<PointOutcome>(points.Length);
            await foreach ((PointSpec p, PointResult? r) in Results(sweepId, points))
            {
                if (r is not null)
                {
                    outcomes.Add(Mapping.ToOutcome(p, r));
                }
            }

            json = await Task.Run(() => AggregateWriter.ToJson(DiagnosticsClock.Aggregation(() => SweepAggregator.Aggregate(spec, outcomes))));
        }

        DeactivateOnIdle();
        return json;
    }

    /// <inheritdoc/>
    public Task Prepare(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        LimitPrefetch.Start(spec);
        return Task.CompletedTask;
    }

    // The points' results in point order, a few fetched ahead.
    private async IAsyncEnumerable<(PointSpec Point, PointResult? Result)> Results(string sweepId, PointSpec[] points)
    {
        var ahead = new Queue<(PointSpec, Task<PointResult?>)>();
        int next = 0;
        while (next < points.Length || ahead.Count > 0)
        {
            for (; next < points.Length && ahead.Count < Ahead; next++)
            {
                ahead.Enqueue((points[next], GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, points[next].Index)).GetResult()));
            }

            (PointSpec point, Task<PointResult?> result) = ahead.Dequeue();
            yield return (point, await result);
        }
    }
}
