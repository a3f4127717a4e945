using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Training;

/// <summary>The risk recorded at one step.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Risk">Test-set risk estimate.</param>
/// <param name="StdErr">Its standard error.</param>
public sealed record RiskPoint(long Step, double Time, double Risk, double StdErr);

/// <summary>Quantiles of one per-neuron feature at one step, at the levels of <see cref="Quantiles.Levels"/>.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name (see <see cref="FeatureNames"/>).</param>
/// <param name="Values">Quantile values, one per level.</param>
public sealed record MeasureSnapshot(long Step, double Time, string Feature, IReadOnlyList<double> Values);

/// <summary>A histogram of one per-neuron feature at one step: equal-width bins over [Low, High].</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name.</param>
/// <param name="Low">Left edge of the first bin (the sample minimum).</param>
/// <param name="High">Right edge of the last bin (the sample maximum; the last bin is closed).</param>
/// <param name="Counts">Count per bin.</param>
public sealed record HistogramSnapshot(long Step, double Time, string Feature, double Low, double High, IReadOnlyList<long> Counts);

/// <summary>The raw values of one per-neuron feature at one step.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name.</param>
/// <param name="Values">One value per neuron (or per sampled edge), in neuron order.</param>
public sealed record RawDump(long Step, double Time, string Feature, IReadOnlyList<double> Values);

/// <summary>The cross-layer dependence test of one point at its final step (MATH section 5).</summary>
/// <param name="Step">SGD step at which it was measured.</param>
/// <param name="DistanceCorrelation">Sample distance correlation in [0, 1].</param>
/// <param name="PValue">Permutation p-value (1 + #{permuted ≥ observed}) / (1 + permutations).</param>
/// <param name="Pairs">Edges sampled.</param>
/// <param name="Permutations">Permutations used.</param>
public sealed record DependenceResult(long Step, double DistanceCorrelation, double PValue, int Pairs, int Permutations);

/// <summary>What one finished point contributes to the sweep's aggregation.</summary>
/// <param name="Point">The point.</param>
/// <param name="Status">How it ended (only completed points enter the aggregates).</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Risk">Risk curve.</param>
/// <param name="Snapshots">Quantile snapshots.</param>
/// <param name="Dependence">Cross-layer dependence, for layered models.</param>
public sealed record PointOutcome(PointSpec Point, RunStatus Status, long Steps, IReadOnlyList<RiskPoint> Risk, IReadOnlyList<MeasureSnapshot> Snapshots, DependenceResult? Dependence);

/// <summary>
/// Names of the per-neuron features recorded in snapshots. Layers are numbered from 1 as in MATH section 2.
/// </summary>
public static class FeatureNames
{
    /// <summary>‖w_i‖, the norm of a first-layer neuron's weight vector.</summary>
    public const string WeightNorm = "w_norm";

    /// <summary>c_j, the output weights (a_i of MMN).</summary>
    public const string Output = "c";

    /// <summary>b_{ℓ,i}, the biases of hidden layer ℓ.</summary>
    public static string Bias(int layer) => $"b{layer}";

    /// <summary>(1/N_ℓ) Σ_i W^ℓ_{ji}: the mean incoming weight of neuron j of layer ℓ + 1.</summary>
    public static string RowMean(int layer) => $"W{layer}_row_mean";

    /// <summary>A deterministic sample of the entries W^ℓ_{ji}.</summary>
    public static string Edges(int layer) => $"W{layer}_edges";

    /// <summary>&lt;w_i, u_k&gt;: the projection of w_i on the k-th sliced-Wasserstein direction u_k (shared by every point of a sweep).</summary>
    public static string Projection(int k) => $"w_proj{k}";

    /// <summary>The prefix of <see cref="Projection"/> features.</summary>
    public const string ProjectionPrefix = "w_proj";

    /// <summary>The prefix of probe features (<see cref="ProbeObservations"/>): one value per probe input, not quantiles.</summary>
    public const string ProbePrefix = "probe_";

    /// <summary>ŷ(x_k) on the probe inputs.</summary>
    public const string OutputProbe = "probe_output";

    /// <summary>SD over j of u_{ℓ,j}(x_k), the spread of layer ℓ's pre-activations, on the probe inputs.</summary>
    public static string Spread(int layer) => $"probe_spread_u{layer}";

    /// <summary>Whether <paramref name="feature"/> is a probe feature (values per probe input, not quantiles).</summary>
    public static bool IsProbe(string feature) => feature is not null && feature.StartsWith(ProbePrefix, StringComparison.Ordinal);
}
