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

/// <summary>
/// What one layered point contributes to the cross-layer dependence checks (MATH section 5), measured at its
/// final step by <see cref="DependenceProbe"/>.
/// </summary>
/// <param name="Step">SGD step at which it was measured.</param>
/// <param name="Neurons">The features of neuron 1 of layers 1 and 2 (for the chaos test across seeds); null when off.</param>
/// <param name="Edges">The structure of the edge change ΔW = W¹(T) − W¹(0); null when off.</param>
public sealed record DependenceResult(long Step, NeuronFeatures? Neurons, EdgeStructure? Edges);

/// <summary>The features of fixed neurons (neuron 1 of layer 1 and of layer 2) at step 0 and at the final step.</summary>
/// <param name="InitialX">X = (w_1, b_{1,1}) at step 0 (b only with biases).</param>
/// <param name="InitialY">Y = (outgoing weight of neuron 1 of layer 2, mean_i W¹_{1i}, b_{2,1}) at step 0.</param>
/// <param name="FinalX">X at the final step.</param>
/// <param name="FinalY">Y at the final step.</param>
public sealed record NeuronFeatures(IReadOnlyList<double> InitialX, IReadOnlyList<double> InitialY, IReadOnlyList<double> FinalX, IReadOnlyList<double> FinalY);

/// <summary>How much of the edge change ΔW = W¹(T) − W¹(0) the endpoints' initial parameters explain (see <see cref="DependenceProbe"/>).</summary>
/// <param name="RankOneShare">σ_1² / ‖ΔW‖_F², in [0, 1].</param>
/// <param name="FeatureShare">R² of the bilinear regression of ΔW_ji on the initial features of neurons j and i, in [0, 1].</param>
/// <param name="LeftAlignment">Share of the top left singular vector of ΔW in the span of layer-2 initial features (1, o_j, b_{2,j}).</param>
/// <param name="RightAlignment">Share of the top right singular vector in the span of layer-1 initial features (1, w_i, b_{1,i}).</param>
/// <param name="RelativeChange">‖ΔW‖_F / ‖W¹(0)‖_F (NaN when W¹(0) is 0).</param>
public sealed record EdgeStructure(double RankOneShare, double FeatureShare, double LeftAlignment, double RightAlignment, double RelativeChange);

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

    /// <summary>
    /// [Z_1, Z_2] of <see cref="Observables.OutputControls"/> on the whole test set, at step 0 only (not a value per probe
    /// input): recorded whenever the output weights' mean is 0 (<see cref="Observables.OutputControls.Apply"/>).
    /// </summary>
    public const string OutputControls = "probe_output_controls";

    /// <summary>SD over j of u_{ℓ,j}(x_k), the spread of layer ℓ's pre-activations, on the probe inputs.</summary>
    public static string Spread(int layer) => $"probe_spread_u{layer}";

    /// <summary>Whether <paramref name="feature"/> is a probe feature (values per probe input, not quantiles).</summary>
    public static bool IsProbe(string feature) => feature is not null && feature.StartsWith(ProbePrefix, StringComparison.Ordinal);
}
