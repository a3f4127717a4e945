using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Numerics;

public sealed class RandomTests
{
    [Fact]
    public void XoshiroMatchesTheReferenceOutputsForAKnownState()
    {
        // Reference: the C implementation of xoshiro256** from state {1, 2, 3, 4}.
        var rng = new Xoshiro256(new RandomState(1, 2, 3, 4, false, 0));

        Assert.Equal(11520UL, rng.NextUInt64());
        Assert.Equal(0UL, rng.NextUInt64());
        Assert.Equal(1509978240UL, rng.NextUInt64());
        Assert.Equal(1215971899390074240UL, rng.NextUInt64());
    }

    [Fact]
    public void ACapturedStateContinuesTheStreamExactlyIncludingACachedGaussian()
    {
        var a = RandomStreams.Create(5, RandomStreams.Purpose.Training, 100, 1);
        a.NextGaussian();
        var b = new Xoshiro256(a.GetState());

        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(a.NextGaussian(), b.NextGaussian());
        }
    }

    [Fact]
    public void StreamsDifferByEveryKeyAndPurpose()
    {
        ulong[] firsts =
        [
            RandomStreams.Create(1, RandomStreams.Purpose.Training, 10, 0).NextUInt64(),
            RandomStreams.Create(1, RandomStreams.Purpose.Training, 10, 1).NextUInt64(),
            RandomStreams.Create(1, RandomStreams.Purpose.Training, 11, 0).NextUInt64(),
            RandomStreams.Create(2, RandomStreams.Purpose.Training, 10, 0).NextUInt64(),
            RandomStreams.Create(1, RandomStreams.Purpose.Initialization, 10, 0).NextUInt64(),
            RandomStreams.Create(1, RandomStreams.Purpose.Training, 0, 10).NextUInt64(),
        ];

        Assert.Equal(firsts.Length, firsts.Distinct().Count());
    }

    [Fact]
    public void GaussiansHaveMeanZeroAndVarianceOneWithinSamplingError()
    {
        var rng = RandomStreams.Create(9, RandomStreams.Purpose.Training);
        const int n = 400_000;
        double sum = 0, sumSq = 0, sum4 = 0;
        for (int i = 0; i < n; i++)
        {
            double g = rng.NextGaussian();
            sum += g;
            sumSq += g * g;
            sum4 += g * g * g * g;
        }

        double mean = sum / n, variance = (sumSq / n) - (mean * mean);
        Assert.InRange(mean, -4 / Math.Sqrt(n), 4 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - (4 * Math.Sqrt(2.0 / n)), 1 + (4 * Math.Sqrt(2.0 / n)));
        Assert.InRange(sum4 / n, 3 - (4 * Math.Sqrt(96.0 / n)), 3 + (4 * Math.Sqrt(96.0 / n)));
    }

    [Fact]
    public void UniformDoublesLieInTheUnitIntervalWithMeanOneHalf()
    {
        var rng = new Xoshiro256(123);
        double sum = 0;
        for (int i = 0; i < 100_000; i++)
        {
            double u = rng.NextDouble();
            Assert.InRange(u, 0.0, 1.0 - double.Epsilon);
            sum += u;
        }

        Assert.InRange(sum / 100_000, 0.5 - (4 * 0.2887 / Math.Sqrt(100_000)), 0.5 + (4 * 0.2887 / Math.Sqrt(100_000)));
    }
}
