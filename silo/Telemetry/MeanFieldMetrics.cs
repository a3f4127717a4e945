using System.Diagnostics.Metrics;
using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Silo.Telemetry;

/// <summary>
/// The instruments of the <see cref="MeanFieldTelemetry.Name"/> meter, created from the host's
/// <see cref="IMeterFactory"/> (one meter per host). Measurements are taken per chunk of work (about a
/// second), never per SGD step, and carry only tags from small fixed sets (kind, state): no sweep or
/// point ids, so the number of series stays bounded whatever the sweeps.
/// </summary>
public sealed class MeanFieldMetrics
{
    /// <summary>Upper bounds of the point-duration buckets in seconds: 0.1 s to 6 h.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

    private readonly Counter<long> _steps;
    private readonly Counter<long> _replicas;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _cancelled;
    private readonly Histogram<double> _duration;

    /// <summary>Creates the meter and its instruments.</summary>
    public MeanFieldMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(new MeterOptions(MeanFieldTelemetry.Name) { Version = typeof(MeanFieldMetrics).Assembly.GetName().Version?.ToString() });
        _steps = Meter.CreateCounter<long>(MeanFieldTelemetry.SgdSteps, "{step}", "SGD steps computed by the points of ordinary sweeps");
        _replicas = Meter.CreateCounter<long>(MeanFieldTelemetry.LdReplicas, "{replica}", "Large-deviations replicas computed");
        _active = Meter.CreateUpDownCounter<long>(MeanFieldTelemetry.PointsActive, "{point}", "Points holding a worker slot and computing");
        _completed = Meter.CreateCounter<long>(MeanFieldTelemetry.PointsCompleted, "{point}", "Points that ran to their end (state completed or diverged)");
        _failed = Meter.CreateCounter<long>(MeanFieldTelemetry.PointsFailed, "{point}", "Points that failed with an error");
        _cancelled = Meter.CreateCounter<long>(MeanFieldTelemetry.PointsCancelled, "{point}", "Points cancelled before their end");
        _duration = Meter.CreateHistogram(
            MeanFieldTelemetry.PointDuration,
            "s",
            "Wall-clock time a point computed on a silo, one attempt (from its worker slot to its end)",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

        // Every series of the fixed tag sets starts at zero, so that dashboards and rate() see the counters
        // of a silo before its first point ends (a series appears with its first measurement).
        _steps.Add(0);
        _replicas.Add(0);
        foreach (bool largeDeviations in new[] { false, true })
        {
            var kind = new KeyValuePair<string, object?>(MeanFieldTelemetry.KindTag, MeanFieldTelemetry.Kind(largeDeviations));
            _active.Add(0, kind);
            _failed.Add(0, kind);
            _cancelled.Add(0, kind);
            foreach (PointState state in new[] { PointState.Completed, PointState.Diverged })
            {
                _completed.Add(0, kind, new KeyValuePair<string, object?>(MeanFieldTelemetry.StateTag, MeanFieldTelemetry.State(state)));
            }
        }
    }

    /// <summary>The meter of these instruments.</summary>
    public Meter Meter { get; }

    /// <summary>Adds SGD steps done by a chunk.</summary>
    public void StepsDone(long steps)
    {
        if (steps > 0)
        {
            _steps.Add(steps);
        }
    }

    /// <summary>Adds replicas done by a chunk.</summary>
    public void ReplicasDone(int replicas)
    {
        if (replicas > 0)
        {
            _replicas.Add(replicas);
        }
    }

    /// <summary>A point got its worker slot and computes; dispose the result when it stops.</summary>
    public IDisposable PointActive(bool largeDeviations)
    {
        var kind = new KeyValuePair<string, object?>(MeanFieldTelemetry.KindTag, MeanFieldTelemetry.Kind(largeDeviations));
        _active.Add(1, kind);
        return new Release(() => _active.Add(-1, kind));
    }

    /// <summary>A point reached a final state.</summary>
    public void PointFinished(bool largeDeviations, PointState state)
    {
        var kind = new KeyValuePair<string, object?>(MeanFieldTelemetry.KindTag, MeanFieldTelemetry.Kind(largeDeviations));
        switch (state)
        {
            case PointState.Completed or PointState.Diverged:
                _completed.Add(1, kind, new KeyValuePair<string, object?>(MeanFieldTelemetry.StateTag, MeanFieldTelemetry.State(state)));
                break;
            case PointState.Failed:
                _failed.Add(1, kind);
                break;
            case PointState.Cancelled:
                _cancelled.Add(1, kind);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, "only final point states are counted");
        }
    }

    /// <summary>Records how long a point computed on this silo before it reached <paramref name="state"/>.</summary>
    public void PointDuration(bool largeDeviations, PointState state, double seconds) =>
        _duration.Record(
            seconds,
            new KeyValuePair<string, object?>(MeanFieldTelemetry.KindTag, MeanFieldTelemetry.Kind(largeDeviations)),
            new KeyValuePair<string, object?>(MeanFieldTelemetry.StateTag, MeanFieldTelemetry.State(state)));

    private sealed class Release(Action release) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                release();
            }
        }
    }
}
