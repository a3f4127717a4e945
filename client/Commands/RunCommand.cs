using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MeanFieldCluster.Client.Embedded;
using MeanFieldCluster.Client.Progress;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Client.Sweeps;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using MeanFieldCluster.Silo.Web;

namespace MeanFieldCluster.Client.Commands;

/// <summary>Settings of <c>mfc run</c>.</summary>
/// <param name="SpecPath">The spec file.</param>
/// <param name="Overrides">--set path=value items.</param>
/// <param name="OutputDirectory">--out, or null for results/&lt;name&gt;.</param>
/// <param name="Force">--force: start over in a folder that holds results or an unfinished run.</param>
/// <param name="Resume">--resume: finish the interrupted run in the folder.</param>
/// <param name="Workers">--workers: points computing at once.</param>
/// <param name="Plot">--plot: draw the figures (PNG) when the run is not interrupted.</param>
/// <param name="DashboardPort">--dashboard: the port of the web dashboard on 127.0.0.1, or null for none.</param>
/// <param name="ThreadsPerWidePoint">--threads-per-wide-point: slots (threads) a point with N_1 ≥ 20000 takes.</param>
internal sealed record RunSettings(string SpecPath, IReadOnlyList<string> Overrides, string? OutputDirectory, bool Force, bool Resume, int Workers, bool Plot = false, int? DashboardPort = null, int ThreadsPerWidePoint = 1)
{
    /// <summary>The resource budget points are checked against before anything runs.</summary>
    public ResourceBudget Budget { get; init; } = ResourceBudget.Default;

    /// <summary>--sweep-id: the sweep id (default: &lt;name&gt;-&lt;time&gt;-&lt;random&gt;); the same spec under the same id writes byte-identical tables.</summary>
    public string? SweepId { get; init; }

    /// <summary>--log-file: where warnings and errors go in full, stack traces included (default &lt;out&gt;/mfc.log).</summary>
    public string? LogFile { get; init; }

    /// <summary>A cluster's Redis named in the environment (MFC_REDIS), which mfc run does not use: it says so.</summary>
    public string? ClusterRedis { get; init; }
}

/// <summary>
/// <c>mfc run</c>: runs a sweep on an embedded in-process silo and writes a results folder. Grain state
/// (every point's checkpoints and results) lives in &lt;out&gt;/.mfc-state while the run is unfinished, so
/// <c>--resume</c> finishes a killed or interrupted run without recomputing finished points.
/// </summary>
internal static class RunCommand
{
    /// <summary>The folder, inside the results folder, that holds an unfinished run's grain state.</summary>
    public const string StateFolder = ".mfc-state";

    /// <summary>The log file, inside the results folder, unless --log-file says otherwise.</summary>
    public const string LogFileName = "mfc.log";

    /// <summary>The exit code of a run stopped by a storage failure (full disk, read-only folder).</summary>
    public const int StorageFailure = 1;

    private const string MarkerFile = "run.json";

    // The embedded dashboard is for the person at this machine: loopback only, so no token is needed.
    private const string DashboardAddress = "127.0.0.1";

    /// <summary>
    /// --dashboard [PORT]: serve the web dashboard on 127.0.0.1 while the run lasts (default port
    /// <see cref="SiloOptions.DefaultHttpPort"/>).
    /// </summary>
    public static Option<int?> DashboardOption()
    {
        var option = new Option<int?>("--dashboard")
        {
            Description = $"Serve the web dashboard at http://{DashboardAddress}:PORT/ while the sweep runs (PORT defaults to {SiloOptions.DefaultHttpPort}).",
            HelpName = "PORT",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return SiloOptions.DefaultHttpPort;
                }

                string text = result.Tokens[0].Value;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535)
                {
                    return port;
                }

                result.AddError($"--dashboard: '{text}' is not a port; expected a port from 1 to 65535 (write the spec before --dashboard)");
                return null;
            },
        };
        return option;
    }

    public static async Task<int> ExecuteAsync(RunSettings settings, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        if (SpecInput.Load(settings.SpecPath, settings.Overrides, error, settings.Budget) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        // Checked before anything is written, so a busy port leaves the results folder as it was.
        WebEndpointOptions? web = null;
        if (settings.DashboardPort is { } port)
        {
            if (ClusterSetup.CheckPortFree("--dashboard", DashboardAddress, port) is { } busy)
            {
                await error.WriteLineAsync($"error: {busy}");
                return SpecInput.BadInput;
            }

            web = new WebEndpointOptions(DashboardAddress, port, token: null);
        }

        string directory = Path.GetFullPath(settings.OutputDirectory ?? Path.Combine("results", spec.Name));
        if (OutputFolder.Check(directory) is { } unusable)
        {
            await error.WriteLineAsync($"error: {unusable}.");
            return SpecInput.BadInput;
        }

        if (settings.LogFile is { } named && MfcLogging.CheckLogFile(named) is { } unwritable)
        {
            await error.WriteLineAsync($"error: {unwritable}.");
            return SpecInput.BadInput;
        }

        // A user with a cluster's Redis in the environment may expect this run to go there: say where it runs.
        if (!string.IsNullOrWhiteSpace(settings.ClusterRedis))
        {
            await error.WriteLineAsync("note: MFC_REDIS is set, but mfc run always runs on an embedded silo in this process; to run on that cluster, use mfc submit SPEC, then mfc watch and mfc results");
        }

        string stateDirectory = Path.Combine(directory, StateFolder);
        string specJson = SpecWriter.ToJson(spec);

        // The embedded coordinator admits this binding instead of binding the text again in this process.
        ResolvedSpecs.Remember(specJson, spec, SpecInput.DataRoot);
        string? sweepId;
        try
        {
            sweepId = Prepare(settings, directory, stateDirectory, spec.Name, specJson, error);
        }
        catch (Exception ex) when (StorageFaults.Describe(ex) is { } reason)
        {
            return await StorageFailedAsync(new StorageFault(directory, reason), settings, directory, error);
        }

        if (sweepId is null)
        {
            return SpecInput.BadInput;
        }

        string verb = settings.Resume ? "resuming sweep" : "sweep";
        await output.WriteLineAsync($"{verb} {sweepId}: {points.Count} points, {points.Sum(p => p.Steps):N0} SGD steps in all, {settings.Workers} worker slot(s)");
        string logFile = Path.GetFullPath(settings.LogFile ?? Path.Combine(directory, LogFileName));

        // The run's kernels compile while the silo starts (on a core the start leaves idle), not in the workers'
        // first observations, where every worker would wait for them (SgdRun.WarmUp).
        Task warmUp = Task.Run(() => SgdRun.WarmUp(spec, points[0]), CancellationToken.None);
        await using EmbeddedCluster cluster = await EmbeddedCluster.StartAsync(settings.Workers, stateDirectory, web, CancellationToken.None, settings.ThreadsPerWidePoint, logFile: logFile);
        if (web is not null)
        {
            await output.WriteLineAsync($"dashboard: {web.BaseUrl}/ (Orleans dashboard: {web.BaseUrl}/dashboard); it closes when the run ends");
        }

        await warmUp;
        using Activity? activity = MeanFieldTelemetry.StartClientActivity(MeanFieldTelemetry.RunActivity, sweepId);
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>(sweepId);
        TimeSpan stepTimeBefore = SgdRun.ProcessStepTime, advanceTimeBefore = SgdRun.ProcessAdvanceTime;
        TimeSpan finalStepBefore = DiagnosticsClock.FinalStepTime, aggregationBefore = DiagnosticsClock.AggregationTime;
        double? workerSeconds = null;
        await sweep.Start(specJson);

        // A storage failure that retrying does not cure (full disk, read-only folder) ends the run at once.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cluster.StorageFaults.Token);
        ProgressView view = ProgressView.Create(output, points, interactive);
        SweepStatus status = await SweepSession.FollowAsync(cluster.Client, sweepId, points, view, TimeSpan.FromSeconds(30), stop.Token);
        if (cluster.StorageFaults.First is { } fault)
        {
            await cluster.DisposeAsync();
            return await StorageFailedAsync(fault, settings, directory, error);
        }

        bool interrupted = status.State == SweepState.Running;
        if (!interrupted && !settings.Resume && status.FinishedUtc is { } finished)
        {
            // How much of the worker slots' time (from submission to the last point's end) went into SGD steps.
            double wall = (finished - status.StartedUtc).TotalSeconds, slots = settings.Workers;
            double steps = (SgdRun.ProcessStepTime - stepTimeBefore).TotalSeconds, runs = (SgdRun.ProcessAdvanceTime - advanceTimeBefore).TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"worker time: SGD steps {100 * steps / (slots * wall):F1} %, steps and in-run observations {100 * runs / (slots * wall):F1} % of {slots} slot(s) x {wall:F1} s"));
            workerSeconds = slots * wall;
        }

        SweepOutcome outcome;
        try
        {
            outcome = await SweepSession.ExportAsync(cluster.Client, sweepId, specJson, spec, points, status, interrupted, directory);
        }
        catch (Exception ex) when (StorageFaults.Describe(ex) is { } reason)
        {
            // The checkpoints are still in place: --resume writes the tables again once there is space.
            await cluster.DisposeAsync();
            return await StorageFailedAsync(new StorageFault(directory, reason), settings, directory, error);
        }

        if (workerSeconds is { } slotSeconds)
        {
            // Apart from the line above: the dependence measured at each point's final step (worker time) and the
            // sweep's aggregation with its distance correlations and permutation tests (after the last point).
            double finalStep = (DiagnosticsClock.FinalStepTime - finalStepBefore).TotalSeconds, aggregation = (DiagnosticsClock.AggregationTime - aggregationBefore).TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"end-of-run diagnostics: final-step dependence {100 * finalStep / slotSeconds:F1} % of worker time, sweep aggregation (limit solves, fits, distance correlations, permutation tests) {aggregation:F2} s"));
        }

        if (interrupted)
        {
            await output.WriteLineAsync($"interrupted: finished points are saved; finish the rest with: mfc run {settings.SpecPath} --out {directory} --resume");
        }
        else
        {
            // Everything is in the results files now; the checkpoints are no longer needed. The trace ends
            // before the silo stops (and flushes its exporters).
            activity?.Stop();
            await cluster.DisposeAsync();
            Directory.Delete(stateDirectory, recursive: true);
        }

        int code = await SweepSession.ReportAsync(outcome, directory, interrupted, output, error);
        if (settings.Plot && !interrupted)
        {
            int plotted = await PlotCommand.ExecuteAsync(directory, "png", output, error, cancellationToken);
            return code != 0 ? code : plotted;
        }

        return code;
    }

    // One message for a storage failure: where, why, and how to go on; what was stored stays.
    private static async Task<int> StorageFailedAsync(StorageFault fault, RunSettings settings, string directory, TextWriter error)
    {
        await error.WriteLineAsync($"error: storage: {fault}");
        bool resumable = File.Exists(Path.Combine(directory, StateFolder, MarkerFile));
        await error.WriteLineAsync(resumable
            ? $"  everything stored so far is kept; once there is space (or the folder is writable again), finish the run with: mfc run {settings.SpecPath} --out {directory} --resume"
            : $"  nothing was run; free space (or choose a writable --out) and run again");
        return StorageFailure;
    }

    // Decides the sweep id, refusing to mix runs in one folder; null (after printing why) when refused.
    private static string? Prepare(RunSettings settings, string directory, string stateDirectory, string name, string specJson, TextWriter error)
    {
        string marker = Path.Combine(stateDirectory, MarkerFile);
        if (settings.Resume)
        {
            if (!File.Exists(marker))
            {
                error.WriteLine($"error: --resume: '{directory}' holds no unfinished run to resume; run without --resume to start one.");
                return null;
            }

            RunMarker? previous;
            try
            {
                previous = JsonSerializer.Deserialize<RunMarker>(File.ReadAllText(marker));
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: --resume: the marker of the unfinished run in '{directory}' ('{marker}') cannot be read: {ex.Message}; pass --force to start over (its stored points are then computed again).");
                return null;
            }

            if (previous is null || string.IsNullOrEmpty(previous.SweepId) || previous.SpecJson is null)
            {
                error.WriteLine($"error: --resume: the marker of the unfinished run in '{directory}' ('{marker}') is damaged: it names no sweep id and spec; pass --force to start over (its stored points are then computed again).");
                return null;
            }

            if (Mapping.VersionRefusal(previous.SpecVersion ?? 0, previous.NumericsVersion ?? 0, $"--resume: the unfinished run in '{directory}'") is { } versionError)
            {
                error.WriteLine($"error: {versionError}; pass --force to start over.");
                return null;
            }

            if (previous.SpecJson != specJson)
            {
                error.WriteLine($"error: --resume: the spec (with its --set overrides) differs from the one of the unfinished run in '{directory}'; resume with the same spec, or pass --force to start over.");
                return null;
            }

            if (settings.SweepId is { } id && id != previous.SweepId)
            {
                error.WriteLine($"error: --sweep-id: '{id}' differs from the id of the unfinished run in '{directory}' ('{previous.SweepId}'); resume without --sweep-id or with that id.");
                return null;
            }

            return previous.SweepId;
        }

        bool unfinished = File.Exists(marker);
        bool hasResults = ResultsWriter.Files.Any(f => File.Exists(Path.Combine(directory, f)));
        if ((unfinished || hasResults) && !settings.Force)
        {
            error.WriteLine(unfinished
                ? $"error: --out: '{directory}' holds an unfinished run; pass --resume to finish it or --force to start over."
                : $"error: --out: '{directory}' already holds results; pass --force to overwrite them or choose another folder.");
            return null;
        }

        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
        }

        string sweepId = settings.SweepId ?? SpecInput.NewSweepId(name);
        Directory.CreateDirectory(stateDirectory);
        string temporary = marker + ".partial";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new RunMarker(sweepId, specJson, SpecVersion.Current, NumericsVersion.Current)));
        File.Move(temporary, marker, overwrite: true);
        return sweepId;
    }

    private sealed record RunMarker(string SweepId, string SpecJson, int? SpecVersion = null, int? NumericsVersion = null);
}
