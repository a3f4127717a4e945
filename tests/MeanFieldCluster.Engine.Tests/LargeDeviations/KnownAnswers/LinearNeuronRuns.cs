using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.KnownAnswers;

/// <summary>
/// Engine runs of the linear-neuron known answer (docs/large-deviations.md): preset linear, d = 1, teacher
/// y = θ* x, step α/N with α = 0.25, T = 0.5 (K = 2N steps), functional risk on a test set. The replicas are run
/// by <see cref="ReplicaRunner"/> exactly as a point grain runs them.
/// </summary>
internal static class LinearNeuronRuns
{
    public const double Alpha = 0.25;
    public const double Horizon = 0.5;

    public static string Yaml(string modes, string init, int replicas) => $$$"""
        name: ld-linear-known
        seed: 3
        task: large-deviations
        model: {preset: linear, activation: identity, init: {{{init}}}}
        data: {kind: teacher-student, d: 1, teacher: {width: 1, activation: identity, seed: 2}}
        training: {horizon: {{{Horizon}}}}
        observe: {test_samples: 10}
        grid: {width: [16, 32, 64], step_size: ["{{{Alpha}}}/N"]}
        large_deviations:
          functional: risk
          replicas: {{{replicas}}}
          batch_size: {{{replicas}}}
          modes: [{{{modes}}}]
          x_grid: [0.1]
          k_grid: [-1, 0, 1]
        """;

    /// <summary>F_r of every replica of one (mode, width, draw), and the initial risk F_0 of the draw (quenched) .</summary>
    public static (double[] Samples, double InitialRisk) Run(SweepSpec spec, PointSpec point)
    {
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        var runner = new ReplicaRunner(spec, point, data, testSet, null);
        var samples = new double[point.ReplicaCount];
        for (int r = 0; r < samples.Length; r++)
        {
            samples[r] = runner.Run(point.ReplicaStart + r);
        }

        return (samples, runner.InitialValue(point.ReplicaStart));
    }
}
