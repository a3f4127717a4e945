using System.Text.Json.Nodes;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>
/// The error of SGD against its limit taken apart (pde_comparison.errors, docs/limit.md): at each highlighted
/// time, the bias (mean gap over seeds, ±1 SE) and the SD over seeds (95% χ² interval) against N, one colour
/// per step size, with the joint fits b/N + c ε and √(s²/N + q ε) drawn per step size (sweeps with at least
/// two step sizes).
/// </summary>
internal static partial class FigureCatalog
{
    private static IEnumerable<Figure> ErrorFigures(ResultsFolder folder)
    {
        if (folder.Aggregate?["pde_comparison"]?["errors"] is not JsonObject errors)
        {
            yield break;
        }

        var cells = errors["cells"]!.AsArray().Select(c => c!).ToList();
        var fits = errors["fits"]!.AsArray().Select(f => f!).ToList();
        foreach (double time in errors["highlight_times"]!.AsArray().Select(t => D(t)!.Value))
        {
            JsonNode? fit = fits.FirstOrDefault(f => SameTime(D(f["time"])!.Value, time));
            var here = cells.Where(c => SameTime(D(c["time"])!.Value, time) && D(c["sd"]) is not null).ToList();
            // With one step size the ε terms are not identified and the tables say enough: no figure.
            if (fit is null || here.Count == 0 || fit["step_size_identified"]?.GetValue<bool>() != true)
            {
                continue;
            }

            yield return ErrorFigure(folder, time, here, fit, bias: true);
            yield return ErrorFigure(folder, time, here, fit, bias: false);
        }
    }

    private static Figure ErrorFigure(ResultsFolder folder, double time, List<JsonNode> cells, JsonNode fit, bool bias)
    {
        List<FigureSeries> series = [];
        double[] allWidths = [.. cells.Select(c => D(c["width"])!.Value).Distinct().Order()];
        double[] dense = [.. Enumerable.Range(0, 25).Select(k => allWidths[0] * Math.Pow(allWidths[^1] / allWidths[0], k / 24.0))];
        JsonNode? model = bias ? fit["bias"] : fit["variance"];
        JsonNode? free = bias ? fit["bias_free_exponent"] : fit["variance_free_exponent"];
        int index = 0;
        foreach (var group in cells.GroupBy(c => D(c["step_size"])!.Value).OrderBy(g => g.Key))
        {
            var rows = group.OrderBy(c => D(c["width"])).ToList();
            double[] n = [.. rows.Select(c => D(c["width"])!.Value)];
            string color = Color(index++);
            if (bias)
            {
                double[] y = [.. rows.Select(c => D(c["bias"])!.Value)];
                double[] se = [.. rows.Select(c => D(c["bias_std_err"]) ?? double.NaN)];
                series.Add(new FigureSeries($"ε = {Num(group.Key)}: mean of R_SGD − R_PDE", SeriesKind.Points, n, y, color)
                {
                    Low = [.. y.Zip(se, (m, s) => m - s)],
                    High = [.. y.Zip(se, (m, s) => m + s)],
                    Band = "±1 standard error over seeds",
                });
            }
            else
            {
                double[] y = [.. rows.Select(c => D(c["sd"])!.Value)];
                series.Add(new FigureSeries($"ε = {Num(group.Key)}: SD over seeds", SeriesKind.Points, n, y, color)
                {
                    Low = [.. rows.Select(c => D(c["sd_low95"]) ?? double.NaN)],
                    High = [.. rows.Select(c => D(c["sd_high95"]) ?? double.NaN)],
                    Band = "95% χ² interval",
                });
            }

            if (model is not null && D(model["b"]) is { } b && D(model["c"]) is { } c)
            {
                double eps = group.Key;
                double[] line = [.. dense.Select(x => bias ? (b / x) + (c * eps) : Math.Sqrt(Math.Max((b / x) + (c * eps), 0)))];
                series.Add(new FigureSeries(bias ? $"b/N + cε, b = {Num(b)}, c = {Num(c)}" : $"√(s²/N + qε), s² = {Num(b)}, q = {Num(c)}", SeriesKind.Fit, dense, line, color));
            }
        }

        string exponent = free is null || D(free["exponent"]) is not { } p ? "free exponent: not fitted"
            : bias ? $"free fit b·N⁻ᵃ + cε: a = {Fixed(p)}, 95% CI [{End(free["exponent_low95"], 1)}, {End(free["exponent_high95"], 1)}]"
            : $"free fit SD² = s²·N⁻²ᵃ + qε: a = {Fixed(p / 2)}, 95% CI [{End(free["exponent_low95"], 2)}, {End(free["exponent_high95"], 2)}]";
        string name = $"{(bias ? "bias" : "sd")}_t{Num(time).Replace('.', '_')}";
        return bias
            ? new Figure(name, $"{folder.Name}: bias of SGD against the limit at t = {Num(time)}", WidthAxis, "mean over seeds of R_SGD(t) − R_PDE(t)", LogX: true, LogY: false, series)
            {
                XTicks = allWidths,
                Legend = LegendCorner.Below,
                Note = $"bars: ±1 standard error; dashed: joint fit over all widths and step sizes; {exponent}",
            }
            : new Figure(name, $"{folder.Name}: fluctuation of SGD at t = {Num(time)}", WidthAxis, "SD over seeds of R_SGD(t)", LogX: true, LogY: true, series)
            {
                XTicks = allWidths,
                Legend = LegendCorner.Below,
                Note = $"bars: 95% χ² interval; dashed: joint fit over all widths and step sizes; {exponent}",
            };
    }

    private static string End(JsonNode? node, double divisor) => D(node) is { } v ? Fixed(v / divisor) : "open";
}
