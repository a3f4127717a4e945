using MeanFieldCluster.Client.Embedded;
using MeanFieldCluster.Client.Progress;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>Settings of <c>mfc run</c>.</summary>
/// <param name="SpecPath">The spec file.</param>
/// <param name="Overrides">--set path=value items.</param>
/// <param name="OutputDirectory">--out, or null for results/&lt;name&gt;.</param>
/// <param name="Force">--force: overwrite an existing results folder.</param>
/// <param name="Workers">--workers: points computing at once.</param>
internal sealed record RunSettings(string SpecPath, IReadOnlyList<string> Overrides, string? OutputDirectory, bool Force, int Workers);

/// <summary><c>mfc run</c>: runs a sweep on an embedded in-process silo and writes a results folder.</summary>
internal static class RunCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(30);

    public static async Task<int> ExecuteAsync(RunSettings settings, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        if (SpecInput.Load(settings.SpecPath, settings.Overrides, error) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        string directory = Path.GetFullPath(settings.OutputDirectory ?? Path.Combine("results", spec.Name));
        if (!settings.Force && ResultsWriter.Files.Any(f => File.Exists(Path.Combine(directory, f))))
        {
            await error.WriteLineAsync($"error: --out: '{directory}' already holds results; pass --force to overwrite them or choose another folder.");
            return SpecInput.BadInput;
        }

        string specJson = SpecWriter.ToJson(spec);
        string sweepId = $"{spec.Name}-{DateTime.UtcNow:yyyyMMddTHHmmssZ}-{Guid.NewGuid().ToString("N")[..6]}";
        await output.WriteLineAsync($"sweep {sweepId}: {points.Count} points, {points.Sum(p => p.Steps):N0} SGD steps in all, {settings.Workers} worker slot(s)");

        await using EmbeddedCluster cluster = await EmbeddedCluster.StartAsync(settings.Workers, CancellationToken.None);
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>(sweepId);
        SweepStatus status = await sweep.Start(specJson);

        ProgressView view = ProgressView.Create(output, points, interactive);
        bool cancelled = false;
        status = await view.RunAsync(async update =>
        {
            SweepStatus current = status;
            DateTime? cancelDeadline = null;
            while (current.FinishedCount < points.Count)
            {
                if (cancellationToken.IsCancellationRequested && cancelDeadline is null)
                {
                    cancelled = true;
                    cancelDeadline = DateTime.UtcNow + CancelGrace;
                    await sweep.Cancel();
                }

                if (cancelDeadline is { } deadline && DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(PollInterval, CancellationToken.None);
                current = await sweep.GetStatus();
                await update(current);
            }

            return current;
        });

        var results = new PointResult?[points.Count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = await sweep.GetResult(i);
        }

        SweepState state = cancelled ? SweepState.Cancelled : status.State;
        string? aggregate = await sweep.GetAggregateJson();
        ResultsWriter.Write(directory, new SweepOutcome(sweepId, specJson, spec, points, results, state, status.StartedUtc, status.FinishedUtc ?? DateTime.UtcNow, aggregate));

        int failed = results.Count(r => r?.State == PointState.Failed);
        int diverged = results.Count(r => r?.State == PointState.Diverged);
        int completed = results.Count(r => r?.State == PointState.Completed);
        await output.WriteLineAsync($"{completed} completed, {diverged} diverged, {failed} failed, {points.Count - completed - diverged - failed} not finished");
        await output.WriteLineAsync($"results: {directory}");
        foreach (PointResult r in results.OfType<PointResult>().Where(r => r.State == PointState.Failed))
        {
            await error.WriteLineAsync($"error: point {r.Index} failed: {r.Error}");
        }

        return cancelled ? 130 : failed > 0 ? 1 : 0;
    }
}
