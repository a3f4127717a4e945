using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The measured mean risk at t = 0 beside its exact prediction E R_N(W_0) = R(ρ_0) + C/N (MATH section 7,
/// <see cref="InitialRisk"/>). Every step size starts from the same initial weights, so each (width, seed)
/// counts once. With <c>observe.risk: population</c> the standard error over seeds is the whole error; with a
/// test set, the set's own error (shared by every seed) is not in it.
/// </summary>
/// <param name="RiskEstimate">The risk measured (population or test).</param>
/// <param name="LimitRisk">R(ρ_0).</param>
/// <param name="Correction">C = E U(θ, θ) − ∬U dρ_0 dρ_0.</param>
/// <param name="Widths">Per width.</param>
public sealed record PdeInitialRisk(string RiskEstimate, double LimitRisk, double Correction, IReadOnlyList<PdeInitialRiskWidth> Widths)
{
    /// <summary>The comparison, or null when no point recorded its risk at t = 0.</summary>
    public static PdeInitialRisk? Compute(SweepSpec spec, IReadOnlyList<PointOutcome> done)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(done);
        InitialRiskPrediction p = InitialRisk.Compute(spec.Data.Dimension, RadialReduction.InformativeDimensions(spec.Data), spec.Model.Init.Kappa, spec.Data.Delta, RampParameters.FromSpec(spec.Model.Activation));
        var widths = done
            .Select(o => (o.Point.Width, o.Point.Seed, Start: o.Risk.FirstOrDefault(r => r.Step == 0)))
            .Where(x => x.Start is not null)
            .DistinctBy(x => (x.Width, x.Seed))
            .GroupBy(x => x.Width)
            .OrderBy(g => g.Key)
            .Select(g => Width(g.Key, [.. g.Select(x => x.Start!.Risk)], p.ExpectedRisk(g.Key)))
            .ToList();
        return widths.Count == 0 ? null : new PdeInitialRisk(spec.Observe.Risk, p.LimitRisk, p.Correction, widths);
    }

    private static PdeInitialRiskWidth Width(int width, double[] risks, double predicted)
    {
        double mean = risks.Average();
        double? se = risks.Length < 2 ? null : Math.Sqrt(risks.Sum(r => (r - mean) * (r - mean)) / (risks.Length - 1) / risks.Length);
        return new PdeInitialRiskWidth(width, risks.Length, predicted, mean, se, se is > 0 ? (mean - predicted) / se : null);
    }
}

/// <summary>t = 0 at one width.</summary>
/// <param name="Width">N.</param>
/// <param name="Seeds">Distinct seeds.</param>
/// <param name="Predicted">E R_N(W_0) = R(ρ_0) + C/N.</param>
/// <param name="MeasuredMean">Mean over seeds of the recorded risk at t = 0.</param>
/// <param name="StdErr">Its standard error (null with one seed).</param>
/// <param name="ZScore">(measured − predicted)/SE.</param>
public sealed record PdeInitialRiskWidth(int Width, int Seeds, double Predicted, double MeasuredMean, double? StdErr, double? ZScore);
