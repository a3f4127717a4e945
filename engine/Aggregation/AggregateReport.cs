using System.Text.Json.Serialization;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The sweep-level aggregation of the points' outcomes (MATH section 5), written by
/// <see cref="AggregateWriter"/> as JSON with snake_case keys. Only completed points enter the statistics.
/// </summary>
/// <param name="Sweep">The sweep's name.</param>
/// <param name="Points">Number of outcomes given to the aggregator (all statuses).</param>
/// <param name="Counts">Outcomes per status (snake_case status name → count, every status listed, sorted by name).</param>
/// <param name="RiskCurves">Risk curves averaged over seeds, one per group (all coordinates but the seed).</param>
/// <param name="MeasureConvergence">Distances of per-neuron feature laws to the reference width, per family with at least 2 widths.</param>
/// <param name="CrossLayerDependence">The chaos test across seeds and the edge structure per group, and their trends in N per family (layered models).</param>
public sealed record AggregateReport(
    string Sweep,
    int Points,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<RiskCurveGroup> RiskCurves,
    IReadOnlyList<ConvergenceFamily> MeasureConvergence,
    CrossLayerDependenceReport CrossLayerDependence)
{
    /// <summary>SGD against the mean-field limit, for sweeps that admit the radial reduction (MATH section 4.1); null otherwise.</summary>
    public PdeComparison? PdeComparison { get; init; }

    /// <summary>
    /// With field axes (docs/spec.md, "Any field is an axis"): one PDE comparison per combination of their
    /// values, each at that combination's spec (<see cref="PdeComparison.Axes"/>); null otherwise, when
    /// <see cref="PdeComparison"/> is used.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PdeComparison>? PdeComparisons { get; init; }

    /// <summary>Width dependence of risk curves, initial output, pre-activation spreads and fixed-width layers' laws (<see cref="ScalingAggregate"/>); null without a family of 3 widths.</summary>
    public ScalingReport? Scaling { get; init; }
}

/// <summary>The kinds of reference law the feature laws are compared with.</summary>
public static class ReferenceKinds
{
    /// <summary>The pooled law of the largest width of the family (largest N_1, then lexicographically largest widths).</summary>
    public const string LargestWidth = "largest width of the sweep";
}

/// <summary>The mean risk curve of one group: the seeds of one (widths, step size, layers, γ).</summary>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="StepSize">Resolved step size ε.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Seeds">Seed indices of the completed points, ascending.</param>
/// <param name="Curve">One entry per recorded step, ascending.</param>
public sealed record RiskCurveGroup(IReadOnlyList<int> Widths, double StepSize, int Layers, IReadOnlyList<double> Gamma, IReadOnlyList<int> Seeds, IReadOnlyList<RiskCurvePoint> Curve)
{
    /// <summary>The values of the grid's field axes this entry belongs to; null (not written) without field axes.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }
}

/// <summary>The seed-averaged risk at one step.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Mean">Mean over seeds of the test risk.</param>
/// <param name="StdErr">Sample standard deviation over seeds divided by sqrt(seeds); null with one seed.</param>
/// <param name="SeedCount">Seeds that recorded this step.</param>
public sealed record RiskCurvePoint(long Step, double Time, double Mean, double? StdErr, int SeedCount);

/// <summary>
/// Convergence in N of one family: the points sharing step size, layers and γ, across widths. A step size
/// c/N is one family (its resolved ε differs per width).
/// </summary>
/// <param name="StepSize">ε, or c when <paramref name="StepSizeDividedByWidth"/>.</param>
/// <param name="StepSizeDividedByWidth">Whether ε = c / N_1.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Reference">What the laws are compared with (<see cref="ReferenceKinds"/>).</param>
/// <param name="ReferenceWidth">The widths of the reference.</param>
/// <param name="Widths">All widths of the family (with completed points), ascending.</param>
/// <param name="Features">One entry per scalar feature (sliced projections excluded), by name.</param>
/// <param name="SlicedW2">Sliced W2 of the first-layer weights per time, when projection features are recorded.</param>
public sealed record ConvergenceFamily(
    double StepSize,
    bool StepSizeDividedByWidth,
    int Layers,
    IReadOnlyList<double> Gamma,
    string Reference,
    IReadOnlyList<int> ReferenceWidth,
    IReadOnlyList<IReadOnlyList<int>> Widths,
    IReadOnlyList<FeatureConvergence> Features,
    IReadOnlyList<SlicedConvergence> SlicedW2)
{
    /// <summary>The values of the grid's field axes this entry belongs to; null (not written) without field axes.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }
}

/// <summary>The convergence of one feature's law, per snapshot time.</summary>
/// <param name="Feature">Feature name.</param>
/// <param name="Times">Snapshot times present in every width, ascending.</param>
public sealed record FeatureConvergence(string Feature, IReadOnlyList<FeatureAtTime> Times);

/// <summary>The laws of one feature at one time, per width, and the fits of their distances to the reference.</summary>
/// <param name="Time">Snapshot time t.</param>
/// <param name="Widths">One entry per width, ascending (the reference included, at distance 0).</param>
/// <param name="W1Fit">Fit of W1 ≈ C N_1^(-a) over the non-reference widths; null when it is undetermined.</param>
/// <param name="W2Fit">The same for W2.</param>
public sealed record FeatureAtTime(double Time, IReadOnlyList<WidthLaw> Widths, FitSummary? W1Fit, FitSummary? W2Fit);

/// <summary>The seed-pooled law of a feature at one width and its distances to the reference's pooled law.</summary>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="SeedCount">Seeds pooled.</param>
/// <param name="W1">W1 to the reference.</param>
/// <param name="W2">W2 to the reference.</param>
/// <param name="PooledQuantiles">Quantiles of the equal-weight mixture of the seeds' laws (<see cref="Distances.PooledQuantiles"/>).</param>
public sealed record WidthLaw(IReadOnlyList<int> Widths, int SeedCount, double W1, double W2, IReadOnlyList<double> PooledQuantiles);

/// <summary>Sliced W2 of the first-layer weights w_i at one time, per width, and its fit.</summary>
/// <param name="Time">Snapshot time t.</param>
/// <param name="Directions">Number of projection directions used.</param>
/// <param name="Widths">One entry per width, ascending (the reference included).</param>
/// <param name="Fit">Fit of sliced W2 ≈ C N_1^(-a) over the non-reference widths.</param>
public sealed record SlicedConvergence(double Time, int Directions, IReadOnlyList<SlicedWidth> Widths, FitSummary? Fit);

/// <summary>Sliced W2 between the seed-pooled law of w_i at one width and the reference's.</summary>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="SeedCount">Seeds pooled.</param>
/// <param name="SlicedW2">Sliced W2 to the reference (each projection pooled over seeds first).</param>
public sealed record SlicedWidth(IReadOnlyList<int> Widths, int SeedCount, double SlicedW2);

/// <summary>A power-law fit dist ≈ C N_1^(-a) as written in the report (see <see cref="PowerLawFit"/>).</summary>
/// <param name="Exponent">a.</param>
/// <param name="ExponentStdErr">Standard error of a; null with 2 points.</param>
/// <param name="ExponentCi95">The 95% Student-t interval [low, high] of a; null with 2 points.</param>
/// <param name="Prefactor">C.</param>
/// <param name="Points">Points used.</param>
/// <param name="RSquared">R² of the log-log regression.</param>
public sealed record FitSummary(double Exponent, double? ExponentStdErr, IReadOnlyList<double>? ExponentCi95, double Prefactor, int Points, double? RSquared)
{
    /// <summary>The summary of <paramref name="fit"/>, or null.</summary>
    public static FitSummary? From(PowerLawFitResult? fit)
    {
        if (fit is null)
        {
            return null;
        }

        (double Low, double High)? ci = fit.ExponentInterval95();
        return new FitSummary(fit.Exponent, fit.ExponentStdErr, ci is { } c ? [c.Low, c.High] : null, fit.Prefactor, fit.Points, fit.RSquared);
    }
}
