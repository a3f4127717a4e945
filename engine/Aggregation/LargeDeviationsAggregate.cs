using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The coordinator's large-deviation aggregation (MATH section 6): the batches of every (mode, width) are
/// merged in replica order, non-finite values (diverged replicas) are dropped and counted, and the rate
/// function is estimated per width and extrapolated in N.
/// </summary>
public static class LargeDeviationsAggregate
{
    /// <summary>The aggregate document of a large-deviations sweep (aggregate.json).</summary>
    public static string ToJson(SweepSpec spec, IReadOnlyList<(PointSpec Point, double[]? Samples)> batches)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(batches);
        LargeDeviationsSpec ld = spec.LargeDeviations ?? throw new ArgumentException("Not a large-deviations sweep.", nameof(spec));
        var settings = new LdSettings
        {
            XGrid = [.. ld.XGrid],
            KGrid = [.. ld.KGrid],
            EssMin = ld.EssMin,
            Bootstrap = ld.Bootstrap,
            BootstrapSeed = ld.BootstrapSeed,
        };
        var modes = new JsonArray();
        foreach (string mode in ld.Modes)
        {
            var byWidth = new SortedDictionary<int, double[]>();
            var widthNodes = new JsonArray();
            foreach (var group in batches.Where(b => b.Point.Mode == mode).GroupBy(b => b.Point.Width).OrderBy(g => g.Key))
            {
                double[] all = [.. group.OrderBy(b => b.Point.ReplicaStart).SelectMany(b => b.Samples ?? [])];
                double[] finite = [.. all.Where(double.IsFinite)];
                int missing = group.Sum(b => b.Samples is null ? b.Point.ReplicaCount : 0);
                widthNodes.Add(new JsonObject
                {
                    ["width"] = group.Key,
                    ["replicas"] = all.Length,
                    ["dropped_non_finite"] = all.Length - finite.Length,
                    ["missing"] = missing,
                    ["mean"] = finite.Length > 0 ? finite.Average() : null,
                });
                if (finite.Length >= 2)
                {
                    byWidth[group.Key] = finite;
                }
            }

            JsonNode? report = byWidth.Count == 0 ? null : Report(RateFunctionEstimator.Estimate(byWidth, settings), widthNodes);
            modes.Add(new JsonObject { ["mode"] = mode, ["widths"] = widthNodes, ["rate_functions"] = report });
        }

        var root = new JsonObject
        {
            ["sweep"] = spec.Name,
            ["points"] = batches.Count,
            ["large_deviations"] = new JsonObject
            {
                ["functional"] = ld.Functional,
                ["time"] = spec.Training.Horizon,
                ["replicas_per_width"] = ld.Replicas,
                ["ess_min"] = ld.EssMin,
                ["bootstrap"] = ld.Bootstrap,
                ["modes"] = modes,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The rate-function rows of an aggregate document, for rate_functions.csv: mode, width (or inf), x, estimator, value, lo, hi, censored.</summary>
    public static IEnumerable<string[]> Rows(string aggregateJson)
    {
        JsonNode? root = JsonNode.Parse(aggregateJson);
        foreach (JsonNode? mode in root?["large_deviations"]?["modes"]?.AsArray() ?? [])
        {
            foreach (JsonNode? row in mode?["rate_functions"]?["rows"]?.AsArray() ?? [])
            {
                yield return
                [
                    mode!["mode"]!.GetValue<string>(),
                    row!["width"]!.GetValue<string>(),
                    Text(row["x"]),
                    row["estimator"]!.GetValue<string>(),
                    Text(row["value"]),
                    Text(row["lo"]),
                    Text(row["hi"]),
                    row["censored"]!.GetValue<bool>() ? "true" : "false",
                ];
            }
        }
    }

    private static JsonObject Report(RateFunctionReport report, JsonArray widthNodes)
    {
        foreach (ReliableKRange range in report.ReliableK)
        {
            JsonObject node = widthNodes.OfType<JsonObject>().First(w => w["width"]!.GetValue<int>() == range.Width);
            node["reliable_k"] = new JsonArray(Number(range.KMin), Number(range.KMax));
            node["reliable_x"] = new JsonArray(Number(range.XMin), Number(range.XMax));
        }

        var rows = new JsonArray();
        foreach (RateFunctionRow row in report.Rows)
        {
            rows.Add(new JsonObject
            {
                ["width"] = row.WidthLabel,
                ["x"] = row.X,
                ["estimator"] = row.Estimator,
                ["value"] = Number(row.Value),
                ["lo"] = Number(row.Low),
                ["hi"] = Number(row.High),
                ["censored"] = row.Censored,
            });
        }

        return new JsonObject { ["rows"] = rows };
    }

    private static JsonNode? Number(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string Text(JsonNode? node) => node is null ? "" : node.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);
}
