using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Contracts;
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
internal sealed record SweepOutcome(string SweepId, string SpecJson, SweepSpec Spec, IReadOnlyList<PointSpec> Points, IReadOnlyList<PointResult?> Results, SweepState State, DateTime StartedUtc, DateTime FinishedUtc);

/// <summary>
/// Writes a results folder: summary.json, points.csv, curves.csv, measures.csv (columns in README.md).
/// The CSV files depend only on the spec, so the same spec gives byte-identical CSVs; wall-clock times
/// live only in summary.json. Each file is written under a temporary name and renamed, so a file with
/// its final name is always complete.
/// </summary>
internal static class ResultsWriter
{
    /// <summary>File names, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Files = ["points.csv", "curves.csv", "measures.csv", "summary.json"];

    public static void Write(string directory, SweepOutcome outcome)
    {
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, "points.csv"), w => WritePoints(w, outcome));
        WriteAtomically(Path.Combine(directory, "curves.csv"), w => WriteCurves(w, outcome));
        WriteAtomically(Path.Combine(directory, "measures.csv"), w => WriteMeasures(w, outcome));
        WriteAtomically(Path.Combine(directory, "summary.json"), w => WriteSummary(w, outcome));
    }

    private static void WritePoints(TextWriter w, SweepOutcome outcome)
    {
        w.Write("point,width,step_size,layers,seed,status,steps,planned_steps,final_time,initial_risk,final_risk,final_risk_stderr\n");
        foreach (PointSpec p in outcome.Points)
        {
            PointResult? r = outcome.Results[p.Index];
            RiskRow? first = r?.Risk.FirstOrDefault();
            RiskRow? last = r?.Risk.LastOrDefault();
            w.Write(string.Join(',',
                Int(p.Index), Int(p.Width), Num(p.StepSize), Int(p.Layers), Int(p.Seed),
                StatusName(r?.State ?? PointState.Pending), Int(r?.Steps ?? 0), Int(p.Steps),
                last is null ? "" : Num(last.Time), first is null ? "" : Num(first.Risk),
                last is null ? "" : Num(last.Risk), last is null ? "" : Num(last.StdErr)));
            w.Write('\n');
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

    private static void WriteSummary(TextWriter w, SweepOutcome outcome)
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
            ["files"] = new JsonArray([.. Files.Select(f => (JsonNode)f)]),
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
