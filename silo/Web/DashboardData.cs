using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Web;

/// <summary>Input the dashboard cannot use (an unknown feature or time): a 400 answer naming the parameter.</summary>
internal sealed class DashboardInputException(string message) : Exception(message);

/// <summary>
/// What the dashboard shows, read from the grains: the registry for the list of sweeps, the coordinator for
/// progress, the point grains for what they recorded so far (through their read-only interleaved
/// <see cref="ISweepPointGrain.GetRecorded"/>, so nothing waits behind SGD work). Everything is aggregated
/// here so the page gets small answers whatever the size of the sweep. Final observations of finished
/// points are cached, so following a sweep costs one call per running point and poll; answers younger than
/// half a second are shared between pollers.
/// </summary>
internal sealed partial class DashboardData(IGrainFactory grains, ILogger<DashboardData> logger)
{
    /// <summary>Most curves per chart.</summary>
    public const int MaxSeries = 32;

    /// <summary>Most x values per risk curve (evenly thinned beyond).</summary>
    public const int MaxTimes = 600;

    /// <summary>Most quantile levels per law (evenly thinned beyond).</summary>
    public const int MaxLevels = 512;

    /// <summary>Most point rows in a sweep's detail.</summary>
    public const int MaxPointRows = 2000;

    /// <summary>Most sweeps listed (the newest).</summary>
    public const int MaxSweepsListed = 100;

    private const int MaxCachedSweeps = 16;
    private static readonly TimeSpan RegistryRefresh = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Lazy<Task<SweepCache?>>> _sweeps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SweepSummaryView> _finished = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _calls = new(32);
    private readonly SemaphoreSlim _registryGate = new(1);
    private SweepEntry[] _registry = [];
    private DateTime _registryAt = DateTime.MinValue;

    /// <summary>The newest sweeps with their state and progress.</summary>
    public async Task<SweepListView> ListAsync(bool canCancel)
    {
        SweepEntry[] entries = await RegistryAsync(DateTime.UtcNow - RegistryRefresh);
        SweepEntry[] newest = [.. entries.OrderByDescending(e => e.SubmittedUtc).ThenBy(e => e.SweepId, StringComparer.Ordinal).Take(MaxSweepsListed)];
        SweepSummaryView[] rows = await Task.WhenAll(newest.Select(SummaryAsync));
        return new SweepListView(rows, entries.Length, canCancel);
    }

    /// <summary>The sweep registered under <paramref name="id"/>, or null when there is none.</summary>
    public async Task<SweepCache?> FindAsync(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        DateTime asked = DateTime.UtcNow;
        if (!(await RegistryAsync(null)).Any(e => e.SweepId == id)
            && !(await RegistryAsync(asked)).Any(e => e.SweepId == id))
        {
            return null;
        }

        Lazy<Task<SweepCache?>> entry = _sweeps.GetOrAdd(id, key => new Lazy<Task<SweepCache?>>(() => LoadAsync(key)));
        SweepCache? sweep;
        try
        {
            sweep = await entry.Value;
        }
        catch
        {
            _sweeps.TryRemove(new KeyValuePair<string, Lazy<Task<SweepCache?>>>(id, entry));
            throw;
        }

        if (sweep is null)
        {
            _sweeps.TryRemove(new KeyValuePair<string, Lazy<Task<SweepCache?>>>(id, entry));
            return null;
        }

        sweep.LastUsed = DateTime.UtcNow;
        Evict();
        return sweep;
    }

    /// <summary>
    /// The sweep's state, counts and work (from the compact progress, whatever the sweep's size) and the
    /// progress of its first <see cref="MaxPointRows"/> points.
    /// </summary>
    public async Task<SweepDetailView> DetailAsync(SweepCache sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ISweepGrain grain = grains.GetGrain<ISweepGrain>(sweep.Id);
        SweepProgress progress = await sweep.Memo("progress", grain.GetProgress);
        SweepStatus status = await sweep.Memo("rows", () => grain.GetStatusOf([.. Enumerable.Range(0, Math.Min(MaxPointRows, sweep.Points.Length))]));
        var counts = Enum.GetValues<PointState>().ToDictionary(s => Name(s), progress.Count, StringComparer.Ordinal);
        long done = progress.DoneWork, total = progress.TotalWork;
        bool ld = sweep.Spec.LargeDeviations is not null;
        var rows = new List<PointView>(status.Points.Length);
        foreach (PointProgress point in status.Points)
        {
            PointSpec p = sweep.Points[point.Index];
            string group = ld ? $"{p.Mode}, N = {p.Width}{(p.Mode == LdModes.Quenched ? $", draw {p.Draw}" : "")}" : sweep.GroupOf[p.Index];
            rows.Add(new PointView(
                p.Index, group, [.. p.Widths], p.StepSize, p.Layers, [.. p.Gamma], p.Seed, p.Mode, p.Draw, p.ReplicaCount,
                Name(point.State), point.DoneSteps, point.TotalSteps, Fraction(point.DoneSteps, point.TotalSteps)));
        }

        DateTime end = status.FinishedUtc ?? DateTime.UtcNow;
        return new SweepDetailView(
            status.SweepId,
            status.Name,
            Name(progress.State),
            ld ? "large-deviations" : "sgd",
            status.StartedUtc,
            status.FinishedUtc,
            Math.Max(0, (end - status.StartedUtc).TotalSeconds),
            sweep.Points.Length,
            counts,
            done,
            total,
            Fraction(done, total),
            ld ? "replica steps" : "SGD steps",
            ld ? [.. rows.Select(r => r.Group).Distinct()] : [.. sweep.Groups.Select(g => g.Label)],
            rows.Count,
            rows);
    }

    /// <summary>Mean risk over seeds per group at every recorded time, and the mean-field limit when there is one.</summary>
    public Task<RiskView> RiskAsync(SweepCache sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        return sweep.Memo("risk", async () =>
        {
            if (sweep.Spec.LargeDeviations is not null)
            {
                return new RiskView([], [], null, PdeStatus(sweep), 0, false);
            }

            SweepStatus status = await ShownAsync(sweep);
            Dictionary<int, PointRecord> records = await RecordsAsync(sweep, status, feature: null);
            Dictionary<int, PointState> states = status.Points.ToDictionary(p => p.Index, p => p.State);
            double[] times = sweep.RiskTimes;
            int[] keep = LiveAggregation.Thin(times.Length, MaxTimes);
            SeriesView[] series = [.. sweep.Groups.Take(MaxSeries).Select(g => Pick(LiveAggregation.RiskSeries(g, times, records, states), keep))];
            RadialPdeSolution? pde = Pde(sweep);
            SeriesView? limit = pde is null ? null : Pick(LiveAggregation.PdeRiskSeries(pde, times), keep);
            return new RiskView([.. keep.Select(i => times[i])], series, limit, PdeStatus(sweep), sweep.Groups.Count, keep.Length < times.Length);
        });
    }

    /// <summary>
    /// The seed-pooled quantile function of <paramref name="feature"/> (default w_norm) per group at snapshot
    /// time <paramref name="time"/> (default: the latest with data), and the limit's radial law for w_norm.
    /// </summary>
    /// <exception cref="DashboardInputException">The feature is not recorded, or the time is not a snapshot time.</exception>
    public async Task<QuantileView> QuantilesAsync(SweepCache sweep, string? feature, double? time)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        double[] times = sweep.SnapshotTimes;
        double? chosenTime = null;
        if (time is { } t)
        {
            chosenTime = times.Where(s => Math.Abs(s - t) <= sweep.TimeTolerance).Select(s => (double?)s).FirstOrDefault()
                ?? throw new DashboardInputException($"time: {LiveAggregation.Number(t)} is not a snapshot time of this sweep; expected one of {string.Join(", ", times.Select(LiveAggregation.Number))}");
        }

        if (sweep.Spec.LargeDeviations is not null)
        {
            return new QuantileView([], null, [], null, [], [], null, PdeStatus(sweep));
        }

        return await sweep.Memo($"quantiles|{feature}|{chosenTime}", async () =>
        {
            SweepStatus status = await ShownAsync(sweep);
            string asked = feature ?? FeatureNames.WeightNorm;
            Dictionary<int, PointRecord> records = await RecordsAsync(sweep, status, asked);
            string[] features = [.. records.Values.SelectMany(r => r.Features).Distinct(StringComparer.Ordinal)];
            if (features.Length > 0 && !features.Contains(asked, StringComparer.Ordinal))
            {
                if (feature is not null)
                {
                    throw new DashboardInputException($"feature: '{feature}' is not recorded by this sweep; expected one of {string.Join(", ", features)}");
                }

                asked = features[0];
                records = await RecordsAsync(sweep, status, asked);
            }

            Dictionary<int, PointState> states = status.Points.ToDictionary(p => p.Index, p => p.State);
            int levels = sweep.Spec.Observe.QuantileLevels;
            int[] keep = LiveAggregation.Thin(levels, MaxLevels);
            var groups = sweep.Groups.Take(MaxSeries).ToArray();
            SeriesView[] At(double at) => [.. groups.Select(g => Pick(LiveAggregation.QuantileSeries(g, at, sweep.TimeTolerance, levels, records, states), keep))];
            double? shown = chosenTime;
            SeriesView[] series = [];
            if (shown is { } s)
            {
                series = At(s);
            }
            else
            {
                // The latest snapshot time any group has reached.
                foreach (double candidate in times.Reverse())
                {
                    series = At(candidate);
                    if (series.Any(x => x.SeedsReporting > 0))
                    {
                        shown = candidate;
                        break;
                    }
                }
            }

            RadialPdeSolution? pde = asked == FeatureNames.WeightNorm ? Pde(sweep) : null;
            SeriesView? limit = pde is not null && shown is { } at2 && LiveAggregation.PdeQuantileSeries(pde, at2) is { } l ? Pick(l, keep) : null;
            double[] allLevels = Quantiles.Levels(levels);
            string pdeStatus = asked == FeatureNames.WeightNorm ? PdeStatus(sweep) : $"not applicable: the limit's law is of {FeatureNames.WeightNorm} only";
            return new QuantileView(features, features.Length == 0 ? null : asked, times, shown, [.. keep.Select(i => allLevels[i])], shown is null ? [] : series, limit, pdeStatus);
        });
    }

    /// <summary>
    /// The rate functions of a large-deviations sweep with their bootstrap intervals: the coordinator's
    /// final aggregate once the sweep is finished, else an estimate from the batches finished so far.
    /// </summary>
    public async Task<RateView> RatesAsync(SweepCache sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        if (sweep.Spec.LargeDeviations is not { } ld)
        {
            return new RateView(false, null, null, "not applicable: not a large-deviations sweep", 0, sweep.Points.Length, []);
        }

        SweepStatus status = await StatusAsync(sweep);
        if (status.State is SweepState.Completed or SweepState.Cancelled
            && await grains.GetGrain<ISweepGrain>(sweep.Id).GetAggregateJson() is { } final)
        {
            return ParseRates(final, ld, sweep.Spec, "final", status.Points.Count(p => p.State == PointState.Completed), sweep.Points.Length);
        }

        PointProgress[] done = [.. status.Points.Where(p => p.State == PointState.Completed)];
        await Task.WhenAll(done.Where(p => !sweep.Samples.ContainsKey(p.Index)).Select(async p =>
        {
            if (await Call(() => grains.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweep.Id, p.Index)).GetResult()) is { Samples: { } samples })
            {
                sweep.Samples[p.Index] = samples;
            }
        }));
        int used = sweep.Points.Count(p => sweep.Samples.ContainsKey(p.Index));
        (int Used, Task<RateView> View)? cached = sweep.Rates;
        if (cached is null || cached.Value.Used != used)
        {
            (PointSpec, double[]?)[] batches = [.. sweep.Points.Select(p => (p, sweep.Samples.TryGetValue(p.Index, out double[]? s) ? s : null))];
            Task<RateView> view = Task.Run(() => ParseRates(LargeDeviationsAggregate.ToJson(sweep.Spec, batches), ld, sweep.Spec, "provisional", used, sweep.Points.Length));
            sweep.Rates = cached = (used, view);
        }

        return await cached.Value.View;
    }

    /// <summary>Asks the coordinator to cancel the sweep; returns its state after the request.</summary>
    public async Task<SweepStatus> CancelAsync(SweepCache sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ISweepGrain grain = grains.GetGrain<ISweepGrain>(sweep.Id);
        await grain.Cancel();
        sweep.ForgetMemos();
        _finished.TryRemove(sweep.Id, out _);
        return await grain.GetStatus();
    }

    /// <summary>The lower-case name the API uses for a state.</summary>
    public static string Name<T>(T state)
        where T : struct, Enum => state.ToString().ToLowerInvariant();

    private static double Fraction(long done, long total) => total <= 0 ? 0 : Math.Clamp((double)done / total, 0, 1);

    private static SeriesView Pick(SeriesView series, int[] keep) =>
        keep.Length == series.Values.Count ? series : series with { Values = [.. keep.Select(i => series.Values[i])], StdErr = [.. keep.Select(i => series.StdErr[i])] };

    private static RateView ParseRates(string aggregateJson, LargeDeviationsSpec ld, SweepSpec spec, string source, int used, int batches)
    {
        var modes = new List<RateModeView>();
        foreach (JsonNode? mode in JsonNode.Parse(aggregateJson)?["large_deviations"]?["modes"]?.AsArray() ?? [])
        {
            var curves = (mode?["rate_functions"]?["rows"]?.AsArray() ?? [])
                .OfType<JsonObject>()
                .GroupBy(r => (Width: r["width"]!.GetValue<string>(), Estimator: r["estimator"]!.GetValue<string>()))
                .Select(g =>
                {
                    JsonObject[] rows = [.. g.OrderBy(r => r["x"]!.GetValue<double>())];
                    return new RateCurveView(
                        g.Key.Width,
                        g.Key.Estimator,
                        [.. rows.Select(r => r["x"]!.GetValue<double>())],
                        [.. rows.Select(r => r["value"]?.GetValue<double>())],
                        [.. rows.Select(r => r["lo"]?.GetValue<double>())],
                        [.. rows.Select(r => r["hi"]?.GetValue<double>())],
                        [.. rows.Select(r => r["censored"]?.GetValue<bool>() ?? false)]);
                })
                .ToList();
            modes.Add(new RateModeView(mode!["mode"]!.GetValue<string>(), curves));
        }

        return new RateView(true, ld.Functional, spec.Training.Horizon, source, used, batches, modes);
    }

    private static string PdeStatus(SweepCache sweep) =>
        sweep.PdeReason is { } reason ? $"not applicable: {reason}"
        : sweep.PdeTask is not { } task || !task.IsCompleted ? "computing"
        : task.IsFaulted ? $"failed: {task.Exception?.GetBaseException().Message}"
        : "ready";

    // The limit's solution when it is ready; starts solving it (off the request) the first time.
    private static RadialPdeSolution? Pde(SweepCache sweep)
    {
        if (sweep.PdeReason is not null)
        {
            return null;
        }

        Task<RadialPdeSolution> task = sweep.StartPde();
        return task.IsCompletedSuccessfully ? task.Result : null;
    }

    private async Task<SweepStatus> StatusAsync(SweepCache sweep) =>
        await sweep.Memo("status", () => grains.GetGrain<ISweepGrain>(sweep.Id).GetStatus());

    // The status of the points of the groups a chart shows (the first MaxSeries): bounded by what is drawn, not by the sweep.
    private async Task<SweepStatus> ShownAsync(SweepCache sweep) =>
        await sweep.Memo("shown", () => grains.GetGrain<ISweepGrain>(sweep.Id).GetStatusOf([.. sweep.Groups.Take(MaxSeries).SelectMany(g => g.Points).Select(p => p.Index)]));

    // What every started point recorded so far: cached once final, else asked of the point grain.
    private async Task<Dictionary<int, PointRecord>> RecordsAsync(SweepCache sweep, SweepStatus status, string? feature)
    {
        var records = new Dictionary<int, PointRecord>();
        var asks = new List<Task<(int, PointRecord?)>>();
        foreach (PointProgress p in status.Points)
        {
            // Nothing recorded yet, or cancelled before it started (large sweeps start points as others finish).
            if (p.State is (PointState.Pending or PointState.Cancelled) && p.Step == 0)
            {
                continue;
            }

            if (sweep.Records.TryGetValue((p.Index, feature ?? ""), out PointRecord? final))
            {
                records[p.Index] = final;
                continue;
            }

            asks.Add(AskAsync(p.Index));
        }

        async Task<(int, PointRecord?)> AskAsync(int index)
        {
            PointRecord? r = await Call(() => grains.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweep.Id, index)).GetRecorded(feature));
            if (r is { Finished: true })
            {
                sweep.Records[(index, feature ?? "")] = r;
            }

            return (index, r);
        }

        foreach ((int index, PointRecord? r) in await Task.WhenAll(asks))
        {
            if (r is not null)
            {
                records[index] = r;
            }
        }

        return records;
    }

    // A grain call under the concurrency cap; null (logged) when it fails: one silent point must not blank the page.
    private async Task<T?> Call<T>(Func<Task<T>> call)
    {
        await _calls.WaitAsync();
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCallFailed(logger, ex);
            return default;
        }
        finally
        {
            _calls.Release();
        }
    }

    private async Task<SweepSummaryView> SummaryAsync(SweepEntry entry)
    {
        if (_finished.TryGetValue(entry.SweepId, out SweepSummaryView? final))
        {
            return final;
        }

        // The compact status: counts and work, whatever the sweep's size.
        SweepProgress? status = await Call(() => grains.GetGrain<ISweepGrain>(entry.SweepId).GetProgress());
        if (status is null)
        {
            return new SweepSummaryView(entry.SweepId, entry.Name, "unreachable", entry.Points, 0, 0, entry.SubmittedUtc, null);
        }

        var view = new SweepSummaryView(entry.SweepId, entry.Name, Name(status.State), entry.Points, status.FinishedCount, Fraction(status.DoneWork, status.TotalWork), entry.SubmittedUtc, status.FinishedUtc);
        if (status.State is SweepState.Completed or SweepState.Cancelled)
        {
            _finished[entry.SweepId] = view;
        }

        return view;
    }

    // The registry as read at or after `newerThan` (any copy younger than 30 s when null). Reads are
    // serialized and shared: requests waiting while one read runs are answered by it, so a flood of
    // unknown ids costs one registry call at a time.
    private async Task<SweepEntry[]> RegistryAsync(DateTime? newerThan)
    {
        if (newerThan is null && DateTime.UtcNow - _registryAt < TimeSpan.FromSeconds(30))
        {
            return _registry;
        }

        await _registryGate.WaitAsync();
        try
        {
            if (newerThan is null || _registryAt < newerThan)
            {
                DateTime start = DateTime.UtcNow;
                _registry = await grains.GetGrain<ISweepRegistryGrain>(GrainKeys.Registry).List();
                _registryAt = start;
            }

            return _registry;
        }
        finally
        {
            _registryGate.Release();
        }
    }

    private async Task<SweepCache?> LoadAsync(string id)
    {
        SweepSpec? spec = await grains.GetGrain<ISweepGrain>(id).GetSpec();
        if (spec is null)
        {
            return null;
        }

        return new SweepCache(id, spec, [.. SweepPlanner.Expand(spec)]);
    }

    private void Evict()
    {
        while (_sweeps.Count > MaxCachedSweeps)
        {
            var loaded = _sweeps
                .Where(e => e.Value.IsValueCreated && e.Value.Value.IsCompletedSuccessfully && e.Value.Value.Result is not null)
                .Select(e => (e.Key, e.Value, Used: e.Value.Value.Result!.LastUsed))
                .OrderBy(e => e.Used)
                .FirstOrDefault();
            if (loaded.Key is null || !_sweeps.TryRemove(new KeyValuePair<string, Lazy<Task<SweepCache?>>>(loaded.Key, loaded.Value)))
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dashboard read from a grain failed; the page shows what it has")]
    private static partial void LogCallFailed(ILogger logger, Exception exception);
}

/// <summary>What the dashboard keeps about one sweep: its plan, the limit, and final observations.</summary>
internal sealed class SweepCache
{
    private readonly ConcurrentDictionary<string, (DateTime At, Task<object> Value)> _memos = new(StringComparer.Ordinal);
    private readonly Lock _pdeLock = new();
    private static readonly TimeSpan Fresh = TimeSpan.FromMilliseconds(500);

    public SweepCache(string id, SweepSpec spec, PointSpec[] points)
    {
        Id = id;
        Spec = spec;
        Points = points;
        bool ld = spec.LargeDeviations is not null;
        Groups = ld ? [] : LiveAggregation.Groups(points);
        GroupOf = new string[points.Length];
        foreach (LiveAggregation.Group g in Groups)
        {
            foreach (PointSpec p in g.Points)
            {
                GroupOf[p.Index] = g.Label;
            }
        }

        RiskTimes = ld ? [] : LiveAggregation.RiskTimes(points);
        SnapshotTimes = ld ? [] : LiveAggregation.SnapshotTimes(points);
        TimeTolerance = LiveAggregation.TimeTolerance(points);
        PdeReason = ld ? "a large-deviations sweep records no risk curves"
            : RiskTimes.Length == 0 ? "the sweep records no risk"
            : RadialReduction.Check(spec);
    }

    /// <summary>Sweep id.</summary>
    public string Id { get; }

    /// <summary>The resolved spec.</summary>
    public SweepSpec Spec { get; }

    /// <summary>The planned points, by index.</summary>
    public PointSpec[] Points { get; }

    /// <summary>The groups (all coordinates but the seed) of an SGD sweep.</summary>
    public IReadOnlyList<LiveAggregation.Group> Groups { get; }

    /// <summary>The group label of each point.</summary>
    public string[] GroupOf { get; }

    /// <summary>Every recorded risk time.</summary>
    public double[] RiskTimes { get; }

    /// <summary>The snapshot times (merged across step sizes).</summary>
    public double[] SnapshotTimes { get; }

    /// <summary>How far a point's snapshot may lie from a merged snapshot time.</summary>
    public double TimeTolerance { get; }

    /// <summary>Why the radial PDE does not describe the sweep, or null when it does.</summary>
    public string? PdeReason { get; }

    /// <summary>The limit's solution, once started.</summary>
    public Task<RadialPdeSolution>? PdeTask { get; private set; }

    /// <summary>Final observations of finished points, by (index, feature or "").</summary>
    public ConcurrentDictionary<(int Index, string Feature), PointRecord> Records { get; } = new();

    /// <summary>Large deviations: samples of finished batches, by point.</summary>
    public ConcurrentDictionary<int, double[]> Samples { get; } = new();

    /// <summary>Large deviations: the provisional rate functions and how many batches they used.</summary>
    public (int Used, Task<RateView> View)? Rates { get; set; }

    /// <summary>When the dashboard last asked for the sweep.</summary>
    public DateTime LastUsed { get; set; } = DateTime.UtcNow;

    /// <summary>Starts solving the limit on the thread pool (once) and returns the task.</summary>
    public Task<RadialPdeSolution> StartPde()
    {
        lock (_pdeLock)
        {
            return PdeTask ??= Task.Run(() =>
            {
                double[] times = [.. RiskTimes.Concat(Points.SelectMany(p => p.SnapshotSteps.Select(k => k * p.StepSize))).Distinct().Order()];
                return RadialPdeSolver.Solve(RadialReduction.Settings(Spec, times[^1], times));
            });
        }
    }

    /// <summary>The answer computed for <paramref name="key"/> in the last half second, or a new one.</summary>
    public async Task<T> Memo<T>(string key, Func<Task<T>> compute)
        where T : class
    {
        DateTime now = DateTime.UtcNow;
        (DateTime At, Task<object> Value) entry = _memos.AddOrUpdate(
            key,
            _ => (now, Box(compute)),
            (_, old) => now - old.At < Fresh && !old.Value.IsFaulted ? old : (now, Box(compute)));
        return (T)await entry.Value;
    }

    /// <summary>Drops every memoized answer (after a state change such as a cancel).</summary>
    public void ForgetMemos() => _memos.Clear();

    private static async Task<object> Box<T>(Func<Task<T>> compute)
        where T : class => await compute();
}
