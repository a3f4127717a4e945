using MeanFieldCluster.Client.Cluster;
using MeanFieldCluster.Client.Progress;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Sweeps;

/// <summary>Following a sweep and exporting its results: shared by run, watch and results.</summary>
internal static class SweepSession
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Polls the coordinator until every point is final or <paramref name="cancellationToken"/> fires,
    /// showing progress. A failing poll (a gateway lost) is retried until <paramref name="reconnectTimeout"/>.
    /// </summary>
    public static Task<SweepStatus> FollowAsync(IClusterClient client, string sweepId, IReadOnlyList<PointSpec> points, ProgressView view, TimeSpan reconnectTimeout, CancellationToken cancellationToken) =>
        view.RunAsync(async update =>
        {
            ISweepGrain sweep = client.GetGrain<ISweepGrain>(sweepId);
            SweepStatus? current = null;
            DateTime lastSuccess = DateTime.UtcNow;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    current = await sweep.GetStatus();
                    lastSuccess = DateTime.UtcNow;
                    await update(current);
                    if (current.State != SweepState.Running)
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException && DateTime.UtcNow - lastSuccess < reconnectTimeout)
                {
                    // The gateway or the coordinator's silo is gone: the client fails over; poll again.
                }

                try
                {
                    await Task.Delay(PollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return current ?? await Resilient.Call(() => sweep.GetStatus());
        });

    /// <summary>Fetches every point's report and the aggregation, and writes the results folder.</summary>
    public static async Task<SweepOutcome> ExportAsync(IClusterClient client, string sweepId, string specJson, SweepSpec spec, IReadOnlyList<PointSpec> points, SweepStatus status, bool interrupted, string directory)
    {
        ISweepGrain sweep = client.GetGrain<ISweepGrain>(sweepId);
        var results = new PointResult?[points.Count];
        var attempts = new int[points.Count];
        for (int i = 0; i < results.Length; i++)
        {
            int index = i;
            results[i] = await Resilient.Call(() => sweep.GetResult(index));
            attempts[i] = await Resilient.Call(() => client.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, index)).GetAttempts());
        }

        SweepState state = interrupted ? SweepState.Cancelled : status.State;
        string? aggregate = status.State == SweepState.Running ? null : await Resilient.Call(() => sweep.GetAggregateJson());
        var outcome = new SweepOutcome(sweepId, specJson, spec, points, results, state, status.StartedUtc, status.FinishedUtc ?? DateTime.UtcNow, aggregate, attempts);
        await ResultsWriter.WriteAsync(directory, outcome);
        return outcome;
    }

    /// <summary>Prints the closing lines of a run and returns its exit code.</summary>
    public static async Task<int> ReportAsync(SweepOutcome outcome, string directory, bool interrupted, TextWriter output, TextWriter error)
    {
        int failed = outcome.Results.Count(r => r?.State == PointState.Failed);
        int diverged = outcome.Results.Count(r => r?.State == PointState.Diverged);
        int completed = outcome.Results.Count(r => r?.State == PointState.Completed);
        int cancelled = outcome.Results.Count(r => r?.State == PointState.Cancelled);
        int unfinished = outcome.Points.Count - completed - diverged - failed - cancelled;
        await output.WriteLineAsync($"{completed} completed, {diverged} diverged, {failed} failed, {cancelled} cancelled, {unfinished} not finished");
        await output.WriteLineAsync($"results: {directory}");
        foreach (PointResult r in outcome.Results.OfType<PointResult>().Where(r => r.State == PointState.Failed))
        {
            await error.WriteLineAsync($"error: point {r.Index} failed: {r.Error}");
        }

        return interrupted ? 130 : failed > 0 ? 1 : 0;
    }
}
