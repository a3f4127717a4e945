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
    /// aggregate.json of the sweep that runs <paramref name="specJson"/>, from its points' results;
    /// <paramref name="traceParent"/> is the submission's trace context, which the aggregation joins.
    /// </summary>
    Task<string> Aggregate(string specJson, string? traceParent);
}

/// <summary>
/// One job: aggregating a finished sweep. Streams the points' results through the aggregator in point order
/// (keeping only what it pools), and runs the pooling, fits and large-deviation bootstrap and rare-event
/// estimates on the thread pool, off the grain scheduler: the coordinator stays responsive meanwhile. The
/// coordinator stores the JSON; this activation goes once it has answered.
/// </summary>
public sealed class SweepAggregatorGrain : Grain, ISweepAggregatorGrain
{
    /// <inheritdoc/>
    public async Task<string> Aggregate(string specJson, string? traceParent)
    {
        ArgumentNullException.ThrowIfNull(specJson);
        string sweepId = this.GetPrimaryKeyString();
        using Activity? activity = SweepTrace.Start(MeanFieldTelemetry.SweepAggregateActivity, sweepId, traceParent);
        SweepSpec spec = SpecLoader.Parse(specJson, SpecFormat.Json);
        PointSpec[] points = [.. SweepPlanner.Expand(spec)];
        string json;
        if (spec.LargeDeviations is not null)
        {
            var batches = new List<(PointSpec, double[]?)>(points.Length);
            foreach (PointSpec p in points)
            {
                batches.Add((p, (await Point(sweepId, p.Index).GetResult())?.Samples));
            }

            json = await Task.Run(() => LargeDeviationsAggregate.ToJson(spec, batches));
        }
        else
        {
            // Accumulated as the results arrive; the pooling and fits run once all have.
            var outcomes = new List<PointOutcome>(points.Length);
            foreach (PointSpec p in points)
            {
                if (await Point(sweepId, p.Index).GetResult() is { } r)
                {
                    outcomes.Add(Mapping.ToOutcome(p, r));
                }
            }

            json = await Task.Run(() => AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, outcomes)));
        }

        DeactivateOnIdle();
        return json;
    }

    private ISweepPointGrain Point(string sweepId, int index) => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, index));
}
