using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class GaussianDataTests
{
    private const int Samples = 40_000;

    [Fact]
    public void IsotropicLabelsAreBalancedAndEveryCoordinateHasVarianceOnePlusYDeltaSquared()
    {
        CheckMixture(new IsotropicGaussianData(5, 0.5), informative: 5, delta: 0.5, seed: 11);
    }

    [Fact]
    public void AnisotropicLabelsAreBalancedAndOnlyTheFirstS0CoordinatesDependOnTheLabel()
    {
        CheckMixture(new AnisotropicGaussianData(6, 0.6, 2), informative: 2, delta: 0.6, seed: 12);
    }

    [Fact]
    public void AnisotropicWithAllCoordinatesInformativeReplaysTheIsotropicStream()
    {
        var iso = new IsotropicGaussianData(4, 0.3);
        var aniso = new AnisotropicGaussianData(4, 0.3, 4);
        var rngA = RandomStreams.Create(3, RandomStreams.Purpose.Training);
        var rngB = RandomStreams.Create(3, RandomStreams.Purpose.Training);
        var xa = new double[4];
        var xb = new double[4];
        for (int m = 0; m < 100; m++)
        {
            Assert.Equal(iso.Sample(ref rngA, xa), aniso.Sample(ref rngB, xb));
            Assert.Equal(xa, xb);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void AnisotropicRejectsInformativeDimensionsOutsideOneToD(int s0)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnisotropicGaussianData(6, 0.5, s0));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void BothMixturesRejectDeltaOutsideZeroToOne(double delta)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsotropicGaussianData(3, delta));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnisotropicGaussianData(3, delta, 1));
    }

    [Fact]
    public void ASampleBufferOfTheWrongLengthIsRejected()
    {
        var data = new AnisotropicGaussianData(3, 0.5, 1);
        var rng = RandomStreams.Create(1, RandomStreams.Purpose.Training);
        var x = new double[4];
        Assert.Throws<ArgumentException>(() => data.Sample(ref rng, x));
    }

    private static void CheckMixture(DataModel data, int informative, double delta, ulong seed)
    {
        int d = data.Dimension;
        var rng = RandomStreams.Create(seed, RandomStreams.Purpose.Training);
        var x = new double[d];
        int[] count = new int[2];
        double[,] sumSquares = new double[2, d];
        for (int m = 0; m < Samples; m++)
        {
            double y = data.Sample(ref rng, x);
            Assert.True(y is 1.0 or -1.0);
            int c = y > 0 ? 1 : 0;
            count[c]++;
            for (int j = 0; j < d; j++)
            {
                sumSquares[c, j] += x[j] * x[j];
            }
        }

        // Label balance: a binomial proportion, SE = 1/2 / sqrt(n).
        double share = count[1] / (double)Samples;
        Assert.InRange(share, 0.5 - (4 * 0.5 / Math.Sqrt(Samples)), 0.5 + (4 * 0.5 / Math.Sqrt(Samples)));

        // E[x_j² | y] = s², and x_j² has standard deviation sqrt(2) s², so SE = sqrt(2) s² / sqrt(n_y).
        for (int c = 0; c < 2; c++)
        {
            double y = c == 1 ? 1.0 : -1.0;
            for (int j = 0; j < d; j++)
            {
                double scale = j < informative ? 1 + (y * delta) : 1.0;
                double expected = scale * scale;
                double se = Math.Sqrt(2) * expected / Math.Sqrt(count[c]);
                double observed = sumSquares[c, j] / count[c];
                Assert.True(Math.Abs(observed - expected) < 4 * se, $"y = {y}, coordinate {j}: E[x²] = {observed}, expected {expected} ± {4 * se}");
            }
        }
    }
}
