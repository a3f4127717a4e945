namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// A validated sweep specification: what to train, on which data, how, what to observe, and the grid of
/// points to run. Produced only by <c>SpecLoader</c>, so every instance satisfies the rules in
/// docs/spec.md. Times are in the mean-field time unit t = k ε (MATH section 3).
/// </summary>
/// <param name="Name">Free-form name of the sweep (used in summaries and as the default sweep id prefix).</param>
/// <param name="Seed">Sweep seed: every random stream derives from it and the point coordinates.</param>
/// <param name="Model">The network and its initialization.</param>
/// <param name="Data">The data model.</param>
/// <param name="Training">The SGD settings shared by all points.</param>
/// <param name="Observe">What to measure during training.</param>
/// <param name="Grid">The swept coordinates; the points are their cartesian product.</param>
public sealed record SweepSpec(
    string Name,
    ulong Seed,
    ModelSpec Model,
    DataSpec Data,
    TrainingSpec Training,
    ObserveSpec Observe,
    GridSpec Grid);

/// <summary>The network (MATH section 2).</summary>
/// <param name="Preset">One of <see cref="Presets.All"/>, e.g. <c>mmn-isotropic</c>.</param>
/// <param name="Activation">The hidden activation σ.</param>
/// <param name="Init">How the parameters are drawn at t = 0.</param>
public sealed record ModelSpec(string Preset, ActivationSpec Activation, InitSpec Init);

/// <summary>Names of the network presets.</summary>
public static class Presets
{
    /// <summary>ŷ = (1/N) Σ σ(&lt;w_i, x&gt;); only w is trained (MMN example 1).</summary>
    public const string MmnIsotropic = "mmn-isotropic";

    /// <summary>ŷ = (1/N) Σ a_i σ(&lt;w_i, x&gt; + b_i); a, w, b trained.</summary>
    public const string MmnRelu = "mmn-relu";

    /// <summary>All preset names known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [MmnIsotropic, MmnRelu];
}

/// <summary>An activation function and its parameters.</summary>
/// <param name="Kind">One of <see cref="ActivationKinds.All"/>.</param>
/// <param name="T1">Ramp: lower knee t1 (default 0.5).</param>
/// <param name="T2">Ramp: upper knee t2 (default 1.5), t2 &gt; t1.</param>
/// <param name="S1">Ramp: value s1 for t ≤ t1 (default -2.5).</param>
/// <param name="S2">Ramp: value s2 for t ≥ t2 (default 7.5).</param>
public sealed record ActivationSpec(string Kind, double T1 = 0.5, double T2 = 1.5, double S1 = -2.5, double S2 = 7.5);

/// <summary>Names of the activation kinds.</summary>
public static class ActivationKinds
{
    /// <summary>Piecewise linear ramp(t1, t2, s1, s2).</summary>
    public const string Ramp = "ramp";

    /// <summary>max(0, z).</summary>
    public const string Relu = "relu";

    /// <summary>tanh(z).</summary>
    public const string Tanh = "tanh";

    /// <summary>σ(z) = z (for hand-checkable tests).</summary>
    public const string Identity = "identity";

    /// <summary>All activation names known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [Ramp, Relu, Tanh, Identity];
}

/// <summary>Initial law of the parameters.</summary>
/// <param name="Kappa">w_i ~ N(0, κ²/d I_d); κ &gt; 0 (default 0.8, MMN figure 1).</param>
/// <param name="OutputMean">Mean of the output weights a_i (presets that train them; default 1).</param>
/// <param name="OutputStd">Standard deviation of a_i (default 0: all start at the mean).</param>
/// <param name="BiasMean">Mean of the biases b_i (presets that have them; default 0).</param>
/// <param name="BiasStd">Standard deviation of b_i (default 0).</param>
public sealed record InitSpec(double Kappa = 0.8, double OutputMean = 1.0, double OutputStd = 0.0, double BiasMean = 0.0, double BiasStd = 0.0);

/// <summary>The data model (MATH section 1).</summary>
/// <param name="Kind">One of <see cref="DataKinds.All"/>.</param>
/// <param name="Dimension">Input dimension d ≥ 1.</param>
/// <param name="Delta">Δ in [0, 1): class-conditional scale (1 ± Δ) of the Gaussian mixtures.</param>
public sealed record DataSpec(string Kind, int Dimension, double Delta);

/// <summary>Names of the data models.</summary>
public static class DataKinds
{
    /// <summary>y = ±1 with probability 1/2; x | y ~ N(0, (1 + yΔ)² I_d).</summary>
    public const string IsotropicGaussian = "isotropic-gaussian";

    /// <summary>All data kinds known to this version.</summary>
    public static readonly IReadOnlyList<string> All = [IsotropicGaussian];
}

/// <summary>SGD settings shared by every point (MATH section 3).</summary>
/// <param name="Horizon">Time horizon T &gt; 0; a point runs round(T/ε) steps. Null when <paramref name="Steps"/> is given.</param>
/// <param name="Steps">Number of SGD steps, instead of a horizon; null when <paramref name="Horizon"/> is given.</param>
/// <param name="Xi">Learning-rate schedule ξ; only <c>constant</c> in this version.</param>
/// <param name="BatchSize">Mini-batch size B ≥ 1 (B per-sample gradients averaged per step).</param>
public sealed record TrainingSpec(double? Horizon, long? Steps, string Xi = "constant", int BatchSize = 1);

/// <summary>What to measure during training.</summary>
/// <param name="TestSamples">Size M_test of the fixed test set used for the risk estimate.</param>
/// <param name="RiskTimes">Times t at which the test risk is recorded.</param>
/// <param name="SnapshotTimes">Times t at which the laws of per-neuron features are recorded.</param>
/// <param name="QuantileLevels">Number of quantile levels per snapshot (levels (j + 1/2)/n, j = 0..n-1).</param>
public sealed record ObserveSpec(int TestSamples, TimeGrid RiskTimes, TimeGrid SnapshotTimes, int QuantileLevels);

/// <summary>
/// A set of observation times: either an explicit list, or <c>Count</c> points spaced linearly or
/// logarithmically over [0, T] (log spacing always includes t = 0 and t = T).
/// </summary>
/// <param name="Times">Explicit times, or null.</param>
/// <param name="Count">Number of generated times (≥ 2), when <paramref name="Times"/> is null.</param>
/// <param name="Spacing"><c>linear</c> or <c>log</c>, when generated.</param>
public sealed record TimeGrid(IReadOnlyList<double>? Times, int Count = 21, string Spacing = "linear");

/// <summary>The swept coordinates. The points are the cartesian product, in the order layers, width, step size, seed.</summary>
/// <param name="Width">Hidden widths N ≥ 1.</param>
/// <param name="StepSize">Step sizes ε &gt; 0.</param>
/// <param name="Layers">Hidden layer counts L ≥ 1 (the presets of this version need L = 1).</param>
/// <param name="Seeds">Seed indices ≥ 0 (a count n in the spec means 0..n-1).</param>
public sealed record GridSpec(IReadOnlyList<int> Width, IReadOnlyList<double> StepSize, IReadOnlyList<int> Layers, IReadOnlyList<int> Seeds);

/// <summary>One point of the grid, with its index in the cartesian product.</summary>
/// <param name="Index">Position in the expanded grid, 0-based.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="StepSize">Step size ε.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Seed">Seed index.</param>
/// <param name="Steps">Number of SGD steps this point runs.</param>
/// <param name="RiskSteps">Steps (ascending, distinct, within [0, Steps]) at which the risk is recorded.</param>
/// <param name="SnapshotSteps">Steps (ascending, distinct) at which measures are recorded.</param>
public sealed record PointSpec(int Index, int Width, double StepSize, int Layers, int Seed, long Steps, IReadOnlyList<long> RiskSteps, IReadOnlyList<long> SnapshotSteps);
