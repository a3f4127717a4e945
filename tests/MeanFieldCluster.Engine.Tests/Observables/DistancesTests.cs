using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Observables;

public sealed class DistancesTests
{
    [Theory]
    [InlineData(0.7)]
    [InlineData(-1.25)]
    public void W1AndW2BetweenALawAndItsShiftByCEqualAbsC(double c)
    {
        double[] q = Quantiles.Empirical(TestRandom.Gaussians(1, 200), 64);
        double[] shifted = [.. q.Select(v => v + c)];

        Assert.Equal(Math.Abs(c), Distances.W1(q, shifted), 12);
        Assert.Equal(Math.Abs(c), Distances.W2(q, shifted), 12);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.5)]
    public void DistancesBetweenCenteredNormalsOfDifferentScalesMatchTheirClosedForms(double sigma)
    {
        // Q_σ(p) = σ Φ^{-1}(p): W2 = |σ - 1| sqrt(E Z²) = |σ - 1| and W1 = |σ - 1| E|Z| = |σ - 1| sqrt(2/π).
        // The midpoint rule misses a little of the Gaussian tails: relative error below 0.1% at 4096 levels.
        double[] levels = Quantiles.Levels(4096);
        double[] q1 = [.. levels.Select(p => Normal.InvCDF(0, 1, p))];
        double[] q2 = [.. levels.Select(p => Normal.InvCDF(0, sigma, p))];

        double w2 = Distances.W2(q1, q2);
        double w1 = Distances.W1(q1, q2);

        Assert.InRange(w2 / Math.Abs(sigma - 1), 0.999, 1.0);
        Assert.InRange(w1 / (Math.Abs(sigma - 1) * Math.Sqrt(2 / Math.PI)), 0.999, 1.0);
    }

    [Fact]
    public void W1IsSymmetricAndZeroOnIdenticalLaws()
    {
        double[] a = Quantiles.Empirical(TestRandom.Gaussians(2, 100), 32);
        double[] b = Quantiles.Empirical([.. TestRandom.Gaussians(3, 150).Select(v => (2 * v) + 0.3)], 32);

        Assert.Equal(Distances.W1(a, b), Distances.W1(b, a), 15);
        Assert.Equal(Distances.W2(a, b), Distances.W2(b, a), 15);
        Assert.Equal(0.0, Distances.W1(a, a));
        Assert.Equal(0.0, Distances.W2(b, b));
        Assert.True(Distances.W1(a, b) > 0.1);
    }

    [Fact]
    public void DistancesRejectQuantilesAtDifferentLevelCounts()
    {
        Assert.Throws<ArgumentException>(() => Distances.W1(new double[3], new double[4]));
        Assert.Throws<ArgumentException>(() => Distances.W2([], []));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(100)]
    [InlineData(7)]
    public void PooledQuantilesOfTwoSeedsEqualTheQuantilesOfTheConcatenatedSamples(int levels)
    {
        double[] a = TestRandom.Gaussians(4, 50);
        double[] b = [.. TestRandom.Gaussians(5, 50).Select(v => v + 1)];

        // n samples at n levels: each seed's quantiles are its sorted samples.
        double[] qa = Quantiles.Empirical(a, 50);
        double[] qb = Quantiles.Empirical(b, 50);
        double[] pooled = Distances.PooledQuantiles([qa, qb], levels);

        Assert.Equal(Quantiles.Empirical([.. a, .. b], levels), pooled);
    }

    [Fact]
    public void PooledQuantilesWeighEachSeedEquallyWhateverItsNumberOfValues()
    {
        // Mixture: atoms 0 and 1 with weight 1/4 each, 10..13 with weight 1/8 each;
        // CDF 0.25, 0.5, 0.625, 0.75, 0.875, 1 and levels 1/16, 3/16, ..., 15/16.
        double[] pooled = Distances.PooledQuantiles([[1, 0], [13, 10, 12, 11]], 8);

        Assert.Equal([0, 0, 1, 1, 10, 11, 12, 13], pooled);
    }

    [Fact]
    public void PooledQuantilesOfOneSeedAreItsOwnQuantiles()
    {
        double[] q = Quantiles.Empirical(TestRandom.Gaussians(6, 64), 64);

        Assert.Equal(q, Distances.PooledQuantiles([q], 64));
        Assert.Throws<ArgumentException>(() => Distances.PooledQuantiles([], 8));
        Assert.Throws<ArgumentException>(() => Distances.PooledQuantiles([[1.0], []], 8));
    }

    [Fact]
    public void SphereDirectionsAreUnitVectorsWithoutAPreferredDirection()
    {
        var rng = new Xoshiro256(7);
        const int count = 4000, d = 3;

        double[] u = Distances.SphereDirections(count, d, ref rng);

        Assert.Equal(count * d, u.Length);
        var mean = new double[d];
        for (int k = 0; k < count; k++)
        {
            double norm2 = 0;
            for (int i = 0; i < d; i++)
            {
                norm2 += u[(k * d) + i] * u[(k * d) + i];
                mean[i] += u[(k * d) + i] / count;
            }

            Assert.Equal(1.0, norm2, 12);
        }

        // Each coordinate has variance 1/d, so the mean of 4000 has sd 0.009.
        Assert.All(mean, m => Assert.InRange(m, -0.04, 0.04));
    }

    [Fact]
    public void SlicedW2OfIdenticalCloudsIsZero()
    {
        var rng = new Xoshiro256(8);
        double[] cloud = TestRandom.Gaussians(9, 100 * 4);
        List<IReadOnlyList<double>> projections = Project(cloud, 4, Distances.SphereDirections(16, 4, ref rng), 100);

        Assert.Equal(0.0, Distances.SlicedW2(projections, projections));
    }

    [Fact]
    public void SlicedW2OfACloudAndItsShiftByVIsAboutNormOfVOverSqrtD()
    {
        // Projections shift by <u, v>, so SW2² = mean_k <u_k, v>² → E<u, v>² = |v|²/d for uniform u.
        const int n = 200, d = 5, directionCount = 4000;
        double[] v = [0.3, -1.2, 0.5, 2.0, 0.1];
        double[] cloud = TestRandom.Gaussians(10, n * d);
        double[] shifted = [.. cloud.Select((x, i) => x + v[i % d])];
        var rng = new Xoshiro256(11);
        double[] directions = Distances.SphereDirections(directionCount, d, ref rng);

        double sw2 = Distances.SlicedW2(Project(cloud, d, directions, n), Project(shifted, d, directions, n));

        double expected = Math.Sqrt(v.Sum(x => x * x) / d);

        // <u, v>²/|v|² ~ Beta(1/2, 2): sd 0.21 per direction, so the mean of 4000 is within 1.7% (1 sd).
        Assert.InRange(sw2 / expected, 0.96, 1.04);
    }

    [Fact]
    public void SlicedW2NeedsTheSameDirectionsOnBothSides()
    {
        Assert.Throws<ArgumentException>(() => Distances.SlicedW2([[1.0]], [[1.0], [2.0]]));
        Assert.Throws<ArgumentException>(() => Distances.SlicedW2([], []));
    }

    private static List<IReadOnlyList<double>> Project(double[] cloud, int d, double[] directions, int n)
    {
        List<IReadOnlyList<double>> result = [];
        for (int k = 0; k < directions.Length / d; k++)
        {
            var projection = new double[n];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < d; c++)
                {
                    projection[i] += cloud[(i * d) + c] * directions[(k * d) + c];
                }
            }

            result.Add(Quantiles.Empirical(projection, n));
        }

        return result;
    }
}
