using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The rare-event rows of a large-deviations aggregate (docs/large-deviations.md, "Rare events"): per mode, width and
/// level, the estimate −(1/N) ln P̂(F ≥ x) (or ≤ x below the typical value) of the chosen estimator, with its interval,
/// and per level the width extrapolation I + b/N after subtracting the Bahadur–Rao term ln(N)/(2N), as for the tail
/// estimator. The estimates depend on the spec only (their streams are keyed by sweep seed, mode, width, level and
/// run index), so they are computed once per spec and process and reused by provisional and final aggregates.
/// </summary>
public static class RareEventsAggregate
{
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<(string Mode, RateFunctionRow Row, RareEventEstimate? Estimate)>>> Cache = new();

    /// <summary>The rows of every mode (width rows, then "inf" rows), with the estimate behind each width row.</summary>
    public static IReadOnlyList<(string Mode, RateFunctionRow Row, RareEventEstimate? Estimate)> Rows(SweepSpec spec, IReadOnlyList<PointSpec> points)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(points);
        if (spec.LargeDeviations?.RareEvents is null)
        {
            return [];
        }

        return Cache.GetOrAdd(SpecWriter.ToJson(spec), _ => new Lazy<IReadOnlyList<(string, RateFunctionRow, RareEventEstimate?)>>(() => Compute(spec, points))).Value;
    }

    private static List<(string, RateFunctionRow, RareEventEstimate?)> Compute(SweepSpec spec, IReadOnlyList<PointSpec> points)
    {
        LargeDeviationsSpec ld = spec.LargeDeviations!;
        RareEventsSpec rare = ld.RareEvents!;
        var rows = new List<(string, RateFunctionRow, RareEventEstimate?)>();
        for (int modeIndex = 0; modeIndex < ld.Modes.Count; modeIndex++)
        {
            string mode = ld.Modes[modeIndex];
            PointSpec[] byWidth = [.. points.Where(p => p.Mode == mode && p.Draw == 0 && p.ReplicaStart == 0).OrderBy(p => p.Width)];
            double typical = LimitingRateFunction.Solve(spec, mode == LdModes.Quenched && spec.Training.Horizon == 0 ? LdModes.Annealed : mode, [0.0]).Typical;
            var perWidth = new List<RatePoint[]>();
            foreach (PointSpec point in byWidth)
            {
                var ratePoints = new RatePoint[rare.Levels.Count];
                for (int l = 0; l < rare.Levels.Count; l++)
                {
                    double level = rare.Levels[l];
                    TailSide side = level >= typical ? TailSide.Upper : TailSide.Lower;
                    RareEventEstimate e = Estimate(spec, point, modeIndex, l, level, side);
                    ratePoints[l] = e.Rate(point.Width);
                    double value = ratePoints[l].Value ?? double.NaN;
                    rows.Add((mode, new RateFunctionRow(point.Width, level, rare.Estimator, value, ratePoints[l].Low, ratePoints[l].High, ratePoints[l].Value is null), e));
                }

                perWidth.Add(ratePoints);
            }

            if (byWidth.Length >= 2)
            {
                RatePoint[][] corrected = [.. perWidth.Select((ps, i) => ps.Select(p => Corrected(p, byWidth[i].Width)).ToArray())];
                foreach (ExtrapolatedRate f in WidthExtrapolation.Fit([.. byWidth.Select(p => p.Width)], corrected))
                {
                    rows.Add((mode, new RateFunctionRow(null, f.X, rare.Estimator, f.Value, f.Low, f.High, false), null));
                }
            }
        }

        return rows;
    }

    private static RareEventEstimate Estimate(SweepSpec spec, PointSpec point, int modeIndex, int levelIndex, double level, TailSide side)
    {
        LargeDeviationsSpec ld = spec.LargeDeviations!;
        RareEventsSpec rare = ld.RareEvents!;
        Xoshiro256 Stream(int run) => RandomStreams.Create(spec.Seed, RandomStreams.Purpose.RareEvents, (ulong)modeIndex, (ulong)point.Width, (ulong)levelIndex, (ulong)run);
        if (rare.Estimator == RareEventEstimators.ImportanceSampling)
        {
            InitSpec init = spec.Model.Init;
            IInitialLaw law = init.OutputLaw == "rademacher" ? new RademacherInitialLaw(init.OutputMean, init.OutputStd) : new GaussianInitialLaw(init.OutputMean, init.OutputStd);
            Xoshiro256 rng = Stream(0);
            return TiltedInitialSampler.Estimate(law, point.Width, level, rare.Replicas, ld.EssMin, ref rng);
        }

        var model = new LinearNeuronSplitting(spec, point, level, side, rare.Checkpoints);
        return AdaptiveMultilevelSplitting.Estimate(model, level, side, new SplittingSettings(rare.Replicas, rare.KillFraction, rare.Runs, rare.MaxReplicas), Stream);
    }

    private static RatePoint Corrected(RatePoint p, int width)
    {
        double c = Math.Log(width) / (2.0 * width);
        return p.Value is null ? p : p with { Value = p.Value - c, Low = p.Low - c, High = p.High - c };
    }

    /// <summary>The JSON rows of one mode, in the format of the rate-function rows plus the estimate's details.</summary>
    public static IEnumerable<JsonObject> JsonRows(IEnumerable<(string Mode, RateFunctionRow Row, RareEventEstimate? Estimate)> rows, string mode)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach ((string m, RateFunctionRow row, RareEventEstimate? e) in rows)
        {
            if (m != mode)
            {
                continue;
            }

            var node = new JsonObject
            {
                ["width"] = row.WidthLabel,
                ["x"] = row.X,
                ["estimator"] = row.Estimator,
                ["value"] = Finite(row.Value),
                ["lo"] = Finite(row.Low),
                ["hi"] = Finite(row.High),
                ["censored"] = row.Censored,
            };
            if (e is not null)
            {
                node["side"] = e.Side == TailSide.Upper ? "upper" : "lower";
                node["log_probability"] = Finite(e.LogProbability);
                node["replicas"] = e.Replicas;
                node["runs"] = e.Runs;
                node["ess"] = Finite(e.Ess);
                node["reason"] = e.Reason;
            }

            yield return node;
        }
    }

    private static JsonNode? Finite(double? v) => v is { } d && double.IsFinite(d) ? JsonValue.Create(d) : null;
}
