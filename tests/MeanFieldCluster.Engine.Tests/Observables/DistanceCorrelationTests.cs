using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Observables;

public sealed class DistanceCorrelationTests
{
    private static double[] Gaussians(ulong seed, int count)
    {
        var rng = new Xoshiro256(seed);
        var values = new double[count];
        rng.FillGaussian(values);
        return values;
    }

    [Fact]
    public void DistanceCorrelationOfThreeHandComputedPairsIsTenToTheMinusOneQuarter()
    {
        // x = (0, 1, 2), y = (0, 1, 0): 9A = [[-10, 2, 8], [2, -4, 2], [8, 2, -10]],
        // 9B = [[-2, 4, -2], [4, -8, 4], [-2, 4, -2]]; ΣAB = 72/81, ΣA² = 360/81, ΣB² = 144/81,
        // dCor² = 72 / sqrt(360 · 144) = 1/sqrt(10).
        double dcor = DistanceCorrelation.Compute([0, 1, 2], 1, [0, 1, 0], 1);

        Assert.Equal(Math.Pow(10, -0.25), dcor, 12);
    }

    [Fact]
    public void AVectorIsPerfectlyDistanceCorrelatedWithItself()
    {
        double[] x = Gaussians(1, 100 * 3);

        Assert.Equal(1.0, DistanceCorrelation.Compute(x, 3, x, 3), 12);
    }

    [Fact]
    public void AnAffineImageHasDistanceCorrelationOne()
    {
        double[] x = Gaussians(2, 120);
        double[] y = [.. x.Select(v => (2 * v) + 3)];

        Assert.Equal(1.0, DistanceCorrelation.Compute(x, 1, y, 1), 12);
    }

    [Fact]
    public void IndependentGaussiansHaveASmallDistanceCorrelationAndANonSignificantPValue()
    {
        double[] x = Gaussians(3, 200 * 2);
        double[] y = Gaussians(4, 200 * 3);
        var rng = new Xoshiro256(5);

        (double dcor, double p) = DistanceCorrelation.Test(x, 2, y, 3, 199, ref rng);

        // The V-statistic is biased upward under independence (about 0.2 here); y = x² gives 0.57.
        Assert.InRange(dcor, 0.0, 0.25);
        Assert.True(p > 0.05, $"p = {p}");
    }

    [Fact]
    public void ASquareIsUncorrelatedButDetectedAsDependent()
    {
        double[] x = Gaussians(6, 300);
        double[] y = [.. x.Select(v => v * v)];
        var rng = new Xoshiro256(7);

        (double dcor, double p) = DistanceCorrelation.Test(x, 1, y, 1, 199, ref rng);

        Assert.True(dcor > 0.3, $"dCor = {dcor}");
        Assert.Equal(1.0 / 200, p, 15);
    }

    [Fact]
    public void DistanceCorrelationDoesNotDependOnTheOrderOfThePairs()
    {
        const int n = 80;
        double[] x = Gaussians(8, n * 2);
        double[] y = [.. Enumerable.Range(0, n).Select(i => Math.Sin(x[2 * i]) + (0.5 * x[(2 * i) + 1]))];
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => (i * 37) % n)];
        double[] xPermuted = [.. order.SelectMany(i => new[] { x[2 * i], x[(2 * i) + 1] })];
        double[] yPermuted = [.. order.Select(i => y[i])];

        Assert.Equal(DistanceCorrelation.Compute(x, 2, y, 1), DistanceCorrelation.Compute(xPermuted, 2, yPermuted, 1), 12);
    }

    [Fact]
    public void TheTestReturnsTheSameStatisticAsCompute()
    {
        double[] x = Gaussians(9, 60);
        double[] y = Gaussians(10, 60);
        var rng = new Xoshiro256(11);

        (double dcor, _) = DistanceCorrelation.Test(x, 1, y, 1, 9, ref rng);

        Assert.Equal(DistanceCorrelation.Compute(x, 1, y, 1), dcor, 15);
    }

    [Fact]
    public void PermutationPValuesAreRoughlyUniformUnderIndependence()
    {
        // 200 independent data sets of 40 pairs, 99 permutations each: p takes values k/100 and
        // P(p ≤ 0.1) = 0.1 and P(p ≤ 0.5) = 0.5 under independence (binomial sds 0.021 and 0.035).
        const int repetitions = 200, n = 40;
        var rng = new Xoshiro256(12);
        int belowTenth = 0, belowHalf = 0;
        for (int r = 0; r < repetitions; r++)
        {
            var x = new double[n];
            var y = new double[n];
            rng.FillGaussian(x);
            rng.FillGaussian(y);
            (_, double p) = DistanceCorrelation.Test(x, 1, y, 1, 99, ref rng);
            Assert.InRange(p, 0.01, 1.0);
            belowTenth += p <= 0.1 ? 1 : 0;
            belowHalf += p <= 0.5 ? 1 : 0;
        }

        Assert.InRange(belowTenth / (double)repetitions, 0.04, 0.17);
        Assert.InRange(belowHalf / (double)repetitions, 0.39, 0.61);
    }

    [Fact]
    public void AConstantSampleHasZeroDistanceCorrelationAndPValueOne()
    {
        double[] x = [1, 1, 1, 1];
        double[] y = [1, 2, 3, 4];
        var rng = new Xoshiro256(13);

        Assert.Equal(0.0, DistanceCorrelation.Compute(x, 1, y, 1));
        Assert.Equal((0.0, 1.0), DistanceCorrelation.Test(x, 1, y, 1, 19, ref rng));
    }

    [Fact]
    public void MismatchedRowCountsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => DistanceCorrelation.Compute([1, 2, 3], 1, [1, 2], 1));
        Assert.Throws<ArgumentException>(() => DistanceCorrelation.Compute([1, 2, 3], 2, [1, 2, 3], 2));
    }
}
