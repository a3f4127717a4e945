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
/// Writes a results folder: points.csv, curves.csv, measures.csv, histograms.csv, aggregate.json,
/// raw/ and summary.json (columns in README.md). Everything but summary.json depends only on the spec,
/// so the same spec gives byte-identical files; wall-clock times live only in summary.json. Each file is written under a temporary name and renamed, so a file with
/// its final name is always complete.
/// </summary>
internal static class ResultsWriter
{
    /// <summary>File names, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Files = ["points.csv", "curves.csv", "measures.csv", "histograms.csv", "ld_samples.csv", "rate_functions.csv", "aggregate.json", "summary.json"];

    /// <summary>The folder of raw parameter dumps, one file per point that has any.</summary>
    public const string RawFolder = "raw";

    public static void Write(string directory, SweepOutcome outcome)
    {
        Directory.CreateDirectory(directory);

        // Files of an earlier run in the same folder (--force) must not mix with this one's.
        if (Directory.Exists(Path.Combine(directory, RawFolder)))
        {
            Directory.Delete(Path.Combine(directory, RawFolder), recursive: true);
        }

        foreach (string file in Files.Where(f => f is "aggregate.json" or "ld_samples.csv" or "rate_functions.csv"))
        {
            File.Delete(Path.Combine(directory, file));
        }
        WriteAtomically(Path.Combine(directory, "points.csv"), w => WritePoints(w, outcome));
        WriteAtomically(Path.Combine(directory, "curves.csv"), w => WriteCurves(w, outcome));
        WriteAtomically(Path.Combine(directory, "measures.csv"), w => WriteMeasures(w, outcome));
        WriteAtomically(Path.Combine(directory, "histograms.csv"), w => WriteHistograms(w, outcome));
        foreach (PointResult r in outcome.Results.OfType<PointResult>().Where(r => r.Raw.Length > 0))
        {
            Directory.CreateDirectory(Path.Combine(directory, RawFolder));
            WriteAtomically(Path.Combine(directory, RawFolder, $"point-{Int(r.Index)}.csv"), w => WriteRaw(w, r));
        }

        if (outcome.Spec.LargeDeviations is not null)
        {
            WriteAtomically(Path.Combine(directory, "ld_samples.csv"), w => WriteSamples(w, outcome));
            if (outcome.AggregateJson is not null)
            {
                WriteAtomically(Path.Combine(directory, "rate_functions.csv"), w => WriteRateFunctions(w, outcome.AggregateJson));
            }
        }

        if (outcome.AggregateJson is not null)
        {
            WriteAtomically(Path.Combine(directory, "aggregate.json"), w => w.Write(outcome.AggregateJson + "\n"));
        }

        string[] written = [.. Files.Where(f => f == "summary.json" || File.Exists(Path.Combine(directory, f)))];
        WriteAtomically(Path.Combine(directory, "summary.json"), w => WriteSummary(w, outcome, written));
    }

    private static void WritePoints(TextWriter w, SweepOutcome outcome)
    {
        w.Write("point,width,widths,step_size,layers,gamma,seed,status,steps,planned_steps,final_time,initial_risk,final_risk,final_risk_stderr,dcor,dcor_pvalue\n");
        foreach (PointSpec p in outcome.Points)
        {
            PointResult? r = outcome.Results[p.Index];
            RiskRow? first = r?.Risk.FirstOrDefault();
            RiskRow? last = r?.Risk.LastOrDefault();
            DependenceRow? dep = r?.Dependence;
            w.Write(string.Join(',',
                Int(p.Index), Int(p.Width), string.Join(';', p.Widths.Select(n => Int(n))), Num(p.StepSize), Int(p.Layers),
                string.Join(';', p.Gamma.Select(Num)), Int(p.Seed),
                StatusName(r?.State ?? PointState.Pending), Int(r?.Steps ?? 0), Int(p.Steps),
                last is null ? "" : Num(last.Time), first is null ? "" : Num(first.Risk),
                last is null ? "" : Num(last.Risk), last is null ? "" : Num(last.StdErr),
                dep is null ? "" : Num(dep.DistanceCorrelation), dep is null ? "" : Num(dep.PValue)));
            w.Write('\n');
        }
    }

    // One row per replica: mode, quenched draw (0 when annealed), width, replica index, value of the functional (NaN for a diverged replica).
    private static void WriteSamples(TextWriter w, SweepOutcome outcome)
    {
        w.Write("mode,draw,width,replica,value\n");
        foreach (PointSpec p in outcome.Points)
        {
            double[] samples = outcome.Results[p.Index]?.Samples ?? [];
            for (int r = 0; r < samples.Length; r++)
            {
                w.Write($"{p.Mode},{Int(p.Draw)},{Int(p.Width)},{Int(p.ReplicaStart + r)},{Num(samples[r])}\n");
            }
        }
    }

    private static void WriteRateFunctions(TextWriter w, string aggregateJson)
    {
        w.Write("mode,width,x,estimator,value,lo,hi,censored\n");
        foreach (string[] row in LargeDeviationsAggregate.Rows(aggregateJson))
        {
            w.Write(string.Join(',', row));
            w.Write('\n');
        }
    }

    private static void WriteHistograms(TextWriter w, SweepOutcome outcome)
    {
        w.Write("point,step,t,feature,bin,low,high,count\n");
        foreach (PointResult? r in outcome.Results)
        {
            foreach (HistogramRow h in r?.Histograms ?? [])
            {
                double width = (h.High - h.Low) / h.Counts.Length;
                for (int b = 0; b < h.Counts.Length; b++)
                {
                    double low = h.Low + (b * width), high = b == h.Counts.Length - 1 ? h.High : h.Low + ((b + 1) * width);
                    w.Write($"{Int(r!.Index)},{Int(h.Step)},{Num(h.Time)},{h.Feature},{Int(b)},{Num(low)},{Num(high)},{Int(h.Counts[b])}\n");
                }
            }
        }
    }

    private static void WriteRaw(TextWriter w, PointResult r)
    {
        w.Write("step,t,block,index,value\n");
        foreach (RawRow raw in r.Raw)
        {
            string prefix = $"{Int(raw.Step)},{Num(raw.Time)},{raw.Block},";
            for (int k = 0; k < raw.Values.Length; k++)
            {
                w.Write(prefix);
                w.Write(Int(k));
                w.Write(',');
                w.Write(Num(raw.Values[k]));
                w.Write('\n');
            }
        }
    }

    private static void WriteCurves(TextWriter w, SweepOutcome outcome)
    {
        w.Write("point,step,t,risk,risk_stderr\n");
        foreach (PointResult? r in outcome.Results)
        {
            foreach (RiskRow row in r?.Risk ?? [])
            {
                w.Write($"{Int(r!.Index)},{Int(row.Step)},{Num(row.Time)},{Num(row.Risk)},{Num(row.StdErr)}\n");
            }
        }
    }

    private static void WriteMeasures(TextWriter w, SweepOutcome outcome)
    {
        w.Write("point,step,t,feature,level,value\n");
        string[] levels = [.. Quantiles.Levels(outcome.Spec.Observe.QuantileLevels).Select(Num)];
        foreach (PointResult? r in outcome.Results)
        {
            foreach (MeasureRow row in r?.Measures ?? [])
            {
                string prefix = $"{Int(r!.Index)},{Int(row.Step)},{Num(row.Time)},{row.Feature},";
                for (int j = 0; j < row.Values.Length; j++)
                {
                    w.Write(prefix);
                    w.Write(levels[j]);
                    w.Write(',');
                    w.Write(Num(row.Values[j]));
                    w.Write('\n');
                }
            }
        }
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
