using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Specs;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Limit;

/// <summary>
/// The linear-neuron reduction against the engine's own SGD (docs/large-deviations.md, "The limiting rate
/// function"): replicas of the real training loop at step α/N give the mean weight m(T); its mean must be the
/// solver's typical endpoint and N·Var(m(T)) the inverse curvature of the solver's endpoint rate J at its minimum
/// (J(m) ≈ (m − m̄)²/(2v) near m̄, and N·Var → v), each within 4 standard errors plus the O(1/N) bias bound.
/// A wrong factor in the step, the multiplier or the noise amplitude would move one of them by far more.
/// </summary>
public sealed class LinearNeuronLimitTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(LdModes.Quenched)]
    [InlineData(LdModes.Annealed)]
    public void TheEnginesMeanWeightHasTheSolversTypicalValueAndCurvature(string mode)
    {
        SweepSpec spec = LinearNeuronSpecs.Parse(LinearNeuronSpecs.Noisy);
        Assert.Null(LimitingRateFunction.Check(spec));
        const int width = 64, replicas = 2000;
        var data = (TeacherStudentData)DataModel.Create(spec.Data, spec.Seed);
        double alpha = 0.5;
        var law = new LinearNeuronIncrements(alpha, data.LinearCoefficients![0], data.Noise, spec.Training.Ridge, spec.Training.Beta!.Value);
        var solver = new PathActionSolver(law, 1 / alpha, mode == LdModes.Annealed ? new GaussianInitialLaw(0, 0.6) : null);
        double typical = solver.Typical, h = 0.01;
        double curvature = (solver.Endpoint(typical + h).Rate + solver.Endpoint(typical - h).Rate) / (h * h);

        PointSpec point = SweepPlanner.Expand(spec).First(p => p.Width == width && p.Mode == mode);
        var means = new double[replicas];
        for (int r = 0; r < replicas; r++)
        {
            means[r] = LinearReplica.MeanWeight(spec, point, data, r);
        }

        double mean = means.Average();
        double variance = means.Sum(v => (v - mean) * (v - mean)) / (replicas - 1);
        double se = Math.Sqrt(variance / replicas);
        double nVar = width * variance, nVarSe = nVar * Math.Sqrt(2.0 / (replicas - 1));
        output.WriteLine($"{mode}: mean {mean:F5} ± {se:F5} vs typical {typical:F5}; N·Var {nVar:F4} ± {nVarSe:F4} vs 1/J'' {1 / curvature:F4}");
        Assert.InRange(mean - typical, (-4 * se) - (2.0 / width), (4 * se) + (2.0 / width));
        Assert.InRange(nVar - (1 / curvature), (-4 * nVarSe) - (nVar * 4.0 / width), (4 * nVarSe) + (nVar * 4.0 / width));
    }
}

/// <summary>One replica of a large-deviations point of the linear neuron, returning its mean weight m(T) instead of F.</summary>
internal static class LinearReplica
{
    public static double MeanWeight(SweepSpec spec, PointSpec point, DataModel data, int replica)
    {
        var runner = new ReplicaRunner(spec, point, data, null, null);
        MeanFieldNetwork network = runner.Train(replica) ?? throw new InvalidOperationException($"replica {replica} diverged");
        return network.FirstLayer.ToArray().Average();
    }
}
