using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.RareEvents;

/// <summary>
/// Splitting (generalized AMS) on the engine's own SGD against the linear neuron's known answer at T &gt; 0
/// (docs/large-deviations.md, "Splitting against the known answer"): quenched, G = F/F_0 = r² has an exactly computable
/// finite-N tail (<see cref="LinearNeuronFiniteWidth"/>), which is first checked against a direct simulation of the product
/// r; then splitting at N = 40 on a level with N·I ≥ 20 (P ≤ 2·10⁻⁹) must hold it in its 95% interval with at most 10⁵
/// trajectories, and −(1/N) ln P̂ must sit at the closed-form limit I(g) plus the finite-N terms.
/// </summary>
public sealed class SplittingKnownAnswerTests(ITestOutputHelper output)
{
    private const int Width = 40;
    private const int Checkpoints = 20;

    [Fact]
    public void TheSaddlePointTailMatchesADirectSimulationOfTheProduct()
    {
        var exact = new LinearNeuronFiniteWidth(LinearNeuronSpecs.Alpha, LinearNeuronSpecs.Horizon, Width);
        const int samples = 200_000;
        double c = 2 * LinearNeuronSpecs.Alpha / Width;
        var rng = RandomStreams.Create(11, RandomStreams.Purpose.RareEvents, 0);
        double[] levels = [0.25, 0.3];
        var hits = new int[levels.Length];
        for (int s = 0; s < samples; s++)
        {
            double logG = 0;
            for (int k = 0; k < exact.Steps; k++)
            {
                double x = rng.NextGaussian();
                logG += 2 * Math.Log(Math.Abs(1 - (c * x * x)));
            }

            for (int l = 0; l < levels.Length; l++)
            {
                hits[l] += logG >= Math.Log(levels[l]) ? 1 : 0;
            }
        }

        for (int l = 0; l < levels.Length; l++)
        {
            double p = (double)hits[l] / samples, se = Math.Sqrt(p * (1 - p) / samples);
            double predicted = Math.Exp(exact.LogUpperTail(levels[l]));
            output.WriteLine($"G ≥ {levels[l]}: simulated {p:E3} ± {se:E1}, saddle point {predicted:E3}");
            Assert.True(hits[l] >= 100, $"only {hits[l]} hits");
            Assert.InRange(predicted, p - (4 * se) - (0.02 * p), p + (4 * se) + (0.02 * p));
        }
    }

    [Fact]
    public void SplittingHoldsTheExactFiniteWidthTailAtNIAbove20()
    {
        SweepSpec spec = LinearNeuronSpecs.Parse(LinearNeuronSpecs.KnownAnswer, $"grid.width=[{Width}]", "large_deviations.replicas=100", "large_deviations.batch_size=100");
        PointSpec point = SweepPlanner.Expand(spec).Single();
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        double initial = new ReplicaRunner(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed), null).InitialValue(0);
        var exact = new LinearNeuronFiniteWidth(LinearNeuronSpecs.Alpha, LinearNeuronSpecs.Horizon, Width);
        const double g = 0.6;
        double logExact = exact.LogUpperTail(g);
        Assert.True(-logExact >= 20, $"N·I = {-logExact}");

        double level = g * initial;
        var model = new LinearNeuronSplitting(spec, point, level, TailSide.Upper, Checkpoints);
        RareEventEstimate e = AdaptiveMultilevelSplitting.Estimate(model, level, TailSide.Upper, new SplittingSettings(Particles: 100, KillFraction: 0.1, Runs: 10, MaxReplicas: 100_000), r => RandomStreams.Create(5, RandomStreams.Purpose.RareEvents, (ulong)r));
        double limit = new LinearNeuronRate(LinearNeuronSpecs.Alpha, LinearNeuronSpecs.Horizon).RiskRate(g, 1);
        output.WriteLine($"N = {Width}, G ≥ {g}: ln P exact {logExact:F3} (P = {Math.Exp(logExact):E2}); splitting {e.LogProbability:F3}, interval {e.LogInterval}, {e.Replicas} trajectories; −(1/N) ln P: exact {-logExact / Width:F4}, splitting {-e.LogProbability / Width:F4}, limit I {limit:F4}");
        Assert.False(e.Censored, e.Reason);
        Assert.True(e.Replicas <= 100_000, $"{e.Replicas} trajectories");
        Assert.True(e.Covers(logExact), $"ln P exact {logExact} outside {e.LogInterval}");
    }
}
