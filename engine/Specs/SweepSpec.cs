using System.Text.Json.Serialization;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// A validated sweep specification: what to train, on which data, how, what to observe, and the grid of
/// points to run. Produced only by <see cref="SpecLoader"/>, so every instance satisfies the rules in
/// docs/spec.md. Times are in the mean-field time unit t = k ε (MATH section 3).
/// </summary>
/// <param name="Name">Free-form name of the sweep (used in summaries and as the default results folder).</param>
/// <param name="Seed">Sweep seed: every random stream derives from it and the point coordinates.</param>
/// <param name="Model">The network and its initialization.</param>
/// <param name="Data">The data model.</param>
/// <param name="Training">The SGD settings shared by all points.</param>
/// <param name="Observe">What to measure during training.</param>
/// <param name="Grid">The swept coordinates; the points are their cartesian product.</param>
/// <param name="LargeDeviations">
/// For task <c>large-deviations</c> (MATH section 6): replicas of the run at every width, a functional of
/// each at time T, and rate-function estimates; null for the default task (SGD curves).
/// </param>
public sealed record SweepSpec(
    [SpecDefault("sweep")] string Name,
    [SpecDefault(0)] ulong Seed,
    ModelSpec Model,
    DataSpec Data,
    TrainingSpec Training,
    [Derived("every field at its default")] ObserveSpec Observe,
    GridSpec Grid,
    LargeDeviationsSpec? LargeDeviations = null)
{
    /// <summary>Free-form labels (<c>tags:</c>), carried to summary.json and listed by <c>mfc runs</c>; never change a number.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Free-form notes (<c>notes:</c>), carried to summary.json; never change a number; null when absent.</summary>
    public string? Notes { get; init; }
}

/// <summary>A large-deviation Monte Carlo study (MATH section 6).</summary>
/// <param name="Functional">One of <see cref="LdFunctionals.All"/>, measured at the end of each replica (t = T).</param>
/// <param name="Replicas">Replicas R per width and mode (≥ 100).</param>
/// <param name="BatchSize">Replicas per point grain (default 1000); results never depend on it.</param>
/// <param name="Modes"><c>quenched</c> (initial weights drawn once and shared by all replicas) and/or <c>annealed</c> (everything fresh).</param>
/// <param name="XGrid">Points x where the rate function is estimated.</param>
/// <param name="KGrid">Tilts k for the Gärtner–Ellis estimator (must contain 0).</param>
/// <param name="EssMin">Reliability threshold on the effective sample size (&gt; 1, default 100).</param>
/// <param name="Bootstrap">Bootstrap resamples for the intervals (default 200; 0 turns them off).</param>
/// <param name="BootstrapSeed">Seed of the bootstrap.</param>
/// <param name="QuenchedDraws">
/// Quenched mode: independent draws of the initial weights, each with its own R replicas; the reported
/// quenched rate function is the average over draws (default 1).
/// </param>
/// <param name="AllowFixedStep">
/// Whether a numeric (width-independent) step size is accepted with T &gt; 0 (default false). Such a run is not a
/// speed-N principle: with a fixed ε the data noise of each step moves all neurons together (MATH section 6),
/// so the step must be α/N unless this opt-in is given.
/// </param>
/// <param name="QuenchedExtrapolation">
/// How the quenched N = ∞ rows are fitted (<see cref="QuenchedExtrapolations"/>): <c>centred</c> shifts each
/// (draw, width) curve to a common centre first, <c>as-measured</c> fits the curves as they are, <c>auto</c>
/// (default) is <c>centred</c> for i.i.d. initial draws (centres O(N^{-1/2}) apart) and <c>as-measured</c> for
/// stratified ones (centres O(1/N) apart, a drift the b(x)/N term absorbs).
/// </param>
/// <param name="RareEvents">Optional rare-event estimator run next to the plain replicas (docs/large-deviations.md, "Rare events").</param>
public sealed record LargeDeviationsSpec(
    [Choice("functional", typeof(LdFunctionals))] string Functional,
    [Limit(Min = 100, Max = 100_000_000)] int Replicas,
    [Limit(Min = 1, Max = 10_000_000), SpecDefault(1000)] int BatchSize,
    [SpecDefault(new[] { LdModes.Quenched })] IReadOnlyList<string> Modes,
    IReadOnlyList<double> XGrid,
    IReadOnlyList<double> KGrid,
    [Limit(Min = 1, MinExclusive = true)] double EssMin = 100,
    [Limit(Min = 0, Max = 100_000)] int Bootstrap = 200,
    ulong BootstrapSeed = 0,
    [Limit(Min = 1, Max = 1000)] int QuenchedDraws = 1,
    [OmittedAtDefault] bool AllowFixedStep = false,
    [Choice("quenched extrapolation", typeof(QuenchedExtrapolations)), OmittedAtDefault] string QuenchedExtrapolation = QuenchedExtrapolations.Auto,
    RareEventsSpec? RareEvents = null);

/// <summary>A rare-event estimator of tail probabilities P(F ≥ x) that plain sampling cannot reach (docs/large-deviations.md, "Rare events").</summary>
/// <param name="Estimator"><c>importance-sampling</c> (T = 0, tilted initial law) or <c>splitting</c> (T &gt; 0, adaptive multilevel splitting).</param>
/// <param name="Levels">The levels x (finite, distinct); the upper tail above the typical value, the lower tail below.</param>
/// <param name="Replicas">Importance sampling: samples per (width, level); splitting: particles per run (default 1000).</param>
/// <param name="Runs">Splitting: independent runs per (mode, width, level), at least 2 (default 10).</param>
/// <param name="KillFraction">Splitting: fraction of particles killed per iteration, in (0, 1) (default 0.1).</param>
/// <param name="Checkpoints">Splitting: checkpoints where the score is evaluated and paths may branch (default 20).</param>
/// <param name="MaxReplicas">Budget of trajectories per (mode, width, level) over all runs (default 100000); past it the row is censored.</param>
public sealed record RareEventsSpec(
    [Choice("estimator", typeof(RareEventEstimators))] string Estimator,
    IReadOnlyList<double> Levels,
    [Limit(Min = 10, Max = 1_000_000)] int Replicas = 1000,
    [Limit(Min = 2, Max = 1000)] int Runs = 10,
    [Limit(Min = 0, MinExclusive = true)] double KillFraction = 0.1,
    [Limit(Min = 1, Max = 10_000)] int Checkpoints = 20,
    [Limit(Min = 10, Max = 100_000_000)] long MaxReplicas = 100_000);

/// <summary>Functionals F of one replica (MATH section 6).</summary>
public static class LdFunctionals
{
    /// <summary>The test risk at time T.</summary>
    public const string Risk = "risk";

    /// <summary>(1/N) Σ c_j(T), the mean output weight.</summary>
    public const string MeanOutputWeight = "mean-output-weight";

    /// <summary>(1/N) Σ ‖w_i(T)‖².</summary>
    public const string MeanSquaredNorm = "mean-sq-norm";

    /// <summary>W1 between the law of ‖w_i(T)‖ and the mean-field limit's radial law at T (radial-reduction models only).</summary>
    public const string W1ToReference = "w1-to-reference";

    /// <summary>All functionals.</summary>
    public static readonly IReadOnlyList<string> All = [Risk, MeanOutputWeight, MeanSquaredNorm, W1ToReference];
}

/// <summary>How the quenched rate function is extrapolated across widths (MATH section 6, quenched centring).</summary>
public static class QuenchedExtrapolations
{
    /// <summary>Centred for i.i.d. initial draws, as measured for stratified ones.</summary>
    public const string Auto = "auto";

    /// <summary>Each (draw, width) sample is shifted so its centre (median) sits at the largest width's mean centre.</summary>
    public const string Centred = "centred";

    /// <summary>The curves are fitted as measured.</summary>
    public const string AsMeasured = "as-measured";

    /// <summary>All choices.</summary>
    public static readonly IReadOnlyList<string> All = [Auto, Centred, AsMeasured];

    /// <summary>The resolved choice (centred or as-measured) for a spec.</summary>
    public static string Resolve(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string choice = spec.LargeDeviations?.QuenchedExtrapolation ?? Auto;
        return choice != Auto ? choice : spec.Model.Init.Sampling == Networks.InitSamplings.Stratified ? AsMeasured : Centred;
    }
}

/// <summary>How the replicas' randomness is drawn.</summary>
public static class LdModes
{
    /// <summary>Initial weights drawn once (fixed seed) and shared by all replicas; data and noise fresh.</summary>
    public const string Quenched = "quenched";

    /// <summary>Everything fresh for every replica.</summary>
    public const string Annealed = "annealed";

    /// <summary>All modes.</summary>
    public static readonly IReadOnlyList<string> All = [Quenched, Annealed];
}

/// <summary>
/// The network (MATH section 2). A preset fixes the architecture family and gives defaults for the
/// trainable blocks and biases; <see cref="Train"/> and <see cref="Bias"/> hold the resolved values.
/// </summary>
/// <param name="Preset">One of <see cref="Presets.All"/>.</param>
/// <param name="Activation">The hidden activation σ (every hidden layer).</param>
/// <param name="Init">How the parameters are drawn at t = 0.</param>
/// <param name="Gamma">
/// Per-layer normalization exponents γ_ℓ in [1/2, 1] (MATH section 3): one value (all layers) or one per hidden layer.
/// Overridden per point by <see cref="GridSpec.Gamma"/> when that axis is given. Default [1].
/// </param>
/// <param name="Bias">Whether hidden neurons have biases b_ℓ.</param>
/// <param name="Train">Which blocks SGD updates.</param>
/// <param name="MeanFieldScaling">Whether gradients get the mean-field multipliers of MATH section 3 (default true).</param>
/// <param name="DivergenceBound">A point ends <c>diverged</c> when a parameter's absolute value exceeds this (default 1e6), or on NaN/∞.</param>
public sealed record ModelSpec(
    [Choice("preset", typeof(Presets))] string Preset,
    [Derived("the preset's: identity for linear, required otherwise")] ActivationSpec Activation,
    [Derived("every field at its default")] InitSpec Init,
    [Limit(Min = 0.5, Max = 1), SpecDefault(new[] { 1.0 })] IReadOnlyList<double> Gamma,
    [Derived("the preset's: true for mmn-relu, false otherwise")] bool Bias,
    [Derived("the preset's trained blocks")] TrainSpec Train,
    bool MeanFieldScaling = true,
    [Limit(Min = 0, MinExclusive = true)] double DivergenceBound = 1e6);

/// <summary>Which parameter blocks are trained (the rest stay at their initial values).</summary>
/// <param name="First">First-layer weights w_i.</param>
/// <param name="Hidden">Inner weights W^1..W^{L-1} (no effect when L = 1).</param>
/// <param name="Output">Output weights c_j (the a_i of MMN).</param>
/// <param name="Bias">Hidden biases b_ℓ (no effect without biases).</param>
public sealed record TrainSpec([Derived("the preset's")] bool First, [Derived("the preset's")] bool Hidden, [Derived("the preset's")] bool Output, [Derived("the preset's")] bool Bias);

/// <summary>Names of the network presets and their fixed structure.</summary>
public static class Presets
{
    /// <summary>L = 1, ŷ = (1/N) Σ σ(&lt;w_i, x&gt;): c ≡ 1 frozen, no bias; trains w (MMN example 1).</summary>
    public const string MmnIsotropic = "mmn-isotropic";

    /// <summary>L = 1, ŷ = (1/N) Σ a_i σ(&lt;w_i, x&gt; + b_i); trains a, w, b.</summary>
    public const string MmnRelu = "mmn-relu";

    /// <summary>L = 1 linear neuron σ_*(x; θ) = &lt;θ, x&gt; (identity activation, c ≡ 1, no bias); the Gibbs known answer.</summary>
    public const string Linear = "linear";

    /// <summary>L = 2, γ = 1; trains w, W^1, c (Luo–Wang–Fung, Nguyen–Pham).</summary>
    public const string ThreeLayer = "three-layer";

    /// <summary>L ≥ 2, γ = 1; trains W^1..W^{L-1} only, w and c frozen (Araújo–Oliveira–Yukimura).</summary>
    public const string DeepFixedEnds = "deep-fixed-ends";

    /// <summary>Any L with per-layer γ_ℓ; trains everything (Sirignano–Spiliopoulos).</summary>
    public const string Normalized = "normalized";

    /// <summary>All preset names known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [MmnIsotropic, MmnRelu, Linear, ThreeLayer, DeepFixedEnds, Normalized];

    /// <summary>The trainable blocks and bias setting a preset starts from (a spec may override both).</summary>
    public static (TrainSpec Train, bool Bias) Defaults(string preset) => preset switch
    {
        MmnIsotropic => (new TrainSpec(First: true, Hidden: false, Output: false, Bias: false), false),
        MmnRelu => (new TrainSpec(First: true, Hidden: false, Output: true, Bias: true), true),
        Linear => (new TrainSpec(First: true, Hidden: false, Output: false, Bias: false), false),
        ThreeLayer => (new TrainSpec(First: true, Hidden: true, Output: true, Bias: true), false),
        DeepFixedEnds => (new TrainSpec(First: false, Hidden: true, Output: false, Bias: true), false),
        Normalized => (new TrainSpec(First: true, Hidden: true, Output: true, Bias: true), false),
        _ => throw new ArgumentException($"Unknown preset '{preset}'.", nameof(preset)),
    };

    /// <summary>The hidden layer counts a preset allows: (minimum, maximum).</summary>
    public static (int Min, int Max) LayerRange(string preset) => preset switch
    {
        MmnIsotropic or MmnRelu or Linear => (1, 1),
        ThreeLayer => (2, 2),
        DeepFixedEnds => (2, 64),
        Normalized => (1, 64),
        _ => throw new ArgumentException($"Unknown preset '{preset}'.", nameof(preset)),
    };
}

/// <summary>An activation function and its parameters.</summary>
/// <param name="Kind">One of <see cref="ActivationKinds.All"/>.</param>
/// <param name="T1">Ramp: lower knee t1 (default 0.5).</param>
/// <param name="T2">Ramp: upper knee t2 (default 1.5), t2 &gt; t1.</param>
/// <param name="S1">Ramp: value s1 for t ≤ t1 (default -2.5).</param>
/// <param name="S2">Ramp: value s2 for t ≥ t2 (default 7.5).</param>
public sealed record ActivationSpec(
    [Choice("activation", typeof(ActivationKinds))] string Kind,
    [ForKinds(ActivationKinds.Ramp)] double T1 = 0.5,
    [ForKinds(ActivationKinds.Ramp)] double T2 = 1.5,
    [ForKinds(ActivationKinds.Ramp)] double S1 = -2.5,
    [ForKinds(ActivationKinds.Ramp)] double S2 = 7.5);

/// <summary>Names of the activation kinds.</summary>
public static class ActivationKinds
{
    /// <summary>Piecewise linear ramp(t1, t2, s1, s2).</summary>
    public const string Ramp = "ramp";

    /// <summary>max(0, z).</summary>
    public const string Relu = "relu";

    /// <summary>tanh(z).</summary>
    public const string Tanh = "tanh";

    /// <summary>The logistic function 1/(1 + e^{-z}).</summary>
    public const string Sigmoid = "sigmoid";

    /// <summary>The error function erf(z).</summary>
    public const string Erf = "erf";

    /// <summary>σ(z) = z.</summary>
    public const string Identity = "identity";

    /// <summary>All activation names known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [Ramp, Relu, Tanh, Sigmoid, Erf, Identity];
}

/// <summary>Initial law of the parameters (all independent).</summary>
/// <param name="Kappa">w_i ~ N(0, κ²/d I_d); κ &gt; 0 (default 0.8, MMN figure 1).</param>
/// <param name="OutputMean">Mean of the output weights c_j (default 1).</param>
/// <param name="OutputStd">Standard deviation of c_j (default 0: all start at the mean).</param>
/// <param name="BiasMean">Mean of the biases (default 0).</param>
/// <param name="BiasStd">Standard deviation of the biases (default 0).</param>
/// <param name="HiddenMean">Mean of the inner weights W^ℓ_{ji} (default 0).</param>
/// <param name="HiddenStd">Standard deviation of W^ℓ_{ji} (default 1).</param>
/// <param name="OutputLaw">
/// Law of the output weights around their mean: <c>gaussian</c> (default), c_j ~ N(mean, std²), or
/// <c>rademacher</c>, c_j = mean ± std with probability 1/2 each.
/// </param>
/// <param name="Sampling">
/// <c>iid</c> (default): independent draws; <c>stratified</c>: a stratified quasi-Monte Carlo draw of the same
/// law whose empirical measure converges fast (one hidden layer only; see
/// <see cref="Networks.StratifiedInit"/>).
/// </param>
/// <param name="HiddenStructure">
/// s ≥ 0 (default 0): adds s·a^{ℓ+1}_j a^ℓ_i to W^ℓ_{ji}, with a^1_i = √d w_{i,1}/κ and a^ℓ_j ~ N(0, 1) per
/// neuron for ℓ ≥ 2, a structured initialization whose inner pre-activations keep an O(1) spread over
/// neurons as N grows (docs/models.md, "Deep collapse").
/// </param>
/// <param name="Nested">
/// Whether every neuron's parameters come from its own stream keyed by (sweep seed, seed index, layer,
/// neuron index) instead of the point's stream (default false): a narrower network's neurons, and the
/// common columns of W^ℓ, are then those of a wider one, and a seed's training samples are the same at every
/// width (the sequential limit of docs/models.md).
/// </param>
public sealed record InitSpec(
    [Limit(Min = 0, MinExclusive = true)] double Kappa = 0.8,
    double OutputMean = 1.0,
    [Limit(Min = 0)] double OutputStd = 0.0,
    double BiasMean = 0.0,
    [Limit(Min = 0)] double BiasStd = 0.0,
    double HiddenMean = 0.0,
    [Limit(Min = 0)] double HiddenStd = 1.0,
    [Choice("output-weight law", typeof(OutputLaws)), OmittedAtDefault] string OutputLaw = OutputLaws.Gaussian,
    [Choice("initial sampling", typeof(Networks.InitSamplings)), OmittedAtDefault] string Sampling = Networks.InitSamplings.Iid,
    [Limit(Min = 0), OmittedAtDefault] double HiddenStructure = 0.0,
    [OmittedAtDefault] bool Nested = false);

/// <summary>Laws of the output weights around their mean (<see cref="InitSpec.OutputLaw"/>).</summary>
public static class OutputLaws
{
    /// <summary>c_j ~ N(mean, std²).</summary>
    public const string Gaussian = "gaussian";

    /// <summary>c_j = mean ± std with probability 1/2 each.</summary>
    public const string Rademacher = "rademacher";

    /// <summary>All laws.</summary>
    public static readonly IReadOnlyList<string> All = [Gaussian, Rademacher];
}

/// <summary>The data model (MATH section 1).</summary>
/// <param name="Kind">One of <see cref="DataKinds.All"/>.</param>
/// <param name="Dimension">Input dimension d ≥ 1 (for csv: the number of feature columns, resolved from the file).</param>
/// <param name="Delta">Δ in [0, 1): class-conditional scale (1 ± Δ) of the Gaussian mixtures (default 0).</param>
/// <param name="InformativeDimensions">anisotropic-gaussian: s0 in [1, d], the coordinates whose scale depends on y.</param>
/// <param name="Teacher">teacher-student: the teacher network.</param>
/// <param name="Noise">teacher-student: standard deviation of the Gaussian label noise (default 0).</param>
/// <param name="Csv">csv: the file and its columns.</param>
public sealed record DataSpec(
    [Choice("data kind", typeof(DataKinds))] string Kind,
    [property: JsonPropertyName("d")][Limit(Min = 1, Max = 100_000), Derived("required, except for csv data (the number of feature columns)"), ForKinds(DataKinds.IsotropicGaussian, DataKinds.AnisotropicGaussian, DataKinds.TeacherStudent)] int Dimension,
    [Limit(Min = 0, Max = 1, MaxExclusive = true), ForKinds(DataKinds.IsotropicGaussian, DataKinds.AnisotropicGaussian)] double Delta = 0.0,
    [property: JsonPropertyName("s0")][ForKinds(DataKinds.AnisotropicGaussian)] int? InformativeDimensions = null,
    [ForKinds(DataKinds.TeacherStudent)] TeacherSpec? Teacher = null,
    [Limit(Min = 0), ForKinds(DataKinds.TeacherStudent)] double Noise = 0.0,
    [ForKinds(DataKinds.Csv)] CsvSpec? Csv = null);

/// <summary>
/// The teacher of <c>teacher-student</c>: teacher(x) = (1/k) Σ_j a_j σ(&lt;u_j, x&gt;), u_j ~ N(0, I_d/d),
/// a_j ~ N(0, 1), drawn from its own seed.
/// </summary>
/// <param name="Width">k ≥ 1.</param>
/// <param name="Activation">σ of the teacher.</param>
/// <param name="Seed">The teacher's own seed.</param>
public sealed record TeacherSpec([Limit(Min = 1, Max = 100_000)] int Width, [Derived("relu")] ActivationSpec Activation, [SpecDefault(0)] ulong Seed);

/// <summary>
/// A csv data file: feature columns plus one label column, standardized with training-set statistics,
/// split into train and test rows by the sweep seed.
/// </summary>
/// <param name="Path">Absolute path of the file (a relative path in the spec is resolved against the spec file's folder).</param>
/// <param name="Label">Name of the label column.</param>
/// <param name="Features">Feature column names, in order (resolved: all columns but the label when not given).</param>
/// <param name="TestFraction">Fraction of rows held out for the test set, in (0, 1) (default 0.2).</param>
/// <param name="StandardizeLabel">Whether the label is standardized too (default false: labels such as ±1 stay as they are).</param>
public sealed record CsvSpec(string Path, string Label, [Derived("every column but the label")] IReadOnlyList<string> Features, [Limit(Min = 0, MinExclusive = true, Max = 1, MaxExclusive = true)] double TestFraction = CsvSpec.DefaultTestFraction, bool StandardizeLabel = false)
{
    /// <summary>The default fraction of rows held out for the test set.</summary>
    public const double DefaultTestFraction = 0.2;
}

/// <summary>Names of the data models.</summary>
public static class DataKinds
{
    /// <summary>y = ±1 with probability 1/2; x | y ~ N(0, (1 + yΔ)² I_d).</summary>
    public const string IsotropicGaussian = "isotropic-gaussian";

    /// <summary>y = ±1; x | y ~ N(0, diag((1 + yΔ)² I_s0, I_{d-s0})).</summary>
    public const string AnisotropicGaussian = "anisotropic-gaussian";

    /// <summary>x ~ N(0, I_d); y = teacher(x) + noise·g.</summary>
    public const string TeacherStudent = "teacher-student";

    /// <summary>Rows of a csv file.</summary>
    public const string Csv = "csv";

    /// <summary>All data kinds known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [IsotropicGaussian, AnisotropicGaussian, TeacherStudent, Csv];
}

/// <summary>SGD settings shared by every point (MATH section 3).</summary>
/// <param name="Horizon">Time horizon T &gt; 0; a point runs round(T/ε) steps. Null when <paramref name="Steps"/> is given.</param>
/// <param name="Steps">Number of SGD steps, instead of a horizon; null when <paramref name="Horizon"/> is given.</param>
/// <param name="Xi">Learning-rate schedule ξ: step k uses s_k = ε ξ(kε).</param>
/// <param name="BatchSize">Mini-batch size B ≥ 1 (B per-sample gradients averaged per step).</param>
/// <param name="Ridge">Ridge penalty λ ≥ 0 (default 0).</param>
/// <param name="Beta">Inverse temperature β &gt; 0 of the Langevin noise; null means β = ∞ (plain SGD, the default).</param>
/// <param name="Precision">
/// <c>float64</c> (default) or <c>float32</c>: the precision of the parameters and of the SGD step's arithmetic
/// (see <see cref="Precisions"/>). Observations are computed in double either way.
/// </param>
public sealed record TrainingSpec(
    double? Horizon,
    [Limit(Min = 1, Max = SpecLimits.MaxSteps)] long? Steps,
    [Derived("constant")] XiSpec Xi,
    [Limit(Min = 1, Max = 100_000)] int BatchSize = 1,
    [Limit(Min = 0)] double Ridge = 0.0,
    double? Beta = null,
    [Choice("precision", typeof(Precisions))] string Precision = Precisions.Float64);

/// <summary>The precisions of the SGD step.</summary>
public static class Precisions
{
    /// <summary>IEEE double: parameters and step arithmetic in 64-bit floating point (the default).</summary>
    public const string Float64 = "float64";

    /// <summary>
    /// IEEE single: parameters stored and updated in 32-bit floating point, about twice the steps per second on
    /// wide points; risk curves agree with float64 within the tolerance stated in docs/spec.md.
    /// </summary>
    public const string Float32 = "float32";

    /// <summary>All precisions.</summary>
    public static readonly IReadOnlyList<string> All = [Float64, Float32];
}

/// <summary>The schedule ξ: <c>constant</c> (ξ ≡ 1) or <c>power</c> ξ(t) = (1 + t/t0)^(-α).</summary>
/// <param name="Kind"><c>constant</c> or <c>power</c>.</param>
/// <param name="T0">power: t0 &gt; 0 (default 1).</param>
/// <param name="Alpha">power: α ≥ 0 (default 0.5).</param>
public sealed record XiSpec(
    [Choice("learning-rate schedule", typeof(Schedules))] string Kind = Schedules.Constant,
    [Limit(Min = 0, MinExclusive = true), ForKinds(Schedules.Power)] double T0 = 1.0,
    [Limit(Min = 0), ForKinds(Schedules.Power)] double Alpha = 0.5);

/// <summary>What to measure during training.</summary>
/// <param name="TestSamples">Size M_test of the fixed test set (ignored for csv data, whose test rows are the test set).</param>
/// <param name="RiskTimes">Times t at which the test risk is recorded.</param>
/// <param name="SnapshotTimes">Times t at which the laws of per-neuron features are recorded.</param>
/// <param name="QuantileLevels">Number of quantile levels per snapshot (levels (j + 1/2)/n, j = 0..n-1).</param>
/// <param name="HistogramBins">Bins of the per-snapshot histograms (default 32; 0 turns histograms off).</param>
/// <param name="RawTimes">Times at which the raw per-neuron parameters are dumped (default none).</param>
/// <param name="SlicedDirections">Random directions for the sliced Wasserstein distance of the w_i (default 16; 0 turns it off).</param>
/// <param name="EdgeSample">Edges of each W^ℓ sampled for the edge-weight law (default 4096).</param>
/// <param name="Dependence">Cross-layer dependence test settings (layered models only).</param>
/// <param name="Risk">
/// <c>test</c> (default): the test-set estimate with its standard error; <c>population</c>: the exact
/// finite-N population risk, available for the models that admit the radial reduction (MATH section 4.1).
/// </param>
/// <param name="ProbeInputs">
/// Probe inputs K in [0, 1024] (default 16): at every snapshot time the output and each hidden layer's
/// pre-activation spread are recorded on the first K test inputs (features <c>probe_*</c>; 0 turns them off).
/// </param>
public sealed record ObserveSpec(
    [Limit(Min = 10, Max = 10_000_000), SpecDefault(2000)] int TestSamples,
    [Derived("21 times, linearly spaced over [0, T]")] TimeGrid RiskTimes,
    [Derived("5 times, linearly spaced over [0, T]")] TimeGrid SnapshotTimes,
    [property: JsonPropertyName("quantiles")][Limit(Min = 2, Max = 100_000), SpecDefault(256)] int QuantileLevels,
    [Limit(Min = 0, Max = 10_000)] int HistogramBins = 32,
    IReadOnlyList<double>? RawTimes = null,
    [Limit(Min = 0, Max = 1024)] int SlicedDirections = 16,
    [Limit(Min = 1, Max = 10_000_000)] int EdgeSample = 4096,
    [Derived("every field at its default")] DependenceSpec? Dependence = null,
    [Choice("risk estimate", typeof(RiskKinds))] string Risk = RiskKinds.Test,
    [Limit(Min = 0, Max = 1024), OmittedAtDefault] int ProbeInputs = 16);

/// <summary>How the risk is measured.</summary>
public static class RiskKinds
{
    /// <summary>Mean squared error on the sweep's fixed test set, with its standard error.</summary>
    public const string Test = "test";

    /// <summary>The exact population risk of the finite-N network (radial-reduction models only).</summary>
    public const string Population = "population";

    /// <summary>All risk kinds.</summary>
    public static readonly IReadOnlyList<string> All = [Test, Population];
}

/// <summary>The cross-layer dependence checks of layered models (MATH section 5, docs/models.md).</summary>
/// <param name="Chaos">
/// Record the features of neuron 1 of layers 1 and 2 per point, and test their independence across the seeds
/// of each width with the bias-corrected distance correlation (default true).
/// </param>
/// <param name="Edges">Record per point how much of the edge change W¹(T) − W¹(0) the endpoints' initial parameters explain (default true).</param>
/// <param name="Permutations">Permutations for the chaos test's p-value (default 999).</param>
public sealed record DependenceSpec(bool Chaos = true, bool Edges = true, [Limit(Min = 0, Max = 100_000)] int Permutations = 999);

/// <summary>
/// A set of observation times: either an explicit list, or <c>Count</c> points spaced linearly or
/// logarithmically over [0, T] (log spacing always includes t = 0 and t = T).
/// </summary>
/// <param name="Times">Explicit times, or null.</param>
/// <param name="Count">Number of generated times (≥ 2), when <paramref name="Times"/> is null.</param>
/// <param name="Spacing"><c>linear</c> or <c>log</c>, when generated.</param>
public sealed record TimeGrid(IReadOnlyList<double>? Times, [Limit(Min = 2, Max = 10_000)] int Count = 21, [Choice("spacing", typeof(Spacings))] string Spacing = Spacings.Linear);

/// <summary>The learning-rate schedules ξ (<see cref="XiSpec.Kind"/>).</summary>
public static class Schedules
{
    /// <summary>ξ ≡ 1.</summary>
    public const string Constant = "constant";

    /// <summary>ξ(t) = (1 + t/t0)^(-α).</summary>
    public const string Power = "power";

    /// <summary>All schedules.</summary>
    public static readonly IReadOnlyList<string> All = [Constant, Power];
}

/// <summary>Spacings of generated time grids.</summary>
public static class Spacings
{
    /// <summary>Evenly spaced over [0, T].</summary>
    public const string Linear = "linear";

    /// <summary>Logarithmically spaced, always including t = 0 and t = T.</summary>
    public const string Log = "log";

    /// <summary>All spacings.</summary>
    public static readonly IReadOnlyList<string> All = [Linear, Log];
}

/// <summary>A step size: a number ε, or c/N (ε = c divided by the first hidden width; the Hirsch–Willhalm scaling).</summary>
/// <param name="Value">ε, or c when <paramref name="DividedByWidth"/>.</param>
/// <param name="DividedByWidth">Whether ε = Value / N_1.</param>
public sealed record StepSizeSpec(double Value, bool DividedByWidth = false)
{
    /// <summary>The step size at first hidden width <paramref name="width"/>.</summary>
    public double Resolve(int width) => DividedByWidth ? Value / width : Value;
}

/// <summary>
/// The swept coordinates. The points are the cartesian product, in the order layers (outermost), width,
/// gamma, step size, seed (innermost).
/// </summary>
/// <param name="Width">
/// Widths: each entry is one number (every hidden layer that wide) or one number per hidden layer
/// (its length must then equal every L of <paramref name="Layers"/>).
/// </param>
/// <param name="StepSize">Step sizes.</param>
/// <param name="Layers">Hidden layer counts L ≥ 1 (fixed by some presets).</param>
/// <param name="Seeds">Seed indices ≥ 0 (a count n in the spec means 0..n-1).</param>
/// <param name="Gamma">Optional γ axis: each value is used for every layer; null means <see cref="ModelSpec.Gamma"/>.</param>
public sealed record GridSpec(IReadOnlyList<IReadOnlyList<int>> Width, IReadOnlyList<StepSizeSpec> StepSize, [Limit(Min = 1, Max = 64), Derived("the preset's smallest L")] IReadOnlyList<int> Layers, [Limit(Min = 0, Max = int.MaxValue), SpecDefault(new[] { 0 })] IReadOnlyList<int> Seeds, [Limit(Min = 0.5, Max = 1)] IReadOnlyList<double>? Gamma = null)
{
    /// <summary>
    /// Axes over spec fields (docs/spec.md, "Any field is an axis"), outermost first; empty when the grid has
    /// only its own axes. The spec's own values of these fields are those of each axis's first value.
    /// </summary>
    public IReadOnlyList<GridAxis> Axes { get; init; } = [];
}

/// <summary>One point of the grid, with its index in the cartesian product.</summary>
/// <param name="Index">Position in the expanded grid, 0-based.</param>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="StepSize">Step size ε (resolved).</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Seed">Seed index.</param>
/// <param name="Steps">Number of SGD steps this point runs.</param>
/// <param name="RiskSteps">Steps (ascending, distinct, within [0, Steps], including 0 and Steps) at which the risk is recorded.</param>
/// <param name="SnapshotSteps">Steps (ascending, distinct, including 0 and Steps) at which measures are recorded.</param>
/// <param name="RawSteps">Steps (ascending, distinct) at which raw parameters are dumped.</param>
/// <param name="Mode">Large deviations: the mode of this batch; null for SGD points.</param>
/// <param name="ReplicaStart">Large deviations: the first replica index of this batch.</param>
/// <param name="ReplicaCount">Large deviations: the number of replicas in this batch (0 for SGD points).</param>
/// <param name="Draw">Large deviations, quenched: which draw of the shared initial weights this batch uses.</param>
public sealed record PointSpec(int Index, IReadOnlyList<int> Widths, double StepSize, int Layers, IReadOnlyList<double> Gamma, int Seed, long Steps, IReadOnlyList<long> RiskSteps, IReadOnlyList<long> SnapshotSteps, IReadOnlyList<long> RawSteps, string? Mode = null, int ReplicaStart = 0, int ReplicaCount = 0, int Draw = 0)
{
    /// <summary>The first hidden width N_1 (the width of one-hidden-layer models).</summary>
    public int Width => Widths[0];

    /// <summary>
    /// The point's grid coordinates in product order (see <see cref="SweepPlanner.Axes"/>): the field axes
    /// (spec paths, outermost), then <see cref="GridAxisNames"/> layers, width, gamma (when swept), step_size
    /// (the entry as written, e.g. <c>"0.5/N"</c>) and seed. Empty for large-deviation batches.
    /// </summary>
    public IReadOnlyList<AxisCoordinate> Coordinates { get; init; } = [];

    /// <summary>The coordinates on field axes only (axes named by a spec path).</summary>
    public IEnumerable<AxisCoordinate> FieldCoordinates => Coordinates.Where(c => c.Axis.Contains('.', StringComparison.Ordinal));

    /// <summary>The value on <paramref name="axis"/>, or null when the point has no such coordinate.</summary>
    public AxisValue? CoordinateOf(string axis) => Coordinates.FirstOrDefault(c => c.Axis == axis)?.Value;
}
