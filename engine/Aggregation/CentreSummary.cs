using System.Text.Json.Nodes;
using MathNet.Numerics.Statistics;
using MeanFieldCluster.Engine.Observables;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The typical values (centres) of a quenched large-deviation study (MATH section 6, quenched centring): the
/// median of F over the replicas of each (draw, width), their mean and spread over draws per width, and the
/// fit spread(N) ≈ C N^{-a} across widths. An initial measure whose empirical law converges fast has a > 1/2;
/// i.i.d. draws have a ≈ 1/2 (a spread of O(N^{-1/2}) between draws).
/// </summary>
public sealed class CentreSummary
{
    private readonly List<Dictionary<int, double>> _byDraw;

    private CentreSummary(List<Dictionary<int, double>> byDraw)
    {
        _byDraw = byDraw;
        int[] widths = [.. byDraw.SelectMany(d => d.Keys).Distinct().Order()];
        Widths = widths;
        int largest = widths.Length > 0 ? widths[^1] : 0;
        double[] atLargest = [.. byDraw.Where(d => d.ContainsKey(largest)).Select(d => d[largest])];
        Reference = atLargest.Length > 0 ? atLargest.Average() : double.NaN;
    }

    /// <summary>The widths with at least one centre, ascending.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>The reference centre c_ref: the mean over draws of the largest width's centres.</summary>
    public double Reference { get; }

    /// <summary>The centres of every draw (median of its finite samples per width).</summary>
    public static CentreSummary Of(IReadOnlyList<IReadOnlyDictionary<int, double[]>> samplesByDraw)
    {
        ArgumentNullException.ThrowIfNull(samplesByDraw);
        return new CentreSummary([.. samplesByDraw.Select(d => d.Where(p => p.Value.Length > 0).ToDictionary(p => p.Key, p => Statistics.Median(p.Value)))]);
    }

    /// <summary>The shifts c_ref − c_N of draw <paramref name="draw"/> that move each width's centre to the reference.</summary>
    public IReadOnlyDictionary<int, double> Shifts(int draw) => _byDraw[draw].ToDictionary(p => p.Key, p => Reference - p.Value);

    /// <summary>The centres of each width over draws: (width, mean, standard deviation over draws or null with one draw, draws).</summary>
    public IEnumerable<(int Width, double Mean, double? Spread, int Draws)> PerWidth() =>
        Widths.Select(n =>
        {
            double[] c = [.. _byDraw.Where(d => d.ContainsKey(n)).Select(d => d[n])];
            return (n, c.Average(), c.Length >= 2 ? (double?)Statistics.StandardDeviation(c) : null, c.Length);
        });

    /// <summary>The fit spread(N) ≈ C N^{-a} over widths with a positive spread (null with fewer than three).</summary>
    public PowerLawFitResult? SpreadFit()
    {
        var points = PerWidth().Where(p => p.Spread is > 0).ToList();
        return points.Count >= 3 ? PowerLawFit.Fit([.. points.Select(p => (double)p.Width)], [.. points.Select(p => p.Spread!.Value)]) : null;
    }

    /// <summary>The summary as written in aggregate.json.</summary>
    public JsonObject ToJson()
    {
        var perWidth = new JsonArray();
        foreach (var (width, mean, spread, draws) in PerWidth())
        {
            perWidth.Add(new JsonObject { ["width"] = width, ["centre"] = Finite(mean), ["spread_over_draws"] = spread is { } s ? Finite(s) : null, ["draws"] = draws });
        }

        JsonObject? fit = null;
        if (SpreadFit() is { } f)
        {
            var ci = f.ExponentInterval95();
            fit = new JsonObject
            {
                ["exponent"] = Finite(f.Exponent),
                ["exponent_ci95"] = ci is { } c ? new JsonArray(Finite(c.Low), Finite(c.High)) : null,
                ["widths"] = f.Points,
            };
        }

        return new JsonObject { ["reference"] = Finite(Reference), ["per_width"] = perWidth, ["spread_fit"] = fit };
    }

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
