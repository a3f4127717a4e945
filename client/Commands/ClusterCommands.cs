using System.Diagnostics;
using System.Globalization;
using MeanFieldCluster.Client.Cluster;
using MeanFieldCluster.Client.Progress;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Client.Sweeps;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Client.Commands;

/// <summary>The cluster-mode commands: submit, watch, status, list, cancel, results.</summary>
internal static class ClusterCommands
{
    public static async Task<int> SubmitAsync(ConnectionSettings connection, string specPath, IReadOnlyList<string> overrides, string? sweepId, ResourceBudget budget, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (SpecInput.Load(specPath, overrides, error, budget) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        string specJson = SpecWriter.ToJson(spec);
        sweepId ??= SpecInput.NewSweepId(spec.Name);
        await using ClusterConnection? cluster = await ClusterConnection.ConnectAsync(connection, error, cancellationToken);
        if (cluster is null)
        {
            return SpecInput.BadInput;
        }

        using Activity? activity = MeanFieldTelemetry.StartClientActivity(MeanFieldTelemetry.SubmitActivity, sweepId);
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>(sweepId);
        bool existed = await Resilient.Call(() => sweep.GetSpec()) is not null;
        try
        {
            await Resilient.Call(() => sweep.Start(specJson));
        }
        catch (InvalidOperationException ex)
        {
            await error.WriteLineAsync($"error: --sweep-id: {ex.Message}");
            return SpecInput.BadInput;
        }
        catch (ArgumentException ex)
        {
            // The silos' own checks (data root, resource budget): one line per problem, naming the field.
            string[] lines = ex.Message.Split('\n');
            await error.WriteLineAsync($"{specPath}: {lines[0]}");
            foreach (string line in lines.Skip(1))
            {
                await error.WriteLineAsync($"error: {line}");
            }

            return SpecInput.BadInput;
        }

        await output.WriteLineAsync(existed ? $"{sweepId} (already submitted with this spec; nothing new started)" : sweepId);
        await error.WriteLineAsync($"{points.Count} points, {points.Sum(p => p.Steps):N0} SGD steps; follow with: mfc watch {sweepId}");
        return 0;
    }

    public static Task<int> WatchAsync(ConnectionSettings connection, string sweepId, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken) =>
        WithSweep(connection, sweepId, error, cancellationToken, async (cluster, specJson, spec, points) =>
        {
            ProgressView view = ProgressView.Create(output, points, interactive);
            SweepProgress progress = await SweepSession.WatchAsync(cluster.Client, sweepId, view, TimeSpan.FromMinutes(2), cancellationToken);
            await output.WriteLineAsync(ProgressView.Describe(sweepId, progress));
            if (progress.StorageFault is { } fault)
            {
                await error.WriteLineAsync($"error: storage: {fault}");
                await error.WriteLineAsync($"the points stopped; what was stored stays. Once the store takes writes again (free memory, raise maxmemory, fix the disk), the cluster resumes them by itself; follow with: mfc watch {sweepId}");
                return 1;
            }

            return progress.State == SweepState.Running ? 130 : progress.Count(PointState.Failed) > 0 ? 1 : 0;
        });

    public static Task<int> StatusAsync(ConnectionSettings connection, string sweepId, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithSweep(connection, sweepId, error, cancellationToken, async (cluster, _, spec, points) =>
        {
            SweepProgress progress = await Resilient.Call(() => cluster.Client.GetGrain<ISweepGrain>(sweepId).GetProgress());
            await output.WriteLineAsync(ProgressView.Describe(sweepId, progress));
            if (progress.StorageFault is { } fault)
            {
                await output.WriteLineAsync($"storage: {fault} (the points are stopped until the store takes writes again)");
            }

            if (progress.Coordinator is { } coordinator)
            {
                await output.WriteLineAsync(SweepSession.CoordinatorLine(coordinator, progress.PointCount));
            }

            return 0;
        });

    public static async Task<int> ListAsync(ConnectionSettings connection, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using ClusterConnection? cluster = await ClusterConnection.ConnectAsync(connection, error, cancellationToken);
        if (cluster is null)
        {
            return SpecInput.BadInput;
        }

        SweepEntry[] sweeps = await Resilient.Call(() => cluster.Client.GetGrain<ISweepRegistryGrain>(GrainKeys.Registry).List());
        await output.WriteLineAsync("sweep_id\tname\tpoints\tsubmitted_utc\tstate");
        foreach (SweepEntry entry in sweeps)
        {
            SweepProgress progress = await Resilient.Call(() => cluster.Client.GetGrain<ISweepGrain>(entry.SweepId).GetProgress());
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{entry.SweepId}\t{entry.Name}\t{entry.Points}\t{entry.SubmittedUtc:O}\t{progress.State.ToString().ToLowerInvariant()}"));
        }

        return 0;
    }

    public static Task<int> CancelAsync(ConnectionSettings connection, string sweepId, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithSweep(connection, sweepId, error, cancellationToken, async (cluster, _, _, _) =>
        {
            await Resilient.Call(() => cluster.Client.GetGrain<ISweepGrain>(sweepId).Cancel());
            await output.WriteLineAsync($"{sweepId}: cancel requested; running points stop after their current chunk, finished results are kept");
            return 0;
        });

    public static Task<int> ResultsAsync(ConnectionSettings connection, string sweepId, string? outDirectory, bool force, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithSweep(connection, sweepId, error, cancellationToken, async (cluster, specJson, spec, points) =>
        {
            string directory = Path.GetFullPath(outDirectory ?? Path.Combine("results", sweepId));
            if (OutputFolder.Check(directory) is { } unusable)
            {
                await error.WriteLineAsync($"error: {unusable}.");
                return SpecInput.BadInput;
            }

            if (!force && ResultsWriter.Files.Any(f => File.Exists(Path.Combine(directory, f))))
            {
                await error.WriteLineAsync($"error: --out: '{directory}' already holds results; pass --force to overwrite them or choose another folder.");
                return SpecInput.BadInput;
            }

            using Activity? activity = MeanFieldTelemetry.StartClientActivity(MeanFieldTelemetry.ResultsActivity, sweepId);
            SweepStatus status = await Resilient.Call(() => cluster.Client.GetGrain<ISweepGrain>(sweepId).GetStatus());
            if (status.State == SweepState.Running)
            {
                await error.WriteLineAsync($"warning: {sweepId} is still running; exporting the {status.FinishedCount} finished points of {points.Count}");
            }

            SweepOutcome outcome = await SweepSession.ExportAsync(cluster.Client, sweepId, specJson, spec, points, status, interrupted: false, directory);
            int code = await SweepSession.ReportAsync(outcome, directory, interrupted: false, output, error);
            return status.State == SweepState.Running ? 0 : code;
        });

    private static async Task<int> WithSweep(ConnectionSettings connection, string sweepId, TextWriter error, CancellationToken cancellationToken, Func<ClusterConnection, string, SweepSpec, IReadOnlyList<PointSpec>, Task<int>> action)
    {
        // An id no sweep can have is named before any connection is tried (which could take --connect-timeout).
        if (!SpecInput.IsValidSweepId(sweepId))
        {
            await error.WriteLineAsync($"error: sweep id '{sweepId}' is not allowed; expected {SpecInput.SweepIdRule} ('mfc list' shows the sweeps).");
            return SpecInput.BadInput;
        }

        await using ClusterConnection? cluster = await ClusterConnection.ConnectAsync(connection, error, cancellationToken);
        if (cluster is null)
        {
            return SpecInput.BadInput;
        }

        if (await Resilient.Call(() => cluster.Client.GetGrain<ISweepGrain>(sweepId).GetSpec()) is not { } spec)
        {
            await error.WriteLineAsync($"error: sweep id '{sweepId}' is unknown to cluster '{connection.ClusterId}'; 'mfc list' shows the sweeps.");
            return SpecInput.BadInput;
        }

        // The typed spec arrives as the coordinator bound it (no csv file is read on this host); its canonical
        // JSON is the text the sweep was started with (SpecWriter writes a bound spec back byte for byte).
        return await action(cluster, SpecWriter.ToJson(spec), spec, SweepPlanner.Expand(spec));
    }
}
