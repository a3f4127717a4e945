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

/// <summary>Everything a results folder is written from.</summary>
/// <param name="SweepId">Sweep id.</param>
/// <param name="SpecJson">The resolved spec (canonical JSON).</param>
/// <param name="Spec">The same spec, parsed.</param>
/// <param name="Points">The expanded grid.</param>
/// <param name="Results">The report of every point, null where none arrived.</param>
/// <param name="State">Final sweep state.</param>
/// <param name="StartedUtc">Submission time.</param>
/// <param name="FinishedUtc">Completion time.</param>
/// <param name="AggregateJson">The coordinator's aggregation, when every point finished.</param>
/// <param name="Attempts">How many times each point started or resumed computing (1 when never interrupted).</param>
internal sealed record SweepOutcome(string SweepId, string SpecJson, SweepSpec Spec, IReadOnlyList<PointSpec> Points, IReadOnlyList<PointResult?> Results, SweepState State, DateTime StartedUtc, DateTime FinishedUtc, string? AggregateJson, IReadOnlyList<int> Attempts);

/// <summary>
/// Writes a results folder: points.csv, curves.csv, measures.csv, histograms.csv (with ld_samples.csv and
/// rate_functions.csv for large deviations), a Parquet copy of each table beside it, aggregate.json,
/// raw/ and summary.json (columns in README.md). Everything but summary.json depends only on the spec,
/// so the same spec gives byte-identical files; wall-clock times live only in summary.json. Each file is
/// written under a temporary name and renamed, so a file with its final name is always complete.
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

    public static async Task WriteAsync(string directory, SweepOutcome outcome, CancellationToken cancellationToken = default)
    {
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

        await WriteTableAsync(directory, "points", Points(outcome), cancellationToken);
        await WriteTableAsync(directory, "curves", Curves(outcome), cancellationToken);
        await WriteTableAsync(directory, "measures", Measures(outcome), cancellationToken);
        await WriteTableAsync(directory, "histograms", Histograms(outcome), cancellationToken);
        foreach (PointResult r in outcome.Results.OfType<PointResult>().Where(r => r.Raw.Length > 0))
        {
            Directory.CreateDirectory(Path.Combine(directory, RawFolder));
            await WriteTableAsync(Path.Combine(directory, RawFolder), $"point-{Int(r.Index)}", Raw(r), cancellationToken);
        }

        if (outcome.Spec.LargeDeviations is not null)
        {
            await WriteTableAsync(directory, "ld_samples", Samples(outcome), cancellationToken);
            if (outcome.AggregateJson is not null)
            {
                await WriteTableAsync(directory, "rate_functions", RateFunctions(outcome.AggregateJson), cancellationToken);
            }
        }

        if (outcome.AggregateJson is not null)
        {
            WriteAtomically(Path.Combine(directory, "aggregate.json"), w => w.Write(outcome.AggregateJson + "\n"));
        }

        string[] written = [.. Files.Where(f => f == "summary.json" || File.Exists(Path.Combine(directory, f)))];
        WriteAtomically(Path.Combine(directory, "summary.json"), w => WriteSummary(w, outcome, written));
    }

    private static ResultTable Points(SweepOutcome outcome)
    {
        var table = new ResultTable(
            new("point", ColumnType.Int64), new("width", ColumnType.Int64), new("widths", ColumnType.String), new("step_size", ColumnType.Double),
            new("layers", ColumnType.Int64), new("gamma", ColumnType.String), new("seed", ColumnType.Int64), new("status", ColumnType.String),
            new("steps", ColumnType.Int64), new("planned_steps", ColumnType.Int64), new("final_time", ColumnType.OptionalDouble),
            new("initial_risk", ColumnType.OptionalDouble), new("final_risk", ColumnType.OptionalDouble), new("final_risk_stderr", ColumnType.OptionalDouble),
            new("dcor", ColumnType.OptionalDouble), new("dcor_pvalue", ColumnType.OptionalDouble));
        foreach (PointSpec p in outcome.Points)
        {
            PointResult? r = outcome.Results[p.Index];
            RiskRow? first = r?.Risk.FirstOrDefault();
            RiskRow? last = r?.Risk.LastOrDefault();
            DependenceRow? dep = r?.Dependence;
            table.Int(p.Index).Int(p.Width).Text(string.Join(';', p.Widths.Select(n => Int(n)))).Num(p.StepSize)
                .Int(p.Layers).Text(string.Join(';', p.Gamma.Select(Num))).Int(p.Seed)
                .Text(StatusName(r?.State ?? PointState.Pending)).Int(r?.Steps ?? 0).Int(p.Steps)
                .Num(last?.Time).Num(first?.Risk).Num(last?.Risk).Num(last?.StdErr)
                .Num(dep?.DistanceCorrelation).Num(dep?.PValue)
                .EndRow();
        }

        return table;
    }

    // One row per replica: mode, quenched draw (0 when annealed), width, replica index, value of the functional (NaN for a diverged replica).
    private static ResultTable Samples(SweepOutcome outcome)
    {
        var table = new ResultTable(new("mode", ColumnType.String), new("draw", ColumnType.Int64), new("width", ColumnType.Int64), new("replica", ColumnType.Int64), new("value", ColumnType.Double));
        foreach (PointSpec p in outcome.Points)
        {
            double[] samples = outcome.Results[p.Index]?.Samples ?? [];
            for (int r = 0; r < samples.Length; r++)
            {
                table.Text(p.Mode ?? "").Int(p.Draw).Int(p.Width).Int(p.ReplicaStart + r).Num(samples[r]).EndRow();
            }
        }

        return table;
    }

    // width is a number of neurons, or inf for the extrapolation in N: a string column in both files.
    private static ResultTable RateFunctions(string aggregateJson)
    {
        var table = new ResultTable(
            new("mode", ColumnType.String), new("width", ColumnType.String), new("x", ColumnType.Double), new("estimator", ColumnType.String),
            new("value", ColumnType.OptionalDouble), new("lo", ColumnType.OptionalDouble), new("hi", ColumnType.OptionalDouble), new("censored", ColumnType.Boolean));
        foreach (string[] row in LargeDeviationsAggregate.Rows(aggregateJson))
        {
            table.Text(row[0]).Text(row[1]).Num(Parse(row[2])).Text(row[3])
                .Num(ParseOptional(row[4])).Num(ParseOptional(row[5])).Num(ParseOptional(row[6])).Flag(row[7] == "true")
                .EndRow();
        }

        return table;
    }

    private static ResultTable Histograms(SweepOutcome outcome)
    {
        var table = new ResultTable(
            new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String),
            new("bin", ColumnType.Int64), new("low", ColumnType.Double), new("high", ColumnType.Double), new("count", ColumnType.Int64));
        foreach (PointResult? r in outcome.Results)
        {
            foreach (HistogramRow h in r?.Histograms ?? [])
            {
                double width = (h.High - h.Low) / h.Counts.Length;
                for (int b = 0; b < h.Counts.Length; b++)
                {
                    double low = h.Low + (b * width), high = b == h.Counts.Length - 1 ? h.High : h.Low + ((b + 1) * width);
                    table.Int(r!.Index).Int(h.Step).Num(h.Time).Text(h.Feature).Int(b).Num(low).Num(high).Int(h.Counts[b]).EndRow();
                }
            }
        }

        return table;
    }

    private static ResultTable Raw(PointResult r)
    {
        var table = new ResultTable(new("step", ColumnType.Int64), new("t", ColumnType.Double), new("block", ColumnType.String), new("index", ColumnType.Int64), new("value", ColumnType.Double));
        foreach (RawRow raw in r.Raw)
        {
            for (int k = 0; k < raw.Values.Length; k++)
            {
                table.Int(raw.Step).Num(raw.Time).Text(raw.Block).Int(k).Num(raw.Values[k]).EndRow();
            }
        }

        return table;
    }

    private static ResultTable Curves(SweepOutcome outcome)
    {
        var table = new ResultTable(new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("risk", ColumnType.Double), new("risk_stderr", ColumnType.Double));
        foreach (PointResult? r in outcome.Results)
        {
            foreach (RiskRow row in r?.Risk ?? [])
            {
                table.Int(r!.Index).Int(row.Step).Num(row.Time).Num(row.Risk).Num(row.StdErr).EndRow();
            }
        }

        return table;
    }

    private static ResultTable Measures(SweepOutcome outcome)
    {
        var table = new ResultTable(new("point", ColumnType.Int64), new("step", ColumnType.Int64), new("t", ColumnType.Double), new("feature", ColumnType.String), new("level", ColumnType.Double), new("value", ColumnType.Double));
        double[] levels = Quantiles.Levels(outcome.Spec.Observe.QuantileLevels);
        foreach (PointResult? r in outcome.Results)
        {
            foreach (MeasureRow row in r?.Measures ?? [])
            {
                for (int j = 0; j < row.Values.Length; j++)
                {
                    table.Int(r!.Index).Int(row.Step).Num(row.Time).Text(row.Feature).Num(levels[j]).Num(row.Values[j]).EndRow();
                }
            }
        }

        return table;
    }

    private static void WriteSummary(TextWriter w, SweepOutcome outcome, IReadOnlyList<string> files)
    {
        var points = new JsonArray();
        foreach (PointSpec p in outcome.Points)
        {
            PointResult? r = outcome.Results[p.Index];
            points.Add(new JsonObject
            {
                ["point"] = p.Index,
                ["status"] = StatusName(r?.State ?? PointState.Pending),
                ["steps"] = r?.Steps ?? 0,
                ["seconds"] = r is null ? null : Math.Round(r.Seconds, 3),
                ["attempts"] = outcome.Attempts[p.Index],
                ["error"] = r?.Error,
            });
        }

        var summary = new JsonObject
        {
            ["tool"] = "MeanFieldCluster",
            ["version"] = Version,
            ["sweep_id"] = outcome.SweepId,
            ["status"] = outcome.State.ToString().ToLowerInvariant(),
            ["started_utc"] = outcome.StartedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["finished_utc"] = outcome.FinishedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round((outcome.FinishedUtc - outcome.StartedUtc).TotalSeconds, 3),
            ["point_counts"] = new JsonObject(outcome.Results
                .GroupBy(r => StatusName(r?.State ?? PointState.Pending))
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
            ["files"] = new JsonArray([.. files.Select(f => (JsonNode)f)]),
            ["spec"] = JsonNode.Parse(outcome.SpecJson),
            ["points"] = points,
        };
        w.Write(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        w.Write('\n');
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

    // <name>.csv, then <name>.parquet from the same values.
    private static async Task WriteTableAsync(string directory, string name, ResultTable table, CancellationToken cancellationToken)
    {
        WriteAtomically(Path.Combine(directory, name + ".csv"), table.WriteCsv);
        string path = Path.Combine(directory, name + ".parquet");
        string temporary = path + ".partial";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            await table.WriteParquetAsync(stream, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
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
