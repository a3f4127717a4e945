using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

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
/// rate_functions.csv for large deviations), a Parquet copy of each table beside it, aggregate.json,
/// raw/ and summary.json (columns in README.md). Everything but summary.json depends only on the spec,
/// so the same spec gives byte-identical files; wall-clock times live only in summary.json. The points'
/// reports are streamed: each is turned into rows as it arrives and dropped, and the tables are written
/// in batches (<see cref="TableWriter"/>), so memory does not grow with the size of the results. Each file
/// is written under a temporary name and renamed, so a file with its final name is always complete.
/// </summary>
internal static class ResultsWriter
{
    /// <summary>The tables, in the order they are written; each is written as &lt;table&gt;.csv and &lt;table&gt;.parquet.</summary>
    public static readonly IReadOnlyList<string> Tables = ["points", "curves", "measures", "histograms", "ld_samples", "rate_functions"];

    /// <summary>File names, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Files = [.. Tables.SelectMany(t => new[] { t + ".csv", t + ".parquet" }), "aggregate.json", "summary.json"];

    /// <summary>The folder of raw parameter dumps, one file per point that has any.</summary>
    public const string RawFolder = "raw";

    /// <summary>The folder <c>mfc plot</c> writes figures to; removed when a run rewrites the folder.</summary>
    public const string FiguresFolder = "figures";

    private static readonly TableColumn[] PointColumns =
    [
        new("point", ColumnType.Int64), new("width", ColumnType.Int64), new("widths", ColumnType.String), new("step_size", ColumnType.Double),
        new("layers", ColumnType.Int64), new("gamma", ColumnType.String), new("seed", ColumnType.Int64), new("status", ColumnType.String),
        new("steps", ColumnType.Int64), new("planned_steps", ColumnType.Int64), new("final_time", ColumnType.OptionalDouble),
        new("initial_risk", ColumnType.OptionalDouble), new("final_risk", ColumnType.OptionalDouble), new("final_risk_stderr", ColumnType.OptionalDouble),
        new("edge_rank1_share", ColumnType.OptionalDouble), new("edge_feature_share", ColumnType.OptionalDouble),
    ];

    private static readonly TableColumn[] CurveColumns = [new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("risk", ColumnType.Double), new("risk_stderr", ColumnType.Double)];

    private static readonly TableColumn[] MeasureColumns = [new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String), new("level", ColumnType.Double), new("value", ColumnType.Double)];

    private static readonly TableColumn[] HistogramColumns =
    [
        new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String),
        new("bin", ColumnType.Int64), new("low", ColumnType.Double), new("high", ColumnType.Double), new("count", ColumnType.Int64),
    ];

    // One row per replica: mode, quenched draw (0 when annealed), width, replica index, value of the functional (NaN for a diverged replica).
    private static readonly TableColumn[] SampleColumns = [new("mode", ColumnType.String), new("draw", ColumnType.Int64), new("width", ColumnType.Int64), new("replica", ColumnType.Int64), new("value", ColumnType.Double)];

    // width is a number of neurons, or inf for the extrapolation in N: a string column in both files.
    private static readonly TableColumn[] RateFunctionColumns =
    [
        new("mode", ColumnType.String), new("width", ColumnType.String), new("x", ColumnType.Double), new("estimator", ColumnType.String),
        new("value", ColumnType.OptionalDouble), new("lo", ColumnType.OptionalDouble), new("hi", ColumnType.OptionalDouble), new("censored", ColumnType.Boolean),
    ];

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
        await using (TableWriter points = await TableWriter.CreateAsync(directory, "points", PointColumns, cancellationToken))
        await using (TableWriter curves = await TableWriter.CreateAsync(directory, "curves", CurveColumns, cancellationToken))
        await using (TableWriter measures = await TableWriter.CreateAsync(directory, "measures", MeasureColumns, cancellationToken))
        await using (TableWriter histograms = await TableWriter.CreateAsync(directory, "histograms", HistogramColumns, cancellationToken))
        await using (TableWriter? samples = largeDeviations ? await TableWriter.CreateAsync(directory, "ld_samples", SampleColumns, cancellationToken) : null)
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
                PointRow(points.Rows, p, r);
                if (r is not null)
                {
                    // A large point's rows are written out as they are made, not after the whole point.
                    await CurveRowsAsync(curves, r);
                    await MeasureRowsAsync(measures, r, levels);
                    await HistogramRowsAsync(histograms, r);
                    if (r.Raw.Length > 0)
                    {
                        Directory.CreateDirectory(Path.Combine(directory, RawFolder));
                        await using TableWriter raw = await TableWriter.CreateAsync(Path.Combine(directory, RawFolder), $"point-{Int(r.Index)}", RawColumns, cancellationToken);
                        await RawRowsAsync(raw, r);
                        await raw.CompleteAsync();
                    }
                }

                if (samples is not null)
                {
                    await SampleRowsAsync(samples, p, r?.Samples ?? []);
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

        if (largeDeviations && export.AggregateJson is not null)
        {
            await using TableWriter rates = await TableWriter.CreateAsync(directory, "rate_functions", RateFunctionColumns, cancellationToken);
            foreach (string[] row in LargeDeviationsAggregate.Rows(export.AggregateJson))
            {
                rates.Rows.Text(row[0]).Text(row[1]).Num(Parse(row[2])).Text(row[3])
                    .Num(ParseOptional(row[4])).Num(ParseOptional(row[5])).Num(ParseOptional(row[6])).Flag(row[7] == "true")
                    .EndRow();
                await rates.FlushIfFullAsync();
            }

            await rates.CompleteAsync();
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
        table.Int(p.Index).Int(p.Width).Text(string.Join(';', p.Widths.Select(n => Int(n)))).Num(p.StepSize)
            .Int(p.Layers).Text(string.Join(';', p.Gamma.Select(Num))).Int(p.Seed)
            .Text(StatusName(r?.State ?? PointState.Pending)).Int(r?.Steps ?? 0).Int(p.Steps)
            .Num(last?.Time).Num(first?.Risk).Num(last?.Risk).Num(last?.StdErr)
            .Num(edges?.RankOneShare).Num(edges?.FeatureShare)
            .EndRow();
    }

    private static async Task SampleRowsAsync(TableWriter table, PointSpec p, double[] samples)
    {
        for (int r = 0; r < samples.Length; r++)
        {
            table.Rows.Text(p.Mode ?? "").Int(p.Draw).Int(p.Width).Int(p.ReplicaStart + r).Num(samples[r]).EndRow();
            await table.FlushIfFullAsync();
        }
    }

    private static async Task HistogramRowsAsync(TableWriter table, PointResult r)
    {
        foreach (HistogramRow h in r.Histograms)
        {
            double width = (h.High - h.Low) / h.Counts.Length;
            for (int b = 0; b < h.Counts.Length; b++)
            {
                double low = h.Low + (b * width), high = b == h.Counts.Length - 1 ? h.High : h.Low + ((b + 1) * width);
                table.Rows.Int(r.Index).Int(h.Step).Num(h.Time).Text(h.Feature).Int(b).Num(low).Num(high).Int(h.Counts[b]).EndRow();
            }

            await table.FlushIfFullAsync();
        }
    }

    private static async Task RawRowsAsync(TableWriter raw, PointResult r)
    {
        foreach (RawRow row in r.Raw)
        {
            for (int k = 0; k < row.Values.Length; k++)
            {
                raw.Rows.Int(row.Step).Num(row.Time).Text(row.Block).Int(k).Num(row.Values[k]).EndRow();
            }

            await raw.FlushIfFullAsync();
        }
    }

    private static async Task CurveRowsAsync(TableWriter table, PointResult r)
    {
        foreach (RiskRow row in r.Risk)
        {
            table.Rows.Int(r.Index).Int(row.Step).Num(row.Time).Num(row.Risk).Num(row.StdErr).EndRow();
            await table.FlushIfFullAsync();
        }
    }

    private static async Task MeasureRowsAsync(TableWriter table, PointResult r, double[] levels)
    {
        foreach (MeasureRow row in r.Measures)
        {
            for (int j = 0; j < row.Values.Length; j++)
            {
                table.Rows.Int(r.Index).Int(row.Step).Num(row.Time).Text(row.Feature).Num(levels[j]).Num(row.Values[j]).EndRow();
            }

            await table.FlushIfFullAsync();
        }
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
            ["sweep_id"] = export.SweepId,
            ["status"] = export.State.ToString().ToLowerInvariant(),
            ["started_utc"] = export.StartedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["finished_utc"] = export.FinishedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round((export.FinishedUtc - export.StartedUtc).TotalSeconds, 3),
            ["point_counts"] = new JsonObject(outcome.Lines
                .GroupBy(l => StatusName(l.State))
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
            ["coordinator"] = export.Coordinator is { } c ? CoordinatorJson(c, export.Points.Count) : null,
            ["files"] = new JsonArray([.. files.Select(f => (JsonNode)f)]),
            ["spec"] = JsonNode.Parse(export.SpecJson),
            ["points"] = points,
        };
        w.Write(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        w.Write('\n');
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
            ["calls_per_point"] = Math.Round((double)stats.Calls / n, 3),
            ["call_ms_per_point"] = Math.Round(stats.CallSeconds * 1000 / n, 4),
            ["state_writes_per_point"] = Math.Round((double)stats.StateWrites / n, 3),
        };
    }

    /// <summary>The lower-case status word used in points.csv and summary.json.</summary>
    public static string StatusName(PointState state) => state.ToString().ToLowerInvariant();

    /// <summary>The informational version of the tool.</summary>
    public static string Version =>
        typeof(ResultsWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double? ParseOptional(string text) => text.Length == 0 ? null : Parse(text);

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
