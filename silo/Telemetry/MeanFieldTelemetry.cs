using System.Diagnostics;
using System.Diagnostics.Metrics;
using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Silo.Telemetry;

/// <summary>
/// The names of MeanFieldCluster's telemetry: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="Name"/>. docs/telemetry.md lists
/// the instruments with their units, tags and Prometheus names.
/// </summary>
public static class MeanFieldTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "MeanFieldCluster";

    /// <summary>Orleans' own meter (grains, messaging, scheduler, storage).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Counter of SGD steps computed by the points of ordinary sweeps, added once per chunk.</summary>
    public const string SgdSteps = "mfc.sgd.steps";

    /// <summary>Counter of large-deviations replicas computed, added once per chunk.</summary>
    public const string LdReplicas = "mfc.ld.replicas";

    /// <summary>Up-down counter of points holding a worker slot and computing.</summary>
    public const string PointsActive = "mfc.points.active";

    /// <summary>Counter of points that ran to their end (completed or diverged).</summary>
    public const string PointsCompleted = "mfc.points.completed";

    /// <summary>Counter of points that failed with an error.</summary>
    public const string PointsFailed = "mfc.points.failed";

    /// <summary>Counter of points cancelled before their end.</summary>
    public const string PointsCancelled = "mfc.points.cancelled";

    /// <summary>Histogram of the wall-clock seconds a point computed on a silo (one attempt).</summary>
    public const string PointDuration = "mfc.point.duration";

    /// <summary>Tag: the kind of point, <c>sgd</c> or <c>ld</c> (a large-deviations batch of replicas).</summary>
    public const string KindTag = "kind";

    /// <summary>Tag: how a point ended, <c>completed</c>, <c>diverged</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public const string StateTag = "state";

    /// <summary>Client activity of <c>mfc submit</c>.</summary>
    public const string SubmitActivity = "mfc.submit";

    /// <summary>Client activity of <c>mfc run</c> (start, follow, export).</summary>
    public const string RunActivity = "mfc.run";

    /// <summary>Client activity of <c>mfc results</c>.</summary>
    public const string ResultsActivity = "mfc.results";

    /// <summary>Coordinator activity: a sweep is planned and its points are assigned.</summary>
    public const string SweepStartActivity = "mfc.sweep.start";

    /// <summary>Coordinator activity: points that stopped reporting are started again.</summary>
    public const string SweepRestartActivity = "mfc.sweep.restart";

    /// <summary>Coordinator activity: the points' results are aggregated.</summary>
    public const string SweepAggregateActivity = "mfc.sweep.aggregate";

    /// <summary>Point activity: one attempt at computing a point, from waiting for a worker slot to its report.</summary>
    public const string PointRunActivity = "mfc.point.run";

    /// <summary>Point activity: one chunk of about a second of SGD steps or replicas.</summary>
    public const string PointChunkActivity = "mfc.point.chunk";

    /// <summary>Point activity: a checkpoint written to grain storage.</summary>
    public const string PointCheckpointActivity = "mfc.point.checkpoint";

    /// <summary>The activity source of the client and the grains.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, typeof(MeanFieldTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>The value of the <see cref="KindTag"/> tag for a point.</summary>
    public static string Kind(bool largeDeviations) => largeDeviations ? "ld" : "sgd";

    /// <summary>The value of the <see cref="StateTag"/> tag for a final point state.</summary>
    public static string State(PointState state) => state switch
    {
        PointState.Completed => "completed",
        PointState.Diverged => "diverged",
        PointState.Failed => "failed",
        PointState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "only final point states are counted"),
    };

    /// <summary>Starts a client activity (null when nobody listens), tagged with the sweep id.</summary>
    public static Activity? StartClientActivity(string name, string sweepId)
    {
        Activity? activity = ActivitySource.StartActivity(name, ActivityKind.Client);
        activity?.SetTag("mfc.sweep.id", sweepId);
        return activity;
    }
}
