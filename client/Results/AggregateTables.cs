using System.Globalization;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Aggregation;

namespace MeanFieldCluster.Client.Results;

/// <summary>
/// What aggregate.json holds, also written as tidy tables (one observation per row, docs/results.md):
/// agg_risk_curves (seed-averaged risk per group and step), agg_law_distances (W1, W2 and sliced W2 of the
/// weight laws to the reference width), agg_fits (every power-law fit in N), agg_pde (the mean-field
/// limit's risk curve), agg_pde_gaps (SGD against the limit per width), agg_width_extrapolation (the scaling
/// section's fits R_N(t) ≈ R_∞(t) + a N^(−p), plain and controlled, per width) and, for large deviations,
/// rate_functions. Each table is written only when aggregate.json has its section; every row starts with
/// sweep_id and the group's coordinates (the point coordinates but the seed, the field axes' values included).
/// </summary>
internal static class AggregateTables
{
    /// <summary>The tables, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Tables = ["agg_risk_curves", "agg_law_distances", "agg_fits", "agg_pde", "agg_pde_gaps", "agg_width_extrapolation", "rate_functions"];

    private static readonly TableColumn[] RateFunctionColumns =
    [
        new("sweep_id", ColumnType.String), new("mode", ColumnType.String), new("width", ColumnType.OptionalInt64), new("extrapolated", ColumnType.Boolean),
        new("x", ColumnType.Double), new("estimator", ColumnType.String), new("value", ColumnType.OptionalDouble), new("lo", ColumnType.OptionalDouble),
        new("hi", ColumnType.OptionalDouble), new("censored", ColumnType.Boolean),
    ];

    /// <summary>Writes the tables of <paramref name="export"/>'s aggregate.json (which must be present).</summary>
    public static async Task WriteAsync(string directory, SweepExport export, PointCoordinates coordinates, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(coordinates);
        JsonNode root = JsonNode.Parse(export.AggregateJson ?? throw new ArgumentException("the export has no aggregate", nameof(export)))!;
        var writer = new Writer(directory, export.SweepId, coordinates.MaxLayers, [.. FieldAxisColumn.Of(export.Spec)], metadata, cancellationToken);
        if (export.Spec.LargeDeviations is not null)
        {
            await writer.WriteAsync("rate_functions", RateFunctionColumns, RateFunctionRows(export.AggregateJson!, export.SweepId));
            return;
        }

        await writer.WriteAsync("agg_risk_curves", writer.Columns(Group.Resolved, ["step:i", "t", "risk_mean", "risk_stderr:?", "seed_count:i"]), RiskCurveRows(root, writer));
        if (root["measure_convergence"] is JsonArray families && families.Count > 0)
        {
            await writer.WriteAsync("agg_law_distances", writer.Columns(Group.Family, ["feature:s", "t", .. writer.WidthColumns, "seed_count:i", "metric:s", "value:?"]), DistanceRows(families, writer));
        }

        List<Action<ResultTable>> fits = [.. FitRows(root, writer)];
        if (fits.Count > 0)
        {
            await writer.WriteAsync("agg_fits", FitColumns(writer), fits);
        }

        List<Action<ResultTable>> extrapolation = [.. ExtrapolationRows(root, writer)];
        if (extrapolation.Count > 0)
        {
            await writer.WriteAsync("agg_width_extrapolation", ExtrapolationColumns(writer), extrapolation);
        }

        // One PDE comparison, or with field axes one per combination of their values (each with its "axes").
        JsonObject[] pdes = Pdes(root);
        if (pdes.Length > 0)
        {
            await writer.WriteAsync("agg_pde", writer.WithAxes(["sweep_id:s"], ["t", "risk:?"]), pdes.SelectMany(pde => PdeRows(pde, writer)));
            await writer.WriteAsync("agg_pde_gaps", writer.WithAxes(["sweep_id:s"], ["step_size_value", "step_size_per_width:b", "width:i", "quantity:s", "t:?", "seed_count:i", "mean:?", "stderr:?"]), pdes.SelectMany(pde => PdeGapRows(pde, writer)));
        }
    }

    private static TableColumn[] ExtrapolationColumns(Writer w) =>
        w.Columns(Group.Family, ["varies:s", "t", "estimate:s", "width:i", "mean", "stderr:?", "p:?", "p_ci95_low:?", "p_ci95_high:?", "r_infinity:?", "r_infinity_stderr:?", "a:?", "status:s", "width_dependence_p_value:?", "expected_p:?", "expected_p_in_ci:s", "expected_p_leading_order:?", "expected_curve:?", "expected_curve_p_value:?"]);

    // One row per family, time, estimate (plain, controlled) and width of the family's varying width: the mean and
    // SE there, and the fit over all its widths repeated on each row (so that one filter gives a curve and its fit).
    private static IEnumerable<Action<ResultTable>> ExtrapolationRows(JsonNode root, Writer w)
    {
        foreach (JsonNode? family in Array(root["scaling"]?["families"]))
        {
            string varies = family!["varies"]?.GetValue<string>() ?? "";
            foreach (JsonNode? at in Array(family["risk_extrapolation"]))
            {
                foreach ((string estimate, JsonNode? block) in new[] { ("plain", at), ("controlled", at!["controlled"]) })
                {
                    if (block is not JsonObject b)
                    {
                        continue;
                    }

                    JsonNode? fit = b["fit"], correction = b["correction"];
                    JsonArray widths = Array(at!["n"]), mean = Array(b["mean"]), se = Array(b["std_err"]);
                    JsonArray ci = Array(fit?["p_ci95"]), curve = Array(correction?["expected_curve"]);
                    string inCi = correction?["expected_p_in_ci"] is JsonValue v && v.TryGetValue(out bool flag) ? (flag ? "true" : "false") : "";
                    for (int g = 0; g < widths.Count; g++)
                    {
                        int k = g;
                        yield return t => w.Key(t, Group.Family, family).Text(varies).Num(Double(at["time"])).Text(estimate).Int(Long(widths[k]))
                            .Num(Double(mean[k])).Num(Optional(se[k])).Num(Optional(fit?["p"])).Num(ci.Count == 2 ? Optional(ci[0]) : null).Num(ci.Count == 2 ? Optional(ci[1]) : null)
                            .Num(Optional(fit?["r_infinity"])).Num(Optional(fit?["r_infinity_std_err"])).Num(Optional(fit?["a"]))
                            .Text(correction?["status"]?.GetValue<string>() ?? "").Num(Optional(correction?["width_dependence_p_value"])).Num(Optional(correction?["expected_p"])).Text(inCi)
                            .Num(Optional(correction?["expected_p_leading_order"])).Num(curve.Count == widths.Count ? Optional(curve[k]) : null).Num(Optional(correction?["expected_curve_p_value"])).EndRow();
                    }
                }
            }
        }
    }

    /// <summary>Which coordinates a group of aggregate.json has.</summary>
    private enum Group
    {
        /// <summary>Risk curves and dependence groups: widths, resolved step size, layers, γ.</summary>
        Resolved,

        /// <summary>Families across widths: the grid's step-size entry, layers, γ.</summary>
        Family,
    }

    private static TableColumn[] FitColumns(Writer w) =>
        w.Columns(Group.Family, ["quantity:s", "feature:s", "t:?", "exponent:?", "exponent_stderr:?", "exponent_ci95_low:?", "exponent_ci95_high:?", "prefactor:?", "points:i", "r_squared:?"]);

    private static IEnumerable<Action<ResultTable>> RiskCurveRows(JsonNode root, Writer w)
    {
        foreach (JsonNode? group in Array(root["risk_curves"]))
        {
            foreach (JsonNode? point in Array(group!["curve"]))
            {
                yield return t => w.Key(t, Group.Resolved, group).Int(Long(point!["step"])).Num(Double(point["time"])).Num(Double(point["mean"]))
                    .Num(Optional(point["std_err"])).Int(Long(point["seed_count"])).EndRow();
            }
        }
    }

    private static IEnumerable<Action<ResultTable>> DistanceRows(JsonArray families, Writer w)
    {
        foreach (JsonNode? family in families)
        {
            foreach (JsonNode? feature in Array(family!["features"]))
            {
                string name = feature!["feature"]!.GetValue<string>();
                foreach (JsonNode? at in Array(feature["times"]))
                {
                    foreach (JsonNode? width in Array(at!["widths"]))
                    {
                        foreach (string metric in new[] { "w1", "w2" })
                        {
                            yield return t => w.Widths(w.Key(t, Group.Family, family).Text(name).Num(Double(at["time"])), width!["widths"])
                                .Int(Long(width["seed_count"])).Text(metric).Num(Optional(width[metric])).EndRow();
                        }
                    }
                }
            }

            foreach (JsonNode? at in Array(family["sliced_w2"]))
            {
                foreach (JsonNode? width in Array(at!["widths"]))
                {
                    yield return t => w.Widths(w.Key(t, Group.Family, family).Text("w").Num(Double(at["time"])), width!["widths"])
                        .Int(Long(width["seed_count"])).Text("sliced_w2").Num(Optional(width["sliced_w2"])).EndRow();
                }
            }
        }
    }

    private static IEnumerable<Action<ResultTable>> FitRows(JsonNode root, Writer w)
    {
        Action<ResultTable>? Fit(JsonNode? group, string quantity, string feature, double? time, JsonNode? fit, JsonNode? axesFrom = null) =>
            fit is not JsonObject f ? null : t =>
            {
                JsonArray? ci = f["exponent_ci95"] as JsonArray;
                w.Key(t, Group.Family, group, axesFrom).Text(quantity).Text(feature).Num(time)
                    .Num(Optional(f["exponent"])).Num(Optional(f["exponent_std_err"])).Num(Optional(ci?[0])).Num(Optional(ci?[1]))
                    .Num(Optional(f["prefactor"])).Int(Long(f["points"])).Num(Optional(f["r_squared"])).EndRow();
            };

        var rows = new List<Action<ResultTable>?>();
        foreach (JsonNode? family in Array(root["measure_convergence"]))
        {
            foreach (JsonNode? feature in Array(family!["features"]))
            {
                foreach (JsonNode? at in Array(feature!["times"]))
                {
                    string name = feature["feature"]!.GetValue<string>();
                    rows.Add(Fit(family, "w1", name, Double(at!["time"]), at["w1_fit"]));
                    rows.Add(Fit(family, "w2", name, Double(at["time"]), at["w2_fit"]));
                }
            }

            rows.AddRange(Array(family["sliced_w2"]).Select(at => Fit(family, "sliced_w2", "w", Double(at!["time"]), at["fit"])));
        }

        foreach (JsonNode? family in Array(root["cross_layer_dependence"]?["families"]))
        {
            rows.Add(Fit(family, "dcor_chaos", "", null, family!["chaos_fit"]));
            rows.Add(Fit(family, "dcor_change", "", null, family["change_fit"]));
            rows.Add(Fit(family, "edge_rank1_share", "", null, family["rank_one_share_fit"]));
            rows.Add(Fit(family, "edge_feature_share", "", null, family["feature_share_fit"]));
        }
        foreach (JsonObject pde in Pdes(root))
        {
            foreach (JsonNode? family in Array(pde["families"]))
            {
                rows.Add(Fit(family, "pde_risk_gap", "", null, family!["risk_gap_fit"], pde));
                rows.AddRange(Array(family["w1_fits"]).Select(at => Fit(family, "pde_w1", "w_norm", Double(at!["time"]), at["fit"], pde)));
            }
        }

        return rows.OfType<Action<ResultTable>>();
    }

    private static JsonObject[] Pdes(JsonNode root) =>
        root["pde_comparison"] is JsonObject one ? [one] : [.. Array(root["pde_comparisons"]).OfType<JsonObject>()];

    private static IEnumerable<Action<ResultTable>> PdeRows(JsonObject pde, Writer w) =>
        Array(pde["times"]).Zip(Array(pde["risk"]), (time, risk) => (Action<ResultTable>)(t => w.AxisCells(t.Text(w.SweepId), pde).Num(Double(time)).Num(Optional(risk)).EndRow()));

    private static IEnumerable<Action<ResultTable>> PdeGapRows(JsonObject pde, Writer w)
    {
        string sweepId = w.SweepId;
        foreach (JsonNode? family in Array(pde["families"]))
        {
            double step = Double(family!["step_size"]);
            bool perWidth = family["step_size_divided_by_width"]?.GetValue<bool>() ?? false;
            foreach (JsonNode? width in Array(family["widths"]))
            {
                long n = Long(width!["width"]);
                yield return t => w.AxisCells(t.Text(sweepId), pde).Num(step).Flag(perWidth).Int(n).Text("risk_gap").Num((double?)null)
                    .Int(Long(width["seeds"])).Num(Optional(width["risk_gap_mean"])).Num(Optional(width["risk_gap_std_err"])).EndRow();
                foreach (JsonNode? at in Array(width["w1"]))
                {
                    yield return t => w.AxisCells(t.Text(sweepId), pde).Num(step).Flag(perWidth).Int(n).Text("w1_w_norm").Num(Optional(at!["time"]))
                        .Int(Long(at["seeds"])).Num(Optional(at["mean"])).Num(Optional(at["std_err"])).EndRow();
                }
            }
        }
    }

    private static IEnumerable<Action<ResultTable>> RateFunctionRows(string aggregateJson, string sweepId)
    {
        foreach (string[] row in LargeDeviationsAggregate.Rows(aggregateJson))
        {
            // width is a number of neurons, or "inf" for the extrapolation in N.
            bool extrapolated = row[1] == "inf";
            long? width = extrapolated ? null : long.Parse(row[1], NumberStyles.Integer, CultureInfo.InvariantCulture);
            yield return t => t.Text(sweepId).Text(row[0]).Int(width).Flag(extrapolated).Num(ParseNumber(row[2]) ?? double.NaN).Text(row[3])
                .Num(ParseNumber(row[4])).Num(ParseNumber(row[5])).Num(ParseNumber(row[6])).Flag(row[7] == "true").EndRow();
        }
    }

    private static JsonArray Array(JsonNode? node) => node as JsonArray ?? [];

    private static double Double(JsonNode? node) => Optional(node) ?? double.NaN;

    private static double? Optional(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d : null;

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue(out long l) ? l : 0;

    private static double? ParseNumber(string text) => text.Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Opens, fills and completes the tables, with the sweep's widest layer count for the width and γ columns.</summary>
    private sealed class Writer(string directory, string sweepId, int maxLayers, IReadOnlyList<FieldAxisColumn> axes, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        public string SweepId => sweepId;

        /// <summary>"width_1:?" .. "width_L:?" column specifications.</summary>
        public string[] WidthColumns => [.. Enumerable.Range(1, maxLayers).Select(k => $"width_{k}:I")];

        /// <summary>
        /// Columns from "name:type" specifications: i integer, I optional integer, s string, b boolean,
        /// ? optional number, none a number.
        /// </summary>
        public static TableColumn[] Parse(IEnumerable<string> specs) =>
        [
            .. specs.Select(spec => spec.Split(':') switch
            {
                [var name] => new TableColumn(name, ColumnType.Double),
                [var name, "i"] => new TableColumn(name, ColumnType.Int64),
                [var name, "I"] => new TableColumn(name, ColumnType.OptionalInt64),
                [var name, "s"] => new TableColumn(name, ColumnType.String),
                [var name, "b"] => new TableColumn(name, ColumnType.Boolean),
                [var name, "?"] => new TableColumn(name, ColumnType.OptionalDouble),
                _ => throw new ArgumentException($"bad column specification '{spec}'", nameof(specs)),
            }),
        ];

        /// <summary>sweep_id, the group's coordinates, then <paramref name="rest"/>.</summary>
        public TableColumn[] Columns(Group group, IEnumerable<string> rest)
        {
            string[] key = group == Group.Resolved
                ? ["layers:i", .. WidthColumns, "step_size", .. GammaColumns()]
                : ["layers:I", "step_size_value", "step_size_per_width:b", .. GammaColumns()];
            return WithAxes(["sweep_id:s", .. key], rest);
        }

        /// <summary><paramref name="head"/>, the field axes' columns, then <paramref name="rest"/> ("name:type" specifications).</summary>
        public TableColumn[] WithAxes(IEnumerable<string> head, IEnumerable<string> rest) => [.. Parse(head), .. axes.Select(a => a.Column), .. Parse(rest)];

        /// <summary>The field axes' cells of the group <paramref name="node"/> (from its "axes"; empty where it has none).</summary>
        public ResultTable AxisCells(ResultTable t, JsonNode? node)
        {
            JsonArray values = Array(node?["axes"]);
            foreach (FieldAxisColumn axis in axes)
            {
                JsonNode? entry = values.FirstOrDefault(v => v?["axis"]?.GetValue<string>() == axis.Path);
                axis.Write(t, entry is null ? null : Engine.Specs.AxisValue.Of(entry["value"]));
            }

            return t;
        }

        /// <summary>
        /// Starts a row with sweep_id and the coordinates of <paramref name="node"/>; the field axes' values come
        /// from <paramref name="axesFrom"/> when given (a PDE family's comparison), else from the node.
        /// </summary>
        public ResultTable Key(ResultTable t, Group group, JsonNode? node, JsonNode? axesFrom = null)
        {
            t.Text(sweepId);
            if (group == Group.Resolved)
            {
                Widths(t.Int(Long(node!["layers"])), node["widths"]).Num(Double(node["step_size"]));
            }
            else
            {
                t.Int(node!["layers"] is null ? null : Long(node["layers"])).Num(Double(node["step_size"])).Flag(node["step_size_divided_by_width"]?.GetValue<bool>() ?? false);
            }

            JsonArray gamma = Array(node["gamma"]);
            for (int k = 0; k < maxLayers; k++)
            {
                t.Num(k < gamma.Count ? Optional(gamma[k]) : null);
            }

            // The group's values on the field axes (its "axes" in aggregate.json), one typed cell per axis.
            return AxisCells(t, axesFrom ?? node);
        }

        /// <summary>The width_1..width_L cells from a list of widths.</summary>
        public ResultTable Widths(ResultTable t, JsonNode? widths)
        {
            JsonArray list = Array(widths);
            for (int k = 0; k < maxLayers; k++)
            {
                t.Int(k < list.Count ? Long(list[k]) : null);
            }

            return t;
        }

        public async Task WriteAsync(string name, TableColumn[] columns, IEnumerable<Action<ResultTable>> rows)
        {
            await using TableWriter table = await TableWriter.CreateAsync(directory, name, columns, metadata, cancellationToken);
            foreach (Action<ResultTable> row in rows)
            {
                row(table.Rows);
                await table.FlushIfFullAsync();
            }

            await table.CompleteAsync();
        }

        private IEnumerable<string> GammaColumns() => Enumerable.Range(1, maxLayers).Select(k => $"gamma_{k}:?");
    }
}
