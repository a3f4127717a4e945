using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;
using MeanFieldCluster.Engine.Randomness;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.RareEvents;

/// <summary>
/// Adaptive multilevel splitting on a chain whose finite-N endpoint law is exact: the Gaussian AR(1) chain
/// X_{k+1} = X_k + (b − c X_k)/N + (√v/N) Z over N·S steps (pure Langevin noise on a frozen data term), scored by the
/// predicted endpoint under the mean dynamics. At N·I ≥ 20 (P ≤ 2·10⁻⁹) the exact P lies in the 95% interval in at
/// least 90 of 100 repetitions; the runs are reproducible as a whole from their stream.
/// </summary>
public sealed class SplittingTests(ITestOutputHelper output)
{
    [Fact]
    public void SplittingCoversTheExactGaussianChainTailInAtLeast90Of100Repetitions()
    {
        double level = 0.95;
        var chain = new GaussianChain(width: 40, steps: 40, segments: 20, b: 0.5, c: 1.0, v: 1.0, level, TailSide.Upper);
        double logExact = chain.LogUpperTail(level);
        Assert.True(-logExact >= 20, $"N·I = {-logExact}");
        var settings = new SplittingSettings(Particles: 100, KillFraction: 0.1, Runs: 10, MaxReplicas: 100_000);
        int covered = 0;
        long replicas = 0;
        var logs = new List<double>();
        for (int rep = 0; rep < 100; rep++)
        {
            RareEventEstimate e = AdaptiveMultilevelSplitting.Estimate(chain, level, TailSide.Upper, settings, r => RandomStreams.Create(7, RandomStreams.Purpose.RareEvents, (ulong)rep, (ulong)r));
            Assert.False(e.Censored, e.Reason);
            covered += e.Covers(logExact) ? 1 : 0;
            replicas = Math.Max(replicas, e.Replicas);
            logs.Add(e.LogProbability);
        }

        output.WriteLine($"ln P exact {logExact:F4} (P = {Math.Exp(logExact):E3}); mean ln P̂ {logs.Average():F4}; covered {covered}/100; at most {replicas} trajectories per estimate");
        Assert.True(covered >= 90, $"covered in only {covered} of 100 repetitions");
        Assert.True(replicas <= 100_000);
    }

    [Fact]
    public void ARunIsReproducibleFromItsStreamAndTheLowerTailRunsOnTheNegatedScore()
    {
        var chain = new GaussianChain(width: 20, steps: 20, segments: 5, b: 0.5, c: 1.0, v: 1.0, -0.3, TailSide.Lower);
        var a = RandomStreams.Create(3, RandomStreams.Purpose.RareEvents, 1);
        var b = RandomStreams.Create(3, RandomStreams.Purpose.RareEvents, 1);
        var first = AdaptiveMultilevelSplitting.Run(chain, -0.3, 100, 0.1, 100_000, ref a);
        var second = AdaptiveMultilevelSplitting.Run(chain, -0.3, 100, 0.1, 100_000, ref b);
        Assert.Equal(first, second);
        double exact = chain.LogLowerTail(-0.3);
        output.WriteLine($"lower tail: ln P̂ = {first.LogProbability:F3}, exact {exact:F3}");
        Assert.InRange(first.LogProbability, exact - 1.5, exact + 1.5);
    }

    [Fact]
    public void AnExhaustedBudgetCensorsTheEstimateWithAReason()
    {
        var chain = new GaussianChain(width: 40, steps: 40, segments: 10, b: 0.5, c: 1.0, v: 1.0, 0.95, TailSide.Upper);
        RareEventEstimate e = AdaptiveMultilevelSplitting.Estimate(chain, 1.7, TailSide.Upper, new SplittingSettings(100, 0.1, 2, 300), r => RandomStreams.Create(1, RandomStreams.Purpose.RareEvents, (ulong)r));
        Assert.True(e.Censored);
        Assert.Contains("budget", e.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// The Gaussian AR(1) chain from X_0 = 0, a = 1 − c/N. The score is the standardized distance of the predicted end
    /// E[X_K | X_k] = m* + (X_k − m*) a^{K−k} to the level, divided by the remaining standard deviation.
    /// </summary>
    private sealed class GaussianChain(int width, int steps, int segments, double b, double c, double v, double level, TailSide side) : SplittingModel
    {
        private readonly double _a = 1 - (c / width);
        private readonly double _sign = side == TailSide.Upper ? 1 : -1;

        public override int Segments => segments;

        public override double[] Start(ref Xoshiro256 rng) => [0.0];

        public override double[]? Advance(double[] state, int segment, ref Xoshiro256 rng)
        {
            double x = state[0];
            for (int k = 0; k < steps / segments; k++)
            {
                x += ((b - (c * x)) / width) + (Math.Sqrt(v) / width * rng.NextGaussian());
            }

            return [x];
        }

        public override double Score(double[] state, int checkpoint)
        {
            int remaining = (segments - checkpoint) * (steps / segments);
            double predicted = (b / c) + ((state[0] - (b / c)) * Math.Pow(_a, remaining));
            double sd = Math.Sqrt(v / ((double)width * width) * (1 - Math.Pow(_a, 2 * remaining)) / (1 - (_a * _a)));
            return _sign * (predicted - level) / sd;
        }

        public override bool Reached(double[] state) => _sign * (state[0] - level) >= 0;

        public double LogUpperTail(double x) => Math.Log(Normal.CDF(0, 1, -(x - Mean) / Math.Sqrt(Variance)));

        public double LogLowerTail(double x) => Math.Log(Normal.CDF(0, 1, (x - Mean) / Math.Sqrt(Variance)));

        private double Mean => (b / c) * (1 - Math.Pow(_a, steps));

        private double Variance => v / ((double)width * width) * (1 - Math.Pow(_a, 2 * steps)) / (1 - (_a * _a));
    }
}
