using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Observables;

public sealed class HistogramTests
{
    [Fact]
    public void BinsAreEqualWidthOverMinToMaxWithTheLastBinClosed()
    {
        // Bins [0, 2) and [2, 4]: the maximum 4 falls in the last bin.
        (double low, double high, long[] counts) = Histogram.Compute([3, 0, 1, 4, 2], 2);

        Assert.Equal(0, low);
        Assert.Equal(4, high);
        Assert.Equal([2L, 3L], counts);
    }

    [Fact]
    public void CountsOfAGaussianSampleSumToTheSampleSize()
    {
        var rng = new Xoshiro256(3);
        var values = new double[1001];
        rng.FillGaussian(values);

        (double low, double high, long[] counts) = Histogram.Compute(values, 32);

        Assert.Equal(32, counts.Length);
        Assert.Equal(1001, counts.Sum());
        Assert.Equal(values.Min(), low);
        Assert.Equal(values.Max(), high);
        Assert.True(counts[0] >= 1 && counts[^1] >= 1);
    }

    [Fact]
    public void AllEqualValuesGoToTheFirstBinWithLowEqualToHigh()
    {
        (double low, double high, long[] counts) = Histogram.Compute([2.5, 2.5, 2.5], 4);

        Assert.Equal(2.5, low);
        Assert.Equal(2.5, high);
        Assert.Equal([3L, 0L, 0L, 0L], counts);
    }

    [Fact]
    public void ASingleBinHoldsEverything()
    {
        (_, _, long[] counts) = Histogram.Compute([-1, 0, 7], 1);

        Assert.Equal([3L], counts);
    }

    [Fact]
    public void EmptyOrNonFiniteSamplesAndNonPositiveBinCountsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Histogram.Compute([], 4));
        Assert.Throws<ArgumentException>(() => Histogram.Compute([1, double.NaN], 4));
        Assert.Throws<ArgumentException>(() => Histogram.Compute([1, double.PositiveInfinity], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute([1, 2], 0));
    }
}
