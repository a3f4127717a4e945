using System.Globalization;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Observables;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>
/// Decides which figures a results folder supports and fills them from its data (MATH.md sections 4-6):
/// risk R(t) against t per width with the PDE, the sup-in-t risk gap and W1 to the PDE against N with
/// their fitted power laws, W1 to the largest width's law against N, the quantile functions of the
/// per-neuron laws, and the rate functions with their bootstrap bands. A figure whose data the folder
/// does not hold is not produced.
/// </summary>
internal static partial class FigureCatalog
{
    /// <summary>Series colours (Tableau 10 without its grey), one per series.</summary>
    public static readonly IReadOnlyList<string> Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"];

    /// <summary>Colours of reference curves: near-black (the PDE, N → ∞), then dark grey for a second one.</summary>
    public static readonly IReadOnlyList<string> ReferenceColors = ["#1a1a1a", "#6b6b6b"];

    /// <summary>Colours of reference rate functions (known answers, limiting solvers).</summary>
    public static readonly IReadOnlyList<string> KnownColors = ["#b2182b", "#ef8a62", "#762a83"];

    private const string WidthAxis = "N (neurons per hidden layer, log scale)";

    public static IReadOnlyList<Figure> Build(ResultsFolder folder)
    {
        List<Figure> figures = [];
        Add(figures, Risk(folder));
        Add(figures, RiskGap(folder));
        Add(figures, W1ToPde(folder));
        figures.AddRange(ErrorFigures(folder));
        Add(figures, InitialRiskNextOrder(folder));
        figures.AddRange(W1ToLargestWidth(folder));
        figures.AddRange(Quantiles(folder));
        figures.AddRange(RateFunctions(folder));
        figures.AddRange(RateFunctionComparison(folder));
        figures.AddRange(EstimatorsSideBySide(folder));
        return figures;
    }

    private static void Add(List<Figure> figures, Figure? figure)
    {
        if (figure is not null)
        {
            figures.Add(figure);
        }
    }

    // R(t) against t on a log time axis: the mean over seeds per width with ±1 standard error, and the PDE.
    private static Figure? Risk(ResultsFolder folder)
    {
        List<FigureSeries> series = [];
        string band;
        JsonArray curves = folder.Aggregate?["risk_curves"]?.AsArray() ?? [];
        if (curves.Count > 0)
        {
            band = "±1 standard error of the mean over seeds";
            var labels = FamilyLabels(curves);
            for (int i = 0; i < curves.Count; i++)
            {
                JsonNode family = curves[i]!;
                var rows = family["curve"]!.AsArray().Select(r => r!).Where(r => D(r["time"]) > 0).ToList();
                double[] t = [.. rows.Select(r => D(r["time"])!.Value)];
                double[] mean = [.. rows.Select(r => D(r["mean"])!.Value)];
                double[] se = [.. rows.Select(r => D(r["std_err"]) ?? double.NaN)];
                series.Add(new FigureSeries(labels[i], SeriesKind.Curve, t, mean, Color(series.Count))
                {
                    Low = [.. mean.Zip(se, (m, s) => m - s)],
                    High = [.. mean.Zip(se, (m, s) => m + s)],
                    Band = band,
                });
            }
        }
        else
        {
            // No aggregation (the run did not finish): each point's own curve with its test-set standard error.
            band = "±1 standard error of the test-set estimate";
            var points = folder.ReadTable("points").ToDictionary(r => r["point"], StringComparer.Ordinal);
            foreach (var group in folder.ReadTable("curves").GroupBy(r => r["point"]))
            {
                var rows = group.Where(r => ResultsFolder.Number(r["t"]) > 0).ToList();
                double[] t = [.. rows.Select(r => ResultsFolder.Number(r["t"])!.Value)];
                double[] risk = [.. rows.Select(r => ResultsFolder.Number(r["risk"])!.Value)];
                double[] se = [.. rows.Select(r => ResultsFolder.Number(r["risk_stderr"]) ?? double.NaN)];
                string label = points.TryGetValue(group.Key, out var p) ? $"point {group.Key}: N = {PointWidths(p)}, seed {p["seed"]}" : $"point {group.Key}";
                series.Add(new FigureSeries(label, SeriesKind.Curve, t, risk, Color(series.Count))
                {
                    Low = [.. risk.Zip(se, (m, s) => m - s)],
                    High = [.. risk.Zip(se, (m, s) => m + s)],
                    Band = band,
                });
            }
        }

        series.RemoveAll(s => s.X.Count == 0);
        if (series.Count == 0)
        {
            return null;
        }

        if (folder.Aggregate?["pde_comparison"] is JsonObject pde)
        {
            var rows = pde["times"]!.AsArray().Zip(pde["risk"]!.AsArray(), (t, r) => (T: D(t)!.Value, R: D(r)!.Value)).Where(p => p.T > 0).ToList();
            series.Add(new FigureSeries($"mean-field limit (radial PDE, d = {pde["dimension"]})", SeriesKind.Reference, [.. rows.Select(p => p.T)], [.. rows.Select(p => p.R)], ReferenceColors[0]));
        }

        string estimate = folder.Spec?["observe"]?["risk"]?.GetValue<string>() == "population" ? "population risk" : "test-set risk";
        return new Figure("risk", $"{folder.Name}: risk against time{(curves.Count > 0 ? " (mean over seeds, bands ±1 s.e.)" : "")}", "t = kε (mean-field time, log scale)", $"R(t) = E(y − ŷ(x))², {estimate}", LogX: true, LogY: false, series)
        {
            Note = $"bands: {band}; t = 0 lies off the log axis and is not drawn",
        };
    }

    // sup_t |R_SGD - R_PDE| against N on log-log axes, with the fitted C N^-a.
    private static Figure? RiskGap(ResultsFolder folder)
    {
        JsonArray families = folder.Aggregate?["pde_comparison"]?["families"]?.AsArray() ?? [];
        List<FigureSeries> series = [];
        List<double> widths = [];
        var labels = FamilyLabels(families, includeWidths: false);
        foreach ((JsonNode? family, int f) in families.Select((n, i) => (n, i)))
        {
            var rows = family!["widths"]!.AsArray().Select(w => w!).ToList();
            double[] n = [.. rows.Select(w => D(w["width"])!.Value)];
            double[] gap = [.. rows.Select(w => D(w["risk_gap_mean"])!.Value)];
            double[] se = [.. rows.Select(w => D(w["risk_gap_std_err"]) ?? double.NaN)];
            string color = Color(f);
            series.Add(new FigureSeries(Join(labels[f], "sup_t |R_SGD − R_PDE|, mean over seeds"), SeriesKind.Points, n, gap, color)
            {
                Low = [.. gap.Zip(se, (g, s) => g - s)],
                High = [.. gap.Zip(se, (g, s) => g + s)],
                Band = "±1 standard error over seeds",
            });
            AddFit(series, family["risk_gap_fit"], n, color);
            widths.AddRange(n);
        }

        return series.Count == 0 ? null : new Figure("risk_gap", $"{folder.Name}: distance of SGD to its mean-field limit", WidthAxis, "sup_t |R_SGD(t) − R_PDE(t)|", LogX: true, LogY: true, series)
        {
            XTicks = [.. widths.Distinct().Order()],
            Legend = LegendCorner.Below,
            Note = "bars: ±1 standard error over seeds; dashed: least-squares fit C·N^−a on log-log axes, a with its standard error and 95% interval",
        };
    }

    // E R_N(0) against N where the aggregation derived it beyond its leading power (two hidden layers, docs/models.md,
    // "The next order at L = 2"): per family the t = 0 means (controlled where present), moved by the constant that
    // best puts them on the derived curve (their weighted mean difference: the curve holds E ŷ_0², the means add
    // E y²), with ±1 standard error, and the derived curve dashed in the same colour.
    private static Figure? InitialRiskNextOrder(ResultsFolder folder)
    {
        JsonArray families = folder.Aggregate?["scaling"]?["families"]?.AsArray() ?? [];
        List<FigureSeries> series = [];
        List<double> widths = [];
        foreach (JsonNode? family in families)
        {
            JsonNode? at = family?["risk_extrapolation"]?.AsArray().FirstOrDefault(r => D(r?["time"]) == 0);
            (string estimate, JsonNode? block) = at?["controlled"]?["correction"]?["expected_curve"] is JsonArray ? ("controlled", at["controlled"]) : ("plain", at);
            if (at is null || block?["correction"] is not JsonObject correction || correction["expected_curve"] is not JsonArray curveNode)
            {
                continue;
            }

            double[] n = [.. at["n"]!.AsArray().Select(v => D(v)!.Value)];
            double[] mean = [.. block["mean"]!.AsArray().Select(v => D(v)!.Value)];
            double[] se = [.. block["std_err"]!.AsArray().Select(v => D(v) ?? double.NaN)];
            double[] curve = [.. curveNode.Select(v => D(v)!.Value)];
            double[] weight = [.. se.Select(e => e > 0 ? 1 / (e * e) : 0)];
            double total = weight.Sum();
            double shift = total > 0 ? mean.Select((m, i) => weight[i] * (m - curve[i])).Sum() / total : mean.Zip(curve, (m, c) => m - c).Average();
            double[] moved = [.. mean.Select(m => m - shift)];
            string color = Color(series.Count / 2);
            string label = $"L = {family!["layers"]}, γ = {string.Join(", ", family["gamma"]!.AsArray().Select(g => Num(D(g)!.Value)).Distinct())}";
            series.Add(new FigureSeries(Join(label, $"{estimate} means − {Num(shift)}"), SeriesKind.Points, n, moved, color)
            {
                Low = [.. moved.Zip(se, (m, e) => m - e)],
                High = [.. moved.Zip(se, (m, e) => m + e)],
                Band = "±1 standard error over seeds",
            });
            string p = D(correction["expected_p"]) is { } effective ? $"p {Fixed(effective)}" : "";
            string leading = D(correction["expected_p_leading_order"]) is { } lead ? $" (leading {Fixed(lead)})" : "";
            string fit = D(correction["expected_curve_p_value"]) is { } pv ? $", fit p-value {pv.ToString("F2", CultureInfo.InvariantCulture)}" : "";
            series.Add(new FigureSeries($"derived: {p}{leading}{fit}", SeriesKind.Fit, n, curve, color));
            widths.AddRange(n);
        }

        return series.Count == 0 ? null : new Figure("initial_risk_next_order", $"{folder.Name}: E R_N(0) against N, and its derived next order", WidthAxis, "E R_N(0) − E y² (derived: E ŷ₀²)", LogX: true, LogY: true, series)
        {
            XTicks = [.. widths.Distinct().Order()],
            Legend = LegendCorner.Below,
            Note = "points: t = 0 means over seeds moved by the constant that best puts them on the derived curve, bars ±1 standard error; dashed: E ŷ₀² = σ_c² N₂^(1−2γ₂) E g(σ_W² N₁^(1−2γ₁) q_N) to next order (docs/models.md)",
        };
    }

    // W1 between the law of ||w_i|| and the PDE's radial law against N, one colour per snapshot time, with fits.
    private static Figure? W1ToPde(ResultsFolder folder)
    {
        JsonArray families = folder.Aggregate?["pde_comparison"]?["families"]?.AsArray() ?? [];
        List<FigureSeries> series = [];
        List<double> widths = [];
        var labels = FamilyLabels(families, includeWidths: false);
        foreach ((JsonNode? family, int f) in families.Select((n, i) => (n, i)))
        {
            foreach (JsonNode? fitAtTime in family!["w1_fits"]?.AsArray() ?? [])
            {
                double time = D(fitAtTime!["time"])!.Value;
                var rows = family["widths"]!.AsArray()
                    .Select(w => (Width: D(w!["width"])!.Value, At: w["w1"]!.AsArray().FirstOrDefault(e => SameTime(D(e!["time"])!.Value, time))))
                    .Where(r => r.At is not null)
                    .ToList();
                if (rows.Count == 0)
                {
                    continue;
                }

                double[] n = [.. rows.Select(r => r.Width)];
                double[] mean = [.. rows.Select(r => D(r.At!["mean"])!.Value)];
                double[] se = [.. rows.Select(r => D(r.At!["std_err"]) ?? double.NaN)];
                string color = Color(series.Count(s => s.Kind == SeriesKind.Points));
                string label = Join(labels[f], $"t = {Num(time)}");
                series.Add(new FigureSeries(label, SeriesKind.Points, n, mean, color)
                {
                    Low = [.. mean.Zip(se, (m, s) => m - s)],
                    High = [.. mean.Zip(se, (m, s) => m + s)],
                    Band = "±1 standard error over seeds",
                });
                AddFit(series, fitAtTime["fit"], n, color);
                widths.AddRange(n);
            }
        }

        return series.Count == 0 ? null : new Figure("w1_pde", $"{folder.Name}: law of ‖wᵢ‖ against its mean-field limit", WidthAxis, "W₁(law of ‖wᵢ‖ at N, radial PDE law)", LogX: true, LogY: true, series)
        {
            XTicks = [.. widths.Distinct().Order()],
            Legend = LegendCorner.Below,
            Note = "mean over seeds, bars ±1 standard error; dashed: fit C·N^−a per time",
        };
    }

    // W1 of each width's pooled law to the largest width's, per feature at its last snapshot, one figure per family.
    private static IEnumerable<Figure> W1ToLargestWidth(ResultsFolder folder)
    {
        JsonArray families = folder.Aggregate?["measure_convergence"]?.AsArray() ?? [];
        var labels = FamilyLabels(families, includeWidths: false);
        for (int f = 0; f < families.Count; f++)
        {
            JsonNode family = families[f]!;
            string reference = WidthLabel(family["reference_width"]!.AsArray());
            List<FigureSeries> series = [];
            List<double> widths = [];
            foreach (JsonNode? feature in family["features"]!.AsArray())
            {
                JsonNode last = feature!["times"]!.AsArray().Last()!;
                double time = D(last["time"])!.Value;
                var rows = last["widths"]!.AsArray()
                    .Select(w => (Width: (double)w!["widths"]!.AsArray()[0]!.GetValue<int>(), W1: D(w["w1"])!.Value))
                    .Where(r => r.W1 > 0)
                    .ToList();
                if (rows.Count == 0)
                {
                    continue;
                }

                string color = Color(series.Count(s => s.Kind == SeriesKind.Points));
                string label = $"{FeatureLabel(feature["feature"]!.GetValue<string>())}, t = {Num(time)}";
                double[] n = [.. rows.Select(r => r.Width)];
                series.Add(new FigureSeries(label, SeriesKind.Points, n, [.. rows.Select(r => r.W1)], color));
                AddFit(series, last["w1_fit"], n, color);
                widths.AddRange(n);
            }

            if (series.Count == 0)
            {
                continue;
            }

            string suffix = families.Count == 1 ? "" : $"_{f + 1}";
            string qualifier = families.Count == 1 ? "" : $" ({labels[f]})";
            yield return new Figure($"w1_widths{suffix}", $"{folder.Name}: W₁ to the law at the largest width, N = {reference}{qualifier}", WidthAxis, "W₁(law at N, law at the largest width)", LogX: true, LogY: true, series)
            {
                XTicks = [.. widths.Distinct().Order()],
                Legend = LegendCorner.Below,
                Note = "laws pooled over seeds at each feature's last snapshot; dashed: fit C·N^−a",
            };
        }
    }

    // The quantile function Q(p) of each per-neuron feature at its last snapshot, one curve per width (pooled over seeds).
    private static IEnumerable<Figure> Quantiles(ResultsFolder folder)
    {
        JsonArray families = folder.Aggregate?["measure_convergence"]?.AsArray() ?? [];
        var labels = FamilyLabels(families, includeWidths: false);
        var byFeature = families
            .SelectMany((family, f) => family!["features"]!.AsArray().Select(feature => (Family: f, Feature: feature!)))
            .GroupBy(x => x.Feature["feature"]!.GetValue<string>(), StringComparer.Ordinal);
        foreach (var group in byFeature)
        {
            List<FigureSeries> series = [];
            double time = double.NaN;
            foreach ((int f, JsonNode feature) in group)
            {
                JsonNode last = feature["times"]!.AsArray().Last()!;
                time = D(last["time"])!.Value;
                foreach (JsonNode? width in last["widths"]!.AsArray())
                {
                    double[] q = [.. width!["pooled_quantiles"]!.AsArray().Select(v => D(v)!.Value)];
                    string label = Join(families.Count == 1 ? "" : labels[f], $"N = {WidthLabel(width["widths"]!.AsArray())}");
                    series.Add(new FigureSeries(label, SeriesKind.Curve, Engine.Observables.Quantiles.Levels(q.Length), q, Color(series.Count)));
                }
            }

            string symbol = FeatureLabel(group.Key);
            yield return new Figure($"quantiles_{group.Key}", $"{folder.Name}: law of {symbol} over the neurons at t = {Num(time)}", "p (quantile level)", $"Q(p), quantile of {symbol}", LogX: false, LogY: false, series)
            {
                Legend = LegendCorner.UpperLeft,
                Note = "empirical quantile function of the feature over the neurons, pooled over seeds, at the last snapshot",
            };
        }
    }

    // Î_N(x) per estimator: one curve per (mode, width) with its bootstrap 95% band, the N → ∞ extrapolation as reference.
    private static IEnumerable<Figure> RateFunctions(ResultsFolder folder)
    {
        var all = folder.ReadTable("rate_functions").Where(r => r["value"].Length > 0).ToList();
        var rows = all.Where(r => r["censored"] == "false").ToList();
        var censoredRows = all.Where(r => r["censored"] == "true" && r["extrapolated"] != "true").ToLookup(r => (Estimator: r["estimator"], Mode: r["mode"], Width: r["width"]));
        string functional = folder.Spec?["large_deviations"]?["functional"]?.GetValue<string>() ?? "";
        bool severalModes = rows.Select(r => r["mode"]).Distinct().Count() > 1;
        foreach (var estimator in rows.GroupBy(r => r["estimator"], StringComparer.Ordinal))
        {
            List<FigureSeries> series = [];
            List<FigureSeries> references = [];
            List<FigureSeries> bounds = [];
            foreach (var curve in estimator.GroupBy(r => (Mode: r["mode"], Width: r["width"], Extrapolated: r["extrapolated"] == "true")))
            {
                var sorted = curve.OrderBy(r => ResultsFolder.Number(r["x"])).ToList();
                double[] x = [.. sorted.Select(r => ResultsFolder.Number(r["x"])!.Value)];
                double[] value = [.. sorted.Select(r => ResultsFolder.Number(r["value"])!.Value)];
                double[] lo = [.. sorted.Select(r => ResultsFolder.Number(r["lo"]) ?? double.NaN)];
                double[] hi = [.. sorted.Select(r => ResultsFolder.Number(r["hi"]) ?? double.NaN)];
                string mode = severalModes ? curve.Key.Mode + ", " : "";
                if (curve.Key.Extrapolated)
                {
                    references.Add(new FigureSeries($"{mode}N → ∞ (fit Î_N = I + b/N)", SeriesKind.Reference, x, value, ReferenceColors[references.Count % ReferenceColors.Count])
                    {
                        Low = lo,
                        High = hi,
                        Band = "95% interval of the extrapolation",
                        Dotted = references.Count > 0,
                    });
                }
                else
                {
                    string color = Color(series.Count);
                    series.Add(new FigureSeries($"{mode}N = {curve.Key.Width}", SeriesKind.Curve, x, value, color)
                    {
                        Low = lo,
                        High = hi,
                        Band = "bootstrap 95% interval",
                    });
                    var censored = censoredRows[(estimator.Key, curve.Key.Mode, curve.Key.Width)].OrderBy(r => ResultsFolder.Number(r["x"])).ToList();
                    if (censored.Count > 0)
                    {
                        // Censored rows hold the bound (1/N) ln R: no replica reached x, so I_N(x) is at least that.
                        // One legend entry speaks for every width's bounds (each drawn in its width's colour).
                        bounds.Add(new FigureSeries($"{mode}N = {curve.Key.Width}: no hit, I ≥ (1/N) ln R", SeriesKind.LowerBound,
                            [.. censored.Select(r => ResultsFolder.Number(r["x"])!.Value)], [.. censored.Select(r => ResultsFolder.Number(r["value"])!.Value)], color)
                        {
                            LegendText = bounds.Count == 0 ? "no hit at x: only I_N ≥ (1/N) ln R (colour of its width)" : "",
                        });
                    }
                }
            }

            series.AddRange(bounds);

            if (series.Count + references.Count == 0)
            {
                continue;
            }

            references.AddRange(KnownCurves(folder, severalModes, references.Count));
            string name = estimator.Key == "tail" ? "tail estimator −(1/N) ln P̂(F ≥ x)" : "Gärtner–Ellis estimator sup_k (kx − λ̂(k))";
            yield return new Figure($"rate_function_{estimator.Key}", $"{folder.Name}: rate function, {name}", $"x, value of {FunctionalLabel(functional)}", "Î_N(x)", LogX: false, LogY: false, [.. series, .. references])
            {
                Legend = LegendCorner.UpperCenter,
                Note = "bands: bootstrap 95% intervals; open triangles: censored points (no tail hit), only the lower bound (1/N) ln R",
            };
        }
    }

    // The estimators side by side: every estimator's N → ∞ curve with its interval, per mode, against the
    // reference rate functions (known answers, and whatever other kinds aggregate.json carries).
    private static IEnumerable<Figure> EstimatorsSideBySide(ResultsFolder folder)
    {
        var rows = folder.ReadTable("rate_functions").Where(r => r["censored"] == "false" && r["value"].Length > 0 && r["extrapolated"] == "true").ToList();
        string functional = folder.Spec?["large_deviations"]?["functional"]?.GetValue<string>() ?? "";
        bool severalModes = rows.Select(r => r["mode"]).Distinct().Count() > 1;
        List<FigureSeries> series = [];
        foreach (var curve in rows.GroupBy(r => (Mode: r["mode"], Estimator: r["estimator"])))
        {
            var sorted = curve.OrderBy(r => ResultsFolder.Number(r["x"])).ToList();
            string mode = severalModes ? curve.Key.Mode + ", " : "";
            series.Add(new FigureSeries($"{mode}{curve.Key.Estimator}, N → ∞", SeriesKind.Curve, [.. sorted.Select(r => ResultsFolder.Number(r["x"])!.Value)], [.. sorted.Select(r => ResultsFolder.Number(r["value"])!.Value)], Color(series.Count))
            {
                Low = [.. sorted.Select(r => ResultsFolder.Number(r["lo"]) ?? double.NaN)],
                High = [.. sorted.Select(r => ResultsFolder.Number(r["hi"]) ?? double.NaN)],
                Band = "95% interval of the extrapolation",
            });
        }

        List<FigureSeries> known = [.. KnownCurves(folder, severalModes, 0)];
        if (series.Count == 0 || known.Count == 0)
        {
            yield break;
        }

        yield return new Figure("rate_function_estimators", $"{folder.Name}: the estimators' N → ∞ rate functions against the reference", $"x, value of {FunctionalLabel(functional)}", "I(x)", LogX: false, LogY: false, [.. series, .. known])
        {
            Legend = LegendCorner.UpperCenter,
            Note = "curves: each estimator's extrapolation Î_N = I + b/N with its 95% interval; lines: reference rate functions",
        };
    }

    // The reference rate functions of aggregate.json (large_deviations.reference_curves): known answers today;
    // any other kind (a limiting solver's, say) is drawn the same way, named by its kind.
    private static IEnumerable<FigureSeries> KnownCurves(ResultsFolder folder, bool severalModes, int colorOffset)
    {
        int i = 0;
        foreach (JsonNode? curve in folder.Aggregate?["large_deviations"]?["reference_curves"]?.AsArray() ?? [])
        {
            var points = curve!["x"]!.AsArray().Zip(curve["value"]!.AsArray())
                .Where(p => p.Second is not null).Select(p => (X: p.First!.GetValue<double>(), Y: p.Second!.GetValue<double>())).ToList();
            double[] x = [.. points.Select(p => p.X)];
            double[] value = [.. points.Select(p => p.Y)];
            string mode = severalModes ? curve["mode"]!.GetValue<string>() + ", " : "";
            string kind = curve["kind"]!.GetValue<string>();
            yield return new FigureSeries($"{mode}{kind}: {curve["name"]!.GetValue<string>()}", SeriesKind.Reference, x, value, KnownColors[i++ % KnownColors.Count])
            {
                Dotted = colorOffset > 0 && kind != "known",
            };
        }
    }

    // A dashed line C N^-a over the fitted widths, after its points in the legend and named with a, its
    // standard error and 95% interval.
    private static void AddFit(List<FigureSeries> series, JsonNode? fit, double[] widths, string color)
    {
        if (fit is null || D(fit["exponent"]) is not { } a || D(fit["prefactor"]) is not { } c || widths.Length < 2)
        {
            return;
        }

        double min = widths.Min(), max = widths.Max();
        string se = D(fit["exponent_std_err"]) is { } s ? $" ± {Fixed(s)}" : "";
        string ci = fit["exponent_ci95"] is JsonArray { Count: 2 } interval
            ? $", 95% CI [{Fixed(D(interval[0])!.Value)}, {Fixed(D(interval[1])!.Value)}]"
            : $" ({fit["points"]} widths: no interval)";
        series.Add(new FigureSeries($"fit C·N⁻ᵃ, a = {Fixed(a)}{se}{ci}", SeriesKind.Fit, [min, max], [c * Math.Pow(min, -a), c * Math.Pow(max, -a)], color));
    }

    // Labels of aggregation families (risk curves, PDE or convergence families): the width, and the step size,
    // depth or γ only where the families have them and they differ.
    private static string[] FamilyLabels(JsonArray families, bool includeWidths = true)
    {
        string? Step(JsonNode f) => D(f["step_size"]) is not { } eps ? null
            : (f["step_size_divided_by_width"]?.GetValue<bool>() ?? false) ? $"ε = {Num(eps)}/N" : $"ε = {Num(eps)}";
        string? Layers(JsonNode f) => f["layers"] is { } layers ? $"L = {layers}" : null;
        string? Gamma(JsonNode f) => f["gamma"] is JsonArray gamma ? $"γ = {string.Join(", ", gamma.Select(g => Num(D(g)!.Value)).Distinct())}" : null;
        List<Func<JsonNode, string?>> parts = [];
        if (includeWidths)
        {
            parts.Add(f => $"N = {WidthLabel(f["widths"]!.AsArray())}");
        }

        foreach (Func<JsonNode, string?> part in new[] { Step, Layers, Gamma })
        {
            if (families.Select(f => part(f!)).Distinct().Count() > 1)
            {
                parts.Add(part);
            }
        }

        return [.. families.Select(f => string.Join(", ", parts.Select(p => p(f!)).OfType<string>()))];
    }

    private static string WidthLabel(JsonArray widths) => WidthLabel([.. widths.Select(w => w!.GetValue<int>())]);

    private static string WidthLabel(int[] n) => n.Distinct().Count() == 1 ? n[0].ToString(CultureInfo.InvariantCulture) : string.Join("×", n);

    // A points.csv row's widths: its width_1..width_L cells (empty past the point's L).
    private static string PointWidths(IReadOnlyDictionary<string, string> row) =>
        WidthLabel([.. Enumerable.Range(1, int.MaxValue).Select(k => $"width_{k}").TakeWhile(row.ContainsKey).Select(c => row[c]).Where(v => v.Length > 0).Select(v => int.Parse(v, CultureInfo.InvariantCulture))]);

    private static string FeatureLabel(string feature) => feature switch
    {
        "w_norm" => "‖wᵢ‖",
        "c" => "output weights cⱼ",
        _ when feature.StartsWith('b') => $"biases of layer {feature[1..]}",
        _ when feature.EndsWith("_row_mean", StringComparison.Ordinal) => $"row means of W{feature[1..^"_row_mean".Length]}",
        _ when feature.EndsWith("_edges", StringComparison.Ordinal) => $"entries of W{feature[1..^"_edges".Length]}",
        _ => feature,
    };

    private static string FunctionalLabel(string functional) => functional switch
    {
        "risk" => "F = R(T), the risk after training",
        "mean-output-weight" => "F = (1/N) Σᵢ cᵢ(T)",
        "mean-sq-norm" => "F = (1/N) Σᵢ ‖wᵢ(T)‖²",
        "w1-to-reference" => "F = W₁(law of ‖wᵢ(T)‖, reference law)",
        _ => "F",
    };

    private static string Join(string qualifier, string text) => qualifier.Length == 0 ? text : $"{qualifier}: {text}";

    private static string Color(int index) => Palette[index % Palette.Count];

    private static bool SameTime(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b));

    private static string Num(double value) => value.ToString("G4", CultureInfo.InvariantCulture).Replace('-', '−');

    private static string Fixed(double value) => value.ToString("F2", CultureInfo.InvariantCulture).Replace('-', '−');

    private static double? D(JsonNode? node) => node?.GetValue<double>();
}
