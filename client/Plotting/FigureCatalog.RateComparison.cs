using System.Text.Json.Nodes;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>The estimators side by side against the limiting rate function (aggregate.json's <c>ld_comparison</c>).</summary>
internal static partial class FigureCatalog
{
    // Per mode: the solver's I(x) as the reference, every estimator's N → ∞ extrapolation as a curve with its band, and
    // the rare-event estimates at the largest width as points with their intervals.
    private static IEnumerable<Figure> RateFunctionComparison(ResultsFolder folder)
    {
        JsonNode? comparison = folder.Aggregate?["ld_comparison"];
        if (comparison?["available"]?.GetValue<bool>() != true)
        {
            yield break;
        }

        foreach (JsonNode? mode in comparison["modes"]!.AsArray())
        {
            if (mode?["available"]?.GetValue<bool>() != true)
            {
                continue;
            }

            JsonNode[] points = [.. mode["points"]!.AsArray().Select(p => p!)];
            (double X, double I)[] limit = [.. points.Where(p => p["limit"] is not null).Select(p => (p["x"]!.GetValue<double>(), p["limit"]!.GetValue<double>()))];
            var estimates = points.SelectMany(p => p["estimates"]!.AsArray().Select(e => (X: p["x"]!.GetValue<double>(), E: e!)))
                .Where(e => !e.E["censored"]!.GetValue<bool>() && e.E["value"] is not null)
                .ToList();
            string[] rareEstimators = ["importance-sampling", "splitting"];
            string widest = estimates.Select(e => e.E["width"]!.GetValue<string>()).Where(w => w != "inf").OrderBy(int.Parse).LastOrDefault() ?? "";
            List<FigureSeries> series = [];
            foreach (var group in estimates.GroupBy(e => e.E["estimator"]!.GetValue<string>(), StringComparer.Ordinal))
            {
                bool rare = rareEstimators.Contains(group.Key);
                var chosen = group.Where(e => e.E["width"]!.GetValue<string>() == "inf" || (rare && e.E["width"]!.GetValue<string>() == widest)).OrderBy(e => e.X).ToList();
                foreach (var byWidth in chosen.GroupBy(e => e.E["width"]!.GetValue<string>()))
                {
                    var list = byWidth.ToList();
                    string label = byWidth.Key == "inf" ? $"{group.Key}, N → ∞ (fit I + b/N)" : $"{group.Key}, N = {byWidth.Key}";
                    series.Add(new FigureSeries(label, byWidth.Key == "inf" && !rare ? SeriesKind.Curve : SeriesKind.Points, [.. list.Select(e => e.X)], [.. list.Select(e => e.E["value"]!.GetValue<double>())], Color(series.Count))
                    {
                        Low = [.. list.Select(e => e.E["lo"]?.GetValue<double>() ?? double.NaN)],
                        High = [.. list.Select(e => e.E["hi"]?.GetValue<double>() ?? double.NaN)],
                        Band = "95% interval",
                    });
                }
            }

            if (limit.Length == 0 && series.Count == 0)
            {
                continue;
            }

            series.Add(new FigureSeries("limiting I(x) (path-action solver)", SeriesKind.Reference, [.. limit.Select(p => p.X)], [.. limit.Select(p => p.I)], ReferenceColors[0]));

            // Where the solver could only bound I (big jumps that do not commute with the flow), and where an
            // extrapolated or rare-event estimate is censored (no hit), the bounds are drawn, not left out.
            (double X, double B)[] upper = [.. points.Where(p => p["limit_upper_bound"] is not null).Select(p => (p["x"]!.GetValue<double>(), p["limit_upper_bound"]!.GetValue<double>()))];
            if (upper.Length > 0)
            {
                series.Add(new FigureSeries("solver: only I(x) ≤ (big jumps)", SeriesKind.UpperBound, [.. upper.Select(p => p.X)], [.. upper.Select(p => p.B)], ReferenceColors[0]));
            }

            var censored = points.SelectMany(p => p["estimates"]!.AsArray().Select(e => (X: p["x"]!.GetValue<double>(), E: e!)))
                .Where(e => e.E["censored"]!.GetValue<bool>() && e.E["value"] is not null && (e.E["width"]!.GetValue<string>() == "inf" || e.E["width"]!.GetValue<string>() == widest))
                .OrderBy(e => e.X).ToList();
            if (censored.Count > 0)
            {
                series.Add(new FigureSeries("censored estimates: only I(x) ≥", SeriesKind.LowerBound, [.. censored.Select(e => e.X)], [.. censored.Select(e => e.E["value"]!.GetValue<double>())], "#555555"));
            }

            string name = mode["mode"]!.GetValue<string>();
            yield return new Figure($"rate_function_vs_limit_{name}", $"{folder.Name}: estimators against the limiting rate function ({name})", "x", "I(x)", LogX: false, LogY: false, series)
            {
                Legend = LegendCorner.UpperCenter,
                Note = "dashed: the solver's N = ∞ rate function; curves and points: estimates with 95% intervals (rare-event estimators at the largest width and extrapolated); open triangles: bounds (▽ the solver's upper bound where big jumps make it inexact, △ censored estimates)",
            };
        }
    }
}
