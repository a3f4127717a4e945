using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Processor seconds of the pieces of one large-deviation replica (docs/performance.md, "Large-deviation
/// replicas"), measured with <c>mfc-bench --case ld-replicas</c>'s processor times on the machines named in
/// docs/performance.md (<see cref="Default"/> with AVX-512, <see cref="For"/> the others). Tests inject their own
/// values, so the form of the estimate is tested without timing.
/// </summary>
/// <param name="PerReplica">Fixed cost of a replica: its streams, its initial draw outside the Gaussians, the functional's set-up.</param>
/// <param name="PerGaussian">One standard normal variate (initial weights, inputs, label noise).</param>
/// <param name="PerParameterStep">One parameter in one SGD step of a replica trained alone (the stepper).</param>
/// <param name="PerStep">The fixed cost of one SGD step of a replica trained alone (the stepper's calls).</param>
/// <param name="PerParameterStepInLanes">One parameter in one SGD step of a replica trained in vector lanes (<see cref="ReplicaBatch"/>).</param>
/// <param name="PerParameterSample">One parameter in one forward pass (the functional's pass over a test set).</param>
/// <param name="PerGaussianInLanes">One standard normal variate of a replica trained in lanes (the lane Gaussians, <see cref="Randomness.LaneGaussians"/>).</param>
public sealed record ReplicaCostCalibration(
    double PerReplica,
    double PerGaussian,
    double PerParameterStep,
    double PerStep,
    double PerParameterStepInLanes,
    double PerParameterSample,
    double PerGaussianInLanes)
{
    /// <summary>Measured on the reference machine of docs/performance.md (AMD EPYC, 2 cores, quiet).</summary>
    public static ReplicaCostCalibration Default { get; } = new(
        PerReplica: 0.1e-6,
        PerGaussian: 16e-9,
        PerParameterStep: 2.0e-9,
        PerStep: 60e-9,
        PerParameterStepInLanes: 0.05e-9,
        PerParameterSample: 1.0e-9,
        PerGaussianInLanes: 1.0e-9);

    /// <summary>
    /// How much longer every piece takes on a machine whose widest vectors are 256 bits (AVX2, no AVX-512): the
    /// geometric mean of <see cref="Default"/>'s estimate over the processor time measured for the four ld-replicas
    /// cases in two bench runs on a 2-core AVX2-only Zen 3 VM (2026-12-07) was 0.33. There the 64-bit multiplies of
    /// the lane Gaussians are emulated and the lanes run as 256-bit halves.
    /// </summary>
    public const double Without512BitFactor = 3.0;

    /// <summary>The calibration of this machine: <see cref="For"/> its widest accelerated vectors (<see cref="Simd.Best"/>).</summary>
    public static ReplicaCostCalibration ThisMachine { get; } = For(Simd.Best);

    /// <summary>
    /// The calibration for a machine whose widest accelerated vectors are <paramref name="width"/>: <see cref="Default"/> with
    /// AVX-512, every piece <see cref="Without512BitFactor"/> times longer without it.
    /// </summary>
    public static ReplicaCostCalibration For(SimdWidth width) => width == SimdWidth.Vector512 ? Default : Default.Scaled(Without512BitFactor);

    /// <summary>Every piece <paramref name="factor"/> times as long.</summary>
    public ReplicaCostCalibration Scaled(double factor) => new(
        PerReplica * factor,
        PerGaussian * factor,
        PerParameterStep * factor,
        PerStep * factor,
        PerParameterStepInLanes * factor,
        PerParameterSample * factor,
        PerGaussianInLanes * factor);
}

/// <summary>
/// The single-core time of a large-deviations point: its replicas × (the fixed cost of a replica, the
/// Gaussians of its initial weights, its K steps of B samples each with d + 1 Gaussians and the step's
/// arithmetic, and the functional). The functional is a pass over the test set only for the test-set risk of a
/// network that is not affine (<see cref="AffineTestRisk"/>), O(N²) for the population risk, and steps cost less in lanes
/// (<see cref="ReplicaBatch.Supports"/>).
/// </summary>
public static class ReplicaCost
{
    /// <summary>
    /// Seconds of one core for the replicas of <paramref name="point"/> (0 for a point without replicas), with
    /// <paramref name="calibration"/> or else <see cref="ReplicaCostCalibration.ThisMachine"/>: the estimate is for a core
    /// like this machine's, and a silo checking its budget estimates for its own.
    /// </summary>
    public static double Seconds(SweepSpec spec, PointSpec point, ReplicaCostCalibration? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        ReplicaCostCalibration c = calibration ?? ReplicaCostCalibration.ThisMachine;
        if (point.ReplicaCount <= 0 || spec.LargeDeviations is not { } ld)
        {
            return 0;
        }

        int d = spec.Data.Dimension;
        IReadOnlyList<int> n = point.Widths;
        double parameters = ((double)n[0] * d) + n.Sum(w => (double)w) + n[^1];
        for (int l = 1; l < n.Count; l++)
        {
            parameters += (double)n[l] * n[l - 1];
        }

        int batch = spec.Training.BatchSize;
        double steps = point.Steps;
        bool lanes = ReplicaBatch.Supports(spec, point);
        double step = lanes
            ? batch * ((c.PerGaussianInLanes * (d + 1)) + (c.PerParameterStepInLanes * parameters))
            : c.PerStep + (batch * ((c.PerGaussian * (d + 1)) + (c.PerParameterStep * parameters)));
        bool risk = ld.Functional == LdFunctionals.Risk;
        bool pass = risk && spec.Observe.Risk == RiskKinds.Test && !AffineTestRisk.Applies(spec);
        bool population = risk && spec.Observe.Risk == RiskKinds.Population;
        double functional = c.PerParameterSample * parameters * (pass ? spec.Observe.TestSamples : population ? n[0] : d + 1);
        double initial = (LaneInitialization.Applies(spec, point) ? c.PerGaussianInLanes : c.PerGaussian) * parameters;
        return point.ReplicaCount * (c.PerReplica + initial + (steps * step) + functional);
    }
}
