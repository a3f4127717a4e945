using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;
using MeanFieldCluster.Engine.Specs;
using MathNet.Numerics.Statistics;

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
            int draws = mode == LdModes.Quenched ? ld.QuenchedDraws : 1;
            var widthNodes = new JsonArray();
            var reports = new List<RateFunctionReport>();
            var samples = new List<SortedDictionary<int, double[]>>();
            for (int draw = 0; draw < draws; draw++)
            {
                var byWidth = new SortedDictionary<int, double[]>();
                foreach (var group in batches.Where(b => b.Point.Mode == mode && b.Point.Draw == draw).GroupBy(b => b.Point.Width).OrderBy(g => g.Key))
                {
                    double[] all = [.. group.OrderBy(b => b.Point.ReplicaStart).SelectMany(b => b.Samples ?? [])];
                    double[] finite = [.. all.Where(double.IsFinite)];
                    var node = new JsonObject
                    {
                        ["width"] = group.Key,
                        ["draw"] = draw,
                        ["replicas"] = all.Length,
                        ["dropped_non_finite"] = all.Length - finite.Length,
                        ["missing"] = group.Sum(b => b.Samples is null ? b.Point.ReplicaCount : 0),
                        ["mean"] = finite.Length > 0 ? finite.Average() : null,
                        ["centre"] = finite.Length > 0 ? Number(Statistics.Median(finite)) : null,
                    };
                    widthNodes.Add(node);
                    if (finite.Length >= 2)
                    {
                        byWidth[group.Key] = finite;
                    }
                }

                samples.Add(byWidth);
            }

            // Quenched: each draw's curve at width N is centred at its own typical value c_N (MATH section 6);
            // the extrapolation shifts every (draw, width) to one reference centre so that it does not mix them.
            bool quenched = mode == LdModes.Quenched;
            bool centred = quenched && QuenchedExtrapolations.Resolve(spec) == QuenchedExtrapolations.Centred;
            CentreSummary centres = CentreSummary.Of(samples);
            for (int draw = 0; draw < samples.Count; draw++)
            {
                if (samples[draw].Count > 0)
                {
                    RateFunctionReport report = RateFunctionEstimator.Estimate(samples[draw], settings, centred ? centres.Shifts(draw) : null);
                    AddReliableRanges(report, widthNodes, draw);
                    reports.Add(report);
                }
            }

            JsonArray rows = reports.Count == 0 ? [] : Rows(reports);
            foreach (JsonObject rare in RareEventsAggregate.JsonRows(RareEventsAggregate.Rows(spec, [.. batches.Select(b => b.Point)]), mode))
            {
                rows.Add(rare);
            }

            JsonNode? rates = rows.Count == 0 ? null : new JsonObject
            {
                ["averaged_over_draws"] = reports.Count,
                ["extrapolation"] = centred ? QuenchedExtrapolations.Centred : QuenchedExtrapolations.AsMeasured,
                ["centre_reference"] = centred ? Number(centres.Reference) : null,
                ["rows"] = rows,
            };
            var modeNode = new JsonObject { ["mode"] = mode, ["widths"] = widthNodes, ["rate_functions"] = rates };
            if (quenched)
            {
                modeNode["centres"] = centres.ToJson();
            }

            modes.Add(modeNode);
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
                ["reference_curves"] = ReferenceCurves(spec),
            },
        };
        root["ld_comparison"] = LdComparison.Build(spec, modes);
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

    private static void AddReliableRanges(RateFunctionReport report, JsonArray widthNodes, int draw)
    {
        foreach (ReliableKRange range in report.ReliableK)
        {
            JsonObject node = widthNodes.OfType<JsonObject>().First(w => w["width"]!.GetValue<int>() == range.Width && w["draw"]!.GetValue<int>() == draw);
            node["reliable_k"] = new JsonArray(Number(range.KMin), Number(range.KMax));
            node["reliable_x"] = new JsonArray(Number(range.XMin), Number(range.XMax));
        }
    }

    // One report as rows; several (quenched draws) as the average over draws of the rows every draw has,
    // uncensored: the mean of Î over initial draws, which bounds the annealed rate function from above.
    private static JsonArray Rows(List<RateFunctionReport> reports)
    {
        var rows = new JsonArray();
        var groups = reports
            .SelectMany(r => r.Rows)
            .GroupBy(r => (r.WidthLabel, r.X, r.Estimator))
            .Where(g => g.Count() == reports.Count)
            .OrderBy(g => g.First().Width ?? int.MaxValue).ThenBy(g => g.Key.Estimator, StringComparer.Ordinal).ThenBy(g => g.Key.X);
        foreach (var g in groups)
        {
            RateFunctionRow[] all = [.. g];
            bool censored = all.Any(r => r.Censored);
            if (reports.Count > 1 && censored)
            {
                continue;
            }

            rows.Add(new JsonObject
            {
                ["width"] = g.Key.WidthLabel,
                ["x"] = g.Key.X,
                ["estimator"] = g.Key.Estimator,
                ["value"] = Number(all.Average(r => r.Value)),
                ["lo"] = all.All(r => r.Low.HasValue) ? Number(all.Average(r => r.Low!.Value)) : null,
                ["hi"] = all.All(r => r.High.HasValue) ? Number(all.Average(r => r.High!.Value)) : null,
                ["censored"] = censored,
            });
        }

        return rows;
    }

    // Known (or, later, solver-computed) rate functions to draw against the estimates; +∞ values are written null.
    private static JsonArray ReferenceCurves(SweepSpec spec)
    {
        var curves = new JsonArray();
        foreach (ReferenceRateCurve c in ReferenceRateCurves.For(spec))
        {
            curves.Add(new JsonObject
            {
                ["kind"] = c.Kind,
                ["mode"] = c.Mode,
                ["name"] = c.Name,
                ["x"] = new JsonArray([.. c.X.Select(v => (JsonNode?)JsonValue.Create(v))]),
                ["value"] = new JsonArray([.. c.Value.Select(v => Number(v))]),
            });
        }

        return curves;
    }

    private static JsonNode? Number(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string Text(JsonNode? node) => node is null ? "" : node.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);
}
