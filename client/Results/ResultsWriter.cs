using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Client.Results;

/// <summary>What a results folder is written from, besides the points' reports (which are streamed).</summary>
/// <param name="SweepId">Sweep id.</param>
/// <param name="SpecJson">The resolved spec (canonical JSON).</param>
/// <param name="Spec">The same spec, parsed.</param>
/// <param name="Points">The expanded grid.</param>
/// <param name="State">Final sweep state.</param>
/// <param name="StartedUtc">Submission time.</param>
/// <param name="FinishedUtc">Completion time.</param>
/// <param name="AggregateJson">The coordinator's aggregation, when every point finished.</param>
/// <param name="Coordinator">What coordinating the sweep cost, when the coordinator reported it.</param>
internal sealed record SweepExport(string SweepId, string SpecJson, SweepSpec Spec, IReadOnlyList<PointSpec> Points, SweepState State, DateTime StartedUtc, DateTime FinishedUtc, string? AggregateJson, CoordinatorStats? Coordinator);

/// <summary>One point's line of summary.json: what is kept of a report once its rows are written.</summary>
/// <param name="State">Final state (Pending when no report arrived).</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Seconds">Wall-clock seconds spent computing, when a report arrived.</param>
/// <param name="Attempts">How many times the point started or resumed computing.</param>
/// <param name="Error">Why the point failed, when it did.</param>
internal sealed record PointLine(PointState State, long Steps, double? Seconds, int Attempts, string? Error);

/// <summary>A written results folder: the export and one line per point.</summary>
/// <param name="Export">What the folder was written from.</param>
/// <param name="Lines">One line per point, by index.</param>
internal sealed record SweepOutcome(SweepExport Export, IReadOnlyList<PointLine> Lines)
{
    /// <summary>Points whose line has <paramref name="state"/>.</summary>
    public int Count(PointState state) => Lines.Count(l => l.State == state);
}

/// <summary>
/// Writes a results folder: points.csv, curves.csv, measures.csv, histograms.csv (with ld_samples.csv and
/// rate_functions.csv for large deviations), the tidy tables of the aggregation (<see cref="AggregateTables"/>),
/// a Parquet copy of each table beside it, aggregate.json, raw/ and summary.json (every column and field in
/// docs/results.md). Everything but summary.json depends only on the spec and the sweep id, so the same
/// spec run under the same id gives byte-identical files; wall-clock times and the machine live only in
/// summary.json. The points'
/// reports are streamed: each is turned into rows as it arrives and dropped, and the tables are written
/// in batches (<see cref="TableWriter"/>), so memory does not grow with the size of the results. Each file
/// is written under a temporary name and renamed, so a file with its final name is always complete.
/// </summary>
internal static class ResultsWriter
{
    /// <summary>The tables, in the order they are written; each is written as &lt;table&gt;.csv and &lt;table&gt;.parquet.</summary>
    public static readonly IReadOnlyList<string> Tables = ["points", "curves", "measures", "histograms", "ld_samples", .. AggregateTables.Tables];

    /// <summary>File names, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Files = [.. Tables.SelectMany(t => new[] { t + ".csv", t + ".parquet" }), "aggregate.json", "summary.json"];

    /// <summary>The folder of raw parameter dumps, one file per point that has any.</summary>
    public const string RawFolder = "raw";

    /// <summary>The folder <c>mfc plot</c> writes figures to; removed when a run rewrites the folder.</summary>
    public const string FiguresFolder = "figures";

    // The columns after each per-point table's key (point, sweep_id and the point's coordinates, PointCoordinates).
    private static readonly TableColumn[] PointColumns =
    [
        new("status", ColumnType.String), new("steps", ColumnType.Int64), new("planned_steps", ColumnType.Int64), new("final_time", ColumnType.OptionalDouble),
        new("initial_risk", ColumnType.OptionalDouble), new("final_risk", ColumnType.OptionalDouble), new("final_risk_stderr", ColumnType.OptionalDouble),
        new("edge_rank1_share", ColumnType.OptionalDouble), new("edge_feature_share", ColumnType.OptionalDouble),
    ];

    private static readonly TableColumn[] CurveColumns = [new("step", ColumnType.Int64), new("t", ColumnType.Double), new("risk", ColumnType.Double), new("risk_stderr", ColumnType.Double)];

    private static readonly TableColumn[] MeasureColumns = [new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String), new("level", ColumnType.Double), new("value", ColumnType.Double)];

    private static readonly TableColumn[] HistogramColumns =
    [
        new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String),
        new("bin", ColumnType.Int64), new("low", ColumnType.Double), new("high", ColumnType.Double), new("count", ColumnType.Int64),
    ];

    // One row per replica: its index and the value of the functional (NaN for a diverged replica); mode and draw are coordinates.
    private static readonly TableColumn[] SampleColumns = [new("replica", ColumnType.Int64), new("value", ColumnType.Double)];

    private static readonly TableColumn[] RawColumns = [new("step", ColumnType.Int64), new("t", ColumnType.Double), new("block", ColumnType.String), new("index", ColumnType.Int64), new("value", ColumnType.Double)];

    /// <summary>
    /// Writes the folder from <paramref name="export"/> and the points' reports, which
    /// <paramref name="reports"/> yields in point order (null where a point has none), each with its attempts.
    /// </summary>
    public static async Task<SweepOutcome> WriteAsync(string directory, SweepExport export, IAsyncEnumerable<(PointResult? Result, int Attempts)> reports, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(reports);
        Directory.CreateDirectory(directory);

        // Files of an earlier run in the same folder (--force) must not mix with this one's.
        foreach (string folder in new[] { RawFolder, FiguresFolder }.Select(f => Path.Combine(directory, f)).Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }

        foreach (string file in Files.Where(f => f is not "summary.json"))
        {
            File.Delete(Path.Combine(directory, file));
        }

        var lines = new PointLine[export.Points.Count];
        double[] levels = Quantiles.Levels(export.Spec.Observe.QuantileLevels);
        bool largeDeviations = export.Spec.LargeDeviations is not null;
        var key = new TableKey(export.SweepId, PointCoordinates.For(export.Spec, export.Points));
        IReadOnlyDictionary<string, string> metadata = ParquetMetadata(export);
        Task<TableWriter> Open(string folder, string name, TableColumn[] columns, bool point = true) => TableWriter.CreateAsync(folder, name, key.Columns(columns, point), metadata, cancellationToken);
        await using (TableWriter points = await Open(directory, "points", PointColumns))
        await using (TableWriter curves = await Open(directory, "curves", CurveColumns))
        await using (TableWriter measures = await Open(directory, "measures", MeasureColumns))
        await using (TableWriter histograms = await Open(directory, "histograms", HistogramColumns))
        await using (TableWriter? samples = largeDeviations ? await Open(directory, "ld_samples", SampleColumns, point: false) : null)
        {
            TableWriter[] tables = [.. new[] { points, curves, measures, histograms, samples }.OfType<TableWriter>()];
            int index = 0;
            await foreach ((PointResult? r, int attempts) in reports.WithCancellation(cancellationToken))
            {
                if (index >= export.Points.Count)
                {
                    throw new InvalidOperationException($"more reports than the sweep's {export.Points.Count} points");
                }

                PointSpec p = export.Points[index++];
                lines[p.Index] = new PointLine(r?.State ?? PointState.Pending, r?.Steps ?? 0, r?.Seconds, attempts, r?.Error);
                PointRow(key.Start(points.Rows, p), p, r);
                if (r is not null)
                {
                    // A large point's rows are written out as they are made, not after the whole point.
                    await CurveRowsAsync(curves, key, p, r);
                    await MeasureRowsAsync(measures, key, p, r, levels);
                    await HistogramRowsAsync(histograms, key, p, r);
                    if (r.Raw.Length > 0)
                    {
                        Directory.CreateDirectory(Path.Combine(directory, RawFolder));
                        await using TableWriter raw = await Open(Path.Combine(directory, RawFolder), $"point-{Int(r.Index)}", RawColumns);
                        await RawRowsAsync(raw, key, p, r);
                        await raw.CompleteAsync();
                    }
                }

                if (samples is not null)
                {
                    await SampleRowsAsync(samples, key, p, r?.Samples ?? []);
                }

                foreach (TableWriter table in tables)
                {
                    await table.FlushIfFullAsync();
                }
            }

            if (index != export.Points.Count)
            {
                throw new InvalidOperationException($"{index} reports for the sweep's {export.Points.Count} points");
            }

            foreach (TableWriter table in tables)
            {
                await table.CompleteAsync();
            }
        }

        if (export.AggregateJson is not null)
        {
            await AggregateTables.WriteAsync(directory, export, key.Coordinates, metadata, cancellationToken);
        }

        if (export.AggregateJson is not null)
        {
            WriteAtomically(Path.Combine(directory, "aggregate.json"), w => w.Write(export.AggregateJson + "\n"));
        }

        var outcome = new SweepOutcome(export, lines);
        string[] written = [.. Files.Where(f => f == "summary.json" || File.Exists(Path.Combine(directory, f)))];
        WriteAtomically(Path.Combine(directory, "summary.json"), w => WriteSummary(w, outcome, written));
        return outcome;
    }

    private static void PointRow(ResultTable table, PointSpec p, PointResult? r)
    {
        RiskRow? first = r?.Risk.FirstOrDefault();
        RiskRow? last = r?.Risk.LastOrDefault();
        EdgeStructureRow? edges = r?.Dependence?.Edges;
        table.Text(StatusName(r?.State ?? PointState.Pending)).Int(r?.Steps ?? 0).Int(p.Steps)
            .Num(last?.Time).Num(first?.Risk).Num(last?.Risk).Num(last?.StdErr)
            .Num(edges?.RankOneShare).Num(edges?.FeatureShare)
            .EndRow();
    }

    private static async Task SampleRowsAsync(TableWriter table, TableKey key, PointSpec p, double[] samples)
    {
        for (int r = 0; r < samples.Length; r++)
        {
            // No point column: which batch a replica ran in depends on the batch size, the sample does not.
            key.Start(table.Rows, p, withPoint: false).Int(p.ReplicaStart + r).Num(samples[r]).EndRow();
            await table.FlushIfFullAsync();
        }
    }

    private static async Task HistogramRowsAsync(TableWriter table, TableKey key, PointSpec p, PointResult r)
    {
        foreach (HistogramRow h in r.Histograms)
        {
            double width = (h.High - h.Low) / h.Counts.Length;
            for (int b = 0; b < h.Counts.Length; b++)
            {
                double low = h.Low + (b * width), high = b == h.Counts.Length - 1 ? h.High : h.Low + ((b + 1) * width);
                key.Start(table.Rows, p).Int(h.Step).Num(h.Time).Text(h.Feature).Int(b).Num(low).Num(high).Int(h.Counts[b]).EndRow();
            }

            await table.FlushIfFullAsync();
        }
    }

    private static async Task RawRowsAsync(TableWriter raw, TableKey key, PointSpec p, PointResult r)
    {
        foreach (RawRow row in r.Raw)
        {
            for (int k = 0; k < row.Values.Length; k++)
            {
                key.Start(raw.Rows, p).Int(row.Step).Num(row.Time).Text(row.Block).Int(k).Num(row.Values[k]).EndRow();
            }

            await raw.FlushIfFullAsync();
        }
    }

    private static async Task CurveRowsAsync(TableWriter table, TableKey key, PointSpec p, PointResult r)
    {
        foreach (RiskRow row in r.Risk)
        {
            key.Start(table.Rows, p).Int(row.Step).Num(row.Time).Num(row.Risk).Num(row.StdErr).EndRow();
            await table.FlushIfFullAsync();
        }
    }

    private static async Task MeasureRowsAsync(TableWriter table, TableKey key, PointSpec p, PointResult r, double[] levels)
    {
        foreach (MeasureRow row in r.Measures)
        {
            for (int j = 0; j < row.Values.Length; j++)
            {
                // Probe features hold one value per probe input: the level column is then the probe's index.
                double level = FeatureNames.IsProbe(row.Feature) ? j : levels[j];
                key.Start(table.Rows, p).Int(row.Step).Num(row.Time).Text(row.Feature).Num(level).Num(row.Values[j]).EndRow();
            }

            await table.FlushIfFullAsync();
        }
    }

    /// <summary>
    /// The key-value metadata of every Parquet file of the folder: sweep id, spec hash, tool version and
    /// commit, and the format version of the tables. Nothing time- or host-dependent, so the same spec and
    /// sweep id give the same files.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParquetMetadata(SweepExport export)
    {
        ArgumentNullException.ThrowIfNull(export);
        Provenance provenance = Provenance.Current();
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["mfc.sweep_id"] = export.SweepId,
            ["mfc.spec_hash"] = Provenance.SpecHash(export.SpecJson),
            ["mfc.tool_version"] = provenance.ToolVersion,
            ["mfc.tables_version"] = TablesVersion.ToString(CultureInfo.InvariantCulture),
        };
        if (provenance.GitCommit is { } commit)
        {
            metadata["mfc.git_commit"] = commit;
        }

        return metadata;
    }

    private static void WriteSummary(TextWriter w, SweepOutcome outcome, IReadOnlyList<string> files)
    {
        SweepExport export = outcome.Export;
        var points = new JsonArray();
        for (int i = 0; i < outcome.Lines.Count; i++)
        {
            PointLine line = outcome.Lines[i];
            points.Add(new JsonObject
            {
                ["point"] = i,
                ["status"] = StatusName(line.State),
                ["steps"] = line.Steps,
                ["seconds"] = line.Seconds is { } seconds ? Math.Round(seconds, 3) : null,
                ["attempts"] = line.Attempts,
                ["error"] = line.Error,
            });
        }

        var summary = new JsonObject
        {
            ["tool"] = "MeanFieldCluster",
            ["version"] = Version,
            ["tables_version"] = TablesVersion,
            ["sweep_id"] = export.SweepId,
            ["name"] = export.Spec.Name,
            ["tags"] = new JsonArray([.. export.Spec.Tags.Select(t => (JsonNode)t)]),
            ["notes"] = export.Spec.Notes,
            ["status"] = export.State.ToString().ToLowerInvariant(),
            ["started_utc"] = export.StartedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["finished_utc"] = export.FinishedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round((export.FinishedUtc - export.StartedUtc).TotalSeconds, 3),
            ["point_counts"] = new JsonObject(outcome.Lines
                .GroupBy(l => StatusName(l.State))
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
            ["coordinator"] = export.Coordinator is { } c ? CoordinatorJson(c, export.Points.Count) : null,
            ["provenance"] = Provenance.Current().ToJson(),
            ["axes"] = new JsonArray([.. Axes(export.Spec).Select(a => (JsonNode)a)]),
            ["files"] = new JsonArray([.. files.Select(f => (JsonNode)f)]),
            ["spec_hash"] = Provenance.SpecHash(export.SpecJson),
            ["spec_version"] = SpecVersion.Current,
            ["numerics_version"] = NumericsVersion.Current,
            ["spec"] = JsonNode.Parse(export.SpecJson),
            ["points"] = points,
        };
        w.Write(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        w.Write('\n');
    }

    /// <summary>
    /// The grid's axes with more than one value (summary.json's <c>axes</c>, listed by <c>mfc runs</c>):
    /// grid.layers, grid.width, grid.gamma, grid.step_size, grid.seeds, and large_deviations.modes.
    /// </summary>
    public static IReadOnlyList<string> Axes(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        GridSpec g = spec.Grid;
        var axes = new List<string>();
        void Add(string name, int count)
        {
            if (count > 1)
            {
                axes.Add(name);
            }
        }

        Add("grid.layers", g.Layers.Count);
        Add("grid.width", g.Width.Count);
        Add("grid.gamma", g.Gamma?.Count ?? 1);
        Add("grid.step_size", g.StepSize.Count);
        Add("grid.seeds", g.Seeds.Count);
        Add("large_deviations.modes", spec.LargeDeviations?.Modes.Count ?? 1);
        return axes;
    }

    /// <summary>summary.json's "coordinator" object: what coordinating the sweep cost, in all and per point.</summary>
    public static JsonObject CoordinatorJson(CoordinatorStats stats, int points)
    {
        ArgumentNullException.ThrowIfNull(stats);
        int n = Math.Max(1, points);
        return new JsonObject
        {
            ["calls"] = stats.Calls,
            ["call_seconds"] = Math.Round(stats.CallSeconds, 6),
            ["starts"] = stats.Starts,
            ["mean_start_ms"] = stats.Starts == 0 ? null : Math.Round(stats.StartSeconds * 1000 / stats.Starts, 4),
            ["state_writes"] = stats.StateWrites,
            ["activations"] = stats.Activations,
            ["watchdog_restarts"] = stats.Restarts,
            ["watchdog_requests"] = stats.SilentAsked,
            ["calls_per_point"] = Math.Round((double)stats.Calls / n, 3),
            ["call_ms_per_point"] = Math.Round(stats.CallSeconds * 1000 / n, 4),
            ["state_writes_per_point"] = Math.Round((double)stats.StateWrites / n, 3),
        };
    }

    /// <summary>The lower-case status word used in points.csv and summary.json.</summary>
    public static string StatusName(PointState state) => state.ToString().ToLowerInvariant();

    /// <summary>The informational version of the tool.</summary>
    public static string Version => Provenance.Current().ToolVersion;

    /// <summary>
    /// The layout of the tables (docs/results.md): 2 since every table carries point, sweep_id and the
    /// point's coordinates as typed columns (1 had point only, and widths and γ as "100;100" text).
    /// </summary>
    public const int TablesVersion = 2;

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>What starts every row of a per-point table: point, sweep_id and the point's coordinates.</summary>
    /// <param name="SweepId">The sweep id.</param>
    /// <param name="Coordinates">The sweep's coordinate columns.</param>
    private sealed record TableKey(string SweepId, PointCoordinates Coordinates)
    {
        /// <summary>The key columns (without <c>point</c> unless <paramref name="withPoint"/>) followed by <paramref name="rest"/>.</summary>
        public TableColumn[] Columns(TableColumn[] rest, bool withPoint = true) =>
            [.. withPoint ? [new TableColumn("point", ColumnType.Int64)] : Array.Empty<TableColumn>(), new("sweep_id", ColumnType.String), .. Coordinates.TableColumns, .. rest];

        /// <summary>Starts a row of <paramref name="table"/> with the key cells of <paramref name="point"/>.</summary>
        public ResultTable Start(ResultTable table, PointSpec point, bool withPoint = true)
        {
            if (withPoint)
            {
                table.Int(point.Index);
            }

            table.Text(SweepId);
            Coordinates.Write(table, point);
            return table;
        }
    }

    private static void WriteAtomically(string path, Action<TextWriter> write)
    {
        string temporary = path + ".partial";
        using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            write(writer);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
