using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Batched;

/// <summary>
/// The form of validate's estimate for replicas (<see cref="ReplicaCost"/>), from a calibration the test sets,
/// so nothing depends on the machine's speed: each piece counted once, in the units it is calibrated in.
/// </summary>
public sealed class ReplicaCostTests
{
    private const string Sweep = """
        name: ld-cost
        seed: 3
        task: large-deviations
        model: {preset: PRESET, activation: ACTIVATION, init: {kappa: 0.5}}
        data: {kind: teacher-student, d: 3, noise: 0.3, teacher: {width: 1, activation: identity, seed: 2}}
        training: {horizon: 0.5}
        observe: {test_samples: 2000}
        grid: {width: [16], step_size: ["0.25/N"]}
        large_deviations: {functional: risk, replicas: 1000, batch_size: 1000, modes: [annealed], x_grid: [0.1], k_grid: [-1, 0, 1]}
        """;

    // Each piece at its own power of ten, so a piece counted twice or not at all changes a known digit.
    private static readonly ReplicaCostCalibration Unit = new(
        PerReplica: 1e6, PerGaussian: 1e3, PerParameterStep: 1e1, PerStep: 1e5, PerParameterStepInLanes: 1, PerParameterSample: 1e-2, PerGaussianInLanes: 1e2);

    [Fact]
    public void Linear_neuron_in_lanes_with_the_closed_form_risk()
    {
        SweepSpec spec = Parse(Presets.Linear, ActivationKinds.Identity);
        PointSpec point = SweepPlanner.Expand(spec)[0];

        // N = 16, d = 3: P = N d + N + N = 80 parameters; K = T/ε = 0.5 / (0.25/16) = 32 steps.
        Assert.Equal(32, point.Steps);
        double perReplica = 1e6 + (1e2 * 80) + (32 * ((1e2 * 4) + (1 * 80))) + (1e-2 * 80 * 4);
        Assert.Equal(point.ReplicaCount * perReplica, ReplicaCost.Seconds(spec, point, Unit), 1e-9 * point.ReplicaCount * perReplica);
        Assert.Equal(ReplicaCost.Seconds(spec, point), ResourceEstimator.Estimate(spec, point).Seconds);
    }

    [Fact]
    public void One_at_a_time_with_a_pass_over_the_test_set()
    {
        // tanh has no lane kernel and is not affine: the stepper's costs and a 2000-sample pass per replica.
        SweepSpec spec = Parse(Presets.MmnRelu, ActivationKinds.Tanh);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        double perReplica = 1e6 + (1e3 * 80) + (32 * (1e5 + (1e3 * 4) + (1e1 * 80))) + (1e-2 * 80 * 2000);
        Assert.Equal(point.ReplicaCount * perReplica, ReplicaCost.Seconds(spec, point, Unit), 1e-9 * point.ReplicaCount * perReplica);
    }

    [Fact]
    public void Without_AVX512_every_piece_takes_the_measured_factor_longer_and_the_default_is_this_machines()
    {
        Assert.Equal(ReplicaCostCalibration.Default, ReplicaCostCalibration.For(SimdWidth.Vector512));
        ReplicaCostCalibration c = ReplicaCostCalibration.Default, slower = ReplicaCostCalibration.For(SimdWidth.Vector256);
        double f = ReplicaCostCalibration.Without512BitFactor;
        Assert.Equal(
            [c.PerReplica * f, c.PerGaussian * f, c.PerParameterStep * f, c.PerStep * f, c.PerParameterStepInLanes * f, c.PerParameterSample * f, c.PerGaussianInLanes * f],
            [slower.PerReplica, slower.PerGaussian, slower.PerParameterStep, slower.PerStep, slower.PerParameterStepInLanes, slower.PerParameterSample, slower.PerGaussianInLanes]);
        Assert.Equal(ReplicaCostCalibration.For(SimdWidth.Scalar), slower);

        SweepSpec spec = Parse(Presets.Linear, ActivationKinds.Identity);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        Assert.Equal(ReplicaCost.Seconds(spec, point, ReplicaCostCalibration.For(Simd.Best)), ReplicaCost.Seconds(spec, point));
    }

    private static SweepSpec Parse(string preset, string activation) =>
        SpecLoader.Parse(Sweep.Replace("PRESET", preset, StringComparison.Ordinal).Replace("ACTIVATION", activation, StringComparison.Ordinal), SpecFormat.Yaml);
}
