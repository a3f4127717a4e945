using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The exact finite-N population risk of MATH section 4.1.</summary>
public sealed class PopulationRiskTests
{
    private const double Delta = 0.8, Kappa = 0.8;
    private static readonly RampParameters Mmn = RampParameters.Mmn;

    /// <summary>Weights of a width × d network drawn i.i.d. N(0, κ²/d) from one seed (κ = 0.8).</summary>
    internal static double[] RandomWeights(int width, int d, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        var w = new double[width * d];
        for (int k = 0; k < w.Length; k++)
        {
            w[k] = Kappa / Math.Sqrt(d) * rng.NextGaussian();
        }

        return w;
    }

    /// <summary>The mean loss of the mmn-isotropic network with these weights over fresh samples, with its standard error.</summary>
    internal static (double Mean, double StdErr) MonteCarloRisk(double[] w, int width, int d, DataModel data, int samples, ulong seed)
    {
        var network = new MeanFieldNetwork(new Ramp(Mmn.T1, Mmn.T2, Mmn.S1, Mmn.S2), d, [width], [1.0], hasBias: false, new TrainSpec(true, false, false, false), meanFieldScaling: true);
        w.CopyTo(network.FirstLayer);
        network.Output.Fill(1.0);
        var rng = new Xoshiro256(seed);
        var x = new double[d];
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < samples; k++)
        {
            double loss = network.Loss(x, data.Sample(ref rng, x));
            sum += loss;
            sumSquares += loss * loss;
        }

        double mean = sum / samples;
        return (mean, Math.Sqrt(((sumSquares / samples) - (mean * mean)) / (samples - 1)));
    }

    [Fact]
    public void ThePopulationRiskAgreesWithAMillionSampleMonteCarloEstimateWithinThreeStandardErrors()
    {
        const int width = 20, d = 5, samples = 1_000_000;
        double[] w = RandomWeights(width, d, 11);
        (double mean, double stdErr) = MonteCarloRisk(w, width, d, new IsotropicGaussianData(d, Delta), samples, 12);
        PopulationRiskEstimate exact = PopulationRisk.Compute(w, width, d, Delta, Mmn);

        Assert.True(Math.Abs(exact.Risk - mean) < 3 * stdErr, $"exact {exact.Risk}, Monte Carlo {mean} ± {stdErr}");
        Assert.True(exact.ExactPairs > 0, "in d = 5 some cosines are close to ±1 and take the exact bivariate formula");
    }

    [Fact]
    public void TheSeriesAgreesWithTheExactBivariateFormulaWithinItsStatedBound()
    {
        double[] w = RandomWeights(30, 3, 21);

        PopulationRiskEstimate series = PopulationRisk.Compute(w, 30, 3, Delta, Mmn, 1e-12, RampGaussian.MaxOrder);
        PopulationRiskEstimate exact = PopulationRisk.Compute(w, 30, 3, Delta, Mmn, 1e-12, maxOrder: 0);

        Assert.True(series.SeriesPairs > 0 && exact.SeriesPairs < series.SeriesPairs);
        Assert.True(series.TruncationBound <= 1e-12);
        Assert.True(Math.Abs(series.Risk - exact.Risk) <= series.TruncationBound + 1e-12, $"{series.Risk} vs {exact.Risk}");
    }

    [Fact]
    public void OneNeuronHasRiskOneMinusTwiceItsCorrelationPlusItsSecondMoment()
    {
        var gauss = new RampGaussian(Mmn);
        double[] w = [0.3, -0.4, 1.2];
        double r = 1.3;

        double v = -0.5 * (gauss.Mean((1 + Delta) * r) - gauss.Mean((1 - Delta) * r));
        double second = 0.5 * (gauss.SecondMoment((1 + Delta) * r) + gauss.SecondMoment((1 - Delta) * r));

        Assert.Equal(1 + (2 * v) + second, PopulationRisk.Compute(w, 1, 3, Delta, Mmn).Risk, 13);
    }

    [Fact]
    public void ZeroAndDuplicateNeuronsAreHandledWithoutNaN()
    {
        double[] w = [0, 0, 0, 0.5, 0.1, -0.3, 0.5, 0.1, -0.3, -1.0, -0.2, 0.6];

        PopulationRiskEstimate estimate = PopulationRisk.Compute(w, 4, 3, Delta, Mmn);

        Assert.True(double.IsFinite(estimate.Risk));
        Assert.Equal(PopulationRisk.Compute(w, 4, 3, Delta, Mmn, 1e-12, maxOrder: 0).Risk, estimate.Risk, 12);
    }

    [Fact]
    public void AtRandomInitialWeightsThePopulationRiskApproachesThePdeRiskAtTimeZeroAsTheWidthGrows()
    {
        double pde = RadialPdeSolver.Solve(RadialPdeSettings.MmnFigure1 with { OutputTimes = [0.0] }).Risks[0];

        // E R_N - R = O(1/N) (the diagonal) plus O(1/√N) fluctuations: averaged over three draws.
        double Gap(int width) => Enumerable.Range(0, 3).Average(seed => Math.Abs(PopulationRisk.Compute(RandomWeights(width, 40, (ulong)((100 * width) + seed)), width, 40, Delta, Mmn).Risk - pde));

        double narrow = Gap(25), wide = Gap(1600);
        Assert.True(wide < 0.02 && wide < narrow / 5, $"gap {narrow} at N = 25, {wide} at N = 1600");
    }

    [Fact]
    public void InvalidShapesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => PopulationRisk.Compute(new double[5], 2, 3, Delta, Mmn));
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationRisk.Compute(new double[6], 2, 3, 1.0, Mmn));
        Assert.Throws<ArgumentException>(() => PopulationRisk.Compute([double.NaN, 0, 0], 1, 3, Delta, Mmn));
    }
}
