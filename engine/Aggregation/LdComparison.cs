using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The <c>ld_comparison</c> section of a large-deviations aggregate (docs/large-deviations.md, "The limiting rate
/// function"): per mode, the solver's limiting I(x) next to every estimate of the rows at that x (Monte Carlo I_N per
/// width, the extrapolated I_∞, the rare-event estimators), each with its interval and whether I(x) lies inside it,
/// and per (width, estimator) how many intervals contain I. When the solver cannot reduce the sweep the section says
/// why instead.
/// </summary>
public static class LdComparison
{
    /// <summary>The section for the <paramref name="modes"/> array of the aggregate (each with its rate-function rows).</summary>
    public static JsonObject Build(SweepSpec spec, JsonArray modes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(modes);
        if (LimitingRateFunction.Check(spec) is { } reason)
        {
            return new JsonObject { ["available"] = false, ["reason"] = reason };
        }

        var modeNodes = new JsonArray();
        foreach (JsonNode? mode in modes)
        {
            string name = mode!["mode"]!.GetValue<string>();
            JsonNode[] rows = [.. mode["rate_functions"]?["rows"]?.AsArray().Where(r => r is not null).Select(r => r!) ?? []];
            if (name == LdModes.Quenched && spec.Training.Horizon == 0)
            {
                modeNodes.Add(new JsonObject { ["mode"] = name, ["available"] = false, ["reason"] = "at T = 0 a quenched F is fixed by the shared draw: no rate function" });
                continue;
            }

            double[] xs = [.. rows.Select(r => r["x"]!.GetValue<double>()).Concat(spec.LargeDeviations!.XGrid).Distinct().Order()];
            LimitCurve curve = LimitingRateFunction.Solve(spec, name, xs);
            Dictionary<double, double?> limit = curve.Points.ToDictionary(p => p.X, p => p.Rate);
            Dictionary<double, int> jumps = curve.Points.Select((p, k) => (p.X, J: curve.Jumps?[k] ?? 0)).ToDictionary(p => p.X, p => p.J);
            var points = new JsonArray();
            var tally = new SortedDictionary<string, (int Checked, int Within)>(StringComparer.Ordinal);
            foreach (double x in xs)
            {
                // Big-jump regime (docs/large-deviations.md, "Big jumps in the solver"): where the cheapest path found
                // jumps and the jumps do not commute with the flow, the solver's value is only an upper bound on I(x).
                double? bound = !curve.JumpsExact && jumps[x] > 0 ? limit[x] : null;
                double? i = bound is null ? limit[x] : null;
                var estimates = new JsonArray();
                foreach (JsonNode row in rows.Where(r => r["x"]!.GetValue<double>() == x))
                {
                    double? lo = Number(row["lo"]), hi = Number(row["hi"]);
                    bool censored = row["censored"]!.GetValue<bool>();
                    bool? within = i is { } v && !censored && lo is { } l && (hi is null || v <= hi) ? v >= l : null;
                    string key = $"{row["width"]!.GetValue<string>()}/{row["estimator"]!.GetValue<string>()}";
                    if (within is { } w)
                    {
                        (int c, int k) = tally.GetValueOrDefault(key);
                        tally[key] = (c + 1, k + (w ? 1 : 0));
                    }

                    estimates.Add(new JsonObject
                    {
                        ["width"] = row["width"]!.GetValue<string>(),
                        ["estimator"] = row["estimator"]!.GetValue<string>(),
                        ["value"] = Number(row["value"]),
                        ["lo"] = lo,
                        ["hi"] = hi,
                        ["censored"] = censored,
                        ["limit_within"] = within,
                    });
                }

                var point = new JsonObject { ["x"] = x, ["limit"] = i, ["mechanism"] = Mechanism(jumps[x]) };
                if (bound is not null)
                {
                    point["limit_upper_bound"] = bound;
                    point["limit_censored"] = $"big-jump regime: the cheapest path found uses {Mechanism(jumps[x])}, placed at the end of the run; with ridge, label noise or Langevin noise an earlier jump can be cheaper, so I(x) <= {bound:G6} only (no comparison)";
                }

                point["estimates"] = estimates;
                points.Add(point);
            }

            var agreement = new JsonArray();
            foreach (var (key, (c, k)) in tally)
            {
                string[] parts = key.Split('/');
                agreement.Add(new JsonObject { ["width"] = parts[0], ["estimator"] = parts[1], ["intervals"] = c, ["containing_limit"] = k });
            }

            modeNodes.Add(new JsonObject { ["mode"] = name, ["available"] = true, ["typical"] = curve.Typical, ["points"] = points, ["agreement"] = agreement });
        }

        return new JsonObject { ["available"] = true, ["solver"] = "path action, Hamiltonian shooting on the costate, with up to two big jumps at the end of the path", ["modes"] = modeNodes };
    }

    private static string Mechanism(int jumps) => jumps switch { 0 => "continuous path", 1 => "one jump", _ => $"{jumps} jumps" };

    private static double? Number(JsonNode? node) => node is null ? null : node.GetValue<double>();
}
