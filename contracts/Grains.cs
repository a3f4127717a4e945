using MeanFieldCluster.Engine.Specs;
using Orleans.Concurrency;

namespace MeanFieldCluster.Contracts;

/// <summary>
/// The coordinator of one sweep (key: sweep id). Holds the resolved spec and the points, starts a point
/// grain per point, and collects their reports idempotently.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the sweep from a resolved spec (canonical JSON) and returns at once. Starting again with the
    /// same spec returns the existing sweep; a different spec under the same id is refused.
    /// </summary>
    Task<SweepStatus> Start(string specJson);

    /// <summary>The current status of every point (its size grows with the sweep's; see <see cref="GetProgress"/>).</summary>
    Task<SweepStatus> GetStatus();

    /// <summary>A compact status, of bounded size whatever the sweep's: counts by state, work done, and the running points.</summary>
    Task<SweepProgress> GetProgress();

    /// <summary>The status with only the points of <paramref name="indices"/> (those in range, in the order asked): its size is the caller's choice.</summary>
    Task<SweepStatus> GetStatusOf(int[] indices);

    /// <summary>
    /// Streams the sweep's progress: a snapshot (as <see cref="GetProgress"/>), then, about every
    /// <paramref name="interval"/> (at least every 10 s), the changes since the message before; it ends
    /// with the message that reports the sweep no longer running. A caller that loses the stream (its
    /// gateway silo died) calls again and gets a fresh snapshot.
    /// </summary>
    IAsyncEnumerable<SweepProgress> WatchProgress(TimeSpan interval, CancellationToken cancellationToken = default);

    /// <summary>
    /// The resolved spec the sweep runs, as the typed record its coordinator bound (null when none was
    /// submitted): the caller neither binds it again nor reads its csv file; its canonical JSON is
    /// <c>SpecWriter.ToJson</c> of it, the text the sweep was started with.
    /// </summary>
    Task<SweepSpec?> GetSpec();

    /// <summary>The final report of a point, or null while it is not finished.</summary>
    Task<PointResult?> GetResult(int index);

    /// <summary>
    /// The coordinator's aggregation over all finished points (aggregate.json), or null while points are
    /// still running.
    /// </summary>
    Task<string?> GetAggregateJson();

    /// <summary>Called by point grains after each chunk.</summary>
    Task ReportProgress(PointProgress progress);

    /// <summary>Called by point grains when they finish; a second report of the same point is ignored.</summary>
    Task ReportResult(PointResult result);

    /// <summary>Asks every unfinished point to stop; finished results are kept.</summary>
    Task Cancel();

    /// <summary>
    /// Called by a point grain whose state storage refused a write for good (a Redis out of memory, a full
    /// disk): <paramref name="fault"/> says where and why. The point stops; watchers are told
    /// (<see cref="SweepProgress.StorageFault"/>) until the store accepts writes again, when the points resume.
    /// </summary>
    Task ReportStorageFault(string fault);
}

/// <summary>One grid point (key: "{sweep id}/{index}"). Runs SGD off the grain scheduler in chunks.</summary>
public interface ISweepPointGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the work and returns at once; a second call is ignored. True when this call started an attempt
    /// (a new point, or one whose activation had been lost), false when the point was already running,
    /// waiting for a worker slot, finished or cancelled.
    /// </summary>
    Task<bool> Start(PointAssignment assignment);

    /// <summary>Current progress.</summary>
    Task<PointProgress> GetProgress();

    /// <summary>The final report, or null while unfinished.</summary>
    Task<PointResult?> GetResult();

    /// <summary>How many times computation started or resumed (1 when never interrupted).</summary>
    Task<int> GetAttempts();

    /// <summary>Stops the work after the current chunk.</summary>
    Task Cancel();

    /// <summary>
    /// What the point has recorded so far, for live views: the final observations once it finished, else
    /// those of its last checkpoint (nothing before the first). Read-only and interleaved, so it never
    /// waits behind other calls; the SGD work runs off the grain and is not disturbed.
    /// </summary>
    /// <param name="feature">The feature whose quantile snapshots to include, or null for none.</param>
    [AlwaysInterleave, ReadOnly]
    Task<PointRecord> GetRecorded(string? feature);
}

/// <summary>Grain keys.</summary>
public static class GrainKeys
{
    /// <summary>The key of point <paramref name="index"/> of sweep <paramref name="sweepId"/>.</summary>
    public static string Point(string sweepId, int index) => $"{sweepId}/{index}";

    /// <summary>The name of the grain storage provider every MeanFieldCluster grain uses.</summary>
    public const string Storage = "mfc";

    /// <summary>The key of the sweep registry.</summary>
    public const long Registry = 0;
}
