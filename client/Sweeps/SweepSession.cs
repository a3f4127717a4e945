using System.Globalization;
using MeanFieldCluster.Client.Cluster;
using MeanFieldCluster.Client.Progress;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Sweeps;

/// <summary>Following a sweep and exporting its results: shared by run, watch and results.</summary>
internal static class SweepSession
{
    /// <summary>How often the coordinator sends the changes (<see cref="ISweepGrain.WatchProgress"/>).</summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Follows the sweep as <see cref="WatchAsync"/> does, then reads the full status of every point once
    /// (for the export).
    /// </summary>
    public static async Task<SweepStatus> FollowAsync(IClusterClient client, string sweepId, IReadOnlyList<PointSpec> points, ProgressView view, TimeSpan reconnectTimeout, CancellationToken cancellationToken)
    {
        await WatchAsync(client, sweepId, view, reconnectTimeout, cancellationToken);
        return await Resilient.Call(() => client.GetGrain<ISweepGrain>(sweepId).GetStatus());
    }

    /// <summary>
    /// Shows the coordinator's progress stream until the sweep is no longer running or
    /// <paramref name="cancellationToken"/> fires; returns the last message. The stream sends changes, not
    /// the whole status, so its bandwidth does not grow with the sweep (docs/operations.md). A lost stream (a
    /// gateway or the coordinator's silo gone) is opened again, from a fresh snapshot, until
    /// <paramref name="reconnectTimeout"/> has passed without a message.
    /// </summary>
    public static Task<SweepProgress> WatchAsync(IClusterClient client, string sweepId, ProgressView view, TimeSpan reconnectTimeout, CancellationToken cancellationToken) =>
        view.RunAsync(async update =>
        {
            ISweepGrain sweep = client.GetGrain<ISweepGrain>(sweepId);
            SweepProgress? last = null;
            DateTime lastSuccess = DateTime.UtcNow;
            // Until the sweep ends, or the cluster's storage refuses writes for good (the points stop: nothing to watch).
            while (!cancellationToken.IsCancellationRequested && last is not { State: not SweepState.Running } && last?.StorageFault is null)
            {
                try
                {
                    await foreach (SweepProgress message in sweep.WatchProgress(ProgressInterval, cancellationToken).WithCancellation(cancellationToken))
                    {
                        last = message;
                        lastSuccess = DateTime.UtcNow;
                        await update(message);
                        if (message.StorageFault is not null)
                        {
                            break;
                        }
                    }

                    continue;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && DateTime.UtcNow - lastSuccess < reconnectTimeout)
                {
                    // The gateway or the coordinator's silo is gone: the client fails over; open the stream again.
                }

                try
                {
                    await Task.Delay(ReconnectPause, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return last ?? await Resilient.Call(() => sweep.GetProgress());
        });

    /// <summary>
    /// Writes the results folder, streaming the points' reports from their grains in point order: a few
    /// are fetched ahead (fewer when they are large), each is written out and dropped, so the client's
    /// memory does not grow with the size of the results.
    /// </summary>
    public static async Task<SweepOutcome> ExportAsync(IClusterClient client, string sweepId, string specJson, SweepSpec spec, IReadOnlyList<PointSpec> points, SweepStatus status, bool interrupted, string directory)
    {
        ISweepGrain sweep = client.GetGrain<ISweepGrain>(sweepId);
        SweepState state = interrupted ? SweepState.Cancelled : status.State;
        string? aggregate = status.State == SweepState.Running ? null : await Resilient.Call(() => sweep.GetAggregateJson());

        // The cost of coordinating, aggregation included, read after the aggregation.
        CoordinatorStats? coordinator = (await Resilient.Call(() => sweep.GetStatus())).Coordinator;
        var export = new SweepExport(sweepId, specJson, spec, points, state, status.StartedUtc, status.FinishedUtc ?? DateTime.UtcNow, aggregate, coordinator);
        return await ResultsWriter.WriteAsync(directory, export, WithCoordinatorStates(FetchInOrder(client, sweepId, points.Count), status));
    }

    // A point cancelled before it was ever started has no report of its own: the coordinator's final state
    // stands for it (as the point would have reported: cancelled after 0 steps).
    private static async IAsyncEnumerable<(PointResult? Result, int Attempts)> WithCoordinatorStates(IAsyncEnumerable<(PointResult? Result, int Attempts)> reports, SweepStatus status)
    {
        int index = 0;
        await foreach ((PointResult? result, int attempts) in reports)
        {
            PointProgress? known = index < status.Points.Length ? status.Points[index] : null;
            yield return result is null && known is { State: PointState.Cancelled }
                ? (Mapping.ToResult(index, PointState.Cancelled, null, null, 0), attempts)
                : (result, attempts);
            index++;
        }
    }

    /// <summary>Reports fetched ahead at most: enough to hide the round trips, few enough to stay small.</summary>
    internal const int MaxAhead = 32;

    /// <summary>The bytes of reports fetched ahead are kept under about this much.</summary>
    internal const long AheadBytes = 64L << 20;

    // Every point's report and attempts, in point order, with a window of fetches in flight whose size
    // follows the largest report seen so far.
    private static async IAsyncEnumerable<(PointResult? Result, int Attempts)> FetchInOrder(IClusterClient client, string sweepId, int count)
    {
        var inFlight = new Queue<Task<(PointResult?, int)>>();
        int next = 0, ahead = 1;
        long largest = 0;
        while (next < count || inFlight.Count > 0)
        {
            while (next < count && inFlight.Count < ahead)
            {
                inFlight.Enqueue(Fetch(client.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, next++))));
            }

            (PointResult? result, int attempts) = await inFlight.Dequeue();
            largest = Math.Max(largest, ApproximateBytes(result));
            ahead = (int)Math.Clamp(AheadBytes / Math.Max(1, largest), 1, MaxAhead);
            yield return (result, attempts);
        }
    }

    // Attempts first: reading a finished point's result ends its activation, which a later call would revive.
    private static async Task<(PointResult?, int)> Fetch(ISweepPointGrain point)
    {
        int attempts = await Resilient.Call(() => point.GetAttempts());
        return (await Resilient.Call(() => point.GetResult()), attempts);
    }

    /// <summary>Roughly the bytes a report holds in memory (its numbers), for sizing the fetch window.</summary>
    internal static long ApproximateBytes(PointResult? r) => r is null ? 0 :
        1024 + (64L * r.Risk.Length)
        + r.Measures.Sum(m => 64 + (8L * m.Values.Length))
        + r.Histograms.Sum(h => 64 + (8L * h.Counts.Length))
        + r.Raw.Sum(x => 64 + (8L * x.Values.Length))
        + (8L * (r.Samples?.Length ?? 0));

    /// <summary>The line that reports what coordinating a sweep of <paramref name="points"/> points has cost.</summary>
    public static string CoordinatorLine(CoordinatorStats c, int points)
    {
        ArgumentNullException.ThrowIfNull(c);
        int n = Math.Max(1, points);
        return string.Create(CultureInfo.InvariantCulture, $"coordinator: {c.CallSeconds * 1000 / n:0.###} ms and {(double)c.Calls / n:0.##} calls per point ({c.Calls:N0} calls, {c.CallSeconds:F1} s in calls, {c.StateWrites:N0} state writes for {points:N0} points{(c.Restarts > 0 ? $"; {c.Restarts:N0} lost point(s) started again" : "")})");
    }

    /// <summary>Prints the closing lines of a run and returns its exit code.</summary>
    public static async Task<int> ReportAsync(SweepOutcome outcome, string directory, bool interrupted, TextWriter output, TextWriter error)
    {
        int failed = outcome.Count(PointState.Failed);
        int diverged = outcome.Count(PointState.Diverged);
        int completed = outcome.Count(PointState.Completed);
        int cancelled = outcome.Count(PointState.Cancelled);
        int unfinished = outcome.Lines.Count - completed - diverged - failed - cancelled;
        await output.WriteLineAsync($"{completed} completed, {diverged} diverged, {failed} failed, {cancelled} cancelled, {unfinished} not finished");
        if (outcome.Export.Coordinator is { } c && outcome.Lines.Count > 0)
        {
            await output.WriteLineAsync(CoordinatorLine(c, outcome.Lines.Count));
        }

        await output.WriteLineAsync($"results: {directory}");
        const int shown = 20;
        var failures = outcome.Lines.Select((line, index) => (line, index)).Where(x => x.line.State == PointState.Failed).ToList();
        foreach ((PointLine line, int index) in failures.Take(shown))
        {
            await error.WriteLineAsync($"error: point {index} failed: {line.Error}");
        }

        if (failures.Count > shown)
        {
            await error.WriteLineAsync($"error: ... and {failures.Count - shown} more failed points; summary.json has every error");
        }

        if (!interrupted && unfinished > 0)
        {
            // An ended sweep leaves every point completed, diverged, failed or cancelled; a point without a final
            // report means its stored state was lost (e.g. the results folder, which holds the run's state, was
            // removed or replaced during the run). Its rows are missing from the tables, so the run did not succeed.
            await error.WriteLineAsync($"error: {unfinished} of {outcome.Lines.Count} points ended without a result although the sweep ended, so the tables lack their rows; was '{directory}' removed or changed during the run? Run the sweep again.");
        }

        return interrupted ? 130 : failed > 0 || unfinished > 0 ? 1 : 0;
    }
}
