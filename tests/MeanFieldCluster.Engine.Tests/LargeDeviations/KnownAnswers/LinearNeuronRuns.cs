using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.KnownAnswers;

/// <summary>
/// Engine runs of the linear-neuron sweeps (<see cref="LinearNeuronSpecs"/>): the replicas are run by
/// <see cref="ReplicaRunner"/> exactly as a point grain runs them.
/// </summary>
internal static class LinearNeuronRuns
{
    /// <summary>F_r of every replica of one (mode, width, draw), and the initial risk F_0 of the draw (quenched) .</summary>
    public static (double[] Samples, double InitialRisk) Run(SweepSpec spec, PointSpec point)
    {
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        var runner = new ReplicaRunner(spec, point, data, testSet, null);
        double[] samples = runner.RunMany(point.ReplicaStart, point.ReplicaCount);
        return (samples, runner.InitialValue(point.ReplicaStart));
    }
}
